"""Strict checkpoint loading for evaluation.

mmengine's runner loads ``load_from`` non-strictly: a checkpoint of
another class count loads with a "size mismatch" warning, the classifier
keeps its random initialisation and ``tools/test.py`` reports chance
accuracy with exit 0. :func:`load_checkpoint_strictly` refuses any
missing, unexpected or mis-shaped key, naming them. The one expected
difference is handled explicitly: the training-only FAM / FRM heads
(``fam_head.*``, ``frm_head.*``) of an MMCL checkpoint are dropped when
the model has no such head (a skeleton-only model), and an exported
skeleton-only checkpoint may lack them when the model has them (they are
not used at test time). Fine-tuning (``load_from`` in training) keeps
mmengine's documented non-strict path.
"""
from collections import OrderedDict
from typing import Dict, List, Mapping, Tuple

import torch
from mmengine.model import is_model_wrapper

from mmcl_plugin.engine.checkpoint_loading import load_checkpoint_file
from mmcl_plugin.models.recognizers.mmcl_recognizer import AUX_HEAD_PREFIXES

#: How many keys of each kind the error lists.
MAX_LISTED = 10


class CheckpointMismatchError(RuntimeError):
    """A checkpoint that does not fit the model; the message names the
    file and the keys."""


def _listed(keys: List[str]) -> str:
    shown = ', '.join(keys[:MAX_LISTED])
    more = len(keys) - MAX_LISTED
    return shown + (f' ... and {more} more' if more > 0 else '')


def mismatch_problems(model_state: Mapping[str, torch.Tensor],
                      state_dict: Mapping[str, torch.Tensor]) -> List[str]:
    """What keeps ``state_dict`` from loading strictly into a model.

    Args:
        model_state (Mapping): The model's ``state_dict()`` (the keys it
            needs).
        state_dict (Mapping): The tensors to load.

    Returns:
        list[str]: One entry per kind of problem (keys of another shape,
        with both shapes; keys missing from ``state_dict``; keys the model
        lacks), each listing its keys; empty when everything fits.
    """
    missing = [k for k in model_state if k not in state_dict]
    unexpected = [k for k in state_dict if k not in model_state]
    mismatched = [
        f'{k} (checkpoint {tuple(v.shape)}, model '
        f'{tuple(model_state[k].shape)})' for k, v in state_dict.items()
        if k in model_state and hasattr(v, 'shape')
        and tuple(v.shape) != tuple(model_state[k].shape)
    ]
    problems = []
    if mismatched:
        problems.append(f'{len(mismatched)} of another shape: '
                        f'{_listed(mismatched)}')
    if missing:
        problems.append(f'{len(missing)} missing from the checkpoint: '
                        f'{_listed(missing)}')
    if unexpected:
        problems.append(f'{len(unexpected)} not in the model: '
                        f'{_listed(unexpected)}')
    return problems


def fit_state_dict(model_state: Mapping[str, torch.Tensor],
                   state_dict: Mapping[str, torch.Tensor], filename: str
                   ) -> Tuple['OrderedDict', List[str]]:
    """The checkpoint's state dict for the model, or an error.

    Args:
        model_state (Mapping): The model's ``state_dict()``.
        state_dict (Mapping): The checkpoint's (``module.`` prefixes are
            removed).
        filename (str): The checkpoint, for the message.

    Returns:
        tuple[OrderedDict, list[str]]: The state dict to load and notes
        on the training-only keys dropped or absent.

    Raises:
        CheckpointMismatchError: Naming the missing, unexpected and
            mis-shaped keys (with both shapes).
    """
    state = OrderedDict(
        (key[len('module.'):] if key.startswith('module.') else key, value)
        for key, value in state_dict.items())
    notes = []
    dropped = [k for k in state
               if k.startswith(AUX_HEAD_PREFIXES) and k not in model_state]
    if dropped:
        for key in dropped:
            del state[key]
        heads = sorted({k.split('.', 1)[0] for k in dropped})
        notes.append(f'{filename}: dropped the {len(dropped)} parameters of '
                     f'the training-only {", ".join(heads)} (the model has '
                     'no such head).')
    absent = [k for k in model_state
              if k.startswith(AUX_HEAD_PREFIXES) and k not in state]
    if absent:
        heads = sorted({k.split('.', 1)[0] for k in absent})
        notes.append(f'{filename} has no {", ".join(heads)} parameters (a '
                     'skeleton-only checkpoint): the training-only heads '
                     'keep their initialisation; the test does not use '
                     'them.')
    problems = mismatch_problems(
        {k: v for k, v in model_state.items()
         if k in state or not k.startswith(AUX_HEAD_PREFIXES)}, state)
    if problems:
        raise CheckpointMismatchError(
            f'{filename} does not fit the model (a checkpoint of another '
            'config, class count or backbone?): ' + '; '.join(problems) +
            '.')
    return state, notes


def load_checkpoint_strictly(runner, filename: str) -> Dict:
    """Load ``filename`` into ``runner.model`` strictly (see the module).

    Reads the file with mmengine's loader (weights-only, checksum
    verified), calls the hooks' ``after_load_checkpoint`` as
    ``Runner.load_checkpoint`` does, and logs what was dropped.

    Args:
        runner: The runner (``runner.model``, ``runner.logger``).
        filename (str): The checkpoint.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        CheckpointMismatchError: The checkpoint does not fit the model.
    """
    checkpoint = load_checkpoint_file(filename, map_location='cpu')
    if not isinstance(checkpoint, dict):
        raise CheckpointMismatchError(
            f'{filename}: not a checkpoint (a {type(checkpoint).__name__})')
    runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    state, notes = fit_state_dict(model.state_dict(),
                                  checkpoint.get('state_dict', checkpoint),
                                  filename)
    model.load_state_dict(state, strict=False)  # all checked above
    for note in notes:
        runner.logger.info(note)
    runner.logger.info(f'Loaded checkpoint {filename} (strictly).')
    return checkpoint


__all__ = [
    'AUX_HEAD_PREFIXES', 'CheckpointMismatchError', 'fit_state_dict',
    'load_checkpoint_strictly', 'mismatch_problems'
]

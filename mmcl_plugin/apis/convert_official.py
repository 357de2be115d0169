"""Load checkpoints of the official CTR-GCN and MMCL code into this plugin.

The official code (CTR-GCN, Chen et al., ICCV 2021; MMCL, Liu et al., ACM
MM 2024, which trains the same CTR-GCN ``Model``) saves plain state dicts,
with a ``module.`` prefix when saved from ``DataParallel``. Its names map
onto this plugin's ``RecognizerGCN`` / ``MMCLRecognizer`` with
:class:`~mmcl_plugin.models.backbones.CTRGCN` and ``GCNHead``:

==================================  =================================
official                            plugin (``U`` = ``backbone.units``)
==================================  =================================
``data_bn.*``                       ``backbone.data_bn.*``
``l{i}.gcn1.convs.{k}.conv{n}.*``   ``U.{i-1}.gcn.convs.{k}.conv{n}.*``
``l{i}.gcn1.PA``                    ``U.{i-1}.gcn.A``
``l{i}.gcn1.{alpha,bn,down}...``    ``U.{i-1}.gcn.{alpha,bn,down}...``
``l{i}.tcn1.branches.{b}.{j}.*``    ``U.{i-1}.tcn.branches.{b}.{j}.*``
``l{i}.tcn1.branches.{b}.3.conv.*`` ``U.{i-1}.tcn.branches.{b}.3.0.*``
``l{i}.tcn1.branches.{b}.3.bn.*``   ``U.{i-1}.tcn.branches.{b}.3.1.*``
``l{i}.residual.conv/bn.*``         ``U.{i-1}.residual.0/1.*``
``fc.*``                            ``cls_head.fc.*``
==================================  =================================

MMCL's training-only parameters: the FRM (``mlp.0``, ``mlp.2``: the text
MLP; ``PosMatrix``, ``NegMatrix``: the K = 2 class vectors) maps onto
``frm_head.unify.0``, ``frm_head.weight_fc`` and the rows of
``frm_head.class_matrices`` when an FRM head is wanted, and is dropped
otherwise. The FAM (``inception_v3.*``, ``FAM_Aligh.*``: a torchvision
Inception-v3 and its MLP) is always dropped: it only shapes training and
this plugin's FAM uses mmpretrain encoders.

Both layouts feed the input BN with the channels ordered (M, V, C) and pool
over T, V then M, so the converted model computes the same logits (see
``tests/test_apis/test_convert_official.py``). Official non-adaptive models
keep their NTU graph out of the state dict; for them the graph is rebuilt
from the official NTU edge list (:data:`OFFICIAL_NTU_INWARD`), which differs
from mmaction2's ``'nturgb+d'`` layout at the hand joints.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, NamedTuple, Optional, Tuple

import torch

from ..engine.checkpoint_loading import load_from_local
from ..models.utils.graph_layouts import (CTRGCN_NTU_INWARD_1BASED,
                                          CTRGCN_NTU_LAYOUT)
from ..utils.safe_pickle import UntrustedPickleError

#: Prefixes of the official MMCL FAM parameters (always dropped).
OFFICIAL_FAM_PREFIXES = ('inception_v3.', 'FAM_Aligh.')
#: Names of the official MMCL FRM parameters.
OFFICIAL_FRM_KEYS = ('mlp.0.weight', 'mlp.0.bias', 'mlp.2.weight',
                     'mlp.2.bias', 'PosMatrix', 'NegMatrix')
#: Containers a checkpoint may wrap its state dict in.
WRAPPER_KEYS = ('state_dict', 'model', 'net', 'model_state_dict')

#: The official CTR-GCN NTU graph: inward edges, 1-based (child, parent)
#: (see ``mmcl_plugin.models.utils.graph_layouts``).
OFFICIAL_NTU_INWARD = CTRGCN_NTU_INWARD_1BASED

_UNIT = re.compile(r'^l(\d+)\.(.+)$')
#: (pattern on the part after ``l{i}.``, replacement) of the units.
_UNIT_RULES: Tuple[Tuple['re.Pattern', str], ...] = tuple(
    (re.compile(pattern), replacement) for pattern, replacement in (
        (r'^gcn1\.convs\.(\d+)\.(conv[1-4])\.(weight|bias)$',
         r'gcn.convs.\1.\2.\3'),
        (r'^gcn1\.PA$', 'gcn.A'),
        (r'^gcn1\.alpha$', 'gcn.alpha'),
        (r'^gcn1\.bn\.(\w+)$', r'gcn.bn.\1'),
        (r'^gcn1\.down\.([01])\.(\w+)$', r'gcn.down.\1.\2'),
        # the temporal conv of a dilated branch: TemporalConv(conv, bn) ->
        # a (conv, bn) Sequential
        (r'^tcn1\.branches\.(\d+)\.(\d+)\.conv\.(\w+)$',
         r'tcn.branches.\1.\2.0.\3'),
        (r'^tcn1\.branches\.(\d+)\.(\d+)\.bn\.(\w+)$',
         r'tcn.branches.\1.\2.1.\3'),
        (r'^tcn1\.branches\.(\d+)\.(\d+)\.(\w+)$',
         r'tcn.branches.\1.\2.\3'),
        (r'^residual\.conv\.(\w+)$', r'residual.0.\1'),
        (r'^residual\.bn\.(\w+)$', r'residual.1.\1'),
    ))


class ConvertedCheckpoint(NamedTuple):
    """Result of :func:`convert_official_state_dict`.

    Attributes:
        state_dict (OrderedDict): Plugin names -> tensors.
        dropped (list[str]): Official keys left out (training-only).
    """
    state_dict: 'OrderedDict[str, torch.Tensor]'
    dropped: List[str]


def strip_module_prefix(
        state_dict: Mapping[str, torch.Tensor]) -> 'OrderedDict':
    """Remove ``module.`` prefixes (``DataParallel`` / DDP), repeatedly."""
    stripped = OrderedDict()
    for key, value in state_dict.items():
        while key.startswith('module.'):
            key = key[len('module.'):]
        if key in stripped:
            raise ValueError(f'key {key!r} occurs with and without the '
                             'module. prefix')
        stripped[key] = value
    return stripped


def unwrap_checkpoint(loaded, source: str = 'checkpoint') -> 'OrderedDict':
    """The state dict of a loaded official checkpoint.

    Accepts a plain state dict or one wrapped in a dict under one of
    :data:`WRAPPER_KEYS`; strips ``module.`` prefixes.
    """
    if not isinstance(loaded, Mapping):
        raise ValueError(f'{source}: expected a state dict, got '
                         f'{type(loaded).__name__}')
    for key in WRAPPER_KEYS:
        if key in loaded and isinstance(loaded[key], Mapping):
            loaded = loaded[key]
            break
    tensors = {k: v for k, v in loaded.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise ValueError(f'{source}: holds no tensor (keys: '
                         f'{sorted(loaded)[:10]})')
    return strip_module_prefix(tensors)


def official_key_to_plugin(key: str) -> Optional[str]:
    """Plugin name of an official backbone / classifier key.

    Returns:
        str or None: The plugin key; None for a key that is not part of
        the official CTR-GCN skeleton model.
    """
    if key.startswith('data_bn.'):
        return 'backbone.' + key
    if key in ('fc.weight', 'fc.bias'):
        return 'cls_head.' + key
    match = _UNIT.match(key)
    if match is None:
        return None
    index, rest = int(match.group(1)), match.group(2)
    if index < 1:
        return None
    for pattern, replacement in _UNIT_RULES:
        if pattern.match(rest):
            return f'backbone.units.{index - 1}.' + pattern.sub(
                replacement, rest)
    return None


def convert_official_state_dict(state_dict: Mapping[str, torch.Tensor],
                                with_frm: bool = False,
                                source: str = 'checkpoint'
                                ) -> ConvertedCheckpoint:
    """Rename an official CTR-GCN / MMCL state dict for this plugin.

    Args:
        state_dict (Mapping[str, torch.Tensor]): Official state dict
            (``module.`` prefixes already stripped, see
            :func:`unwrap_checkpoint`).
        with_frm (bool): Map MMCL's FRM parameters onto ``frm_head``
            instead of dropping them. Defaults to False.
        source (str): Checkpoint name for error messages.

    Returns:
        ConvertedCheckpoint: The renamed tensors and the dropped keys.

    Raises:
        ValueError: Keys that belong to neither layout, listed.
    """
    converted: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    dropped, unknown = [], []
    for key, value in state_dict.items():
        target = official_key_to_plugin(key)
        if target is not None:
            converted[target] = value
        elif key.startswith(OFFICIAL_FAM_PREFIXES):
            dropped.append(key)
        elif key in OFFICIAL_FRM_KEYS:
            if not with_frm:
                dropped.append(key)
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(
            f'{source}: {len(unknown)} keys are not of the official CTR-GCN '
            f'/ MMCL model: {unknown[:10]}' +
            (' ...' if len(unknown) > 10 else ''))
    if with_frm:
        missing = [k for k in OFFICIAL_FRM_KEYS if k not in state_dict]
        if missing:
            raise ValueError(f'{source}: no MMCL FRM parameters {missing} '
                             '(a CTR-GCN checkpoint?); convert without FRM')
        converted['frm_head.unify.0.weight'] = state_dict['mlp.0.weight']
        converted['frm_head.unify.0.bias'] = state_dict['mlp.0.bias']
        converted['frm_head.weight_fc.weight'] = state_dict['mlp.2.weight']
        converted['frm_head.weight_fc.bias'] = state_dict['mlp.2.bias']
        # S_R = w_0 * Pos * S + w_1 * Neg * S: rows k = 0, 1 of M_k
        converted['frm_head.class_matrices'] = torch.stack(
            [state_dict['PosMatrix'], state_dict['NegMatrix']])
    return ConvertedCheckpoint(converted, dropped)


def official_ntu_adjacency() -> torch.Tensor:
    """The (3, 25, 25) spatial graph of the official CTR-GCN NTU code.

    Identity, normalised inward and normalised outward adjacency of
    :data:`OFFICIAL_NTU_INWARD` (mmaction2's ``Graph`` 'spatial' mode
    computes them the same way).
    """
    from mmaction.models.utils import Graph
    return torch.tensor(
        Graph(layout=CTRGCN_NTU_LAYOUT, mode='spatial').A,
        dtype=torch.float32)


def load_converted(model: torch.nn.Module,
                   converted: Mapping[str, torch.Tensor],
                   source: str = 'checkpoint') -> List[str]:
    """Load converted tensors into ``model``; every tensor must fit.

    Non-adaptive CTR-GCN units (``gcn.A`` buffers, absent from official
    checkpoints) get :func:`official_ntu_adjacency`.

    Args:
        model (nn.Module): The plugin model.
        converted (Mapping[str, torch.Tensor]): From
            :func:`convert_official_state_dict`.
        source (str): Checkpoint name for error messages.

    Returns:
        list[str]: Model keys filled in from the official graph.

    Raises:
        ValueError: Missing, unexpected or differently shaped tensors,
            listed with the checkpoint's name.
    """
    expected = model.state_dict()
    state = OrderedDict(converted)
    filled = []
    graph_keys = [k for k in expected
                  if k.endswith('.gcn.A') and k not in state]
    if graph_keys:
        graph = official_ntu_adjacency()
        for key in graph_keys:
            if expected[key].shape != graph.shape:
                raise ValueError(
                    f'{source}: {key} of shape {tuple(expected[key].shape)} '
                    'is not in the checkpoint (a non-adaptive official '
                    'model) and only the NTU graph (3, 25, 25) is known')
            state[key] = graph
            filled.append(key)
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [(k, tuple(v.shape), tuple(expected[k].shape))
             for k, v in state.items()
             if k in expected and v.shape != expected[k].shape]
    problems = []
    if missing:
        problems.append(f'{len(missing)} model tensors not in the '
                        f'checkpoint: {missing[:8]}')
    if unexpected:
        problems.append(f'{len(unexpected)} checkpoint tensors the model '
                        f'lacks: {unexpected[:8]}')
    if wrong:
        problems.append('shape mismatches (key, checkpoint, model): ' +
                        ', '.join(map(str, wrong[:8])))
    if problems:
        raise ValueError(f'{source} does not fit the model (check the '
                         "config's num_classes, base_channels, num_person, "
                         'graph): ' + '; '.join(problems))
    model.load_state_dict(state, strict=True)
    return filled


def load_official_checkpoint(path: str) -> 'OrderedDict':
    """Read an official ``.pt``/``.pth`` file (tensors only) on the CPU,
    with the weights-only checkpoint loader."""
    try:
        loaded = load_from_local(path, map_location='cpu')
    except UntrustedPickleError:
        raise  # names the file, the refused global and the opt-in
    except Exception as error:  # noqa: BLE001  (torch raises many types)
        raise ValueError(f'{path}: cannot load the checkpoint ({error})'
                         ) from None
    return unwrap_checkpoint(loaded, path)


def summarize_dropped(dropped: List[str]) -> Dict[str, int]:
    """Count dropped keys by group (``inception_v3``, ``FAM_Aligh``, FRM)."""
    groups: Dict[str, int] = {}
    for key in dropped:
        group = 'FRM' if key in OFFICIAL_FRM_KEYS else key.split('.')[0]
        groups[group] = groups.get(group, 0) + 1
    return groups

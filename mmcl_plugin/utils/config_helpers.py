"""Small helpers that read MMEngine config dicts (no registry, no build).

Used by the tools and by the extraction code to find the dataset and the
strip step of a training config; they work on plain dicts and on
:class:`mmengine.config.ConfigDict` alike.
"""
import copy
from typing import Mapping, Sequence


def find_transform(pipeline: Sequence[Mapping], name: str) -> dict:
    """A copy of the first step of type ``name`` in a pipeline config.

    Args:
        pipeline (Sequence[Mapping]): The pipeline's transform configs.
        name (str): The ``type`` to look for, e.g. ``'BuildFrameStrip'``.

    Returns:
        dict: A deep copy of the step (changing it leaves the config as
        it is).

    Raises:
        KeyError: No step of that type.
    """
    for step in pipeline:
        if step.get('type') == name:
            return copy.deepcopy(dict(step))
    raise KeyError(f'no {name} step in the pipeline')


def innermost_dataset_cfg(dataloader_cfg: Mapping) -> Mapping:
    """The dataset config inside a data loader config and its wrappers.

    ``RepeatDataset``, ``ClassBalancedDataset`` and the like hold the real
    dataset under ``dataset``; this follows them down.

    Args:
        dataloader_cfg (Mapping): A data loader config with a ``dataset``.

    Returns:
        Mapping: The innermost dataset config itself (not a copy).

    Raises:
        KeyError: The data loader config has no ``dataset``.
    """
    if 'dataset' not in dataloader_cfg:
        raise KeyError('the data loader config has no `dataset`')
    dataset = dataloader_cfg['dataset']
    while 'dataset' in dataset:
        dataset = dataset['dataset']
    return dataset


__all__ = ['find_transform', 'innermost_dataset_cfg']

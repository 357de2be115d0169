"""Small helpers that read MMEngine config dicts (no registry, no build).

Used by the tools and by the extraction code to find the dataset and the
strip step of a training config; they work on plain dicts and on
:class:`mmengine.config.ConfigDict` alike.
"""
import copy
from typing import List, Mapping, Optional, Sequence


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


def _type_of(step) -> Optional[str]:
    return step.get('type') if isinstance(step, Mapping) else None


def with_mmcl_steps(pipeline: Sequence, mmcl_steps: Sequence) -> List:
    """The MMCL training pipeline of a skeleton training pipeline.

    MMCL trains on what a skeleton pipeline gives plus the training-only
    inputs of FAM and FRM; ``MMCLPoseDataset(mmcl_steps=...)`` (the
    ``mmcl_dataset`` of ``configs/_base_/mmcl.py``) builds its pipeline
    with this, so that an MMCL config inherits its baseline's pipeline
    instead of restating it:

    - ``PreNormalize3D`` becomes ``PreNormalize3DWithFrameMap`` (the same
      keypoints; it also records the video frames it kept, so that
      ``BuildFrameStrip`` shows the frames of the sampled clip);
    - ``mmcl_steps`` (e.g. ``BuildFrameStrip``, ``LoadTextFeature``) go
      right before ``FormatGCNInput``;
    - the final ``PackActionInputs`` becomes ``PackMMCLInputs`` with the
      same arguments.

    Args:
        pipeline (Sequence): The skeleton pipeline's step configs (steps
            that are not dicts are kept as they are).
        mmcl_steps (Sequence): The steps to add.

    Returns:
        list: A new pipeline (the steps it changes are copies).

    Raises:
        ValueError: The pipeline has no ``FormatGCNInput`` step, does not
            end with ``PackActionInputs``, or has MMCL steps already.
    """
    types = [_type_of(step) for step in pipeline]
    if 'PackMMCLInputs' in types:
        raise ValueError('the pipeline has MMCL steps already (it packs '
                         'with PackMMCLInputs): give the skeleton pipeline')
    if 'FormatGCNInput' not in types:
        raise ValueError('mmcl_steps go before FormatGCNInput, and the '
                         f'pipeline has none: {types}')
    if not types or types[-1] != 'PackActionInputs':
        raise ValueError('the pipeline must end with PackActionInputs (it '
                         f'becomes PackMMCLInputs): {types}')
    steps = []
    for step, kind in zip(pipeline, types):
        if kind == 'FormatGCNInput':
            steps.extend(copy.deepcopy(dict(s)) if isinstance(s, Mapping)
                         else s for s in mmcl_steps)
        if kind == 'PreNormalize3D':
            step = dict(step, type='PreNormalize3DWithFrameMap')
        steps.append(step)
    steps[-1] = dict(steps[-1], type='PackMMCLInputs')
    return steps


def train_pipeline_cfg(dataset_cfg: Mapping) -> List:
    """The pipeline a dataset config trains with: its ``pipeline`` and,
    when it has ``mmcl_steps``, those steps added by
    :func:`with_mmcl_steps`.

    Args:
        dataset_cfg (Mapping): A dataset config (the innermost one: see
            :func:`innermost_dataset_cfg`).

    Returns:
        list: The pipeline's step configs.
    """
    pipeline = list(dataset_cfg.get('pipeline', []))
    if dataset_cfg.get('mmcl_steps'):
        return with_mmcl_steps(pipeline, dataset_cfg['mmcl_steps'])
    return pipeline


__all__ = [
    'find_transform', 'innermost_dataset_cfg', 'train_pipeline_cfg',
    'with_mmcl_steps'
]

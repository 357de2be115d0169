"""Helpers that read mmengine configs of MMCL models and datasets."""
import copy
from typing import Sequence


def find_transform(pipeline: Sequence[dict], name: str) -> dict:
    """The first step of type ``name`` in a pipeline config."""
    for step in pipeline:
        if step.get('type') == name:
            return copy.deepcopy(dict(step))
    raise KeyError(f'no {name} step in the pipeline')


def innermost_dataset_cfg(dataloader_cfg: dict) -> dict:
    """The dataset config inside a data loader config and its wrappers
    (``RepeatDataset`` ...)."""
    dataset = dataloader_cfg['dataset']
    while 'dataset' in dataset:
        dataset = dataset['dataset']
    return dataset

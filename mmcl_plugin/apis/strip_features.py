"""Offline cache of frame-strip encoder features for a frozen FAM.

With ``FAMHead(frozen=True)`` the image encoder never changes, so its
features can be computed once (``tools/extract_strip_features.py``) and
read back by ``LoadStripFeature`` instead of decoding videos and running
the CNN at every training step.
"""
import copy
from typing import Callable, Dict, List, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset


def find_transform(pipeline: Sequence[dict], name: str) -> dict:
    """The first step of type ``name`` in a pipeline config."""
    for step in pipeline:
        if step.get('type') == name:
            return copy.deepcopy(dict(step))
    raise KeyError(f'no {name} step in the pipeline')


class StripDataset(Dataset):
    """Frame strips of data infos for feature extraction.

    The strip spans the whole clip (no ``frame_inds``), so the cached
    feature does not depend on a random training window. A sample that
    fails yields its error message instead of a strip, so one bad video
    does not stop the job.

    Args:
        data_infos (list[dict]): Data infos with ``frame_dir`` and
            ``video_path``/``strip_path``.
        build_strip (Callable): The ``BuildFrameStrip`` transform.
    """

    def __init__(self, data_infos: List[Dict], build_strip: Callable):
        self.data_infos = data_infos
        self.build_strip = build_strip

    def __len__(self) -> int:
        return len(self.data_infos)

    def __getitem__(self, index: int):
        info = copy.deepcopy(self.data_infos[index])
        info.pop('frame_inds', None)
        try:
            strip = self.build_strip(info)['frame_strip']
        except Exception as error:  # reported per sample by the tool
            return info['frame_dir'], None, f'{type(error).__name__}: {error}'
        # (H, W, 3) uint8 -> (3, H, W)
        return info['frame_dir'], torch.from_numpy(
            np.ascontiguousarray(strip.transpose(2, 0, 1))), None


def collate_strips(batch):
    """Keep names and errors as lists, stack the strips that exist."""
    names = [item[0] for item in batch]
    strips = [item[1] for item in batch]
    errors = [item[2] for item in batch]
    return names, strips, errors

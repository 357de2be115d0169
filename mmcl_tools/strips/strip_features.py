"""Whole-clip strips of a training config's samples, for offline caches.

With ``FAMHead(frozen=True)`` the image encoder never changes, so its
features can be computed once (``tools/extract_strip_features.py``) and
read back by ``LoadStripFeature`` instead of decoding videos and running
the CNN at every training step; the MLLM text extraction
(``mllm.strip_sources.DatasetStripSource``) asks about the same strips.
Both take the samples and the ``BuildFrameStrip`` settings of a config
through :func:`offline_data_infos` and :func:`strip_step_cfg`.
"""
import copy
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from torch.utils.data import Dataset

from mmcl_plugin.datasets.transforms.frame_strip import (BuildFrameStrip,
                                                         whole_clip_strip)
from mmcl_plugin.utils.config_helpers import (find_transform,
                                              innermost_dataset_cfg,
                                              train_pipeline_cfg)

#: Dataset arguments that name the caches being made; dropped, since the
#: samples must not require them to exist yet.
CACHE_KEYS = ('text_feature_root', 'text_feature_cache',
              'strip_feature_root')


def strip_step_cfg(cfg) -> dict:
    """The ``BuildFrameStrip`` config of an MMCL training config.

    The config's ``strip_step`` (configs that train from cached features
    keep it there), else the train pipeline's ``BuildFrameStrip`` step.

    Raises:
        KeyError: The config has neither.
    """
    if cfg.get('strip_step', None) is not None:
        return dict(cfg.strip_step)
    pipeline = train_pipeline_cfg(innermost_dataset_cfg(cfg.train_dataloader))
    try:
        return find_transform(pipeline, 'BuildFrameStrip')
    except KeyError:
        raise KeyError('the config has neither `strip_step` nor a '
                       'BuildFrameStrip step in its train pipeline') from None


def offline_data_infos(cfg, split: Optional[str] = None) -> List[Dict]:
    """The data infos of a training config's train dataset.

    The dataset is built without a pipeline and without the feature
    caches (:data:`CACHE_KEYS`): only its skeletons and videos / strip
    images are needed.

    Args:
        cfg (mmengine.Config): An MMCL training config.
        split (str, optional): Another split of the annotation file.

    Returns:
        list[dict]: One data info per sample, in the dataset's order.
    """
    from mmaction.registry import DATASETS

    dataset_cfg = copy.deepcopy(
        dict(innermost_dataset_cfg(cfg.train_dataloader)))
    dataset_cfg['pipeline'] = []
    dataset_cfg.pop('mmcl_steps', None)
    for key in CACHE_KEYS:
        dataset_cfg.pop(key, None)
    if split is not None:
        dataset_cfg['split'] = split
    dataset = DATASETS.build(dataset_cfg)
    return [dataset.get_data_info(i) for i in range(len(dataset))]


class StripDataset(Dataset):
    """Whole-clip frame strips of data infos, for feature extraction.

    The strip spans the whole clip (:func:`whole_clip_strip`), so the
    cached feature does not depend on a random training window. A sample
    that fails yields its error message instead of a strip, so one bad
    video does not stop the job.

    Args:
        data_infos (list[dict]): Data infos with ``frame_dir`` and
            ``video_path``/``strip_path``.
        build_strip (BuildFrameStrip): The transform.

    Items:
        tuple: ``(frame_dir, strip, error)``: the (3, H, W) uint8 strip
        tensor and None, or None and ``'<ErrorType>: <message>'``.
    """

    def __init__(self, data_infos: List[Dict],
                 build_strip: BuildFrameStrip) -> None:
        self.data_infos = data_infos
        self.build_strip = build_strip

    def __len__(self) -> int:
        return len(self.data_infos)

    def __getitem__(
            self, index: int
    ) -> Tuple[str, Optional[torch.Tensor], Optional[str]]:
        info = self.data_infos[index]
        try:
            strip = whole_clip_strip(self.build_strip, info)
        except Exception as error:  # reported per sample by the tool
            return info['frame_dir'], None, f'{type(error).__name__}: {error}'
        # (H, W, 3) uint8 -> (3, H, W)
        return info['frame_dir'], torch.from_numpy(
            np.ascontiguousarray(strip.transpose(2, 0, 1))), None


def collate_strips(batch: List[Tuple]) -> Tuple[List, List, List]:
    """Keep names and errors as lists, and the strips (None for a failed
    sample) as a list of (3, H, W) tensors."""
    names = [item[0] for item in batch]
    strips = [item[1] for item in batch]
    errors = [item[2] for item in batch]
    return names, strips, errors


__all__ = [
    'StripDataset', 'collate_strips', 'strip_step_cfg', 'offline_data_infos',
    'CACHE_KEYS'
]

"""Where the frame strips that the MLLM is asked about come from.

A source lists sample names and gives a torch ``Dataset`` over some of them
whose items are ``(name, strip, error)``: the (H, W, 3) uint8 RGB strip, or
None and the reason it could not be made (one unreadable video must not
stop a 57k-sample job). Strips are made in data-loader workers, in
parallel with the model.
"""
import abc
import os
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from torch.utils.data import Dataset

from mmcl_plugin.datasets.transforms.frame_strip import (read_strip_image,
                                                         whole_clip_strip)
from mmcl_tools.strips.strip_features import offline_data_infos, strip_step_cfg

#: Item of a strip dataset: (name, strip or None, error or None).
StripItem = Tuple[str, Optional[np.ndarray], Optional[str]]

#: Image suffixes of :class:`ImageDirectorySource`.
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


def check_strip(strip: np.ndarray) -> np.ndarray:
    """The strip as a contiguous (H, W, 3) uint8 array.

    Raises:
        ValueError: Another shape or dtype.
    """
    strip = np.asarray(strip)
    if strip.ndim != 3 or strip.shape[2] != 3 or strip.dtype != np.uint8:
        raise ValueError(f'strip must be (H, W, 3) uint8, got '
                         f'{strip.shape} {strip.dtype}')
    return np.ascontiguousarray(strip)


def collate_items(batch: List[StripItem]) -> List[StripItem]:
    """Keep a batch as its list of items (strips may differ in size)."""
    return batch


class StripSource(abc.ABC):
    """Names and strips of the samples to extract."""

    @abc.abstractmethod
    def names(self) -> List[str]:
        """All sample names."""

    @abc.abstractmethod
    def dataset(self, names: Sequence[str]) -> Dataset:
        """A dataset of :data:`StripItem` over ``names``, in order."""


class _LoaderDataset(Dataset):
    """Items made by a per-name loader that may raise."""

    def __init__(self, names: Sequence[str], load) -> None:
        self.names = list(names)
        self.load = load

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> StripItem:
        name = self.names[index]
        try:
            return name, check_strip(self.load(name)), None
        except Exception as error:  # reported per sample by the driver
            return name, None, f'{type(error).__name__}: {error}'


class InMemoryStripSource(StripSource):
    """Strips given as arrays.

    Args:
        strips (Mapping[str, np.ndarray]): (H, W, 3) uint8 RGB per name.
    """

    def __init__(self, strips: Mapping[str, np.ndarray]) -> None:
        self.strips = dict(strips)

    def names(self) -> List[str]:
        return list(self.strips)

    def dataset(self, names: Sequence[str]) -> Dataset:
        return _LoaderDataset(names, self.strips.__getitem__)


def read_rgb_image(path: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB pixels of an image file, decoded as
    ``BuildFrameStrip`` decodes precomputed strips for training.

    Raises:
        ValueError: The file is not a readable image.
    """
    try:
        return read_strip_image(path)
    except RuntimeError as error:
        raise ValueError(f'unreadable image {path}: {error}') from None


class _ReadImage:
    """Read a sample's image (picklable for data-loader workers)."""

    def __init__(self, paths: Dict[str, str]) -> None:
        self.paths = paths

    def __call__(self, name: str) -> np.ndarray:
        return read_rgb_image(self.paths[name])


class ImageDirectorySource(StripSource):
    """Precomputed strip images ``<root>/<sample><suffix>``.

    Args:
        root (str): The directory (e.g. the ``strip_root`` of
            ``MMCLPoseDataset``).
        suffixes (Sequence[str]): Image suffixes to take.

    Raises:
        FileNotFoundError: ``root`` is not a directory.
        ValueError: No images, or two images of one sample.
    """

    def __init__(self,
                 root: str,
                 suffixes: Sequence[str] = IMAGE_SUFFIXES) -> None:
        if not osp.isdir(root):
            raise FileNotFoundError(f'strip directory {root} does not exist')
        self.root = root
        self.paths: Dict[str, str] = {}
        duplicates = []
        for entry in sorted(os.listdir(root)):
            name, suffix = osp.splitext(entry)
            if suffix.lower() not in suffixes:
                continue
            if name in self.paths:
                duplicates.append(entry)
            self.paths[name] = osp.join(root, entry)
        if duplicates:
            raise ValueError(f'{root} has several images of the samples of '
                             f'{duplicates[:5]}')
        if not self.paths:
            raise ValueError(f'{root} has no {"/".join(suffixes)} images')

    def names(self) -> List[str]:
        return list(self.paths)

    def dataset(self, names: Sequence[str]) -> Dataset:
        return _LoaderDataset(names, _ReadImage(self.paths))


class _BuildStrip:
    """Make a data info's strip over the whole clip (picklable for
    data-loader workers): the answer must not depend on the epoch."""

    def __init__(self, infos: Dict[str, dict], build_strip) -> None:
        self.infos = infos
        self.build_strip = build_strip

    def __call__(self, name: str) -> np.ndarray:
        return whole_clip_strip(self.build_strip, self.infos[name])


class DatasetStripSource(StripSource):
    """Strips of the samples of an MMCL training config.

    The train dataloader's dataset (or ``split``) gives the samples and
    their videos / strip images; its ``BuildFrameStrip`` step (or the
    config's ``strip_step``) makes each strip over the whole clip, as
    FAM's cached features are made.

    Args:
        cfg (mmengine.Config): An MMCL training config.
        split (str, optional): Another split of the annotation file.
    """

    def __init__(self, cfg, split: Optional[str] = None) -> None:
        from mmaction.registry import TRANSFORMS

        strip_cfg = strip_step_cfg(cfg)
        self.infos: Dict[str, dict] = {}
        for info in offline_data_infos(cfg, split):
            self.infos.setdefault(str(info['frame_dir']), info)
        self.build_strip = TRANSFORMS.build(strip_cfg)

    def names(self) -> List[str]:
        return list(self.infos)

    def dataset(self, names: Sequence[str]) -> Dataset:
        return _LoaderDataset(names, _BuildStrip(self.infos, self.build_strip))


__all__ = [
    'StripSource', 'InMemoryStripSource', 'ImageDirectorySource',
    'DatasetStripSource', 'collate_items', 'read_rgb_image'
]

"""The demo's samples: classes, names, random streams and annotations.

Every sample draws from its own random streams (seed, split, index,
purpose), so the sizes of the splits can change without changing the
other samples, and an annotation depends only on its arguments.
"""
from typing import Dict, Tuple

import numpy as np

from .camera import IMG_SHAPE, project
from .skeleton import synthesize_skeletons

CLASS_NAMES: Tuple[str, ...] = ('wave right hand', 'wave left hand', 'squat',
                                'drink water')
#: Whether the actor holds an object (a cup) in each class.
HOLDING: Tuple[bool, ...] = (False, False, False, True)
MIN_FRAMES, MAX_FRAMES = 40, 64
#: File name of the skeleton pickle in the dataset root.
PKL_NAME = 'demo_ntu25.pkl'

_SPLIT_CODE = {'train': 1, 'val': 2}


def sample_rng(seed: int, split: str, index: int,
               purpose: int) -> np.random.Generator:
    """Independent random stream of one sample and one purpose
    (0 skeleton, 1 video, 2 text)."""
    return np.random.default_rng([seed, _SPLIT_CODE[split], index, purpose])


def sample_label(index: int) -> int:
    """Class of the ``index``-th sample of a split (balanced round robin)."""
    return index % len(CLASS_NAMES)


def sample_num_person(index: int) -> int:
    """M of the ``index``-th sample: 2 for one sample in 16 (7, 23, ...).

    Few, because the idle bystander is a nuisance that a GCN needs many
    iterations to learn to ignore; the demo trains for a few dozen."""
    return 2 if index % 16 == 7 else 1


def sample_name(split: str, index: int) -> str:
    """NTU-style ``frame_dir``: setup 1 for train, 2 for val, action =
    label + 1; camera and performer enumerate the samples of a class."""
    rank = index // len(CLASS_NAMES)
    return (f'S{_SPLIT_CODE[split]:03d}C{1 + rank % 3:03d}'
            f'P{1 + rank // 3:03d}R001A{sample_label(index) + 1:03d}')


def build_annotation(split: str, index: int, seed: int) -> Dict:
    """The mmaction2 annotation of one sample (pure: depends only on args).

    Args:
        split (str): 'train' or 'val'.
        index (int): position in the split.
        seed (int): dataset seed.

    Returns:
        dict: ``frame_dir``, ``label``, ``total_frames`` (T), ``img_shape``
        and ``original_shape`` (120, 160), ``keypoint`` (M, T, 25, 3)
        float32 metres and ``keypoint_2d`` (M, T, 25, 2) float32 pixels.
    """
    rng = sample_rng(seed, split, index, 0)
    label = sample_label(index)
    num_frames = int(rng.integers(MIN_FRAMES, MAX_FRAMES + 1))
    keypoint = synthesize_skeletons(label, sample_num_person(index),
                                    num_frames, rng)
    return dict(
        frame_dir=sample_name(split, index),
        label=label,
        total_frames=num_frames,
        img_shape=IMG_SHAPE,
        original_shape=IMG_SHAPE,
        keypoint=keypoint,
        keypoint_2d=project(keypoint).astype(np.float32))


__all__ = [
    'CLASS_NAMES', 'HOLDING', 'MIN_FRAMES', 'MAX_FRAMES', 'PKL_NAME',
    'sample_rng',
    'sample_label', 'sample_num_person', 'sample_name', 'build_annotation'
]

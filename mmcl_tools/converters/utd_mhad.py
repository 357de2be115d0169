"""UTD-MHAD skeletons to an mmaction2 skeleton pickle.

The download (``Skeleton.zip``) holds 861 MATLAB files
``a{action}_s{subject}_t{trial}_skeleton.mat`` (27 actions, 8 subjects, 4
trials, three sequences missing), each with a variable ``d_skel`` of shape
(20, 3, T): 20 Kinect v1 joints, x / y / z, T frames.

UTD-MHAD lists its joints starting at the head (:data:`UTD_MHAD_JOINTS`,
the numbering of the dataset's skeleton figure), not in the Kinect SDK
order; the converter reorders them. By default the output is in NTU RGB+D's
25-joint layout (see :mod:`.kinect_v1`), so NTU-trained models can be
evaluated on it; ``layout='kinect_v1'`` keeps the 20 joints (SDK order).

Splits: the dataset's protocol trains on the odd subjects (1, 3, 5, 7) and
tests on the even ones (``train`` / ``val``); ``all`` lists every sample,
for zero-shot transfer.
"""
import functools
import io
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .kinect_v1 import LAYOUTS, kinect_v1_annotation, subject_split
from .parallel import convert_files

#: UTD-MHAD's joint order (0-based), as numbered in its skeleton figure.
UTD_MHAD_JOINTS: Tuple[str, ...] = (
    'head', 'shoulder_center', 'spine', 'hip_center', 'left_shoulder',
    'left_elbow', 'left_wrist', 'left_hand', 'right_shoulder', 'right_elbow',
    'right_wrist', 'right_hand', 'left_hip', 'left_knee', 'left_ankle',
    'left_foot', 'right_hip', 'right_knee', 'right_ankle', 'right_foot')

#: Action names; label = action id - 1.
CLASS_NAMES: Tuple[str, ...] = (
    'swipe left', 'swipe right', 'wave', 'clap', 'throw', 'arm cross',
    'basketball shoot', 'draw x', 'draw circle (clockwise)',
    'draw circle (counter clockwise)', 'draw triangle', 'bowling', 'boxing',
    'baseball swing', 'tennis swing', 'arm curl', 'tennis serve', 'push',
    'knock', 'catch', 'pickup and throw', 'jog', 'walk', 'sit to stand',
    'stand to sit', 'lunge', 'squat')
TRAIN_SUBJECTS = (1, 3, 5, 7)
#: (H, W) of the UTD-MHAD RGB videos.
IMG_SHAPE = (480, 640)
SUFFIX = '_skeleton.mat'
NAME_PATTERN = re.compile(r'^a(\d+)_s(\d+)_t(\d+)_skeleton\.mat$')


class UTDMHADFormatError(ValueError):
    """A sample file that does not follow the UTD-MHAD format."""


def parse_name(file_name: str) -> Dict[str, int]:
    """Action, subject and trial (1-based) of a UTD-MHAD file name."""
    match = NAME_PATTERN.match(file_name)
    if match is None:
        raise UTDMHADFormatError(
            f'{file_name}: expected a name like a1_s1_t1_skeleton.mat')
    action, subject, trial = (int(g) for g in match.groups())
    if not 1 <= action <= len(CLASS_NAMES):
        raise UTDMHADFormatError(f'{file_name}: action {action} is not in '
                                 f'1..{len(CLASS_NAMES)}')
    return dict(action=action, subject=subject, trial=trial)


def read_d_skel(raw: bytes, file_name: str) -> np.ndarray:
    """The (T, 20, 3) float64 skeleton of a ``.mat`` file's ``d_skel``."""
    from scipy.io import loadmat  # scipy is heavy; only converters need it
    try:
        variables = loadmat(io.BytesIO(raw))
    except Exception as error:  # scipy raises several unrelated types
        raise UTDMHADFormatError(
            f'{file_name}: not a readable MATLAB file ({error})') from None
    if 'd_skel' not in variables:
        found = sorted(k for k in variables if not k.startswith('__'))
        raise UTDMHADFormatError(
            f'{file_name}: no variable d_skel (found {found})')
    d_skel = variables['d_skel']
    if d_skel.ndim != 3 or d_skel.shape[:2] != (20, 3) or \
            d_skel.shape[2] == 0:
        raise UTDMHADFormatError(
            f'{file_name}: d_skel has shape {d_skel.shape}, expected '
            '(20, 3, T) with T > 0')
    if not np.issubdtype(d_skel.dtype, np.number) or \
            not np.isfinite(d_skel).all():
        raise UTDMHADFormatError(
            f'{file_name}: d_skel holds non-numeric or non-finite values')
    return np.ascontiguousarray(d_skel.transpose(2, 0, 1), dtype=np.float64)


def parse_sample(raw: bytes, file_name: str, layout: str = 'ntu') -> Dict:
    """One UTD-MHAD file to an mmaction2 annotation.

    Args:
        raw (bytes): The ``.mat`` file's content.
        file_name (str): Its base name (carries the label).
        layout (str): ``'ntu'`` (25 joints) or ``'kinect_v1'`` (20).

    Returns:
        dict: Annotation named ``a{action}_s{subject}_t{trial}`` with
        ``keypoint`` (1, T, V, 3) float32 and ``subject``.
    """
    info = parse_name(file_name)
    skeleton = read_d_skel(raw, file_name)
    annotation = kinect_v1_annotation(file_name[:-len(SUFFIX)],
                                      info['action'] - 1, skeleton,
                                      UTD_MHAD_JOINTS, layout, IMG_SHAPE)
    annotation['subject'] = info['subject']
    return annotation


def convert_utd_mhad(sources: Sequence[str],
                     layout: str = 'ntu',
                     strict: bool = False,
                     workers: int = 1,
                     chunksize: int = 16,
                     progress: Optional[Callable] = None
                     ) -> Tuple[Dict, List[str]]:
    """Convert the UTD-MHAD skeletons.

    Args:
        sources (Sequence[str]): ``Skeleton`` folders and / or zips.
        layout (str): ``'ntu'`` (default) or ``'kinect_v1'``.
        strict (bool): Raise the first malformed file.
        workers (int): Parsing processes.
        chunksize (int): Files per worker task.
        progress (Callable, optional): ``progress(iterable, total)``.

    Returns:
        tuple[dict, list[str]]: Pickle content ``dict(split=...,
        annotations=...)`` and the failures.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}, expected one of '
                         f'{LAYOUTS}')
    parse = functools.partial(parse_sample, layout=layout)
    annotations, failures = convert_files(sources, (SUFFIX, ), parse,
                                          UTDMHADFormatError, strict,
                                          workers, chunksize, progress)
    return dict(split=subject_split(annotations, TRAIN_SUBJECTS),
                annotations=annotations), failures

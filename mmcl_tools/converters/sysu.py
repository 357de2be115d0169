"""SYSU-3D (SYSU 3D Human-Object Interaction) skeletons to an mmaction2 pkl.

SYSU-3D has 480 sequences: 40 subjects perform 12 activities, recorded with
Kinect v1 (20 joints, Kinect SDK order). The skeleton of a sequence is read
from one file per sample, found anywhere under the source folder / zip:

* ``.txt``: the T x 20 x 3 joint coordinates as numbers (whitespace or comma
  separated, any line breaks: one frame per line of 60 numbers, or one
  joint per line of 3); the count must be a multiple of 60;
* ``.mat``: one numeric 3-D variable (or the one named by ``mat_key``)
  shaped (T, 20, 3), (20, 3, T) or (3, 20, T).

Activity and subject are read from the file's path inside the source with
``name_pattern``, a regular expression with the groups ``action`` (1..12)
and ``subject``; the default takes ``a05_s12``-style names or folders
(``a05/s12/skeleton.txt``). The sample is named ``a{action}_s{subject}``
plus any ``trial`` group the pattern has.

By default the output is in NTU RGB+D's 25-joint layout (see
:mod:`.kinect_v1`); ``layout='kinect_v1'`` keeps the 20 joints.

Splits: ``train`` / ``val`` by subject (the "half of the subjects"
setting; default subjects 1..20 train) and ``all`` for zero-shot transfer.
"""
import functools
import io
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .kinect_v1 import (KINECT_V1_JOINTS, LAYOUTS, kinect_v1_annotation,
                        subject_split)
from .parallel import convert_files

#: Activity names; label = activity id - 1.
CLASS_NAMES: Tuple[str, ...] = (
    'drinking', 'pouring', 'calling phone', 'playing phone',
    'wearing backpacks', 'packing backpacks', 'sitting chair',
    'moving chair', 'taking out wallet', 'taking from wallet', 'mopping',
    'sweeping')
DEFAULT_NAME_PATTERN = (r'a(?P<action>\d+)[_/\\-]+s(?P<subject>\d+)'
                        r'(?:[_/\\-]+(?:t|e)(?P<trial>\d+))?')
DEFAULT_TRAIN_SUBJECTS = tuple(range(1, 21))
SUFFIXES = ('.txt', '.mat')
#: (H, W) of the SYSU-3D RGB videos.
IMG_SHAPE = (480, 640)
NUM_JOINTS = len(KINECT_V1_JOINTS)


class SYSUFormatError(ValueError):
    """A sample file that does not follow the expected SYSU-3D format."""


def parse_path(path: str, name_pattern: str = DEFAULT_NAME_PATTERN
               ) -> Tuple[str, int, int]:
    """(sample name, 1-based action, subject) of a file's path."""
    match = re.search(name_pattern, path)
    if match is None:
        raise SYSUFormatError(
            f'{path}: the path does not match the name pattern '
            f'{name_pattern!r} (groups action and subject)')
    groups = match.groupdict()
    action, subject = int(groups['action']), int(groups['subject'])
    if not 1 <= action <= len(CLASS_NAMES):
        raise SYSUFormatError(
            f'{path}: action {action} is not in 1..{len(CLASS_NAMES)}')
    name = f'a{action:02d}_s{subject:02d}'
    if groups.get('trial') is not None:
        name += f'_t{int(groups["trial"]):02d}'
    return name, action, subject


def read_text_skeleton(raw: bytes, path: str) -> np.ndarray:
    """(T, 20, 3) joints of a text file of numbers."""
    text = raw.decode('utf-8', errors='replace').replace(',', ' ')
    try:
        values = np.array(text.split(), dtype=np.float64)
    except ValueError as error:
        raise SYSUFormatError(f'{path}: {error}') from None
    if values.size == 0 or values.size % (NUM_JOINTS * 3):
        raise SYSUFormatError(
            f'{path}: {values.size} numbers, not a positive multiple of '
            f'{NUM_JOINTS * 3} (T frames x 20 joints x 3)')
    return values.reshape(-1, NUM_JOINTS, 3)


def read_mat_skeleton(raw: bytes, path: str,
                      mat_key: Optional[str] = None) -> np.ndarray:
    """(T, 20, 3) joints of a MATLAB file's 3-D variable."""
    from scipy.io import loadmat  # scipy is heavy; only converters need it
    try:
        variables = loadmat(io.BytesIO(raw))
    except Exception as error:  # scipy raises several unrelated types
        raise SYSUFormatError(
            f'{path}: not a readable MATLAB file ({error})') from None
    arrays = {
        key: value
        for key, value in variables.items()
        if not key.startswith('__') and isinstance(value, np.ndarray)
        and value.ndim == 3 and np.issubdtype(value.dtype, np.number)
    }
    if mat_key is not None:
        if mat_key not in arrays:
            raise SYSUFormatError(
                f'{path}: no 3-D numeric variable {mat_key!r} (found '
                f'{sorted(arrays)})')
        array = arrays[mat_key]
    elif len(arrays) == 1:
        array = next(iter(arrays.values()))
    else:
        raise SYSUFormatError(
            f'{path}: expected one 3-D numeric variable, found '
            f'{sorted(arrays)}; pass mat_key')
    shape = array.shape
    if shape[1:] == (NUM_JOINTS, 3):
        return array.astype(np.float64)
    if shape[:2] == (NUM_JOINTS, 3):
        return array.transpose(2, 0, 1).astype(np.float64)
    if shape[:2] == (3, NUM_JOINTS):
        return array.transpose(2, 1, 0).astype(np.float64)
    raise SYSUFormatError(f'{path}: variable of shape {shape}, expected '
                          '(T, 20, 3), (20, 3, T) or (3, 20, T)')


def parse_sample(raw: bytes,
                 path: str,
                 name_pattern: str = DEFAULT_NAME_PATTERN,
                 layout: str = 'ntu',
                 mat_key: Optional[str] = None) -> Dict:
    """One SYSU-3D file to an mmaction2 annotation.

    Args:
        raw (bytes): File content.
        path (str): Path inside the source (carries action and subject).
        name_pattern (str): See the module doc.
        layout (str): ``'ntu'`` (25 joints) or ``'kinect_v1'`` (20).
        mat_key (str, optional): Variable of a ``.mat`` file.

    Returns:
        dict: Annotation with ``keypoint`` (1, T, V, 3) float32 and
        ``subject``.
    """
    name, action, subject = parse_path(path, name_pattern)
    if path.endswith('.mat'):
        skeleton = read_mat_skeleton(raw, path, mat_key)
    else:
        skeleton = read_text_skeleton(raw, path)
    if not np.isfinite(skeleton).all():
        raise SYSUFormatError(f'{path}: non-finite joint coordinates')
    annotation = kinect_v1_annotation(name, action - 1, skeleton,
                                      KINECT_V1_JOINTS, layout, IMG_SHAPE)
    annotation['subject'] = subject
    return annotation


def convert_sysu(sources: Sequence[str],
                 name_pattern: str = DEFAULT_NAME_PATTERN,
                 layout: str = 'ntu',
                 mat_key: Optional[str] = None,
                 train_subjects: Sequence[int] = DEFAULT_TRAIN_SUBJECTS,
                 strict: bool = False,
                 workers: int = 1,
                 chunksize: int = 16,
                 progress: Optional[Callable] = None
                 ) -> Tuple[Dict, List[str]]:
    """Convert SYSU-3D skeleton files.

    Args:
        sources (Sequence[str]): Folders and / or zips.
        name_pattern (str): See the module doc.
        layout (str): ``'ntu'`` (default) or ``'kinect_v1'``.
        mat_key (str, optional): Variable of the ``.mat`` files.
        train_subjects (Sequence[int]): Subjects of the ``train`` split.
        strict (bool): Raise the first malformed file.
        workers (int): Parsing processes.
        chunksize (int): Files per worker task.
        progress (Callable, optional): ``progress(iterable, total)``.

    Returns:
        tuple[dict, list[str]]: Pickle content and the failures.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}, expected one of '
                         f'{LAYOUTS}')
    re.compile(name_pattern)  # a bad pattern fails here, not per file
    parse = functools.partial(parse_sample, name_pattern=name_pattern,
                              layout=layout, mat_key=mat_key)
    annotations, failures = convert_files(sources, SUFFIXES, parse,
                                          SYSUFormatError, strict, workers,
                                          chunksize, progress,
                                          relative_names=True)
    return dict(split=subject_split(annotations, train_subjects),
                annotations=annotations), failures

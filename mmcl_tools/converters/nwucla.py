"""NW-UCLA (``all_sqe``) to an mmaction2 skeleton pickle.

The download is a folder (or zip) of 1,484 JSON files
``{"file_name": "a01_s01_e00_v01", "skeletons": [T][20][3], "label": 1..10}``
with 20 Kinect v1 joints in metres. The standard cross-view protocol trains
on views 1 and 2 and tests on view 3.
"""
import json
import re
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .kinect_v1 import KINECT_V1_JOINTS
from .parallel import convert_files

#: Kinect v1 joints in NW-UCLA's order (0-based): the Kinect SDK order.
NWUCLA_JOINTS = KINECT_V1_JOINTS
#: Bones (child, parent), pointing to the spine centre (0-based).
NWUCLA_INWARD = [(0, 1), (2, 1), (3, 2), (4, 2), (5, 4), (6, 5), (7, 6),
                 (8, 2), (9, 8), (10, 9), (11, 10), (12, 0), (13, 12),
                 (14, 13), (15, 14), (16, 0), (17, 16), (18, 17), (19, 18)]
#: Graph layout for mmaction2's ``Graph`` (and so STGCN / CTR-GCN); a list,
#: as ``Graph`` concatenates it with a list.
NWUCLA_LAYOUT = dict(num_node=20, inward=NWUCLA_INWARD, center=1)

CLASS_NAMES = ('pick up with one hand', 'pick up with two hands',
               'drop trash', 'walk around', 'sit down', 'stand up',
               'donning', 'doffing', 'throw', 'carry')
NAME_PATTERN = re.compile(r'^a(\d+)_s(\d+)_e(\d+)_v(\d+)$')
TRAIN_VIEWS = (1, 2)
VAL_VIEWS = (3, )


class NWUCLAFormatError(ValueError):
    """A sample file that does not follow the NW-UCLA format."""


def parse_name(name: str) -> Dict[str, int]:
    """Action, subject, episode and view ids of a sample name."""
    match = NAME_PATTERN.match(name)
    if match is None:
        raise NWUCLAFormatError(
            f'{name}: expected a name like a01_s01_e00_v01')
    action, subject, episode, view = (int(g) for g in match.groups())
    return dict(action=action, subject=subject, episode=episode, view=view)


def parse_sample(raw: bytes, source: str) -> Dict:
    """One JSON sample to an mmaction2 annotation.

    Args:
        raw (bytes): The JSON file content.
        source (str): File name for error messages.

    Returns:
        dict: ``frame_dir``, ``label`` (0-based), ``total_frames``,
        ``img_shape``, ``original_shape`` and ``keypoint`` (1, T, 20, 3)
        float32.
    """
    try:
        content = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise NWUCLAFormatError(f'{source}: not valid JSON ({error})')
    for key in ('file_name', 'skeletons', 'label'):
        if key not in content:
            raise NWUCLAFormatError(f'{source}: missing key {key!r}')
    name = content['file_name']
    parse_name(name)
    try:
        skeleton = np.asarray(content['skeletons'], dtype=np.float32)
    except (ValueError, TypeError) as error:
        raise NWUCLAFormatError(
            f'{source}: skeletons is not a [T][20][3] array ({error})')
    if skeleton.ndim != 3 or skeleton.shape[1:] != (20, 3) or \
            skeleton.shape[0] == 0:
        raise NWUCLAFormatError(f'{source}: skeletons has shape '
                                f'{skeleton.shape}, expected (T, 20, 3)')
    if not np.isfinite(skeleton).all():
        raise NWUCLAFormatError(f'{source}: skeletons contain NaN/inf')
    label = int(content['label'])
    if not 1 <= label <= len(CLASS_NAMES):
        raise NWUCLAFormatError(
            f'{source}: label {label} outside 1..{len(CLASS_NAMES)}')
    return dict(
        frame_dir=name,
        label=label - 1,
        total_frames=int(skeleton.shape[0]),
        img_shape=(480, 640),
        original_shape=(480, 640),
        keypoint=skeleton[None])


def cross_view_split(annotations: List[Dict]) -> Dict[str, List[str]]:
    """Train on views 1 and 2, validate on view 3."""
    split = dict(train=[], val=[])
    for ann in annotations:
        view = parse_name(ann['frame_dir'])['view']
        if view in TRAIN_VIEWS:
            split['train'].append(ann['frame_dir'])
        elif view in VAL_VIEWS:
            split['val'].append(ann['frame_dir'])
    return split


def convert_nwucla(source: str,
                   strict: bool = False,
                   workers: int = 1,
                   chunksize: int = 16,
                   progress: Optional[Callable] = None
                   ) -> Tuple[Dict, List[str]]:
    """Convert the NW-UCLA download.

    Args:
        source (str): ``all_sqe`` folder or ``all_sqe.zip``.
        strict (bool): Raise on the first malformed file instead of
            skipping it.
        workers (int): Parsing processes; <= 1 parses in this process.
        chunksize (int): Files per task of a worker.
        progress (Callable, optional): Called as ``progress(iterable,
            total)`` to wrap the per-file results (e.g. tqdm).

    Returns:
        tuple[dict, list[str]]: The mmaction2 pickle content
        ``dict(split=..., annotations=...)`` (annotations sorted by name)
        and the error messages of skipped files.
    """
    annotations, failures = convert_files([source], ('.json', ),
                                          parse_sample, NWUCLAFormatError,
                                          strict, workers, chunksize,
                                          progress)
    return dict(split=cross_view_split(annotations),
                annotations=annotations), failures

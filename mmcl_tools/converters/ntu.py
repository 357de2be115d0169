"""NTU RGB+D 60 / 120 ``.skeleton`` files to an mmaction2 skeleton pickle.

The official downloads (``nturgbd_skeletons_s001_to_s017.zip`` for NTU60,
plus ``nturgbd_skeletons_s018_to_s032.zip`` for NTU120) hold one text file
per sample, named like ``S001C002P003R002A013.skeleton`` (setup, camera,
performer, replication, action; the label is ``action - 1``). A file is::

    <frame count>
    per frame:  <body count>                  (may be 0)
      per body: <10 fields: bodyID clippedEdges handLeftConfidence
                 handLeftState handRightConfidence handRightState
                 isRestricted leanX leanY trackingState>
                <joint count>                 (25)
                25 x <12 fields: x y z depthX depthY colorX colorY
                      orientationW orientationX orientationY orientationZ
                      trackingState>

Each annotation keeps ``keypoint`` (M, T, 25, 3), the camera-space
(x, y, z) in metres, and ``keypoint_2d`` (M, T, 25, 2), (colorX, colorY)
in pixels of the 1920x1080 RGB video (read by ``BuildFrameStrip``).

Noisy bodies (Kinect often detects furniture or splits one person into
several short-lived bodies) are removed as in the standard NTU
pre-processing (the "get_raw_denoised_data" step of the NTU authors'
code used by SGN, CTR-GCN and mmaction2's pickles), with two guards:

1. Bodies are tracked by ``bodyID`` over the frames. A sequence with a
   single bodyID is kept as it is.
2. Length: bodies present in ``<= NOISE_MAX_LENGTH`` (11) frames are
   dropped; if that would drop every body, the longest one is kept.
3. Spread: a frame of a body is noisy when the X extent of its joints is
   larger than ``SPREAD_RATIO`` (0.8) times their Y extent (a standing
   person is taller than wide). Bodies whose fraction of noisy frames is
   ``>= NOISY_FRAME_FRACTION`` (0.69754) are dropped; if that would drop
   every remaining body, the one with the fewest noisy frames is kept.
4. Motion: ``sum over x, y, z of the variance of all the body's joint
   positions`` (frames and joints pooled, as in the standard code); for a
   kept body with noisy frames, the smaller of that and the same measure on
   its valid frames only. Bodies are ranked by motion, most moving first.
5. Actors: the most moving body is actor 1. Each next body joins the first
   actor whose frames it does not share (so a person whose bodyID changes
   midway stays one actor), else starts actor 2, else is dropped. So
   ``M`` is 1 or 2. Frames where an actor is absent are zeros (the
   "missing" convention of mmaction2's ``PreNormalize3D`` and of
   ``BuildFrameStrip``).

Frames: by default every frame of the file is kept (``T`` = the file's
frame count, including frames with 0 bodies, as zeros), so keypoint frame
t stays video frame t for ``BuildFrameStrip``; mmaction2's
``PreNormalize3D`` drops the frames without actor 1 for the skeleton
stream anyway. ``drop_empty_frames=True`` instead drops every frame where
no kept actor is present (as the standard pre-processing does).
``total_frames`` always equals ``T``.

Validation: a malformed file raises :class:`NTUFormatError` naming the
file and the 1-based line (``S001C001P001R001A001.skeleton line 57:
expected 12 joint fields, got 7``). x, y, z must be finite; colour
coordinates may be anything a float parses (non-finite ones count as
missing for ``BuildFrameStrip``). A file without any body (the samples of
the official "missing skeletons" lists) is an error too, unless it is
skipped through ``missing``.
"""
import os.path as osp
import re
from typing import (Callable, Dict, Iterable, Iterator, List, NamedTuple,
                    Optional, Sequence, Set, Tuple)

import numpy as np

from mmcl_plugin.utils.process_pool import imap_jobs
from .file_sources import iter_files, list_files
from .parallel import WORKER_DIED, pool_workers

NUM_JOINTS = 25
NUM_BODY_FIELDS = 10
NUM_JOINT_FIELDS = 12
#: Columns of a joint line kept in ``keypoint``: x, y, z (metres).
XYZ_COLUMNS = (0, 1, 2)
#: Columns of a joint line kept in ``keypoint_2d``: colorX, colorY (pixels).
COLOR_COLUMNS = (5, 6)
#: (H, W) of the NTU RGB videos, the frame of ``keypoint_2d``.
IMG_SHAPE = (1080, 1920)
MAX_ACTORS = 2

#: Bodies present in this many frames or fewer are noise.
NOISE_MAX_LENGTH = 11
#: A body's frame is noisy when X extent > SPREAD_RATIO * Y extent.
SPREAD_RATIO = 0.8
#: Bodies with at least this fraction of noisy frames are noise.
NOISY_FRAME_FRACTION = 0.69754

NAME_PATTERN = re.compile(r'^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$')
NAME_SEARCH = re.compile(r'S\d{3}C\d{3}P\d{3}R\d{3}A\d{3}')
SUFFIX = '.skeleton'

#: Official NTU RGB+D 60 cross-subject training performers (Shahroudy et
#: al., CVPR 2016); the other 20 of the 40 are validation.
NTU60_XSUB_TRAIN_SUBJECTS = frozenset(
    (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35,
     38))
#: Official NTU60 cross-view training cameras; camera 1 is validation.
NTU60_XVIEW_TRAIN_CAMERAS = frozenset((2, 3))
#: Official NTU RGB+D 120 cross-subject training performers (Liu et al.,
#: TPAMI 2019), 53 of the 106.
NTU120_XSUB_TRAIN_SUBJECTS = frozenset(
    (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35,
     38, 45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80,
     81, 82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103))
#: NTU120 cross-setup: even setup ids train, odd ones validate.
NTU120_XSET_TRAIN_PARITY = 0

#: Actions and setups of each benchmark (NTU120's setups 18..32 repeat
#: actions 1..60, so NTU60 is selected by setup as well as by action).
BENCHMARKS = dict(
    ntu60=dict(num_classes=60, num_setups=17),
    ntu120=dict(num_classes=120, num_setups=32))


class NTUFormatError(ValueError):
    """A sample file that does not follow the NTU ``.skeleton`` format."""


class BodyTrack(NamedTuple):
    """One Kinect body (one ``bodyID``) over the frames it appears in.

    Attributes:
        body_id (str): The Kinect bodyID (``#k`` appended when an id occurs
            twice in a frame).
        frames (np.ndarray): (n, ) int64 increasing frame indices.
        joints (np.ndarray): (n, 25, 3) float64 x, y, z in metres.
        colors (np.ndarray): (n, 25, 2) float64 colorX, colorY in pixels.
    """
    body_id: str
    frames: np.ndarray
    joints: np.ndarray
    colors: np.ndarray


def parse_name(name: str) -> Dict[str, int]:
    """Setup, camera, subject, replication and action of a sample name.

    Args:
        name (str): e.g. ``S001C002P003R002A013`` (a ``.skeleton`` suffix
            is allowed).

    Returns:
        dict[str, int]: ``setup``, ``camera``, ``subject``, ``replication``
        and ``action``, all 1-based.
    """
    match = NAME_PATTERN.match(
        name[:-len(SUFFIX)] if name.endswith(SUFFIX) else name)
    if match is None:
        raise NTUFormatError(
            f'{name}: expected a name like S001C002P003R002A013')
    values = [int(g) for g in match.groups()]
    keys = ('setup', 'camera', 'subject', 'replication', 'action')
    info = dict(zip(keys, values))
    for key, value in info.items():
        if value < 1:
            raise NTUFormatError(f'{name}: {key} id {value} is not >= 1')
    return info


def in_benchmark(name: str, benchmark: str) -> bool:
    """Whether a sample belongs to ``ntu60`` or ``ntu120``.

    Args:
        name (str): Sample name.
        benchmark (str): ``'ntu60'`` (actions 1..60 of setups 1..17) or
            ``'ntu120'`` (actions 1..120 of setups 1..32).
    """
    spec = BENCHMARKS[benchmark]
    info = parse_name(name)
    return info['action'] <= spec['num_classes'] and \
        info['setup'] <= spec['num_setups']


def parse_missing_list(text: str) -> Set[str]:
    """Sample names of an official "samples with missing skeletons" list.

    Every ``S...C...P...R...A...`` name found is taken, so header lines,
    blank lines, ``.skeleton`` suffixes and CRLF line ends do not matter.

    Args:
        text (str): The list's content.

    Returns:
        set[str]: Sample names.
    """
    return set(NAME_SEARCH.findall(text))


class _Lines:
    """Reads a file's lines in order, raising errors that name the line."""

    def __init__(self, lines: List[str], source: str) -> None:
        self.lines = lines
        self.source = source
        self.index = 0  # 0-based index of the next line

    def error(self, message: str, index: Optional[int] = None
              ) -> NTUFormatError:
        line = (self.index if index is None else index) + 1
        return NTUFormatError(f'{self.source} line {line}: {message}')

    def next_line(self, what: str) -> str:
        if self.index >= len(self.lines):
            raise self.error(f'unexpected end of file, expected {what}')
        self.index += 1
        return self.lines[self.index - 1]

    def count(self, what: str) -> int:
        line = self.next_line(what)
        try:
            value = int(line.strip())
        except ValueError:
            raise self.error(f'expected {what}, got {line.strip()!r}',
                             self.index - 1) from None
        if value < 0:
            raise self.error(f'{what} {value} is negative', self.index - 1)
        return value

    def fields(self, number: int, what: str) -> List[str]:
        line = self.next_line(what)
        fields = line.split()
        if len(fields) != number:
            raise self.error(
                f'expected {number} {what} fields, got {len(fields)}',
                self.index - 1)
        return fields

    def joint_block(self) -> np.ndarray:
        """The next 25 joint lines as a (25, 12) float64 array."""
        start = self.index
        block = self.lines[start:start + NUM_JOINTS]
        try:  # fast path: all lines well formed
            values = np.array([line.split() for line in block],
                              dtype=np.float64)
        except ValueError:
            values = None
        if values is None or values.shape != (NUM_JOINTS, NUM_JOINT_FIELDS):
            self._diagnose_joints(start)
        if not np.isfinite(values[:, XYZ_COLUMNS]).all():
            row = int(np.nonzero(
                ~np.isfinite(values[:, XYZ_COLUMNS]).all(axis=1))[0][0])
            raise self.error('x, y, z are not all finite', start + row)
        self.index = start + NUM_JOINTS
        return values

    def _diagnose_joints(self, start: int) -> None:
        """Raise the error of the first malformed line of a joint block."""
        for joint in range(NUM_JOINTS):
            fields = self.fields(NUM_JOINT_FIELDS, 'joint')
            try:
                [float(field) for field in fields]
            except ValueError as error:
                raise self.error(f'joint {joint + 1}: {error}',
                                 self.index - 1) from None
        raise self.error('malformed joint block', start)  # not reached


def parse_skeleton(raw: bytes, source: str) -> Tuple[int, List[BodyTrack]]:
    """Read a ``.skeleton`` file into per-body tracks.

    Args:
        raw (bytes): The file content (LF or CRLF line ends).
        source (str): File name for error messages.

    Returns:
        tuple[int, list[BodyTrack]]: The frame count of the file and the
        bodies in the order they first appear.

    Raises:
        NTUFormatError: On any deviation from the format, naming the file
            and the line.
    """
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as error:
        raise NTUFormatError(f'{source}: not a text file ({error})') from None
    reader = _Lines(text.splitlines(), source)
    num_frames = reader.count('a frame count')
    tracks: Dict[str, Tuple[List[int], List[np.ndarray]]] = {}
    for frame in range(num_frames):
        num_bodies = reader.count('a body count')
        seen: Dict[str, int] = {}
        for _ in range(num_bodies):
            body_id = reader.fields(NUM_BODY_FIELDS, 'body info')[0]
            seen[body_id] = seen.get(body_id, 0) + 1
            if seen[body_id] > 1:
                body_id = f'{body_id}#{seen[body_id]}'
            num_joints = reader.count('a joint count')
            if num_joints != NUM_JOINTS:
                raise reader.error(
                    f'expected {NUM_JOINTS} joints, got {num_joints}',
                    reader.index - 1)
            frames, blocks = tracks.setdefault(body_id, ([], []))
            frames.append(frame)
            blocks.append(reader.joint_block())
    for index in range(reader.index, len(reader.lines)):
        if reader.lines[index].strip():
            raise reader.error(
                f'unexpected content after the last of {num_frames} frames',
                index)
    bodies = []
    for body_id, (frames, blocks) in tracks.items():
        values = np.stack(blocks)
        bodies.append(
            BodyTrack(body_id, np.asarray(frames, dtype=np.int64),
                      values[:, :, XYZ_COLUMNS], values[:, :, COLOR_COLUMNS]))
    return num_frames, bodies


def body_motion(joints: np.ndarray) -> float:
    """Motion of a body: sum over x, y, z of the variance of its joints.

    Args:
        joints (np.ndarray): (n, 25, 3) positions.

    Returns:
        float: Variance of all n * 25 points, summed over the 3 axes.
    """
    return float(np.var(joints.reshape(-1, 3), axis=0).sum())


def spread_valid_frames(joints: np.ndarray) -> np.ndarray:
    """Frames whose joints are not wider (X) than ``SPREAD_RATIO`` * tall (Y).

    Args:
        joints (np.ndarray): (n, 25, 3) positions.

    Returns:
        np.ndarray: (n, ) bool, True for plausible frames.
    """
    extent = joints.max(axis=1) - joints.min(axis=1)  # (n, 3)
    return extent[:, 0] <= SPREAD_RATIO * extent[:, 1]


def denoise_bodies(bodies: Sequence[BodyTrack]) -> List[BodyTrack]:
    """Drop noisy bodies, rank the rest by motion (see the module doc).

    Args:
        bodies (Sequence[BodyTrack]): All bodies of a sequence.

    Returns:
        list[BodyTrack]: At least one body when ``bodies`` is not empty,
        the most moving first.
    """
    if len(bodies) <= 1:
        return list(bodies)
    kept = [b for b in bodies if len(b.frames) > NOISE_MAX_LENGTH]
    if not kept:
        kept = [max(bodies, key=lambda b: len(b.frames))]
    motion = {b.body_id: body_motion(b.joints) for b in kept}
    if len(kept) > 1:
        valid = {b.body_id: spread_valid_frames(b.joints) for b in kept}
        noisy = {key: 1.0 - float(v.mean()) for key, v in valid.items()}
        plausible = [
            b for b in kept if noisy[b.body_id] < NOISY_FRAME_FRACTION
        ]
        if not plausible:
            plausible = [min(kept, key=lambda b: noisy[b.body_id])]
        for body in plausible:
            frames = valid[body.body_id]
            if frames.any() and not frames.all():
                motion[body.body_id] = min(motion[body.body_id],
                                           body_motion(body.joints[frames]))
        kept = plausible
    # sorted() is stable: equal motion keeps the order of appearance
    return sorted(kept, key=lambda b: -motion[b.body_id])


def assign_actors(bodies: Sequence[BodyTrack], num_frames: int,
                  max_actors: int = MAX_ACTORS
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place ranked bodies into at most ``max_actors`` actor slots.

    A body joins the first actor whose frames it does not share, else a new
    actor while there are fewer than ``max_actors``, else it is dropped.

    Args:
        bodies (Sequence[BodyTrack]): At least one body, most moving first.
        num_frames (int): T.
        max_actors (int): Defaults to 2.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: ``keypoint`` (M, T, 25,
        3) float32, ``keypoint_2d`` (M, T, 25, 2) float32 (zeros where an
        actor is absent) and ``present`` (M, T) bool.
    """
    present = np.zeros((max_actors, num_frames), dtype=bool)
    keypoint = np.zeros((max_actors, num_frames, NUM_JOINTS, 3),
                        dtype=np.float32)
    keypoint_2d = np.zeros((max_actors, num_frames, NUM_JOINTS, 2),
                           dtype=np.float32)
    used = 0
    for body in bodies:
        for actor in range(max_actors):
            if actor == used:
                used += 1
                break
            if not present[actor, body.frames].any():
                break
        else:
            continue  # overlaps every actor: dropped
        present[actor, body.frames] = True
        keypoint[actor, body.frames] = body.joints
        keypoint_2d[actor, body.frames] = body.colors
    used = max(used, 1)
    return keypoint[:used], keypoint_2d[:used], present[:used]


def skeleton_to_annotation(raw: bytes,
                           file_name: str,
                           drop_empty_frames: bool = False,
                           require_label: bool = True) -> Dict:
    """One ``.skeleton`` file to an mmaction2 annotation.

    Args:
        raw (bytes): The file content.
        file_name (str): ``<sample name>.skeleton``, also used in errors.
        drop_empty_frames (bool): Drop the frames without any kept actor
            instead of keeping them as zeros. Defaults to False.
        require_label (bool): Whether the name must be an official sample
            name (``S001C002P003R002A013``), which gives the label. With
            False another name gives an annotation without ``label``
            (inference on any file). Defaults to True.

    Returns:
        dict: ``frame_dir`` (sample name), ``label`` (0-based action),
        ``total_frames`` (T), ``img_shape`` and ``original_shape``
        (1080, 1920), ``keypoint`` (M, T, 25, 3) float32 metres and
        ``keypoint_2d`` (M, T, 25, 2) float32 colour pixels, M in {1, 2}.
    """
    name = osp.basename(file_name)
    if name.endswith(SUFFIX):
        name = name[:-len(SUFFIX)]
    label = None
    if require_label or NAME_PATTERN.match(name):
        label = parse_name(name)['action'] - 1
    num_frames, bodies = parse_skeleton(raw, file_name)
    if num_frames == 0:
        raise NTUFormatError(f'{file_name}: the file has 0 frames')
    if not bodies:
        raise NTUFormatError(
            f'{file_name}: no body in any of its {num_frames} frames (a '
            'sample of the official missing-skeleton lists?)')
    keypoint, keypoint_2d, present = assign_actors(
        denoise_bodies(bodies), num_frames)
    if drop_empty_frames:
        frames = present.any(axis=0)
        keypoint, keypoint_2d = keypoint[:, frames], keypoint_2d[:, frames]
    annotation = dict(
        frame_dir=name,
        label=label,
        total_frames=int(keypoint.shape[1]),
        img_shape=IMG_SHAPE,
        original_shape=IMG_SHAPE,
        keypoint=keypoint,
        keypoint_2d=keypoint_2d)
    if label is None:
        del annotation['label']
    return annotation


def benchmark_split(names: Iterable[str],
                    benchmark: str) -> Dict[str, List[str]]:
    """The official splits of a benchmark.

    Args:
        names (Iterable[str]): Sample names, all in ``benchmark``.
        benchmark (str): ``'ntu60'``: ``xsub_train``/``xsub_val`` by
            :data:`NTU60_XSUB_TRAIN_SUBJECTS` and ``xview_train``/
            ``xview_val`` by :data:`NTU60_XVIEW_TRAIN_CAMERAS`;
            ``'ntu120'``: ``xsub_*`` by :data:`NTU120_XSUB_TRAIN_SUBJECTS`
            and ``xset_*`` by setup parity (even setups train).

    Returns:
        dict[str, list[str]]: Split name to sample names, in input order.
    """
    if benchmark == 'ntu60':
        split = dict(xsub_train=[], xsub_val=[], xview_train=[],
                     xview_val=[])
    elif benchmark == 'ntu120':
        split = dict(xsub_train=[], xsub_val=[], xset_train=[], xset_val=[])
    else:
        raise ValueError(f'unknown benchmark {benchmark!r}, expected one of '
                         f'{sorted(BENCHMARKS)}')
    for name in names:
        info = parse_name(name)
        if benchmark == 'ntu60':
            subjects = NTU60_XSUB_TRAIN_SUBJECTS
            second = 'xview'
            second_train = info['camera'] in NTU60_XVIEW_TRAIN_CAMERAS
        else:
            subjects = NTU120_XSUB_TRAIN_SUBJECTS
            second = 'xset'
            second_train = info['setup'] % 2 == NTU120_XSET_TRAIN_PARITY
        xsub = 'train' if info['subject'] in subjects else 'val'
        split[f'xsub_{xsub}'].append(name)
        split[f'{second}_{"train" if second_train else "val"}'].append(name)
    return split


#: Outcomes of a file in :func:`convert_ntu`.
CONVERTED, MISSING, OTHER_BENCHMARK, FAILED = ('converted', 'missing',
                                               'other_benchmark', 'failed')


def _convert_job(job: Tuple) -> Tuple[str, str, Optional[Dict], str]:
    """Worker: (file name, status, raw or None, message, drop) to
    (file name, status, annotation or None, message)."""
    file_name, status, raw, message, drop_empty_frames = job
    if raw is None:
        return file_name, status, None, message
    try:
        return file_name, CONVERTED, skeleton_to_annotation(
            raw, file_name, drop_empty_frames), ''
    except NTUFormatError as error:
        return file_name, FAILED, None, str(error)


def _convert_job_died(job: Tuple) -> Tuple[str, str, None, str]:
    """:func:`_convert_job`'s result for a file whose worker died."""
    return job[0], FAILED, None, f'{job[0]}: {WORKER_DIED}'


def convert_ntu(sources: Sequence[str],
                benchmark: str,
                missing: Iterable[str] = (),
                strict: bool = False,
                workers: int = 1,
                chunksize: int = 16,
                drop_empty_frames: bool = False,
                progress: Optional[Callable] = None
                ) -> Tuple[Dict, List[str], Dict[str, List[str]]]:
    """Convert NTU RGB+D ``.skeleton`` files to an mmaction2 pickle content.

    Args:
        sources (Sequence[str]): Folders of ``.skeleton`` files and/or the
            official zips, read without extracting.
        benchmark (str): ``'ntu60'`` or ``'ntu120'``; files of other
            actions or setups (e.g. A061+ for ntu60) are skipped.
        missing (Iterable[str]): Sample names to skip, e.g. from
            :func:`parse_missing_list` of the official lists.
        strict (bool): Raise on the first malformed file instead of
            listing it in the failures.
        workers (int): Parsing processes; <= 1 parses in this process.
        chunksize (int): Files per task of a worker.
        drop_empty_frames (bool): See :func:`skeleton_to_annotation`.
        progress (Callable, optional): Called as ``progress(iterable,
            total)`` to wrap the per-file results (e.g. tqdm).

    Returns:
        tuple[dict, list[str], dict[str, list[str]]]: The pickle content
        ``dict(split=..., annotations=...)`` (annotations sorted by name),
        the error messages of the failed files and the skipped sample
        names under ``'missing'`` and ``'other_benchmark'``.

    Raises:
        NTUFormatError: With ``strict``, the first failure.
    """
    if benchmark not in BENCHMARKS:
        raise ValueError(f'unknown benchmark {benchmark!r}, expected one of '
                         f'{sorted(BENCHMARKS)}')
    missing = {osp.basename(name).replace(SUFFIX, '') for name in missing}
    total = sum(len(list_files(source, (SUFFIX, ))) for source in sources)

    def jobs() -> Iterator[Tuple]:
        for source in sources:
            for file_name, read in iter_files(source, (SUFFIX, )):
                name = file_name[:-len(SUFFIX)]
                status, message = CONVERTED, ''
                try:
                    if name in missing:
                        status = MISSING
                    elif not in_benchmark(file_name, benchmark):
                        status = OTHER_BENCHMARK
                except NTUFormatError as error:
                    status, message = FAILED, str(error)
                raw = read() if status == CONVERTED else None
                yield file_name, status, raw, message, drop_empty_frames

    annotations: Dict[str, Dict] = {}
    failures: List[str] = []
    skipped: Dict[str, List[str]] = {MISSING: [], OTHER_BENCHMARK: []}
    results = imap_jobs(_convert_job, jobs(), pool_workers(workers),
                        died=_convert_job_died, chunksize=chunksize)
    try:
        stream = results if progress is None else progress(results, total)
        for file_name, status, annotation, message in stream:
            if status == CONVERTED and annotation['frame_dir'] in \
                    annotations:
                status, message = FAILED, (
                    f'{file_name}: duplicate sample (found in more than one '
                    'source); the first one is kept')
            if status == FAILED:
                if strict:
                    raise NTUFormatError(message)
                failures.append(message)
            elif status == CONVERTED:
                annotations[annotation['frame_dir']] = annotation
            else:
                skipped[status].append(file_name[:-len(SUFFIX)])
    finally:
        results.close()
    names = sorted(annotations)
    content = dict(
        split=benchmark_split(names, benchmark),
        annotations=[annotations[name] for name in names])
    return content, failures, skipped

"""Offline RGB frame strips: one image per sample, as ``BuildFrameStrip``
builds them online.

``tools/data/ntu/make_ntu_strips.py`` writes ``<out_dir>/<frame_dir><ext>``
for every sample of an mmaction2 skeleton pickle; training then reads them
with ``MMCLPoseDataset(strip_root=out_dir, strip_suffix=ext)`` instead of
decoding videos at every step.

The strip of a sample *is* the one :class:`BuildFrameStrip` makes for the
sample's data info without ``frame_inds`` (the whole clip, bounded by
``total_frames``): :func:`build_strip` calls the transform itself, so the
frame choice, keypoint rescaling, person box and tiling cannot drift apart
from the online path. Only the ``m`` chosen frames are decoded, by the
transform's frame readers (``FRAME_READERS``). Saved as PNG the strip
read back is bit-identical; JPEG (the default, much smaller files) adds
its compression error.

Resumability: writes are atomic (temporary file beside the output, then
``os.replace``), so an output that exists is complete unless something
else damaged it; a run skips the samples whose output is a whole image of
the strip size and redoes the others. ``strip_settings.json`` in the
output directory records the settings, so a run with other settings cannot
mix its strips with the existing ones, and :func:`locked_out_dir` keeps
two runs out of the same directory.
"""
import contextlib
import dataclasses
import json
import multiprocessing
import os
import os.path as osp
import pickle
import re
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import (Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple)

import cv2
import numpy as np

from mmcl_plugin.datasets.transforms.frame_strip import BuildFrameStrip
from mmcl_plugin.utils import atomic_write, dump_json_atomic

#: Output formats: extension -> (OpenCV encoder extension, file trailer).
#: A JPEG ends with the EOI marker, a PNG with its IEND chunk; a file cut
#: short lacks them even when a decoder still returns an image for it.
IMAGE_FORMATS: Dict[str, Tuple[str, bytes]] = {
    '.jpg': ('.jpg', b'\xff\xd9'),
    '.jpeg': ('.jpg', b'\xff\xd9'),
    '.png': ('.png', b'IEND\xaeB`\x82'),
}

#: Longest failure reason kept (decoders can put whole logs in errors).
MAX_REASON_CHARS = 300

#: File in the output directory recording the settings of its strips.
SETTINGS_FILE = 'strip_settings.json'
#: Lock file in the output directory, held while a run writes there.
LOCK_FILE = '.strips.lock'

#: Statuses of :class:`StripResult`.
WRITTEN, DONE, FAILED = 'written', 'done', 'failed'

#: Names ``tempfile.mkstemp`` gives the temporary files of
#: :func:`atomic_write`: ``.<output name>.<8 random chars>.tmp``.
TEMP_NAME = re.compile(r'^\.(?P<base>.+)\.[a-z0-9_]{8}\.tmp$')


class StripError(RuntimeError):
    """A sample whose strip cannot be made; the message is the reason."""


@dataclass(frozen=True)
class StripSettings:
    """How strips are made and stored.

    The first five fields are the arguments of :class:`BuildFrameStrip`.

    Args:
        num_frames (int): m, frames of a strip. Defaults to 5.
        strip_size (tuple[int, int]): (H, W) of a strip. Defaults to
            (224, 1120), five 224 x 224 tiles.
        crop_margin (float): Margin around the person box, as a fraction
            of its size on each side. Defaults to 0.1.
        keypoint_key (str): Annotation key of the (M, T, V, 2) pixel
            keypoints. Defaults to 'keypoint_2d'.
        backend (str): Frame reader, a key of ``FRAME_READERS`` ('decord'
            or 'opencv'). Defaults to 'decord'.
        ext (str): Image format, '.jpg', '.jpeg' or '.png'. Defaults to
            '.jpg'.
        jpeg_quality (int): 0-100. Defaults to 95.
        png_compression (int): 0-9 (size against time; the pixels are
            the same). Defaults to 3.
        require_keypoints (bool): A sample without usable keypoints fails
            (True) or gets uncropped whole-frame tiles, as
            ``BuildFrameStrip`` makes online (False). Defaults to True.
    """

    num_frames: int = 5
    strip_size: Tuple[int, int] = (224, 1120)
    crop_margin: float = 0.1
    keypoint_key: str = 'keypoint_2d'
    backend: str = 'decord'
    ext: str = '.jpg'
    jpeg_quality: int = 95
    png_compression: int = 3
    require_keypoints: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, 'strip_size',
                           tuple(int(s) for s in self.strip_size))
        object.__setattr__(self, 'ext', normalize_ext(self.ext))
        # The transform checks num_frames, strip_size, margin and backend.
        self.transform()
        if not 0 <= self.jpeg_quality <= 100:
            raise ValueError(f'jpeg_quality must be in 0..100, got '
                             f'{self.jpeg_quality}')
        if not 0 <= self.png_compression <= 9:
            raise ValueError(f'png_compression must be in 0..9, got '
                             f'{self.png_compression}')

    def transform(self) -> BuildFrameStrip:
        """The online transform with the same settings."""
        return BuildFrameStrip(num_frames=self.num_frames,
                               strip_size=self.strip_size,
                               crop_margin=self.crop_margin,
                               keypoint_key=self.keypoint_key,
                               io_backend=self.backend)

    def identity(self) -> Dict:
        """The settings that decide the pixels of a written strip (all
        but ``require_keypoints``, which only decides what fails), as
        JSON-ready values."""
        identity = dataclasses.asdict(self)
        identity.pop('require_keypoints')
        identity['strip_size'] = list(self.strip_size)
        return identity


@dataclass
class StripTask:
    """One sample to make a strip for.

    Args:
        name (str): The sample's ``frame_dir``.
        video_path (str): Its RGB video.
        out_path (str): Its strip image.
        keypoint_2d (np.ndarray, optional): (M, T, V, C >= 2) pixel
            (x, y); None when the annotation has none.
        keypoint_shape (tuple[int, int], optional): (H, W) the keypoints
            refer to (``original_shape``, else ``img_shape``).
        total_frames (int, optional): Frames of the annotation; the strip
            spans at most these.
    """

    name: str
    video_path: str
    out_path: str
    keypoint_2d: Optional[np.ndarray] = None
    keypoint_shape: Optional[Tuple[int, int]] = None
    total_frames: Optional[int] = None

    def data_info(self, keypoint_key: str = 'keypoint_2d') -> Dict:
        """The data info ``BuildFrameStrip`` gets for this sample from
        ``MMCLPoseDataset`` with ``video_root`` (no ``frame_inds``)."""
        info = dict(frame_dir=self.name, video_path=self.video_path)
        if self.total_frames is not None:
            info['total_frames'] = self.total_frames
        if self.keypoint_shape is not None:
            info['original_shape'] = self.keypoint_shape
        if self.keypoint_2d is not None:
            info[keypoint_key] = self.keypoint_2d
        return info


@dataclass
class StripResult:
    """What happened to one sample: ``status`` is :data:`WRITTEN`,
    :data:`DONE` (a valid output was there) or :data:`FAILED` (``reason``
    says why); ``replaced`` marks an invalid output that was redone."""

    name: str
    status: str
    reason: str = ''
    replaced: bool = False


@dataclass
class StripReport:
    """Counts of a run and its failures as (sample, reason)."""

    written: int = 0
    done: int = 0
    replaced: int = 0
    removed_temp_files: int = 0
    failures: List[Tuple[str, str]] = field(default_factory=list)

    def add(self, result: StripResult) -> None:
        """Count one result."""
        if result.status == WRITTEN:
            self.written += 1
            self.replaced += int(result.replaced)
        elif result.status == DONE:
            self.done += 1
        else:
            self.failures.append((result.name, result.reason))

    def summary(self) -> str:
        """``'N written, K already done, F failed'`` and what was
        cleaned up."""
        line = (f'{self.written} written, {self.done} already done, '
                f'{len(self.failures)} failed')
        if self.replaced:
            line += (f'; {self.replaced} written over an incomplete or '
                     f'wrong-size image')
        if self.removed_temp_files:
            line += (f'; {self.removed_temp_files} temporary files of an '
                     f'interrupted run removed')
        return line


def normalize_ext(ext: str) -> str:
    """'.jpg' for 'jpg', 'JPG' or '.jpg'.

    Raises:
        ValueError: Not one of :data:`IMAGE_FORMATS`.
    """
    ext = ext.lower()
    if not ext.startswith('.'):
        ext = '.' + ext
    if ext not in IMAGE_FORMATS:
        raise ValueError(f'image format must be one of '
                         f'{sorted(IMAGE_FORMATS)}, got {ext!r}')
    return ext


def short_reason(error: BaseException) -> str:
    """First line of an error, prefixed with its type unless it is a
    :class:`StripError`, at most :data:`MAX_REASON_CHARS` characters."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else ''
    if not isinstance(error, StripError):
        text = f'{type(error).__name__}: {text}'
    if len(text) > MAX_REASON_CHARS:
        text = text[:MAX_REASON_CHARS - 3] + '...'
    return text


# ------------------------------------------------------------- annotations
def load_annotations(ann_file: str,
                     splits: Optional[Sequence[str]] = None) -> List[Dict]:
    """Annotations of an mmaction2 skeleton pickle, optionally of splits.

    Args:
        ann_file (str): Pickle of ``dict(split=..., annotations=[...])``
            or of a list of annotations.
        splits (Sequence[str], optional): Keep the samples of these splits
            (their union, in the pickle's order). None or empty keeps all.

    Returns:
        list[dict]: The annotations.

    Raises:
        KeyError: A split is not in the pickle.
        ValueError: Two annotations have the same ``frame_dir``.
    """
    with open(ann_file, 'rb') as f:
        content = pickle.load(f)
    if isinstance(content, dict):
        annotations = content['annotations']
        split_lists = content.get('split', {})
    else:
        annotations, split_lists = list(content), {}
    if splits:
        unknown = [s for s in splits if s not in split_lists]
        if unknown:
            raise KeyError(f'splits {unknown} are not in {ann_file}; it has '
                           f'{sorted(split_lists)}')
        keep = set()
        for split in splits:
            keep.update(str(name) for name in split_lists[split])
        annotations = [a for a in annotations if str(a['frame_dir']) in keep]
    seen, repeated = set(), []
    for ann in annotations:
        name = str(ann['frame_dir'])
        if name in seen:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ValueError(f'{ann_file}: frame_dir repeats, e.g. '
                         f'{repeated[:5]}')
    return annotations


def check_video_pattern(pattern: str) -> str:
    """A video-name pattern with one ``{name}`` field, e.g. NTU RGB+D's
    ``'{name}_rgb.avi'``; it may hold sub-directories.

    Raises:
        ValueError: The pattern has no ``{name}`` or other fields.
    """
    try:
        formatted = pattern.format(name='\0')
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f'video pattern {pattern!r} may only use the '
                         f'field {{name}}: {error!r}') from error
    if '\0' not in formatted:
        raise ValueError(f'video pattern {pattern!r} has no {{name}} field')
    return pattern


def make_tasks(annotations: Iterable[Dict],
               video_root: str,
               out_dir: str,
               video_pattern: str = '{name}_rgb.avi',
               ext: str = '.jpg',
               keypoint_key: str = 'keypoint_2d') -> List[StripTask]:
    """One :class:`StripTask` per annotation.

    The video of sample ``S001C001P001R001A001`` is
    ``<video_root>/<video_pattern with name=S001C001P001R001A001>``; its
    strip is ``<out_dir>/S001C001P001R001A001<ext>``, where
    ``MMCLPoseDataset(strip_root=out_dir, strip_suffix=ext)`` looks.

    Args:
        annotations (Iterable[dict]): With ``frame_dir`` and optionally
            ``total_frames``, ``original_shape``/``img_shape`` and the
            keypoints.
        video_root (str): Directory of the videos.
        out_dir (str): Directory of the strips.
        video_pattern (str): Video path relative to ``video_root``, with
            a ``{name}`` field. Defaults to '{name}_rgb.avi' (NTU RGB+D).
        ext (str): Strip image extension. Defaults to '.jpg'.
        keypoint_key (str): Defaults to 'keypoint_2d'.

    Returns:
        list[StripTask]: The tasks, in the annotations' order. They hold
        only the 2-D keypoints, so the rest of the annotations can be
        freed.
    """
    check_video_pattern(video_pattern)
    ext = normalize_ext(ext)
    tasks = []
    for ann in annotations:
        name = str(ann['frame_dir'])
        keypoint_2d = ann.get(keypoint_key)
        if keypoint_2d is not None:
            keypoint_2d = np.asarray(keypoint_2d)
        shape = ann.get('original_shape', ann.get('img_shape'))
        total_frames = ann.get('total_frames')
        tasks.append(
            StripTask(
                name=name,
                video_path=osp.join(video_root,
                                    video_pattern.format(name=name)),
                out_path=osp.join(out_dir, name + ext),
                keypoint_2d=keypoint_2d,
                keypoint_shape=None if shape is None else tuple(
                    int(s) for s in shape[:2]),
                total_frames=None
                if total_frames is None else int(total_frames)))
    return tasks


def keypoint_problem(keypoint_2d: Optional[np.ndarray],
                     keypoint_key: str = 'keypoint_2d') -> Optional[str]:
    """Why a sample's 2-D keypoints cannot crop its strip, or None.

    ``BuildFrameStrip`` silently shows the whole frame for these, which
    for a whole dataset usually means the wrong pickle (mmaction2's own
    NTU pickles have no 2-D keypoints) or the wrong ``keypoint_key``.

    Args:
        keypoint_2d (np.ndarray, optional): Expected (M, T, V, C >= 2).
        keypoint_key (str): Its annotation key, for the message.
    """
    if keypoint_2d is None:
        return f'the annotation has no {keypoint_key!r}'
    shape = np.shape(keypoint_2d)
    if len(shape) != 4 or shape[1] == 0 or shape[-1] < 2:
        return (f'{keypoint_key!r} has shape {shape}, expected (M, T, V, 2) '
                f'with T > 0')
    return None


# ------------------------------------------------------------------ strips
def build_strip(task: StripTask, settings: StripSettings) -> np.ndarray:
    """The strip of one sample, decoding only its m frames.

    Args:
        task (StripTask): The sample.
        settings (StripSettings): How to make it.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB strip, what ``settings.transform()``
        builds for ``task.data_info()``.

    Raises:
        StripError: The video is missing or cannot be decoded, or (with
            ``settings.require_keypoints``) the keypoints are unusable.
    """
    if settings.require_keypoints:
        problem = keypoint_problem(task.keypoint_2d, settings.keypoint_key)
        if problem:
            raise StripError(problem)
    if not osp.isfile(task.video_path):
        raise StripError(f'video not found: {task.video_path}')
    try:
        results = settings.transform()(task.data_info(settings.keypoint_key))
    except RuntimeError as error:
        # The transform's message names the sample, the path, the backend
        # and the decoder's error.
        raise StripError(
            str(error).replace('BuildFrameStrip: ', '', 1)) from error
    return results['frame_strip']


# ------------------------------------------------------------ image files
def encode_strip(strip: np.ndarray, settings: StripSettings) -> bytes:
    """An (H, W, 3) uint8 RGB strip as the bytes of a ``settings.ext``
    image file."""
    encoder_ext, _ = IMAGE_FORMATS[settings.ext]
    if encoder_ext == '.jpg':
        params = [cv2.IMWRITE_JPEG_QUALITY, settings.jpeg_quality]
    else:
        params = [cv2.IMWRITE_PNG_COMPRESSION, settings.png_compression]
    ok, buffer = cv2.imencode(encoder_ext,
                              cv2.cvtColor(strip, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise StripError(f'OpenCV cannot encode the strip as {encoder_ext}')
    return buffer.tobytes()


def write_strip(path: str, strip: np.ndarray,
                settings: StripSettings) -> None:
    """Write a strip image atomically (temporary file in the same
    directory, then ``os.replace``)."""
    data = encode_strip(strip, settings)
    with atomic_write(path) as f:
        f.write(data)


def is_complete_strip(path: str, strip_size: Sequence[int]) -> bool:
    """Whether ``path`` is a whole, decodable image of ``strip_size``.

    A file whose format trailer (JPEG EOI, PNG IEND) is missing counts as
    cut short, since decoders may still return an image for it.

    Args:
        path (str): Image file; its extension gives the format.
        strip_size (Sequence[int]): (H, W) expected.
    """
    ext = osp.splitext(path)[1].lower()
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError:
        return False
    trailer = IMAGE_FORMATS.get(ext, (None, b''))[1]
    if not data or not data.endswith(trailer):
        return False
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return image is not None and image.shape[:2] == tuple(strip_size)


def remove_stale_temp_files(tasks: Sequence[StripTask]) -> int:
    """Remove temporary files a killed run left beside the tasks' outputs.

    Only the names :func:`atomic_write` makes for these outputs
    (``.<name><ext>.<8 random chars>.tmp``) are removed. Safe only while
    no other run writes these outputs (see :func:`locked_out_dir`).

    Returns:
        int: How many were removed.
    """
    by_dir: Dict[str, set] = {}
    for task in tasks:
        folder, base = osp.split(osp.abspath(task.out_path))
        by_dir.setdefault(folder, set()).add(base)
    removed = 0
    for folder, bases in by_dir.items():
        if not osp.isdir(folder):
            continue
        for entry in os.scandir(folder):
            match = TEMP_NAME.match(entry.name)
            if match and match['base'] in bases and entry.is_file():
                os.remove(entry.path)
                removed += 1
    return removed


@contextlib.contextmanager
def locked_out_dir(out_dir: str) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` (created if missing).

    A second run on the same directory would otherwise remove the first
    one's temporary files as stale. The lock is released when the process
    ends, however it ends.

    Raises:
        RuntimeError: Another process holds the lock.
    """
    os.makedirs(out_dir, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no locking
        yield
        return
    with open(osp.join(out_dir, LOCK_FILE), 'a') as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f'another run is writing strips to '
                               f'{out_dir}; wait for it to end') from None
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def check_settings_file(out_dir: str, settings: StripSettings) -> None:
    """Record the settings in ``<out_dir>/strip_settings.json``, or check
    that the strips already there were made with the same ones.

    Raises:
        ValueError: The directory holds strips of other settings (naming
            the fields that differ).
    """
    path = osp.join(out_dir, SETTINGS_FILE)
    wanted = settings.identity()
    if osp.exists(path):
        with open(path, encoding='utf-8') as f:
            recorded = json.load(f)
        differ = {
            key: (recorded.get(key), value)
            for key, value in wanted.items() if recorded.get(key) != value
        }
        if differ:
            lines = ', '.join(f'{key}: {old!r} there, {new!r} now'
                              for key, (old, new) in sorted(differ.items()))
            raise ValueError(
                f'{out_dir} holds strips made with other settings ({lines}); '
                f'use another output directory, or delete this one to '
                f'start over')
        return
    dump_json_atomic(wanted, path, sort_keys=True)


def process_task(task: StripTask, settings: StripSettings) -> StripResult:
    """Make and write one strip unless a valid one is there.

    An existing output that is not a complete image of the strip size is
    made again; if that fails it is removed, so no sample is left with a
    broken image that training would read.

    Args:
        task (StripTask): The sample.
        settings (StripSettings): How to make it.

    Returns:
        StripResult: Never raises for a sample's own problems.
    """
    existed = osp.exists(task.out_path)
    if existed and is_complete_strip(task.out_path, settings.strip_size):
        return StripResult(task.name, DONE)
    try:
        write_strip(task.out_path, build_strip(task, settings), settings)
    except Exception as error:  # reported per sample
        if existed and osp.exists(task.out_path):
            os.remove(task.out_path)
        return StripResult(task.name, FAILED, short_reason(error))
    return StripResult(task.name, WRITTEN, replaced=existed)


# ---------------------------------------------------------------- running
#: Reason of a sample whose worker process died (e.g. a decoder segfault).
WORKER_DIED = ('the worker process died while making this strip (a '
               'decoder crash?)')


def _init_worker() -> None:
    """Pool initializer: one OpenCV thread per worker, as the workers
    already use the cores."""
    cv2.setNumThreads(1)


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # 'fork' where there is one: the workers inherit the imported mmaction
    # registry instead of importing it again (seconds per worker).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context(
        'fork' if 'fork' in methods else None)
    return ProcessPoolExecutor(workers, mp_context=context,
                               initializer=_init_worker)


def _run_alone(task: StripTask, settings: StripSettings) -> StripResult:
    """:func:`process_task` in a fresh one-process pool, so a crash can be
    pinned on this task."""
    pool = _new_pool(1)
    try:
        return pool.submit(process_task, task, settings).result()
    except BrokenProcessPool:
        return StripResult(task.name, FAILED, WORKER_DIED)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pool_results(tasks: Sequence[StripTask], settings: StripSettings,
                  workers: int) -> Iterator[StripResult]:
    """:func:`process_task` of every task in ``workers`` processes.

    A worker that dies (a decoder segfault, the OOM killer) breaks the
    pool: the executor kills the other workers and fails every task in
    flight. Those tasks are run again one by one, each in its own process,
    which names the sample that kills its worker, and the rest goes on in
    a new pool. (``multiprocessing.Pool`` instead waits forever for a dead
    worker's task.)
    """
    pending = deque(range(len(tasks)))
    # Whether a task's output was absent when it was sent to a worker, to
    # count an output that a killed worker wrote but could not report as
    # written rather than "already done".
    absent: Dict[int, bool] = {}
    # Enough queued work to keep every worker busy, few results lost in a
    # crash, and only so many tasks' keypoints pickled ahead.
    max_in_flight = 2 * workers
    while pending:
        lost: List[int] = []
        broken = False
        pool = _new_pool(workers)
        try:
            in_flight: Dict = {}
            while (pending or in_flight) and not broken:
                while pending and len(in_flight) < max_in_flight:
                    index = pending[0]
                    absent[index] = not osp.exists(tasks[index].out_path)
                    try:
                        future = pool.submit(process_task, tasks[index],
                                             settings)
                    except BrokenProcessPool:  # broke since the last wait
                        broken = True
                        break
                    pending.popleft()
                    in_flight[future] = index
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                if broken or any(f.exception() is not None for f in done):
                    # The pool broke: collect what the others finished.
                    done, _ = wait(in_flight)
                for future in done:
                    index = in_flight.pop(future)
                    if isinstance(future.exception(), BrokenProcessPool):
                        lost.append(index)
                    else:
                        yield future.result()  # other errors are bugs
                broken = broken or bool(lost)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        # The killed workers may have left temporary files mid-write.
        remove_stale_temp_files([tasks[index] for index in lost])
        for index in sorted(lost):
            result = _run_alone(tasks[index], settings)
            if result.status == DONE and absent[index]:
                result = StripResult(result.name, WRITTEN)
            yield result


def iter_results(tasks: Sequence[StripTask],
                 settings: StripSettings,
                 workers: int = 1) -> Iterator[StripResult]:
    """:func:`process_task` of every task, in completion order.

    Args:
        tasks (Sequence[StripTask]): The samples.
        settings (StripSettings): How to make the strips.
        workers (int): Worker processes; 0 works in this process (no
            protection against a decoder that crashes the process).

    Yields:
        StripResult: One per task. Closing the generator stops the
        workers after the strips they are making.
    """
    if workers <= 0:
        for task in tasks:
            yield process_task(task, settings)
    else:
        yield from _pool_results(tasks, settings, workers)


def make_strips(tasks: Sequence[StripTask],
                settings: StripSettings,
                workers: int = 1,
                strict: bool = False,
                progress: Optional[Callable[[int], object]] = None
                ) -> StripReport:
    """Make the strips of all tasks; resumable.

    Removes the temporary files an interrupted run left for these outputs
    first. Hold :func:`locked_out_dir` around it when other runs may use
    the same outputs.

    Args:
        tasks (Sequence[StripTask]): The samples.
        settings (StripSettings): How to make the strips.
        workers (int): Worker processes; 0 works in this process.
        strict (bool): Stop at the first failure (raise).
        progress (Callable[[int], object], optional): Given the number of
            tasks, returns a progress bar with ``update(n)``,
            ``set_postfix_str(s, refresh)`` and ``close()`` (``tqdm``).

    Returns:
        StripReport: Counts, and the failures sorted by sample name.

    Raises:
        StripError: With ``strict``, at the first failure, as
            ``'<sample>: <reason>'`` (the report so far is its ``report``
            attribute).
    """
    report = StripReport(removed_temp_files=remove_stale_temp_files(tasks))
    bar = progress(len(tasks)) if progress is not None else None
    results = iter_results(tasks, settings, workers)
    try:
        for result in results:
            report.add(result)
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(
                    f'written={report.written} done={report.done} '
                    f'failed={len(report.failures)}', refresh=False)
            if strict and result.status == FAILED:
                error = StripError(f'{result.name}: {result.reason}')
                error.report = report
                raise error
    finally:
        results.close()
        if bar is not None:
            bar.close()
    report.failures.sort()
    return report


def write_failures(path: str, failures: Sequence[Tuple[str, str]]) -> None:
    """Write ``<sample>\\t<reason>`` lines atomically (an empty file when
    nothing failed, so an old list never outlives a clean run)."""
    text = ''.join(f'{name}\t{reason}\n' for name, reason in failures)
    with atomic_write(path) as f:
        f.write(text.encode('utf-8'))


__all__ = [
    'StripSettings', 'StripTask', 'StripResult', 'StripReport', 'StripError',
    'load_annotations', 'make_tasks', 'check_video_pattern',
    'keypoint_problem', 'build_strip', 'encode_strip', 'write_strip',
    'is_complete_strip', 'remove_stale_temp_files', 'locked_out_dir',
    'check_settings_file', 'process_task', 'iter_results', 'make_strips',
    'write_failures', 'IMAGE_FORMATS', 'SETTINGS_FILE', 'WRITTEN', 'DONE',
    'FAILED'
]

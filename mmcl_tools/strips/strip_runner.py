"""Make the strip images of a run: one sample in :func:`process_task`,
all of them, resumably and in parallel, in :func:`make_strips`.

``tools/data/ntu/make_ntu_strips.py`` writes ``<out_dir>/<frame_dir><ext>``
for every sample of an mmaction2 skeleton pickle; training then reads them
with ``MMCLPoseDataset(strip_root=out_dir, strip_suffix=ext)`` instead of
decoding videos at every step.

The strip of a sample *is* the one :class:`BuildFrameStrip` makes for the
sample's data info over the whole clip (:func:`whole_clip_strip`), so the
frame choice, keypoint rescaling, person box and tiling cannot drift apart
from the online path. Only the ``m`` chosen frames are decoded, by the
transform's frame readers (``FRAME_READERS``). Saved as PNG the strip
read back is bit-identical; JPEG (the default, much smaller files) adds
its compression error. A run skips the samples whose output is a whole
image of the strip size and redoes the others (see :mod:`.output_dir`).
"""
import contextlib
import functools
import os
import os.path as osp
from typing import Callable, Dict, Iterator, Optional, Sequence, Set

import cv2
import numpy as np

from mmcl_plugin.datasets.transforms.frame_strip import whole_clip_strip
from mmcl_plugin.utils import atomic_write
from mmcl_plugin.utils.process_pool import imap_jobs
from .output_dir import is_complete_strip, remove_stale_temp_files
from .strip_settings import IMAGE_FORMATS, StripSettings
from .strip_tasks import (DONE, FAILED, WRITTEN, StripError, StripReport,
                          StripResult, StripTask, keypoint_problem,
                          short_reason)

#: Reason of a sample whose worker process died (e.g. a decoder segfault).
WORKER_DIED = ('the worker process died while making this strip (a '
               'decoder crash?)')


def build_strip(task: StripTask, settings: StripSettings) -> np.ndarray:
    """The strip of one sample, decoding only its m frames.

    Args:
        task (StripTask): The sample.
        settings (StripSettings): How to make it.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB strip, :func:`whole_clip_strip` of
        ``settings.transform()`` and ``task.data_info()``.

    Raises:
        StripError: The video is missing or cannot be decoded, or (with
            ``settings.require_keypoints``) the keypoints are unusable.
    """
    has_boxes = task.person_boxes is not None and settings.box_key
    if settings.require_keypoints and not has_boxes:
        problem = keypoint_problem(task.keypoint_2d, settings.keypoint_key)
        if problem:
            raise StripError(problem)
    if not osp.isfile(task.video_path):
        raise StripError(f'video not found: {task.video_path}')
    try:
        return whole_clip_strip(
            settings.transform(),
            task.data_info(settings.keypoint_key, settings.box_key))
    except RuntimeError as error:
        # The transform's message names the sample, the path, the backend
        # and the decoder's error.
        raise StripError(
            str(error).replace('BuildFrameStrip: ', '', 1)) from error


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


@contextlib.contextmanager
def single_threaded_opencv() -> Iterator[None]:
    """One OpenCV thread in this process while the block runs, then the
    former count again.

    The forked workers inherit it: one thread each, as the workers already
    use the cores. It is set here, before the fork, and not in the workers:
    OpenCV cannot change its thread count in a forked child whose parent
    had its thread pool running (``cv2.setNumThreads`` there waits forever
    on the pool's condition variables, e.g. after the parent converted a
    large image).
    """
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


def iter_results(tasks: Sequence[StripTask],
                 settings: StripSettings,
                 workers: int = 1) -> Iterator[StripResult]:
    """:func:`process_task` of every task, in completion order.

    Runs in the crash-tolerant pool of :func:`imap_jobs`: a sample that
    kills its worker process fails with :data:`WORKER_DIED`; the others
    of the broken pool are made again (their half-written temporary files
    removed first).

    Args:
        tasks (Sequence[StripTask]): The samples.
        settings (StripSettings): How to make the strips.
        workers (int): Worker processes; 0 works in this process (no
            protection against a decoder that crashes the process).

    Yields:
        StripResult: One per task. Closing the generator stops the
        workers after the strips they are making.
    """
    # Whether a task's output was absent when it was handed to a worker,
    # to count an output that a killed worker wrote but could not report
    # as written rather than "already done".
    absent: Dict[str, bool] = {}
    lost: Set[str] = set()

    def handed_out() -> Iterator[StripTask]:
        for task in tasks:
            absent[task.name] = not osp.exists(task.out_path)
            yield task

    def on_lost(lost_tasks: Sequence[StripTask]) -> None:
        # The killed workers may have left temporary files mid-write.
        remove_stale_temp_files(lost_tasks)
        lost.update(task.name for task in lost_tasks)

    results = imap_jobs(
        functools.partial(process_task, settings=settings),
        handed_out(),
        workers,
        died=lambda task: StripResult(task.name, FAILED, WORKER_DIED),
        ordered=False,
        # every worker busy, few results lost in a crash and only so many
        # tasks' keypoints pickled ahead
        max_in_flight=2 * workers,
        on_lost=on_lost)
    # the pool forks its workers at the first result
    with single_threaded_opencv() if workers else contextlib.nullcontext():
        try:
            for result in results:
                was_absent = absent.pop(result.name, False)
                if result.status == DONE and was_absent and \
                        result.name in lost:
                    result = StripResult(result.name, WRITTEN)
                yield result
        finally:
            results.close()


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


__all__ = [
    'build_strip', 'encode_strip', 'write_strip', 'process_task',
    'iter_results', 'make_strips', 'WORKER_DIED'
]

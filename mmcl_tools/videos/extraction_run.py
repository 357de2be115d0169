"""Extract a whole video dataset: resumable, parallel, sharded.

Each video's annotation is written atomically to its own file in a work
folder beside the output (``<output stem>.work/videos/``), so a re-run
(after a crash, a kill, or with more shards) skips the videos already
done; the pickle is then merged from those files. Workers are processes
of the project's crash-tolerant pool (a video that kills its worker fails
alone, named); each builds its own pose backend once. Shards split the
videos by index (``i % num_shards == shard``); each shard extracts its
own, and the shard that finds every video done merges (or ``--merge``
later). ``settings.json`` in the work folder records how the results were
made; a re-run with other settings is refused (use another output or
delete the work folder).
"""
import contextlib
import functools
import hashlib
import json
import os
import os.path as osp
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from mmcl_plugin.utils import (dump_json_atomic, dump_pickle_atomic,
                               load_pickle, write_text_atomic)
from mmcl_plugin.utils.atomic_io import TEMP_NAME
from mmcl_plugin.utils.process_pool import imap_jobs
from mmcl_tools.pose import build_pose_backend
from mmcl_tools.runs.file_lock import exclusive_lock
from mmcl_tools.strips.strip_runner import single_threaded_opencv
from .extraction import extract_video
from .video_list import SPLITS, VideoSample

WRITTEN, DONE, FAILED = 'written', 'done', 'failed'
#: Reason of a video whose worker process died.
WORKER_DIED = 'the worker process died while extracting this video'
SETTINGS_FILE = 'settings.json'


class ExtractionError(RuntimeError):
    """A fatal problem of the run (settings, --strict failure)."""


@dataclass
class ExtractSettings:
    """How the skeletons are made (recorded in ``settings.json``).

    Attributes:
        backend (str): Pose backend name.
        backend_kwargs (dict): Its arguments.
        layout (str): ``'coco17'`` or ``'ntu25'``.
        max_persons (int): People kept per video.
        max_gap (int): Longest bridged gap, frames.
        max_frames (int, optional): Frames decoded per video (all if
            None).
    """
    backend: str = 'blazepose'
    backend_kwargs: Dict[str, Any] = field(default_factory=dict)
    layout: str = 'coco17'
    max_persons: int = 2
    max_gap: int = 15
    max_frames: Optional[int] = None


@dataclass
class ExtractReport:
    """What a run did: counts and the failures as (name, reason)."""
    written: int = 0
    done: int = 0
    failures: List[Tuple[str, str]] = field(default_factory=list)
    notes: List[Tuple[str, str]] = field(default_factory=list)


def work_dir_for(out_path: str) -> str:
    """``<output without .pkl>.work`` beside the output."""
    stem = out_path[:-4] if out_path.endswith('.pkl') else out_path
    return stem + '.work'


def result_path(work_dir: str, sample: VideoSample) -> str:
    """The result file of a sample (named by a hash of its path, so any
    file name works)."""
    digest = hashlib.sha1(sample.filename.encode('utf-8')).hexdigest()[:20]
    return osp.join(work_dir, 'videos', digest + '.pkl')


def check_settings(work_dir: str, settings: ExtractSettings) -> None:
    """Record the settings, or refuse others than those recorded while
    results made with them exist.

    Raises:
        ExtractionError: The work folder holds results of other settings.
    """
    path = osp.join(work_dir, SETTINGS_FILE)
    wanted = asdict(settings)
    results = osp.join(work_dir, 'videos')
    has_results = osp.isdir(results) and any(
        name.endswith('.pkl') for name in os.listdir(results))
    if osp.isfile(path) and has_results:
        with open(path, encoding='utf-8') as f:
            recorded = json.load(f)
        if recorded != json.loads(json.dumps(wanted)):
            diff = {k: (recorded.get(k), v) for k, v in wanted.items()
                    if recorded.get(k) != json.loads(json.dumps(v))}
            raise ExtractionError(
                f'{work_dir} holds results made with other settings '
                f'(recorded vs now: {diff}); use another output or delete '
                'that folder')
        return
    os.makedirs(work_dir, exist_ok=True)
    dump_json_atomic(wanted, path)  # (again, when no result was made)


def remove_stale_temp_files(work_dir: str) -> int:
    """Remove the temporary files a killed run left in the work folder."""
    folder = osp.join(work_dir, 'videos')
    removed = 0
    if osp.isdir(folder):
        for name in os.listdir(folder):
            if TEMP_NAME.match(name):
                os.remove(osp.join(folder, name))
                removed += 1
    return removed


_BACKENDS: Dict[str, Any] = {}


def _backend(settings: ExtractSettings):
    """This process's backend for ``settings`` (built once)."""
    key = json.dumps([settings.backend, settings.backend_kwargs],
                     sort_keys=True)
    if key not in _BACKENDS:
        _BACKENDS[key] = build_pose_backend(settings.backend,
                                            **settings.backend_kwargs)
    return _BACKENDS[key]


def check_backend(settings: ExtractSettings, keep: bool = True) -> None:
    """Build the backend once before any video, so that a missing package
    or model is one fatal error rather than a failure per video.

    Args:
        keep (bool): Keep it for this process's videos (else it is closed
            before the workers are forked; they build their own).

    Raises:
        ExtractionError: The backend cannot be built (the message says
            why).
    """
    try:
        backend = _backend(settings)
    except Exception as error:
        raise ExtractionError(f'pose backend {settings.backend!r}: '
                              f'{error}') from error
    if not keep:
        backend.close()
        _BACKENDS.clear()


def extract_sample(sample: VideoSample, out_path: str,
                   settings: ExtractSettings) -> Tuple[str, str, str, list]:
    """Extract one video unless its result exists.

    Returns:
        tuple: (frame_dir, status, reason, notes); never raises for a
        video's own problems (the reason names the file).
    """
    if osp.isfile(out_path):
        return sample.frame_dir, DONE, '', []
    try:
        annotation = extract_video(
            sample.path, _backend(settings), settings.layout,
            settings.max_persons, settings.max_gap, settings.max_frames)
    except Exception as error:  # a video's own problem, reported by name
        reason = str(error)
        if not isinstance(error, (ValueError, OSError)):
            # not one of the expected ones (VideoError, NoPersonError, ...)
            reason = f'{type(error).__name__}: {reason}'
        if sample.path not in reason:
            reason = f'{sample.path}: {reason}'
        return sample.frame_dir, FAILED, reason, []
    annotation.update(frame_dir=sample.frame_dir, label=sample.label,
                      filename=sample.filename)
    dump_pickle_atomic(annotation, out_path)
    return sample.frame_dir, WRITTEN, '', list(annotation['notes'])


def _job(job: Tuple[VideoSample, str], settings: ExtractSettings):
    return extract_sample(job[0], job[1], settings)


def _died(job: Tuple[VideoSample, str]):
    return job[0].frame_dir, FAILED, f'{job[0].path}: {WORKER_DIED}', []


def shard_of(shard: Optional[int] = None,
             num_shards: Optional[int] = None) -> Tuple[int, int]:
    """(shard, number of shards): the arguments, else torchrun's
    ``RANK`` / ``WORLD_SIZE``, else slurm's ``SLURM_PROCID`` /
    ``SLURM_NTASKS``, else (0, 1).

    Raises:
        ValueError: The shard is outside [0, number of shards).
    """
    env = os.environ
    if num_shards is None:
        num_shards = int(env.get('WORLD_SIZE', env.get('SLURM_NTASKS', 1)))
    if shard is None:
        shard = int(env.get('RANK', env.get('SLURM_PROCID', 0)))
    if num_shards < 1 or not 0 <= shard < num_shards:
        raise ValueError(f'shard {shard} of {num_shards}: the shard must be '
                         'in [0, number of shards)')
    return shard, num_shards


def run_extraction(samples: Sequence[VideoSample],
                   out_path: str,
                   settings: ExtractSettings,
                   workers: int = 0,
                   shard: int = 0,
                   num_shards: int = 1,
                   strict: bool = False,
                   progress: Optional[Callable[[int], Any]] = None
                   ) -> ExtractReport:
    """Extract this shard's videos into the work folder.

    Args:
        samples (Sequence[VideoSample]): All videos (the shard takes
            every ``num_shards``-th).
        out_path (str): The final pickle (its work folder is used).
        settings (ExtractSettings): How.
        workers (int): Worker processes; 0 or 1 works in this process.
        shard (int), num_shards (int): This shard.
        strict (bool): Stop at the first failure.
        progress (Callable[[int], Any], optional): Given the number of
            videos, returns a bar with ``update(n)``,
            ``set_postfix_str(s, refresh)`` and ``close()`` (tqdm).

    Returns:
        ExtractReport: Counts and failures sorted by name.

    Raises:
        ExtractionError: Other settings recorded; with ``strict`` the
            first failure (``'<name>: <reason>'``).
    """
    work_dir = work_dir_for(out_path)
    pool_workers = workers if workers > 1 else 0
    check_backend(settings, keep=not pool_workers)
    check_settings(work_dir, settings)
    mine = [s for i, s in enumerate(samples) if i % num_shards == shard]
    jobs = [(s, result_path(work_dir, s)) for s in mine]
    report = ExtractReport()
    bar = progress(len(jobs)) if progress is not None else None
    with exclusive_lock(
            osp.join(work_dir, f'.shard{shard}of{num_shards}.lock'),
            f'another run extracts shard {shard} of {num_shards} into '
            f'{work_dir}'):
        remove_stale_temp_files(work_dir)
        results = imap_jobs(
            functools.partial(_job, settings=settings), jobs, pool_workers,
            died=_died, ordered=False, max_in_flight=2 * max(1, workers),
            on_lost=lambda lost: remove_stale_temp_files(work_dir))
        context = single_threaded_opencv() if pool_workers else \
            contextlib.nullcontext()
        try:
            with context:
                for name, status, reason, notes in results:
                    if status == WRITTEN:
                        report.written += 1
                    elif status == DONE:
                        report.done += 1
                    else:
                        report.failures.append((name, reason))
                    report.notes.extend((name, n) for n in notes)
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix_str(
                            f'written={report.written} done={report.done} '
                            f'failed={len(report.failures)}', refresh=False)
                    if strict and status == FAILED:
                        error = ExtractionError(f'{name}: {reason}')
                        error.report = report
                        raise error
        finally:
            results.close()
            if bar is not None:
                bar.close()
    report.failures.sort()
    return report


def merge_results(samples: Sequence[VideoSample],
                  classes: Sequence[str],
                  out_path: str) -> Tuple[Dict[str, Any], List[str]]:
    """Write the pickle (and ``classes.txt`` beside it) from the work
    folder's results.

    Annotations keep the order of ``samples``; a video without a result
    is left out and named. The pickle is
    ``{'split': {...}, 'annotations': [...], 'classes': [...]}`` with
    every split of the samples (``train``, ``val``, maybe ``test``); the
    split lists hold each video's ``filename`` (its path relative to the
    input), the key by which mmaction2's ``PoseDataset`` selects a split
    when annotations have one.

    Returns:
        tuple: the written dict and the ``frame_dir`` of the videos
        without a result.
    """
    work_dir = work_dir_for(out_path)
    annotations, missing = [], []
    split: Dict[str, List[str]] = {
        name: [] for name in SPLITS if any(s.split == name for s in samples)
    }
    for sample in samples:
        path = result_path(work_dir, sample)
        if not osp.isfile(path):
            missing.append(sample.frame_dir)
            continue
        annotation = load_pickle(path)
        # a result file keeps the poses; the label and the names are this
        # run's (a class folder added or a list file's label changed
        # renumbers the classes)
        annotation.update(label=sample.label, frame_dir=sample.frame_dir,
                          filename=sample.filename)
        annotations.append(annotation)
        # mmaction2's PoseDataset (and MMCLPoseDataset) select a split by
        # 'filename' when the annotations have one
        split[sample.split].append(sample.filename)
    data = dict(split=split, annotations=annotations, classes=list(classes))
    dump_pickle_atomic(data, out_path)
    write_text_atomic(''.join(f'{c}\n' for c in classes),
                      osp.join(osp.dirname(osp.abspath(out_path)),
                               'classes.txt'))
    return data, missing


def all_done(samples: Sequence[VideoSample], out_path: str) -> bool:
    """Whether every video has a result in the work folder."""
    work_dir = work_dir_for(out_path)
    return all(osp.isfile(result_path(work_dir, s)) for s in samples)


__all__ = [
    'ExtractSettings', 'ExtractReport', 'ExtractionError', 'run_extraction',
    'merge_results', 'all_done', 'extract_sample', 'shard_of',
    'work_dir_for', 'result_path', 'check_settings', 'check_backend',
    'WORKER_DIED',
    'WRITTEN', 'DONE', 'FAILED'
]

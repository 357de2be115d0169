"""The optional start-up check of every sample's video or strip image.

A truncated video fails only at the iteration that samples it, hours into
a run. ``MMCLPoseDataset(check_media=True)`` (``tools/train.py
--check-media``) probes every file once when the dataset is built: a
strip image is read whole (:func:`~.media.read_image_file`), a video is
opened with the pipeline's decoder and its first and last frames are
decoded (a video cut short fails at its last frame). Probes run in a
crash-tolerant process pool (a decoder that segfaults on a file fails
that file only), each rank of a distributed run probing its share.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from ..utils.process_pool import imap_jobs
from .media import MediaError, read_image_file
from .transforms.frame_strip import FRAME_READERS

#: A probe: (sample, 'video' or 'strip', path, decoder).
MediaJob = Tuple[str, str, str, str]


def probe_video(path: str, io_backend: str = 'decord') -> None:
    """Open a video and decode its first and last frames.

    Raises:
        MediaError: The file is missing, has no frames or does not decode.
    """
    if not osp.isfile(path):
        raise MediaError('file not found')
    try:
        reader = FRAME_READERS[io_backend](path)
    except Exception as error:  # noqa: BLE001 (decoders raise anything)
        raise MediaError(f'{type(error).__name__}: {error}') from error
    try:
        num_frames = len(reader)
        if num_frames <= 0:
            raise MediaError('the video has no frames')
        reader.read(np.array([0, num_frames - 1]))
    except MediaError:
        raise
    except Exception as error:  # noqa: BLE001
        raise MediaError(f'{type(error).__name__}: {error}') from error
    finally:
        reader.close()


def probe_media(job: MediaJob) -> Optional[Tuple[str, str]]:
    """Probe one sample's file: None if it reads, else (sample, problem)."""
    name, kind, path, io_backend = job
    try:
        if kind == 'strip':
            read_image_file(path)
        else:
            probe_video(path, io_backend)
    except MediaError as error:
        first_line = (str(error).strip().splitlines() or [''])[0]
        return name, f'{kind} {path}: {first_line[:300]}'
    return None


def _probe_died(job: MediaJob) -> Tuple[str, str]:
    return job[0], (f'{job[1]} {job[2]}: the decoder crashed the process '
                    f'probing it')


def media_jobs(data_list: Sequence[Dict],
               io_backend: str = 'decord') -> List[MediaJob]:
    """The probe of every sample that has a strip image (read in
    preference, as ``BuildFrameStrip`` does) or a video."""
    jobs = []
    for info in data_list:
        name = str(info['frame_dir'])
        if 'strip_path' in info:
            jobs.append((name, 'strip', info['strip_path'], io_backend))
        elif 'video_path' in info:
            jobs.append((name, 'video', info['video_path'], io_backend))
    return jobs


def check_media(data_list: Sequence[Dict],
                io_backend: str = 'decord',
                num_workers: int = 0,
                progress: bool = True) -> List[Tuple[str, str]]:
    """Probe every sample's video or strip image once.

    In a distributed run each rank probes every world-size-th file and
    the failures of all ranks are gathered.

    Args:
        data_list (Sequence[dict]): Data infos with ``frame_dir`` and
            ``strip_path`` or ``video_path``.
        io_backend (str): Video decoder (``BuildFrameStrip``'s).
        num_workers (int): Probing processes; 0 probes in this process.
        progress (bool): Show a progress bar.

    Returns:
        list[tuple[str, str]]: (sample, problem) of the unreadable files,
        in the order of ``data_list``.
    """
    from mmengine.dist import all_gather_object, get_dist_info
    rank, world_size = get_dist_info()
    jobs = media_jobs(data_list, io_backend)
    order = {job[0]: index for index, job in enumerate(jobs)}
    own = jobs[rank::world_size]
    results = imap_jobs(probe_media, own, num_workers, died=_probe_died,
                        chunksize=4)
    failures = [
        result for result in tqdm(results, total=len(own), unit='file',
                                  desc='checking videos / strips',
                                  disable=not progress)
        if result is not None
    ]
    if world_size > 1:
        failures = [f for part in all_gather_object(failures) for f in part]
    return sorted(failures, key=lambda failure: order[failure[0]])


__all__ = ['check_media', 'probe_media', 'probe_video', 'media_jobs']

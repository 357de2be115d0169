"""Video files of the demo: written by OpenCV, checked to read back.

Videos are written with fourcc 'mp4v' (MPEG-4 part 2), which decord reads
back frame-exact; :func:`pick_fourcc` checks this once per process and
falls back to the next of ``FOURCCS`` if an OpenCV build cannot.
"""
import os
import os.path as osp
import tempfile
from typing import Dict, Tuple

import cv2
import numpy as np

from mmcl_plugin.utils import atomic_path
from .rendering import render_background

FPS = 30
FOURCCS: Tuple[str, ...] = ('mp4v', 'avc1', 'XVID')  # tried in this order

_FOURCC_CACHE: Dict[str, str] = {}


def _count_frames(path: str) -> int:
    """Frames of a video as decord reads it (OpenCV if decord is absent)."""
    try:
        import decord
        return len(decord.VideoReader(path))
    except ImportError:
        cap = cv2.VideoCapture(path)
        count = 0
        while cap.read()[0]:
            count += 1
        cap.release()
        return count


def _write_video(path: str, frames: np.ndarray, fourcc: str) -> bool:
    """Write (T, H, W, 3) BGR frames; False if the codec cannot be opened."""
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), FPS,
                             (width, height))
    if not writer.isOpened():
        return False
    for frame in frames:
        writer.write(np.ascontiguousarray(frame))
    writer.release()
    return osp.getsize(path) > 0


def pick_fourcc(tmp_dir: str) -> str:
    """First codec of ``FOURCCS`` whose .mp4 decord reads back frame-exact.

    Args:
        tmp_dir (str): where to write the probe video (removed after).

    Returns:
        str: the fourcc ('mp4v' with OpenCV's FFmpeg build).
    """
    if 'fourcc' in _FOURCC_CACHE:
        return _FOURCC_CACHE['fourcc']
    frames = np.repeat(render_background(np.random.default_rng(0))[None], 7,
                       axis=0)
    for fourcc in FOURCCS:
        fd, probe = tempfile.mkstemp(dir=tmp_dir, prefix='.probe-',
                                     suffix='.mp4')
        os.close(fd)
        try:
            if _write_video(probe, frames, fourcc) and \
                    _count_frames(probe) == len(frames):
                _FOURCC_CACHE['fourcc'] = fourcc
                return fourcc
        except Exception:  # noqa: BLE001 (a codec that fails to decode)
            pass
        finally:
            os.remove(probe)
    raise RuntimeError(f'none of the codecs {FOURCCS} writes an .mp4 that '
                       'reads back; check the OpenCV build (FFmpeg)')


def write_video_atomic(frames: np.ndarray, path: str,
                       fourcc: str = 'mp4v') -> None:
    """Write a 30 fps video through a temporary .mp4 and ``os.replace``.

    Args:
        frames (np.ndarray): (T, H, W, 3) uint8 BGR.
        path (str): destination (.mp4).
        fourcc (str): codec (see ``pick_fourcc``).

    Raises:
        RuntimeError: OpenCV cannot write the codec.
    """
    with atomic_path(path, suffix='.mp4') as tmp:
        if not _write_video(tmp, frames, fourcc):
            raise RuntimeError(f'cv2.VideoWriter ({fourcc}) failed: {path}')


__all__ = ['FPS', 'FOURCCS', 'pick_fourcc', 'write_video_atomic']

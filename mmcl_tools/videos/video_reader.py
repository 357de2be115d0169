"""Decode every frame of a video, and say what was wrong with it.

PyAV (FFmpeg) decodes packet by packet, so a corrupt packet in the middle
costs only its frame(s): the decoded frames are kept and the problem is
noted. Each frame comes with its presentation time, so a variable frame
rate is detected (and the mean rate reported). A rotation tag (phone
videos shot in portrait) is applied, so frames come upright and
``img_shape`` is the upright shape.
"""
import os
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Tuple

import numpy as np

#: File endings taken as videos when a class folder is scanned.
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v',
                    '.mpg', '.mpeg', '.wmv', '.flv', '.3gp', '.ts')
#: The frame rate is variable when more than VFR_FRACTION of the frame
#: intervals (and at least 2) differ from the median interval by more than
#: VFR_TOLERANCE of it.
VFR_TOLERANCE = 0.25
VFR_FRACTION = 0.1


class VideoError(ValueError):
    """A video that cannot be used; the message names the file."""


@dataclass
class VideoInfo:
    """What decoding a video found.

    Attributes:
        path (str): The file.
        shape (tuple[int, int]): (H, W) of the upright frames.
        fps (float): Frames per second (the mean rate for a variable
            frame rate).
        timestamps (list[float]): Presentation time of each decoded frame,
            seconds.
        notes (list[str]): Problems that did not stop decoding (corrupt
            packets, early end, variable frame rate, rotation).
        corrupt_packets (int): Packets the decoder rejected.
        variable_frame_rate (bool): The frame intervals vary.
        declared_frames (int): Frames the container says it holds (0 when
            it does not say).
        limited (bool): Decoding stopped at ``max_frames``.
        damaged_frames (int): Frames the decoder flagged as corrupt (kept).
    """
    path: str
    shape: Tuple[int, int] = (0, 0)
    fps: float = 0.0
    timestamps: List[float] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    corrupt_packets: int = 0
    variable_frame_rate: bool = False
    declared_frames: int = 0
    limited: bool = False
    damaged_frames: int = 0


def _rotation_of(frame) -> int:
    """The display rotation of a decoded frame in degrees
    counter-clockwise (FFmpeg's display matrix; a phone's portrait video
    has -90), 0 when there is none or it is no multiple of 90."""
    value = getattr(frame, 'rotation', 0) or 0
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0
    if not np.isfinite(value) or abs(value) > 360 or value % 90:
        return 0
    return int(value)


def _rotate(frame: np.ndarray, rotation: int) -> np.ndarray:
    """Apply a display rotation (degrees counter-clockwise)."""
    turns = (int(round(rotation / 90.0)) % 4)
    return np.ascontiguousarray(np.rot90(frame, turns)) if turns else frame


def iter_frames(path: str, info: Optional[VideoInfo] = None,
                max_frames: Optional[int] = None) -> Iterator[np.ndarray]:
    """Every decodable frame of a video, BGR uint8, upright.

    Args:
        path (str): The video file.
        info (VideoInfo, optional): Filled while iterating (complete when
            the iteration ends).
        max_frames (int, optional): Stop after this many frames.

    Yields:
        np.ndarray: (H, W, 3) uint8 BGR.

    Raises:
        VideoError: The file is missing, empty, not a video or has no
            video stream (before any frame).
    """
    import av
    info = info if info is not None else VideoInfo(path)
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise VideoError(f'{path}: cannot read the file ({error})') from error
    if size == 0:
        raise VideoError(f'{path}: the file is empty (0 bytes)')
    try:
        container = av.open(path)
    except Exception as error:  # av.error.*: not a video, unreadable
        raise VideoError(f'{path}: not a readable video ({error})') from error
    try:
        if not container.streams.video:
            raise VideoError(f'{path}: no video stream')
        stream = container.streams.video[0]
        stream.thread_type = 'AUTO'
        rate = stream.average_rate or stream.guessed_rate
        info.fps = float(rate) if rate else 0.0
        info.declared_frames = int(stream.frames or 0)
        count = 0
        rotation_noted = False
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except Exception as error:  # the container breaks off
                info.notes.append(
                    f'decoding stopped after {count} frames: the file is '
                    f'truncated or damaged ({error})')
                break
            try:
                frames = packet.decode()
            except Exception:  # a corrupt packet: skip its frame(s)
                info.corrupt_packets += 1
                continue
            for frame in frames:
                image = frame.to_ndarray(format='bgr24')
                if getattr(frame, 'is_corrupt', False):
                    info.damaged_frames += 1
                rotation = _rotation_of(frame)
                if rotation:
                    image = _rotate(image, rotation)
                    if not rotation_noted:
                        info.notes.append(
                            f'rotated by {rotation} degrees (rotation tag)')
                        rotation_noted = True
                info.shape = image.shape[:2]
                info.timestamps.append(
                    float(frame.time) if frame.time is not None else
                    count / (info.fps or 1.0))
                count += 1
                yield image
                if max_frames is not None and count >= max_frames:
                    info.limited = True
                    return
    finally:
        container.close()
        _finish(info)


def _finish(info: VideoInfo) -> None:
    """Frame-rate check and the corrupt-packet note, after decoding."""
    if info.corrupt_packets:
        info.notes.append(f'{info.corrupt_packets} corrupt packet(s) '
                          'skipped; the frames around them are kept')
    if info.damaged_frames:
        info.notes.append(f'{info.damaged_frames} frame(s) decoded with '
                          'errors (kept)')
    count = len(info.timestamps)
    if not info.limited and info.declared_frames and \
            count < info.declared_frames:
        info.notes.append(
            f'decoded {count} of the {info.declared_frames} frames the '
            'container declares (truncated or damaged file?)')
    times = np.asarray(info.timestamps, np.float64)
    if times.size >= 4:
        steps = np.diff(np.sort(times))
        steps = steps[steps > 0]
        median = float(np.median(steps)) if steps.size else 0.0
        irregular = np.abs(steps - median) > VFR_TOLERANCE * median
        # one skipped frame (a corrupt packet) is not a variable rate
        if median > 0 and irregular.sum() >= 2 and \
                irregular.mean() > VFR_FRACTION:
            info.variable_frame_rate = True
            span = times.max() - times.min()
            info.fps = float((times.size - 1) / span)
            info.notes.append(
                f'variable frame rate (frame intervals {steps.min() * 1e3:.1f}'
                f' to {steps.max() * 1e3:.1f} ms); fps is the mean rate '
                f'{info.fps:.3f}, per-frame times are in timestamps')


def probe_video(path: str) -> VideoInfo:
    """Decode a whole video only to learn its :class:`VideoInfo`."""
    info = VideoInfo(path)
    for _ in iter_frames(path, info):
        pass
    return info


__all__ = ['VideoError', 'VideoInfo', 'iter_frames', 'probe_video',
           'VIDEO_EXTENSIONS']

"""Videos for the pose and own-video tests: the real clips of
``shared/data/videos`` (skipped when absent), cuts of them, and made-up
broken ones (corrupt frame, truncation, variable frame rate, no
person)."""
import fractions
import os.path as osp
from typing import Iterable, Optional, Sequence, Tuple

import cv2
import numpy as np
import pytest

#: The real clips (copied from mmaction2's demo folder).
VIDEO_DIR = osp.normpath(
    osp.join(osp.dirname(__file__), '..', '..', '..', 'shared', 'data',
             'videos'))


def real_video(name: str) -> str:
    """Path of a real clip; skips the test when it is absent."""
    path = osp.join(VIDEO_DIR, name)
    if not osp.isfile(path):
        pytest.skip(f'real video {path} not available')
    return path


def read_frames(path: str, num_frames: int, start: int = 0) -> list:
    """Frames ``start .. start + num_frames - 1`` of a video (BGR)."""
    from mmcl_tools.videos import iter_frames
    frames = []
    for i, frame in enumerate(iter_frames(path)):
        if i >= start:
            frames.append(frame)
        if len(frames) == num_frames:
            break
    return frames


def write_mjpg(path: str, frames: Iterable[np.ndarray],
               fps: float = 25.0) -> str:
    """Write BGR frames (all of one size) as an MJPG .avi."""
    writer = None
    for frame in frames:
        if writer is None:
            height, width = frame.shape[:2]
            writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'),
                                     fps, (width, height))
            assert writer.isOpened(), 'OpenCV cannot write MJPG videos'
        writer.write(frame)
    writer.release()
    return path


def write_cut(src: str, dst: str, num_frames: int, start: int = 0,
              crop: Optional[Tuple[int, int, int, int]] = None,
              scale: float = 1.0) -> str:
    """A short MJPG cut of a video, optionally cropped (x0, y0, x1, y1)
    and resized."""
    frames = read_frames(src, num_frames, start)
    out = []
    for frame in frames:
        if crop is not None:
            x0, y0, x1, y1 = crop
            frame = frame[y0:y1, x0:x1]
        if scale != 1.0:
            frame = cv2.resize(frame, None, fx=scale, fy=scale,
                               interpolation=cv2.INTER_LINEAR)
        out.append(frame)
    return write_mjpg(dst, out)


def jpeg_starts(path: str) -> Sequence[int]:
    """Byte offsets of the JPEG start markers (one per MJPG frame)."""
    data = open(path, 'rb').read()
    return [i for i in range(len(data) - 2)
            if data[i] == 0xFF and data[i + 1] == 0xD8 and
            data[i + 2] == 0xFF]


def corrupt_frame(path: str, index: int, seed: int = 0) -> None:
    """Overwrite MJPG frame ``index``'s JPEG data with random bytes."""
    starts = jpeg_starts(path)
    data = bytearray(open(path, 'rb').read())
    begin, end = starts[index], starts[index + 1] - 8
    rng = np.random.default_rng(seed)
    data[begin:end] = rng.integers(0, 256, end - begin).astype(
        np.uint8).tobytes()
    open(path, 'wb').write(bytes(data))


def truncate_after_frame(path: str, index: int) -> None:
    """Cut the file 30 bytes into MJPG frame ``index``."""
    start = jpeg_starts(path)[index]
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:start + 30])


def write_vfr(path: str, times_ms: Sequence[int],
              shape: Tuple[int, int] = (48, 64)) -> str:
    """An MPEG-4 .mp4 whose frames have the given presentation times."""
    import av
    base = fractions.Fraction(1, 1000)
    with av.open(path, 'w') as container:
        stream = container.add_stream('mpeg4', rate=30)
        stream.height, stream.width = shape
        stream.pix_fmt = 'yuv420p'
        stream.codec_context.time_base = base
        for k, t in enumerate(times_ms):
            frame = av.VideoFrame.from_ndarray(
                np.full(shape + (3, ), 20 * k % 256, np.uint8),
                format='bgr24')
            frame.pts, frame.time_base = t, base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_phone_portrait(path: str, frames: Sequence[np.ndarray]) -> str:
    """An MPEG-4 .mp4 of landscape frames tagged to be shown turned 90
    degrees clockwise, as phones store portrait videos (the track
    header's matrix is patched to (0, 1, -1, 0))."""
    import struct

    import av
    height, width = frames[0].shape[:2]
    with av.open(path, 'w') as container:
        stream = container.add_stream('mpeg4', rate=25)
        stream.height, stream.width = height, width
        stream.pix_fmt = 'yuv420p'
        for frame in frames:
            for packet in stream.encode(
                    av.VideoFrame.from_ndarray(frame, format='bgr24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = bytearray(open(path, 'rb').read())
    matrix = data.index(b'tkhd') + 44  # after the fields before it
    assert struct.unpack('>9i', data[matrix:matrix + 36]) == (
        65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30)  # identity found
    data[matrix:matrix + 36] = struct.pack('>9i', 0, 65536, 0, -65536, 0,
                                           0, 0, 0, 1 << 30)
    open(path, 'wb').write(bytes(data))
    return path


def solid_video(path: str, num_frames: int = 4,
                shape: Tuple[int, int] = (96, 128)) -> str:
    """Frames of plain colours: nobody in them."""
    return write_mjpg(path, [
        np.full(shape + (3, ), 40 * t % 256, np.uint8)
        for t in range(num_frames)
    ])

"""Small synthetic videos for the dataset and transform tests."""
from typing import Callable, Optional, Tuple

import cv2
import numpy as np
import pytest

VIDEO_SHAPE = (48, 64)  # (H, W)
NUM_VIDEO_FRAMES = 12


def frame_colour(t: int) -> Tuple[int, int, int]:
    """RGB colour of solid frame t of the test videos."""
    return (20 * t, 255 - 20 * t, 128)


def write_video(
        path: str,
        num_frames: int = NUM_VIDEO_FRAMES,
        shape: Tuple[int, int] = VIDEO_SHAPE,
        paint: Optional[Callable[[np.ndarray, int], None]] = None) -> str:
    """Write an mp4v video whose frame t is solid ``frame_colour(t)``.

    Args:
        path (str): Output .mp4 file.
        num_frames (int): Frames.
        shape (tuple[int, int]): (H, W).
        paint (Callable, optional): Draws on each RGB frame in place,
            called with (frame, t).
    """
    height, width = shape
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 30,
                             (width, height))
    assert writer.isOpened(), 'OpenCV cannot write mp4v videos'
    for t in range(num_frames):
        frame = np.empty((height, width, 3), dtype=np.uint8)
        frame[:] = frame_colour(t)
        if paint is not None:
            paint(frame, t)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


@pytest.fixture
def colour_video(tmp_path) -> str:
    """A 12-frame 64x48 video, frame t solid ``frame_colour(t)``."""
    return write_video(str(tmp_path / 'colours.mp4'))


@pytest.fixture(name='frame_colour')
def frame_colour_fixture() -> Callable[[int], Tuple[int, int, int]]:
    """:func:`frame_colour`, for the tests."""
    return frame_colour


@pytest.fixture(name='write_video')
def write_video_fixture() -> Callable[..., str]:
    """:func:`write_video`, for the tests."""
    return write_video

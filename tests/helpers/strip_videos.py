"""Tiny NTU-like samples for the strip tests: MJPG ``<name>_rgb.avi``
videos whose frame t is a solid colour of its own, an optional white
"person" rectangle, and annotations with 2-D keypoints in 1920x1080
colour-image pixels (as the NTU converter writes them)."""
import pickle
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

VIDEO_SHAPE = (48, 64)  # (H, W) of the test videos
NUM_VIDEO_FRAMES = 20
IMG_SHAPE = (1080, 1920)  # (H, W) the keypoints refer to
#: Keypoint pixels per video pixel, (x, y).
KP_SCALE = np.array([IMG_SHAPE[1] / VIDEO_SHAPE[1],
                     IMG_SHAPE[0] / VIDEO_SHAPE[0]])
PERSON_BOX = (20, 8, 44, 40)  # (x0, y0, x1, y1) white rectangle, video px
#: Palette colours are this far apart at least (sum over RGB).
COLOUR_STEP = 49


def frame_colour(t: int) -> Tuple[int, int, int]:
    """RGB colour of solid frame t; any two differ by >= 49 grey levels
    summed over the channels, far more than MJPG + JPEG change them."""
    return (12 * t, 240 - 12 * t, 30 + 25 * (t % 8))


PALETTE = np.array([frame_colour(t) for t in range(NUM_VIDEO_FRAMES)],
                   dtype=float)


def write_video(path: str,
                num_frames: int = NUM_VIDEO_FRAMES,
                person: bool = False,
                shape: Tuple[int, int] = VIDEO_SHAPE,
                box: Tuple[int, int, int, int] = PERSON_BOX) -> str:
    """Write an MJPG .avi whose frame t is solid ``frame_colour(t)``,
    with a white rectangle ``box`` (x0, y0, x1, y1) when ``person``."""
    height, width = shape
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 30,
                             (width, height))
    assert writer.isOpened(), 'OpenCV cannot write MJPG videos'
    for t in range(num_frames):
        frame = np.empty((height, width, 3), dtype=np.uint8)
        frame[:] = frame_colour(t)
        if person:
            x0, y0, x1, y1 = box
            frame[y0:y1, x0:x1] = 255
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def person_keypoints(num_frames: int = NUM_VIDEO_FRAMES,
                     num_persons: int = 2) -> np.ndarray:
    """(M, T, 25, 2) colour-image keypoints inside the person rectangle.

    Actor 1 spans x 22..42, y 10..38 of the video (a 10 % margin makes
    the box (20, 7, 44, 41)); actor 2 is absent (zeros), as the NTU
    converter writes a missing actor.
    """
    rng = np.random.default_rng(0)
    joints = np.empty((25, 2))
    joints[:, 0] = rng.uniform(22, 42, 25)
    joints[:, 1] = rng.uniform(10, 38, 25)
    joints[:2] = [[22, 10], [42, 38]]  # the extremes
    keypoint_2d = np.zeros((num_persons, num_frames, 25, 2), np.float32)
    keypoint_2d[0] = joints * KP_SCALE
    return keypoint_2d


def whole_frame_keypoints(num_frames: int = NUM_VIDEO_FRAMES) -> np.ndarray:
    """(1, T, 25, 2) keypoints whose box is the whole frame."""
    keypoint_2d = np.zeros((1, num_frames, 25, 2), np.float32)
    keypoint_2d[0, :, 0] = [1, 1]
    keypoint_2d[0, :, 1] = np.array(VIDEO_SHAPE[::-1]) * KP_SCALE
    return keypoint_2d


def annotation(name: str,
               keypoint_2d: Optional[np.ndarray] = None,
               total_frames: int = NUM_VIDEO_FRAMES) -> Dict:
    """An NTU-converter-like annotation (3-D skeleton included)."""
    ann = dict(frame_dir=name,
               label=int(name[-3:]) - 1,
               total_frames=total_frames,
               img_shape=IMG_SHAPE,
               original_shape=IMG_SHAPE,
               keypoint=np.random.default_rng(1).normal(
                   size=(1, total_frames, 25, 3)).astype(np.float32))
    if keypoint_2d is not None:
        ann['keypoint_2d'] = keypoint_2d
    return ann


def write_ann_file(path: str, annotations: Sequence[Dict],
                   split: Optional[Dict[str, List[str]]] = None) -> str:
    """Pickle ``dict(split=..., annotations=...)``."""
    if split is None:
        split = dict(all=[a['frame_dir'] for a in annotations])
    with open(path, 'wb') as f:
        pickle.dump(dict(split=split, annotations=list(annotations)), f)
    return path


def tile_colours(strip: np.ndarray, num_tiles: int) -> List[int]:
    """The frame index whose colour is nearest to the mean of the middle
    of each tile (its central half in both directions: the frame there,
    whether the crop was stretched or padded with black around it)."""
    height, tile_width = strip.shape[0], strip.shape[1] // num_tiles
    rows = slice(height // 4, height - height // 4)
    found = []
    for i in range(num_tiles):
        tile = strip[:, i * tile_width:(i + 1) * tile_width]
        mean = tile[rows, tile_width // 4:tile_width - tile_width // 4
                    ].reshape(-1, 3).mean(0)
        distance = np.abs(PALETTE - mean).sum(1)
        # Solid tiles: the nearest colour must be a clear winner.
        assert distance.min() < COLOUR_STEP / 3, (i, mean)
        found.append(int(distance.argmin()))
    return found


def shown_white_fraction(image: np.ndarray) -> float:
    """Fraction of near-white pixels among those that show the frame: the
    black padding around a crop that keeps its aspect ratio (every frame
    colour has a channel above 100) is left out."""
    shown = image.max(axis=-1) > 40
    assert shown.mean() > 0.2, 'the image is mostly black'
    return float((image.min(axis=-1) > 200)[shown].mean())


def read_rgb(path: str) -> np.ndarray:
    """An image file as (H, W, 3) RGB."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, path
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

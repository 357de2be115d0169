"""Tiny "own videos" for the tests: MJPG videos with two coloured
"persons" at known pixel boxes, and the pickle the pose extraction writes
for them (``tools/data/videos/extract_skeletons.py``, ``coco17``: 2-D
pixel keypoints, ``person_boxes`` (M, T, 4), ``filename`` relative to the
video folder)."""
import os
import os.path as osp
import pickle
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

VIDEO_SHAPE = (96, 128)  # (H, W)
NUM_FRAMES = 12
BACKGROUND = (40, 160, 40)  # RGB, green
#: RGB colour of each person's rectangle: red, blue.
PERSON_COLOURS = ((230, 30, 30), (30, 30, 230))
NUM_JOINTS = 17  # coco17


def person_boxes(num_frames: int = NUM_FRAMES) -> np.ndarray:
    """(2, T, 4) float32 pixel (x0, y0, x1, y1) boxes: person 0 (red)
    moves right by one pixel a frame, person 1 (blue) stands still."""
    t = np.arange(num_frames, dtype=np.float32)
    red = np.stack([8 + t, 10 + 0 * t, 28 + t, 50 + 0 * t], axis=1)
    blue = np.tile(np.float32([50, 20, 70, 56]), (num_frames, 1))
    return np.stack([red, blue]).astype(np.float32)


def draw_frame(boxes_t: np.ndarray,
               shape: Tuple[int, int] = VIDEO_SHAPE) -> np.ndarray:
    """(H, W, 3) uint8 RGB frame with the persons' rectangles."""
    frame = np.empty((*shape, 3), dtype=np.uint8)
    frame[:] = BACKGROUND
    for (x0, y0, x1, y1), colour in zip(boxes_t, PERSON_COLOURS):
        if np.isfinite([x0, y0, x1, y1]).all() and x1 > x0:
            frame[int(y0):int(y1), int(x0):int(x1)] = colour
    return frame


def write_video(path: str, boxes: np.ndarray, fps: float = 30.) -> str:
    """An MJPG video whose frame t shows ``boxes[:, t]``."""
    height, width = VIDEO_SHAPE
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), fps,
                             (width, height))
    assert writer.isOpened(), 'OpenCV cannot write MJPG videos'
    for t in range(boxes.shape[1]):
        writer.write(cv2.cvtColor(draw_frame(boxes[:, t]),
                                  cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def keypoints_in_boxes(boxes: np.ndarray, seed: int = 0) -> np.ndarray:
    """(M, T, 17, 2) float32 keypoints spread inside the boxes."""
    rng = np.random.default_rng(seed)
    frac = rng.uniform(0.15, 0.85, size=(*boxes.shape[:2], NUM_JOINTS, 2))
    x0, y0, x1, y1 = (boxes[..., i, None] for i in range(4))
    x = x0 + frac[..., 0] * (x1 - x0)
    y = y0 + frac[..., 1] * (y1 - y0)
    return np.stack([x, y], axis=-1).astype(np.float32)


def annotation(name: str, label: int, filename: str,
               num_frames: int = NUM_FRAMES, seed: int = 0) -> Dict:
    """One annotation as the coco17 extraction writes it."""
    boxes = person_boxes(num_frames)
    keypoint = keypoints_in_boxes(boxes, seed)
    rng = np.random.default_rng(seed + 100)
    return dict(
        frame_dir=name,
        label=label,
        filename=filename,
        img_shape=VIDEO_SHAPE,
        original_shape=VIDEO_SHAPE,
        total_frames=num_frames,
        keypoint=keypoint,
        keypoint_score=rng.uniform(0.5, 1., keypoint.shape[:3]).astype(
            np.float32),
        person_boxes=boxes,
        fps=30.)


def frame_dir_of(filename: str) -> str:
    """The extraction's sample name of a video: its relative path without
    the extension, ``/`` -> ``__``."""
    return osp.splitext(filename)[0].replace('/', '__')


def make_own_videos(root: str,
                    classes: Sequence[str] = ('wave', 'clap'),
                    per_class: int = 2,
                    num_frames: int = NUM_FRAMES) -> Tuple[str, str, List]:
    """Write ``<root>/videos/<class>/<class>_<i>.avi`` and
    ``<root>/skeletons.pkl`` (train: all but the last of each class, val:
    the last; listed by ``frame_dir`` as extract_skeletons.py does).

    Returns:
        tuple[str, str, list]: The video folder, the pickle, the
        annotations.
    """
    video_dir = osp.join(root, 'videos')
    annotations = []
    split: Dict[str, List[str]] = dict(train=[], val=[])
    for label, cls in enumerate(classes):
        os.makedirs(osp.join(video_dir, cls), exist_ok=True)
        for i in range(per_class):
            filename = f'{cls}/{cls}_{i}.avi'
            write_video(osp.join(video_dir, filename),
                        person_boxes(num_frames))
            ann = annotation(frame_dir_of(filename), label, filename,
                             num_frames, seed=len(annotations))
            annotations.append(ann)
            split['val' if i == per_class - 1 else 'train'].append(
                ann['frame_dir'])
    ann_file = osp.join(root, 'skeletons.pkl')
    with open(ann_file, 'wb') as f:
        pickle.dump(dict(split=split, annotations=annotations,
                         classes=list(classes)), f)
    return video_dir, ann_file, annotations

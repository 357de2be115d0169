"""Rendering of the demo videos' frames: the projected skeletons over a
static room, plus a red cup in the right hand for 'drink water'."""
from typing import Tuple

import cv2
import numpy as np

from .camera import FOCAL, IMG_SHAPE
from .skeleton import BONES

#: BGR colours: person 0 green, person 1 orange; the cup red.
PERSON_COLORS: Tuple[Tuple[int, int, int], ...] = (
    (40, 210, 40), (30, 140, 240))
CUP_COLOR = (40, 40, 220)
_TRUNK = {(1, 0), (20, 1), (12, 0), (16, 0)}


def render_background(rng: np.random.Generator,
                      img_shape: Tuple[int, int] = IMG_SHAPE) -> np.ndarray:
    """A static room: a greyish wall with a door, a brownish floor, grain.

    Args:
        rng (np.random.Generator): colours, horizon and door placement.
        img_shape (tuple[int, int]): (H, W).

    Returns:
        np.ndarray: (H, W, 3) uint8 BGR image (no strongly green or red
        pixels, so skeleton and cup colours stand out).
    """
    height, width = img_shape
    wall = (np.array([165, 158, 150]) + rng.integers(-20, 21) +
            rng.integers(-6, 7, 3))
    floor = (np.array([95, 110, 125]) + rng.integers(-15, 16) +
             rng.integers(-6, 7, 3))
    horizon = int(rng.integers(int(0.55 * height), int(0.7 * height)))
    img = np.empty((height, width, 3), np.float64)
    img[:horizon] = wall
    img[horizon:] = floor
    img[horizon:] *= np.linspace(0.85, 1.1, height - horizon)[:, None, None]
    door_x = int(rng.integers(0, width - 30))
    door_w = int(rng.integers(22, 32))
    img[int(0.15 * height):horizon, door_x:door_x + door_w] = wall * 0.75
    img += rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def render_frames(keypoint: np.ndarray, keypoint_2d: np.ndarray,
                  holding: bool, background: np.ndarray) -> np.ndarray:
    """Draw the projected skeletons (and the cup) over the background.

    Args:
        keypoint (np.ndarray): (M, T, 25, 3) camera-space joints (depth for
            the drawing order and line widths).
        keypoint_2d (np.ndarray): (M, T, 25, 2) pixel (x, y).
        holding (bool): draw a cup in the right hand of person 0.
        background (np.ndarray): (H, W, 3) uint8 BGR.

    Returns:
        np.ndarray: (T, H, W, 3) uint8 BGR frames.
    """
    num_frames = keypoint.shape[1]
    frames = np.repeat(background[None], num_frames, axis=0)
    order = np.argsort(-keypoint[..., 2].mean(axis=(1, 2)))  # far first
    for t in range(num_frames):
        frame = frames[t]
        for m in order:
            pts = np.round(keypoint_2d[m, t]).astype(np.int32)
            px_per_m = FOCAL / float(keypoint[m, t, 1, 2])
            color = PERSON_COLORS[m % len(PERSON_COLORS)]
            limb = max(2, int(round(0.03 * px_per_m)))
            for child, parent in BONES:
                width = 2 * limb if (child, parent) in _TRUNK else limb
                cv2.line(frame, tuple(pts[child]), tuple(pts[parent]), color,
                         width, cv2.LINE_AA)
            for joint in (7, 11, 15, 19):
                cv2.circle(frame, tuple(pts[joint]), limb, color, -1,
                           cv2.LINE_AA)
            cv2.circle(frame, tuple(pts[3]), max(3, int(0.1 * px_per_m)),
                       color, -1, cv2.LINE_AA)
            if holding and m == 0:
                cx, cy = pts[11]
                half_w = max(2, int(round(0.035 * px_per_m)))
                half_h = max(3, int(round(0.055 * px_per_m)))
                cv2.rectangle(frame, (cx - half_w, cy - half_h),
                              (cx + half_w, cy + half_h), CUP_COLOR, -1)
                cv2.line(frame, (cx - half_w, cy - half_h),
                         (cx + half_w, cy - half_h), (235, 235, 235), 1)
    return frames


__all__ = [
    'PERSON_COLORS', 'CUP_COLOR', 'render_background', 'render_frames'
]

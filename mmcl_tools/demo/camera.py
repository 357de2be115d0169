"""The demo's camera: a pinhole over Kinect-like camera space.

Coordinates are Kinect v2's camera space, in metres: X towards the
camera's left, Y up, Z away from the camera. The image is ``IMG_SHAPE``
with the principal point at its centre.
"""
from typing import Tuple

import numpy as np

IMG_SHAPE: Tuple[int, int] = (120, 160)  # (H, W)
FOCAL = 128.0  # pinhole focal length in pixels; principal point = centre


def project(keypoint: np.ndarray, focal: float = FOCAL,
            img_shape: Tuple[int, int] = IMG_SHAPE) -> np.ndarray:
    """Pinhole projection of camera-space joints to pixels.

    Args:
        keypoint (np.ndarray): (..., 3) X (left), Y (up), Z (depth), metres.
        focal (float): focal length in pixels.
        img_shape (tuple[int, int]): (H, W); the principal point is the
            image centre.

    Returns:
        np.ndarray: (..., 2) pixel (x, y), x to the right, y down.
    """
    height, width = img_shape
    depth = keypoint[..., 2]
    u = width / 2 - focal * keypoint[..., 0] / depth
    v = height / 2 - focal * keypoint[..., 1] / depth
    return np.stack([u, v], axis=-1)


def fit_in_image(keypoint: np.ndarray, margin: float = 3.0,
                 img_shape: Tuple[int, int] = IMG_SHAPE) -> np.ndarray:
    """Move the whole scene (rigidly) so that its projection fits the image.

    Rarely needed: people are placed to fit. If the projection is too large
    the scene moves away from the camera, then it is shifted sideways / up.

    Args:
        keypoint (np.ndarray): (M, T, 25, 3) camera-space joints, metres.
        margin (float): pixels to keep from the image border.
        img_shape (tuple[int, int]): (H, W).

    Returns:
        np.ndarray: (M, T, 25, 3) moved copy.
    """
    keypoint = keypoint.astype(np.float64)  # a copy
    sizes = (img_shape[1], img_shape[0])
    for _ in range(5):
        uv = project(keypoint, img_shape=img_shape)
        low = margin - uv.min(axis=(0, 1, 2))  # > 0: past the left / top
        high = uv.max(axis=(0, 1, 2)) - (np.array(sizes) - 1 - margin)
        if (low <= 0).all() and (high <= 0).all():
            break
        extent = uv.max(axis=(0, 1, 2)) - uv.min(axis=(0, 1, 2))
        ratio = (extent / (np.array(sizes) - 1 - 2 * margin)).max()
        if ratio > 1:
            keypoint[..., 2] += keypoint[..., 2].mean() * (ratio * 1.02 - 1)
            continue
        # Pixels to move: +low if past the low border, -high if past high.
        shift = np.where(low > 0, low, np.where(high > 0, -high, 0.0))
        metres = shift * keypoint[..., 2].mean() / FOCAL * 1.05
        keypoint[..., 0] -= metres[0]  # u grows as X falls
        keypoint[..., 1] -= metres[1]  # v grows as Y falls
    return keypoint


__all__ = ['IMG_SHAPE', 'FOCAL', 'project', 'fit_in_image']

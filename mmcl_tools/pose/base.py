"""The interface every pose backend implements.

A backend turns one decoded video frame into the people it finds, in the
frame's own pixels; tracking over time, joint layouts and the mmaction2
annotation are built on top of it (:mod:`mmcl_tools.videos`).
"""
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
from mmengine.registry import Registry

#: Pose backends by name (``--backend`` of ``tools/data/videos/``).
POSE_BACKENDS = Registry('pose backend', scope='mmcl_tools')


@dataclass
class PersonPose:
    """One person in one frame.

    Attributes:
        keypoints (np.ndarray): (V, 2) float32 (x, y) in the pixels of the
            frame given to the backend, in the backend's :attr:`layout`.
        scores (np.ndarray): (V,) float32 confidence of each joint in
            [0, 1].
        box (np.ndarray): (4,) float32 person box (x1, y1, x2, y2) in the
            same pixels.
        world (np.ndarray, optional): (V, 3) float32 metric 3-D joints
            (metres) where the backend estimates them, else None.
        score (float): Confidence that this is a person (the detector's
            or the landmark model's presence score). Defaults to 1.
    """
    keypoints: np.ndarray
    scores: np.ndarray
    box: np.ndarray
    world: Optional[np.ndarray] = None
    score: float = 1.0


class PoseBackend:
    """Base class: ``backend(frame) -> [PersonPose, ...]``.

    Subclasses set :attr:`layout` (the joint order of their keypoints,
    e.g. ``'coco17'`` or ``'blazepose33'``) and implement :meth:`__call__`.
    """

    #: Joint layout of the returned keypoints.
    layout: str = ''

    def __call__(self, frame: np.ndarray) -> List[PersonPose]:
        """Find the people in one frame.

        Args:
            frame (np.ndarray): (H, W, 3) uint8 BGR frame (OpenCV order).

        Returns:
            list[PersonPose]: One entry per person found, any order.
        """
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what earlier frames told (call before a new video).

        Backends that use the previous frame (e.g. to propose where a
        person is) override it; the default does nothing.
        """

    def close(self) -> None:
        """Release the backend's resources (models, sessions)."""

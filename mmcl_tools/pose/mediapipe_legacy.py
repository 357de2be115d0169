"""``mediapipe_legacy``: MediaPipe's own single-person pose solution.

``mp.solutions.pose`` (mediapipe 0.10.21, model complexity 1: the same
two models as :mod:`.blazepose`) finds one person per frame, tracking it
from frame to frame. It is the reference the own pipeline is checked
against (``tests/test_pose``) and a fallback for one-person videos.
"""
from typing import List

import cv2
import numpy as np

from .base import POSE_BACKENDS, PersonPose, PoseBackend
from .blazepose import NUM_JOINTS, keypoint_box
from .mmpose_backend import MissingDependencyError


@POSE_BACKENDS.register_module(name='mediapipe_legacy')
class MediaPipeLegacyBackend(PoseBackend):
    """``mp.solutions.pose.Pose`` as a backend (one person, 33 joints).

    Args:
        static_image_mode (bool): Detect in every frame instead of
            tracking. Defaults to False.
        min_detection_confidence (float): Defaults to 0.5.
        min_tracking_confidence (float): Defaults to 0.5.
        smooth_landmarks (bool): MediaPipe's temporal filter. Defaults to
            False (the raw landmarks, as :mod:`.blazepose` gives).

    Raises:
        MissingDependencyError: mediapipe is not installed.
    """

    layout = 'blazepose33'

    def __init__(self,
                 static_image_mode: bool = False,
                 min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5,
                 smooth_landmarks: bool = False) -> None:
        try:
            import mediapipe as mp
        except ImportError as error:
            raise MissingDependencyError(
                'the mediapipe_legacy backend needs mediapipe 0.10.21 '
                '(pip install -r requirements/pose.txt)') from error
        self._options = dict(
            static_image_mode=static_image_mode,
            model_complexity=1,
            smooth_landmarks=smooth_landmarks,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence)
        self._solution = mp.solutions.pose
        self._pose = self._solution.Pose(**self._options)

    def reset(self) -> None:
        """A new tracker for a new video."""
        self._pose.close()
        self._pose = self._solution.Pose(**self._options)

    def __call__(self, frame: np.ndarray) -> List[PersonPose]:
        """The person in one BGR frame, or nobody."""
        height, width = frame.shape[:2]
        result = self._pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        if result.pose_landmarks is None:
            return []
        lms = result.pose_landmarks.landmark
        kpts = np.array([[p.x * width, p.y * height] for p in lms],
                        np.float32)[:NUM_JOINTS]
        scores = np.array([p.visibility for p in lms],
                          np.float32)[:NUM_JOINTS]
        world = None
        if result.pose_world_landmarks is not None:
            world = np.array([[p.x, p.y, p.z]
                              for p in result.pose_world_landmarks.landmark],
                             np.float32)[:NUM_JOINTS]
        return [
            PersonPose(kpts, scores, keypoint_box(kpts, scores,
                                                  (height, width)), world)
        ]

    def close(self) -> None:
        """Release MediaPipe's graph."""
        self._pose.close()


__all__ = ['MediaPipeLegacyBackend']

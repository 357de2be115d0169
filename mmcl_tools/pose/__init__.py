"""Pose estimation for the own-videos path (``tools/data/videos/``).

* :mod:`.base`: the interface (:class:`PersonPose`, :class:`PoseBackend`,
  :data:`POSE_BACKENDS`);
* backends, registered by name: ``blazepose`` (default; MediaPipe's
  BlazePose models through TFLite, several people), ``mediapipe_legacy``
  (``mp.solutions.pose``, one person, the reference) and ``mmpose``
  (Faster R-CNN + HRNet, needs mmdet / mmpose);
* :mod:`.tracking`: identities over the frames, ranking, gap bridging;
* :mod:`.layouts`: ``coco17`` and ``ntu25`` from BlazePose's 33 joints.
"""
from typing import Any

from .base import POSE_BACKENDS, PersonPose, PoseBackend
from .blazepose import BlazePoseBackend
from .layouts import (COCO17_FROM_BLAZEPOSE, COCO17_NAMES, LAYOUTS,
                      NTU25_NAMES, NUM_JOINTS, convert_layout, to_coco17,
                      to_ntu25)
from .mediapipe_legacy import MediaPipeLegacyBackend
from .mmpose_backend import MissingDependencyError, MMPoseBackend
from .model_files import PoseModelError
from .tracking import TrackedPoses, track_people


def build_pose_backend(name: str = 'blazepose', **kwargs: Any) -> PoseBackend:
    """A pose backend by its registered name.

    Args:
        name (str): ``'blazepose'``, ``'mediapipe_legacy'`` or
            ``'mmpose'``.
        **kwargs: The backend's arguments.

    Raises:
        KeyError: Unknown name (the message lists the known ones).
        MissingDependencyError, PoseModelError: The backend cannot run
            here.
    """
    if name not in POSE_BACKENDS.module_dict:
        raise KeyError(f'unknown pose backend {name!r}; choose one of '
                       f'{", ".join(sorted(POSE_BACKENDS.module_dict))}')
    return POSE_BACKENDS.module_dict[name](**kwargs)


__all__ = [
    'POSE_BACKENDS', 'PersonPose', 'PoseBackend', 'BlazePoseBackend',
    'MediaPipeLegacyBackend', 'MMPoseBackend', 'MissingDependencyError',
    'PoseModelError', 'build_pose_backend', 'TrackedPoses', 'track_people',
    'convert_layout', 'to_coco17', 'to_ntu25', 'LAYOUTS', 'NUM_JOINTS',
    'COCO17_NAMES', 'COCO17_FROM_BLAZEPOSE', 'NTU25_NAMES'
]

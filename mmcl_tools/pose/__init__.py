"""Pose estimation for the own-videos path (``tools/data/videos/``)."""
from .base import POSE_BACKENDS, PersonPose, PoseBackend

__all__ = ['POSE_BACKENDS', 'PersonPose', 'PoseBackend']

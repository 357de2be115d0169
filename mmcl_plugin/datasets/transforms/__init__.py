from .formatting import PackMMCLInputs
from .frame_strip import BuildFrameStrip
from .loading import LoadStripFeature, LoadTextFeature
from .skeleton_layout import (LayoutGenSkeFeat, LayoutJointToBone,
                              RandomRotate3D, RandomScale3D)

__all__ = [
    'BuildFrameStrip', 'LoadTextFeature', 'LoadStripFeature', 'PackMMCLInputs',
    'LayoutJointToBone', 'LayoutGenSkeFeat', 'RandomRotate3D', 'RandomScale3D'
]

from .formatting import PackMMCLInputs
from .frame_map_normalize import PreNormalize3DWithFrameMap
from .frame_strip import BuildFrameStrip
from .loading import (LoadStripFeature, LoadTextFeature,
                      LoadTextFeatureFromCache)
from .skeleton_layout import (LayoutGenSkeFeat, LayoutJointToBone,
                              RandomRotate3D, RandomScale3D)

__all__ = [
    'BuildFrameStrip', 'LoadTextFeature', 'LoadTextFeatureFromCache',
    'LoadStripFeature', 'PackMMCLInputs', 'PreNormalize3DWithFrameMap',
    'LayoutJointToBone', 'LayoutGenSkeFeat', 'RandomRotate3D', 'RandomScale3D'
]

from .formatting import PackMMCLInputs
from .frame_map_normalize import PreNormalize3DWithFrameMap
from .frame_strip import BuildFrameStrip
from .loading import (LoadStripFeature, LoadTextFeature,
                      LoadTextFeatureFromCache)
from .official_ntu_preprocess import OfficialNTUPreprocess
from .official_nwucla_normalize import OfficialNWUCLANormalize
from .official_nwucla_sample_frames import OfficialNWUCLASampleFrames
from .official_random_rotate import OfficialRandomRotate3D
from .skeleton_layout import (LayoutGenSkeFeat, LayoutJointToBone,
                              RandomRotate3D, RandomScale3D)
from .valid_crop_resize import ValidCropResize

__all__ = [
    'BuildFrameStrip', 'LoadTextFeature', 'LoadTextFeatureFromCache',
    'LoadStripFeature', 'PackMMCLInputs', 'PreNormalize3DWithFrameMap',
    'LayoutJointToBone', 'LayoutGenSkeFeat', 'RandomRotate3D', 'RandomScale3D',
    'OfficialNTUPreprocess', 'ValidCropResize', 'OfficialRandomRotate3D',
    'OfficialNWUCLANormalize', 'OfficialNWUCLASampleFrames'
]

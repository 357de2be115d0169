from .mmcl_pose_dataset import MMCLPoseDataset
from .transforms import (BuildFrameStrip, LayoutGenSkeFeat, LayoutJointToBone,
                         LoadStripFeature, LoadTextFeature,
                         LoadTextFeatureFromCache, OfficialNTUPreprocess,
                         OfficialNWUCLANormalize, OfficialNWUCLASampleFrames,
                         OfficialRandomRotate3D, PackMMCLInputs,
                         PreNormalize3DWithFrameMap, RandomRotate3D,
                         RandomScale3D, ValidCropResize)

__all__ = [
    'MMCLPoseDataset', 'BuildFrameStrip', 'LoadTextFeature',
    'LoadTextFeatureFromCache', 'LoadStripFeature', 'PackMMCLInputs',
    'PreNormalize3DWithFrameMap', 'LayoutJointToBone', 'LayoutGenSkeFeat',
    'RandomRotate3D', 'RandomScale3D', 'OfficialNTUPreprocess',
    'ValidCropResize', 'OfficialRandomRotate3D', 'OfficialNWUCLANormalize',
    'OfficialNWUCLASampleFrames'
]

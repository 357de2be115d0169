# Demo MMCL with a frozen FAM encoder reading cached strip features.
# The BuildFrameStrip step stays in the pipeline config for
# tools/extract_strip_features.py (which reads its settings) but training
# replaces it by LoadStripFeature.
_base_ = '../../../configs/demo/mmcl-ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py'  # noqa: E501

data_root = 'data/demo/'
strip_feature_root = data_root + 'strip_features/'

model = dict(fam_head=dict(frozen=True))

skeleton_train_steps = [
    dict(type='PreNormalize3DWithFrameMap'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=32),
    dict(type='PoseDecode'),
]
# settings of the cached strips (read by tools/extract_strip_features.py)
strip_step = dict(type='BuildFrameStrip', num_frames=5, strip_size=(64, 320))
train_pipeline = skeleton_train_steps + [
    dict(type='LoadStripFeature'),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        strip_feature_root=strip_feature_root, pipeline=train_pipeline))

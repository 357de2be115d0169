# MMCL + CTR-GCN, NTU RGB+D 60 X-Sub, 3-D bone stream
# (GenSkeFeat feats=['b']). Same model, FAM/FRM inputs and schedule as the
# joint config; only the skeleton feature of the three pipelines changes.
_base_ = './mmcl-ctrgcn_4xb16-joint-u64-65e_ntu60-xsub-keypoint-3d.py'

skeleton_train_steps = [
    dict(type='PreNormalize3DWithFrameMap'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['b']),
    dict(type='UniformSampleFrames', clip_len=64),
    dict(type='PoseDecode'),
]
train_pipeline = skeleton_train_steps + [
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['b']),
    dict(type='UniformSampleFrames', clip_len=64, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['b']),
    dict(
        type='UniformSampleFrames', clip_len=64, num_clips=10, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

# CTR-GCN baseline on NW-UCLA (cross-view), 3-D joint motion stream
# (LayoutGenSkeFeat feats=['jm'] on the 20-joint Kinect v1 layout). Same
# recipe as the joint config; only the skeleton feature of the pipelines
# changes.
_base_ = './ctrgcn_1xb16-joint-u52-65e_nwucla-xview-keypoint-3d.py'

nwucla_layout = {{_base_.nwucla_layout}}
feats = ['jm']
skeleton_train_steps = [
    dict(type='PreNormalize3D'),
    dict(type='RandomRotate3D', theta=0.3),
    dict(type='LayoutGenSkeFeat', layout=nwucla_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=52),
    dict(type='PoseDecode'),
]
train_pipeline = skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='LayoutGenSkeFeat', layout=nwucla_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=52, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='LayoutGenSkeFeat', layout=nwucla_layout, feats=feats),
    dict(
        type='UniformSampleFrames', clip_len=52, num_clips=10, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]

train_dataloader = dict(
    dataset=dict(dataset=dict(pipeline=train_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

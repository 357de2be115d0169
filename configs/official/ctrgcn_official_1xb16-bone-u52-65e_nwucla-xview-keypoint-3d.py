# Official CTR-GCN recipe, NW-UCLA (cross-view), 3-D bone stream: the shared
# NW-UCLA base with LayoutGenSkeFeat feats=['b'] on the official graph's
# bones, made after the frame sampling as the official feeder does.
_base_ = './_base_/ctrgcn_official_nwucla.py'

skeleton_train_steps = [
    dict(type='OfficialNWUCLANormalize'),
    dict(type='OfficialNWUCLASampleFrames', clip_len=52),
    dict(type='LayoutGenSkeFeat', layout='ctrgcn_nwucla', feats=['b']),
]
train_pipeline = skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='OfficialNWUCLANormalize', test_mode=True),
    dict(type='OfficialNWUCLASampleFrames', clip_len=52, test_mode=True),
    dict(type='LayoutGenSkeFeat', layout='ctrgcn_nwucla', feats=['b']),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

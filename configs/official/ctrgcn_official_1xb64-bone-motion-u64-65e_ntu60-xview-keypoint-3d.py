# Official CTR-GCN recipe, NTU RGB+D 60 X-View, 3-D bone-motion stream: the
# shared NTU base with the cross-view split (train cameras 2, 3) and the
# bone-motion stream (LayoutGenSkeFeat feats=['bm'] on the official graph's
# bones).
_base_ = './_base_/ctrgcn_official_ntu.py'

skeleton_train_steps = [
    dict(type='OfficialNTUPreprocess', num_person=2),
    dict(type='ValidCropResize', clip_len=64, p_interval=(0.5, 1)),
    dict(type='OfficialRandomRotate3D', theta=0.3),
    dict(type='LayoutGenSkeFeat', layout='ctrgcn_ntu', feats=['bm']),
]
train_pipeline = skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='OfficialNTUPreprocess', num_person=2),
    dict(type='ValidCropResize', clip_len=64, p_interval=(0.95, )),
    dict(type='LayoutGenSkeFeat', layout='ctrgcn_ntu', feats=['bm']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        split='xview_train',
        pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(split='xview_val', pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(split='xview_val', pipeline=test_pipeline))

# Official CTR-GCN recipe, NTU RGB+D 120 X-Sub, 3-D bone stream: the shared
# NTU base with the NTU120 annotation file, 120 classes, cross-subject split
# and the bone stream (LayoutGenSkeFeat feats=['b'] on the official graph's
# bones).
_base_ = './_base_/ctrgcn_official_ntu.py'

ann_file = 'data/skeleton/ntu120_3d.pkl'
num_classes = 120

model = dict(cls_head=dict(num_classes=num_classes))
skeleton_train_steps = [
    dict(type='OfficialNTUPreprocess', num_person=2),
    dict(type='ValidCropResize', clip_len=64, p_interval=(0.5, 1)),
    dict(type='OfficialRandomRotate3D', theta=0.3),
    dict(type='LayoutGenSkeFeat', layout='ctrgcn_ntu', feats=['b']),
]
train_pipeline = skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='OfficialNTUPreprocess', num_person=2),
    dict(type='ValidCropResize', clip_len=64, p_interval=(0.95, )),
    dict(type='LayoutGenSkeFeat', layout='ctrgcn_ntu', feats=['b']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file,
        split='xsub_train',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file,
        split='xsub_val',
        pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file,
        split='xsub_val',
        pipeline=test_pipeline))

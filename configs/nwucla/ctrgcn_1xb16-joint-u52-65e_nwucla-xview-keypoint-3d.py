# CTR-GCN baseline on NW-UCLA (cross-view: train views 1+2, test view 3),
# 3-D joint stream. Recipe of CTR-GCN's NW-UCLA setting: batch 16, 52-frame
# clips, random rotation, SGD lr 0.1 (nesterov, wd 1e-4), 5 warm-up epochs,
# x0.1 at epoch 50, 65 epochs, every epoch a pass over the training set
# repeated 5 times. Data: tools/data/nwucla/convert_nwucla.py.
_base_ = 'mmaction::skeleton/stgcnpp/stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py'  # noqa: E501

custom_imports = dict(imports=['mmcl_plugin'], allow_failed_imports=False)

nwucla_layout = dict(
    num_node=20,
    inward=[(0, 1), (2, 1), (3, 2), (4, 2), (5, 4), (6, 5), (7, 6), (8, 2),
            (9, 8), (10, 9), (11, 10), (12, 0), (13, 12), (14, 13), (15, 14),
            (16, 0), (17, 16), (18, 17), (19, 18)],
    center=1)
feats = ['j']
num_classes = 10

model = dict(
    _delete_=True,
    type='MMCLRecognizer',
    backbone=dict(
        type='CTRGCN',
        graph_cfg=dict(layout=nwucla_layout, mode='spatial'),
        num_person=1),
    cls_head=dict(type='GCNHead', num_classes=num_classes, in_channels=256),
    fam_head=None,
    frm_head=None,
    data_preprocessor=dict(type='MMCLDataPreprocessor'))

dataset_type = 'MMCLPoseDataset'
ann_file = 'data/skeleton/nwucla.pkl'
train_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='RandomRotate3D', theta=0.3),
    dict(type='LayoutGenSkeFeat', layout=nwucla_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=52),
    dict(type='PoseDecode'),
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
    batch_size=16,
    num_workers=2,
    dataset=dict(
        type='RepeatDataset',
        times=5,
        dataset=dict(
            _delete_=True,
            type=dataset_type,
            ann_file=ann_file,
            split='train',
            num_joints=20,
            pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='val',
        pipeline=val_pipeline))
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='val',
        pipeline=test_pipeline))

max_epochs = 65
train_cfg = dict(max_epochs=max_epochs, val_begin=1, val_interval=5)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='MultiStepLR',
        milestones=[50],
        gamma=0.1,
        by_epoch=True,
        begin=5,
        end=max_epochs)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001,
        nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=16)
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best='auto'),
    logger=dict(interval=20))

# Official CTR-GCN recipe on NTU RGB+D (here NTU60 X-Sub, joint stream);
# the shared base of configs/official/*_ntu*-*. Reproduces
# github.com/Uason-Chen/CTR-GCN config/nturgbd*/default.yaml,
# data/ntu*/seq_transformation.py and feeders/feeder_ntu.py:
# - data: frames without any actor removed, centred on joint 2 of actor 1
#   in its first frame (no rotation alignment), two actors (the second
#   zero-padded); training crops a random interval of the valid frames
#   (p in [0.5, 1], at least 64 frames) and resizes it to 64 frames
#   (linear interpolation), then rotates the clip randomly (up to 0.3 rad
#   per axis); testing resizes the centre 95 %; bone / motion after the
#   resize with the official bones; one test clip;
# - model: the official graph (graph/ntu_rgb_d.py) and initialisation (TCN
#   BN weights N(1, 0.02), classifier N(0, sqrt(2 / num_classes))), logits
#   as scores;
# - schedule: SGD (momentum 0.9, nesterov, weight decay 4e-4), batch 64 on
#   one GPU, lr 0.1 x (epoch + 1) / 5 in epochs 0-4, x0.1 from epochs 35
#   and 55 (changed at epoch starts, as main.py does), 65 epochs, the
#   incomplete last batch dropped.
# Data: tools/data/ntu/convert_ntu_skeleton.py with its default options.
_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['mmcl_plugin'], allow_failed_imports=False)

layout = 'ctrgcn_ntu'
num_classes = 60
clip_len = 64
feats = ['j']

model = dict(
    type='MMCLRecognizer',
    backbone=dict(
        type='CTRGCN',
        graph_cfg=dict(layout=layout, mode='spatial'),
        num_person=2,
        init_scheme='official'),
    cls_head=dict(
        type='CTRGCNHead',
        num_classes=num_classes,
        in_channels=256,
        average_clips='score'),
    # no fam_head / frm_head: the baseline; mmcl-* configs add them
    data_preprocessor=dict(type='MMCLDataPreprocessor'))

# FAM / FRM of the mmcl-ctrgcn_official_* configs, as the mmcl/ configs
# define them: a ResNet-18 (ImageNet weights) encodes the frame strip,
# symmetric InfoNCE (tau 0.4, weight 0.1); BLIP VQA answer-token features
# (width 768), K = 2 class matrices, cross-entropy weight 0.2.
fam_head_cfg = dict(
    type='FAMHead',
    image_encoder=dict(
        type='mmpretrain.ResNet',
        depth=18,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/'
            'v0/resnet/resnet18_8xb32_in1k_20210831-fbbb1da6.pth',
            prefix='backbone')),
    encoder_channels=512,
    hidden_channels=512,
    frozen=False,
    loss_align=dict(
        type='SymmetricInfoNCELoss',
        temperature=0.4,
        loss_weight=0.1,
        gather_distributed=True))
frm_head_cfg = dict(
    type='FRMHead',
    text_channels=768,
    hidden_channels=256,
    num_weights=2,
    loss_refine=dict(type='CrossEntropyLoss', loss_weight=0.2))
strip_norm_cfg = dict(
    strip_mean=[123.675, 116.28, 103.53], strip_std=[58.395, 57.12, 57.375])

dataset_type = 'MMCLPoseDataset'
ann_file = 'data/skeleton/ntu60_3d.pkl'
skeleton_train_steps = [
    dict(type='OfficialNTUPreprocess', num_person=2),
    dict(type='ValidCropResize', clip_len=clip_len, p_interval=(0.5, 1)),
    dict(type='OfficialRandomRotate3D', theta=0.3),
    dict(type='LayoutGenSkeFeat', layout=layout, feats=feats),
]
train_pipeline = skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='OfficialNTUPreprocess', num_person=2),
    dict(type='ValidCropResize', clip_len=clip_len, p_interval=(0.95, )),
    dict(type='LayoutGenSkeFeat', layout=layout, feats=feats),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = test_pipeline

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='xsub_train',
        num_joints=25,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='xsub_val',
        num_joints=25,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

max_epochs = 65
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# main.py's adjust_learning_rate, once per epoch: base_lr * (epoch + 1) / 5
# for epoch < 5, then base_lr * 0.1 ** (number of steps <= epoch).
# MultiStepLR counts milestones from its `begin`, so it begins at 0.
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1 / 5,
        end_factor=1.0,
        by_epoch=True,
        begin=0,
        end=5),
    dict(
        type='MultiStepLR',
        milestones=[35, 55],
        gamma=0.1,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0004,
        nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=64)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=3, save_best='auto'),
    logger=dict(interval=50))

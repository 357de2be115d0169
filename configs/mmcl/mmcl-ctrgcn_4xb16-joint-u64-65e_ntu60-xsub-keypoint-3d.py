# MMCL with a CTR-GCN backbone, NTU RGB+D 60 X-Sub, 3-D joint stream.
# Training: skeletons + RGB frame strips (FAM) + MLLM text features (FRM).
# Testing: skeletons only. The schedule follows CTR-GCN's: SGD (nesterov),
# lr 0.1 for a global batch of 64, 5 warm-up epochs, x0.1 at 35 and 55,
# 65 epochs, 64-frame clips.
_base_ = 'mmaction::skeleton/stgcnpp/stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py'  # noqa: E501

custom_imports = dict(imports=['mmcl_plugin'], allow_failed_imports=False)

num_classes = 60
model = dict(
    _delete_=True,
    type='MMCLRecognizer',
    backbone=dict(
        type='CTRGCN', graph_cfg=dict(layout='nturgb+d', mode='spatial')),
    cls_head=dict(type='GCNHead', num_classes=num_classes, in_channels=256),
    # FAM: ResNet-18 (ImageNet weights) encodes the frame strip.
    fam_head=dict(
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
            gather_distributed=True)),
    # FRM: BLIP VQA answer-token features (width 768), K = 2 matrices.
    frm_head=dict(
        type='FRMHead',
        text_channels=768,
        hidden_channels=256,
        num_weights=2,
        loss_refine=dict(type='CrossEntropyLoss', loss_weight=0.2)),
    data_preprocessor=dict(
        type='MMCLDataPreprocessor',
        strip_mean=[123.675, 116.28, 103.53],
        strip_std=[58.395, 57.12, 57.375]))

dataset_type = 'MMCLPoseDataset'
ann_file = 'data/skeleton/ntu60_3d.pkl'
video_root = 'data/nturgbd_rgb/'
text_feature_root = 'data/mmcl_text_features/ntu60_blip_vqa/'

# PreNormalize3D drops body-less frames; this variant also records the
# video frames it kept, so that BuildFrameStrip shows the sampled clip.
skeleton_train_steps = [
    dict(type='PreNormalize3DWithFrameMap'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
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
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=64, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(
        type='UniformSampleFrames', clip_len=64, num_clips=10, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        ann_file=ann_file,
        split='xsub_train',
        video_root=video_root,
        video_suffix='_rgb.avi',
        text_feature_root=text_feature_root,
        num_joints=25,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='xsub_val',
        pipeline=val_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='xsub_val',
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
        milestones=[35, 55],
        gamma=0.1,
        by_epoch=True,
        begin=5,
        end=max_epochs)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0004,
        nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=64)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=3), logger=dict(interval=50))

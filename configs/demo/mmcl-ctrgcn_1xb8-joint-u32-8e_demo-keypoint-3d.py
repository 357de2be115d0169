# Demo: MMCL + CTR-GCN on the small generated dataset
# (tools/data/make_demo_dataset.py): 8 epochs of 8 iterations, about 1.5
# minutes on 2 CPU cores. The image encoder is a narrow, randomly
# initialised ResNet-18 and the strips are small.
_base_ = '../mmcl/mmcl-ctrgcn_4xb16-joint-u64-65e_ntu60-xsub-keypoint-3d.py'

num_classes = 4
data_root = 'data/demo/'
ann_file = data_root + 'demo_ntu25.pkl'

model = dict(
    cls_head=dict(num_classes=num_classes),
    fam_head=dict(
        image_encoder=dict(
            type='mmpretrain.ResNet',
            depth=18,
            stem_channels=16,
            base_channels=16,
            init_cfg=None),
        encoder_channels=128,
        hidden_channels=128,
        loss_align=dict(gather_distributed=True)),
    frm_head=dict(text_channels=32, hidden_channels=32))

skeleton_train_steps = [
    dict(type='PreNormalize3DWithFrameMap'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=32),
    dict(type='PoseDecode'),
]
train_pipeline = skeleton_train_steps + [
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(64, 320)),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=32, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=ann_file,
        split='train',
        video_root=data_root + 'videos/',
        video_suffix='.mp4',
        text_feature_root=data_root + 'text_features/',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='val', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='val', pipeline=test_pipeline))

max_epochs = 8
train_cfg = dict(max_epochs=max_epochs, val_begin=1, val_interval=1)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 1,
        by_epoch=True,
        begin=1,
        end=max_epochs)
]
# the reference recipe's lr (0.1 for batch 64) scaled to batch 8 would be
# 0.0125; 0.02 learns the demo in 8 epochs, 0.05 overshoots early on
optim_wrapper = dict(optimizer=dict(lr=0.02))
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=1), logger=dict(interval=4))
randomness = dict(seed=0)
# CPU config: DDP (tools/dist_train.sh) without CUDA device ids
model_wrapper_cfg = dict(
    type='CPUDistributedDataParallel', broadcast_buffers=False)

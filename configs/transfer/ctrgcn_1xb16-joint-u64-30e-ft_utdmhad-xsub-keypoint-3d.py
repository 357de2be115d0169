# Domain-adaptive transfer to UTD-MHAD: a CTR-GCN trained on NTU RGB+D 120
# (X-Sub, joint stream; MMCL or baseline:
# ../ctrgcn/[mmcl-]ctrgcn_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py)
# is fine-tuned on UTD-MHAD's training subjects (1, 3, 5, 7) and tested on
# the others (2, 4, 6, 8). UTD-MHAD is converted to NTU's 25-joint layout
# (tools/data/utd_mhad/convert_utd_mhad.py), so the NTU backbone applies
# unchanged; only the classifier is new (27 classes): loading the NTU
# checkpoint skips cls_head.fc (shape mismatch, logged as a warning).
# Fine-tuning is skeleton-only (the deployed model), with the NTU model's
# data path (the official CTR-GCN recipe's) and a 10x smaller learning
# rate.
_base_ = [
    '../_base_/models/ctrgcn_official.py',
    '../_base_/datasets/ntu_official.py',
    '../_base_/schedules/sgd_65e_ntu_official.py',
    '../_base_/default_runtime.py'
]

num_classes = 27
ann_file = 'data/skeleton/utd_mhad_ntu25.pkl'
# The NTU120 checkpoint to start from: an MMCL or baseline training
# checkpoint, or one exported / converted by tools/deploy/. Put it here or
# pass --cfg-options load_from=PATH.
load_from = 'checkpoints/ctrgcn_ntu120-xsub-joint.pth'

model = dict(cls_head=dict(num_classes=num_classes))
train_dataloader = dict(
    batch_size=16,
    dataset=dict(ann_file=ann_file, num_classes=num_classes, split='train'))
val_dataloader = test_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes, split='val'))

max_epochs = 30
train_cfg = dict(max_epochs=max_epochs, val_begin=1, val_interval=5)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=2,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 2,
        by_epoch=True,
        begin=2,
        end=max_epochs)
]
# 0.1 / 64 per sample in the NTU recipe would be 0.025 for batch 16; a
# pre-trained backbone is fine-tuned at 0.01
optim_wrapper = dict(optimizer=dict(lr=0.01))
auto_scale_lr = dict(enable=False, base_batch_size=16)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=2), logger=dict(interval=10))

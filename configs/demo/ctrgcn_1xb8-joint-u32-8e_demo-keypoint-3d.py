# Demo: MMCL + CTR-GCN on the small generated dataset
# (tools/data/make_demo_dataset.py): 8 epochs of 8 iterations, about 1.5
# minutes on 2 CPU cores. The image encoder is a narrow, randomly
# initialised ResNet-18 and the strips are small.
_base_ = [
    '../_base_/models/ctrgcn.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/demo.py', '../_base_/schedules/sgd_65e_ntu.py',
    '../_base_/default_runtime.py'
]

# FAM: a narrow, randomly initialised ResNet-18 and 128 channels; FRM: the
# demo's 32-wide text features. (dict(head, key=value) replaces the head's
# key as a whole: image_encoder is given in full.)
model = dict(
    _base_.mmcl_heads,
    cls_head=dict(num_classes=_base_.num_classes),
    fam_head=dict(
        _base_.mmcl_heads.fam_head,
        image_encoder=dict(
            type='mmpretrain.ResNet',
            depth=18,
            stem_channels=16,
            base_channels=16,
            init_cfg=None),
        encoder_channels=128,
        hidden_channels=128),
    frm_head=dict(
        _base_.mmcl_heads.frm_head, text_channels=32, hidden_channels=32))

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

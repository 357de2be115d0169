# Short CPU schedule of the CTR-GCN NW-UCLA joint baseline (the benchmark in
# benchmarks/results/nwucla_ctrgcn_joint.md): 5 epochs of the 5x repeated
# training set (25 passes, 1,600 iterations of batch 16) instead of 65,
# 1 warm-up epoch, then cosine decay to zero. Everything else is the full
# recipe of the 65-epoch baseline: CTR-GCN without FAM / FRM, the NW-UCLA
# data with a skeleton-only training pipeline.
_base_ = [
    '../_base_/models/ctrgcn.py', '../_base_/datasets/nwucla.py',
    '../_base_/schedules/sgd_65e_nwucla.py', '../_base_/default_runtime.py'
]

# CTR-GCN on the 20-joint Kinect v1 graph, one person, 10 classes
model = dict(
    backbone=dict(
        graph_cfg=dict(
            _delete_=True, layout=_base_.nwucla_layout, mode='spatial'),
        num_person=1),
    cls_head=dict(num_classes=_base_.num_classes))
# a checkpoint every epoch; the best one is kept
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2), logger=dict(interval=20))

train_pipeline = _base_.skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            video_root=None, text_feature_root=None,
            pipeline=train_pipeline)))

max_epochs = 5
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
        eta_min=0,
        by_epoch=True,
        begin=1,
        end=max_epochs,
        convert_to_iter_based=True)
]

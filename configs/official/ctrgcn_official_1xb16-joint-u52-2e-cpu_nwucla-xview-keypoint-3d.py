# Short CPU schedule of the official-recipe NW-UCLA CTR-GCN joint baseline,
# run by benchmarks/nwucla_side_by_side.py against the official CTR-GCN
# code: 2 epochs of the 5x repeated training set (318 iterations of batch 16
# each, the incomplete last batch dropped), a linear warm-up from lr 0.01
# over the first epoch, then cosine decay to 0 (both per iteration),
# validation after every epoch. The harness imposes the same lr per
# iteration on the official code. Everything else is the official recipe of
# the 65-epoch baseline: CTR-GCN without FAM / FRM, the official NW-UCLA
# data path with a skeleton-only training pipeline.
_base_ = [
    '../_base_/models/ctrgcn_official.py',
    '../_base_/datasets/nwucla_official.py',
    '../_base_/schedules/sgd_65e_nwucla_official.py',
    '../_base_/default_runtime.py'
]

# the official NW-UCLA graph, one person, 10 classes
model = dict(
    backbone=dict(graph_cfg=dict(layout=_base_.layout), num_person=1),
    cls_head=dict(num_classes=_base_.num_classes))
# a checkpoint every epoch; the best one is kept
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best='auto'),
    logger=dict(interval=20))

train_pipeline = _base_.skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            video_root=None, text_feature_root=None,
            pipeline=train_pipeline)))

max_epochs = 2
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

# CTR-GCN, NW-UCLA (cross-view), 3-D bone-motion stream:
# the official CTR-GCN recipe (README.md here).
# Skeleton-only; mmcl-<this name> is its MMCL config.
_base_ = [
    '../_base_/models/ctrgcn_official_nwucla.py',
    '../_base_/datasets/nwucla_official.py',
    '../_base_/schedules/sgd_65e_nwucla_official.py',
    '../_base_/default_runtime.py'
]

# the stream (of the data block's datasets)
stream = 'bm'
# a checkpoint every epoch (and the best one)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=2))
train_dataloader = dict(dataset=dict(dataset=_base_.datasets[stream].train))
test_dataloader = dict(dataset=_base_.datasets[stream].test)
val_dataloader = test_dataloader

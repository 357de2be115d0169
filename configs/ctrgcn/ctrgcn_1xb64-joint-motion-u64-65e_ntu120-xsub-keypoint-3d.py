# CTR-GCN, NTU RGB+D 120 X-Sub, 3-D joint-motion stream:
# the official CTR-GCN recipe (README.md here).
# Skeleton-only; mmcl-<this name> is its MMCL config.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/ntu_official.py',
    '../_base_/schedules/sgd_65e_ntu_official.py',
    '../_base_/models/ctrgcn_official.py'
]

# the benchmark and stream (of the data block's datasets)
benchmark, stream = 'ntu120_xsub', 'jm'
model = dict(cls_head=dict(num_classes=_base_.datasets[benchmark].num_classes))
train_dataloader = dict(dataset=_base_.datasets[benchmark][stream].train)
test_dataloader = dict(dataset=_base_.datasets[benchmark][stream].test)
val_dataloader = test_dataloader

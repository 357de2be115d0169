# HD-GCN (CoM 1), NTU RGB+D 60 X-Sub, 3-D bone stream:
# HD-GCN's recipe: the official CTR-GCN data path (HD-GCN's
# feeder) and HD-GCN's cosine schedule (README.md here).
# Skeleton-only; mmcl-<this name> is its MMCL config.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/ntu_official.py',
    '../_base_/schedules/sgd_90e_cosine_ntu.py',
    '../_base_/models/hdgcn.py'
]

# the benchmark and stream (of the data block's datasets)
benchmark, stream = 'ntu60_xsub', 'b'
model = dict(cls_head=dict(num_classes=_base_.datasets[benchmark].num_classes))
train_dataloader = dict(dataset=_base_.datasets[benchmark][stream].train)
test_dataloader = dict(dataset=_base_.datasets[benchmark][stream].test)
val_dataloader = test_dataloader

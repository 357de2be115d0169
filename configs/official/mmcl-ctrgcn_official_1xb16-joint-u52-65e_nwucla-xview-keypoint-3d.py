# MMCL + CTR-GCN with the official CTR-GCN recipe (configs/README.md),
# NW-UCLA (cross-view), 3-D joint stream.
# Training: skeletons, frame strips of the RGB videos (FAM) and MLLM text
# features (FRM); testing: skeletons only, one clip. CTR-GCN's official
# NW-UCLA data path and schedule.
_base_ = [
    '../_base_/models/ctrgcn_official.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/nwucla_official.py',
    '../_base_/schedules/sgd_65e_nwucla_official.py',
    '../_base_/default_runtime.py'
]

# the official NW-UCLA graph, one person, 10 classes
model = dict(
    _base_.mmcl_heads,
    backbone=dict(graph_cfg=dict(layout=_base_.layout), num_person=1),
    cls_head=dict(num_classes=_base_.num_classes))
# a checkpoint every epoch; the best one is kept
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best='auto'))

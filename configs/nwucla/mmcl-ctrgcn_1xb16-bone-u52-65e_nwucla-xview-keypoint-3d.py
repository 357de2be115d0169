# MMCL + CTR-GCN on NW-UCLA (cross-view), 3-D bone stream: CTR-GCN's
# NW-UCLA recipe plus, in training, FAM (frame strips of the RGB videos
# through ResNet-18) and FRM (MLLM text features); testing is skeleton-only.
_base_ = [
    '../_base_/models/ctrgcn.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/nwucla.py', '../_base_/schedules/sgd_65e_nwucla.py',
    '../_base_/default_runtime.py'
]

# CTR-GCN on the 20-joint Kinect v1 graph, one person, 10 classes
model = dict(
    _base_.mmcl_heads,
    backbone=dict(
        graph_cfg=dict(
            _delete_=True, layout=_base_.nwucla_layout, mode='spatial'),
        num_person=1),
    cls_head=dict(num_classes=_base_.num_classes))
# a checkpoint every epoch; the best one is kept
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2), logger=dict(interval=20))

# Bone stream: the data block's pipelines with LayoutGenSkeFeat
# feats=['b']
feats = ['b']
skeleton_train_steps, train_pipeline, val_pipeline, test_pipeline = (
    [dict(step, feats=feats) if 'feats' in step else step for step in steps]
    for steps in (_base_.skeleton_train_steps, _base_.train_pipeline,
                  _base_.val_pipeline, _base_.test_pipeline))

train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

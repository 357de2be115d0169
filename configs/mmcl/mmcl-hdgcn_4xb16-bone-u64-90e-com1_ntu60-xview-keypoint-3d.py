# MMCL + HD-GCN (CoM 1), NTU RGB+D 60 X-View, 3-D bone stream.
# Training: skeletons, RGB frame strips (FAM) and MLLM text features (FRM);
# testing: skeletons only. HD-GCN's NTU schedule (90 epochs, 5 warm-up
# epochs, cosine decay per iteration to 1e-4).
_base_ = [
    '../_base_/models/hdgcn.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/ntu.py', '../_base_/schedules/sgd_90e_cosine_ntu.py',
    '../_base_/default_runtime.py'
]

model = dict(_base_.mmcl_heads)

# Bone stream: the data block's pipelines with GenSkeFeat feats=['b']
feats = ['b']
skeleton_train_steps, train_pipeline, val_pipeline, test_pipeline = (
    [dict(step, feats=feats) if 'feats' in step else step for step in steps]
    for steps in (_base_.skeleton_train_steps, _base_.train_pipeline,
                  _base_.val_pipeline, _base_.test_pipeline))

# cross-view split (train: cameras 2, 3; test: camera 1)
train_dataloader = dict(
    dataset=dict(split='xview_train', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(split='xview_val', pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(split='xview_val', pipeline=test_pipeline))

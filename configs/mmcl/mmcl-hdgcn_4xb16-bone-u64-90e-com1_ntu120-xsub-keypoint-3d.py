# MMCL + HD-GCN (CoM 1), NTU RGB+D 120 X-Sub, 3-D bone stream.
# Training: skeletons, RGB frame strips (FAM) and MLLM text features (FRM);
# testing: skeletons only. HD-GCN's NTU schedule (90 epochs, 5 warm-up
# epochs, cosine decay per iteration to 1e-4).
_base_ = [
    '../_base_/models/hdgcn.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/ntu.py', '../_base_/schedules/sgd_90e_cosine_ntu.py',
    '../_base_/default_runtime.py'
]

# NTU120: 120 classes (the FRM head takes its class count from cls_head),
# its annotation file and text features
num_classes = 120
ann_file = 'data/skeleton/ntu120_3d.pkl'
text_feature_root = 'data/mmcl_text_features/ntu120_blip_vqa/'
model = dict(_base_.mmcl_heads, cls_head=dict(num_classes=num_classes))

# Bone stream: the data block's pipelines with GenSkeFeat feats=['b']
feats = ['b']
skeleton_train_steps, train_pipeline, val_pipeline, test_pipeline = (
    [dict(step, feats=feats) if 'feats' in step else step for step in steps]
    for steps in (_base_.skeleton_train_steps, _base_.train_pipeline,
                  _base_.val_pipeline, _base_.test_pipeline))

train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file,
        text_feature_root=text_feature_root,
        pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(ann_file=ann_file, pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(ann_file=ann_file, pipeline=test_pipeline))

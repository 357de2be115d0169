# MMCL + CTRS-GCN, NTU RGB+D 120 X-Sub, 3-D joint stream.
# Training: skeletons, RGB frame strips (FAM) and MLLM text features (FRM);
# testing: skeletons only. CTR-GCN's 65-epoch NTU schedule: neither the
# MMCL release nor the paper gives one for CTRS-GCN.
_base_ = [
    '../_base_/models/ctrsgcn.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/ntu.py', '../_base_/schedules/sgd_65e_ntu.py',
    '../_base_/default_runtime.py'
]

# NTU120: 120 classes (the FRM head takes its class count from cls_head),
# its annotation file and text features
num_classes = 120
ann_file = 'data/skeleton/ntu120_3d.pkl'
text_feature_root = 'data/mmcl_text_features/ntu120_blip_vqa/'
model = dict(_base_.mmcl_heads, cls_head=dict(num_classes=num_classes))

train_dataloader = dict(
    dataset=dict(ann_file=ann_file, text_feature_root=text_feature_root))
val_dataloader = dict(dataset=dict(ann_file=ann_file))
test_dataloader = dict(dataset=dict(ann_file=ann_file))

# MMCL + CTRS-GCN, NTU RGB+D 60 X-View, 3-D joint stream.
# Training: skeletons, RGB frame strips (FAM) and MLLM text features (FRM);
# testing: skeletons only. CTR-GCN's 65-epoch NTU schedule: neither the
# MMCL release nor the paper gives one for CTRS-GCN.
_base_ = [
    '../_base_/models/ctrsgcn.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/ntu.py', '../_base_/schedules/sgd_65e_ntu.py',
    '../_base_/default_runtime.py'
]

model = dict(_base_.mmcl_heads)

# cross-view split (train: cameras 2, 3; test: camera 1)
train_dataloader = dict(dataset=dict(split='xview_train'))
val_dataloader = dict(dataset=dict(split='xview_val'))
test_dataloader = dict(dataset=dict(split='xview_val'))

# MMCL + CTRS-GCN, NTU RGB+D 60 X-Sub, 3-D joint stream.
# Training: skeletons, RGB frame strips (FAM) and MLLM text features (FRM);
# testing: skeletons only. CTR-GCN's 65-epoch NTU schedule: neither the
# MMCL release nor the paper gives one for CTRS-GCN.
_base_ = [
    '../_base_/models/ctrsgcn.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/ntu.py', '../_base_/schedules/sgd_65e_ntu.py',
    '../_base_/default_runtime.py'
]

model = dict(_base_.mmcl_heads)

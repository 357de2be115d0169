# MMCL + CTR-GCN, NTU RGB+D 60 X-Sub, 3-D joint stream.
# Training: skeletons, RGB frame strips (FAM) and MLLM text features (FRM);
# testing: skeletons only. CTR-GCN's 65-epoch NTU schedule.
_base_ = [
    '../_base_/models/ctrgcn.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/ntu.py', '../_base_/schedules/sgd_65e_ntu.py',
    '../_base_/default_runtime.py'
]

model = dict(_base_.mmcl_heads)

# MMCL + CTR-GCN with the official CTR-GCN recipe (configs/README.md),
# NTU RGB+D 60 X-Sub, 3-D joint stream.
# Training: skeletons, RGB frame strips (FAM) and MLLM text features (FRM);
# testing: skeletons only, one clip. CTR-GCN's official NTU data path and
# schedule (the MMCL release trains its NTU120 X-Sub joint model 110
# epochs at batch 200, steps 90 / 100; these configs keep CTR-GCN's, so
# that they differ from their baselines in the heads only).
_base_ = [
    '../_base_/models/ctrgcn_official.py', '../_base_/models/mmcl_heads.py',
    '../_base_/datasets/ntu_official.py',
    '../_base_/schedules/sgd_65e_ntu_official.py',
    '../_base_/default_runtime.py'
]

model = dict(_base_.mmcl_heads)
# the best checkpoint is kept too
default_hooks = dict(checkpoint=dict(save_best='auto'))

# MMCL + CTRS-GCN, NTU RGB+D 60 X-Sub, 3-D joint stream: the baseline
# ctrsgcn_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py
# plus FAM and FRM (../_base_/mmcl.py): training also reads the RGB
# frame strips and MLLM text features; testing is the baseline's
# (skeletons only).
_base_ = [
    './ctrsgcn_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py',
    '../_base_/mmcl.py'
]

model = _base_.mmcl_model
train_dataloader = dict(
    dataset=dict(_base_.mmcl_dataset, **_base_.mmcl_data.ntu60))

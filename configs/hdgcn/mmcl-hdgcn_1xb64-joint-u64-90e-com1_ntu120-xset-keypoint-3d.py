# MMCL + HD-GCN (CoM 1), NTU RGB+D 120 X-Set, 3-D joint stream: the baseline
# hdgcn_1xb64-joint-u64-90e-com1_ntu120-xset-keypoint-3d.py
# plus FAM and FRM (../_base_/mmcl.py): training also reads the RGB
# frame strips and MLLM text features; testing is the baseline's
# (skeletons only).
_base_ = [
    './hdgcn_1xb64-joint-u64-90e-com1_ntu120-xset-keypoint-3d.py',
    '../_base_/mmcl.py'
]

model = _base_.mmcl_model
train_dataloader = dict(
    dataset=dict(_base_.mmcl_dataset, **_base_.mmcl_data.ntu120))

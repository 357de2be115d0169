# MMCL + CTR-GCN, NTU RGB+D 120 X-Sub, 3-D bone stream: the baseline
# ctrgcn_1xb64-bone-u64-65e_ntu120-xsub-keypoint-3d.py
# plus FAM and FRM (../_base_/mmcl.py): training also reads the RGB
# frame strips and MLLM text features; testing is the baseline's
# (skeletons only).
_base_ = [
    './ctrgcn_1xb64-bone-u64-65e_ntu120-xsub-keypoint-3d.py',
    '../_base_/mmcl.py'
]

model = _base_.mmcl_model
train_dataloader = dict(
    dataset=dict(_base_.mmcl_dataset, **_base_.mmcl_data.ntu120))

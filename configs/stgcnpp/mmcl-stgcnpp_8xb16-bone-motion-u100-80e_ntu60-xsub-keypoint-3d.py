# MMCL + STGCN++, NTU RGB+D 60 X-Sub, 3-D bone-motion stream: mmaction2's own
# STGCN++ config, unmodified (its model, data, 100-frame clips, schedule:
# 16 epochs of the 5x repeated training set, cosine, 8 GPUs x 16), plus
# FAM and FRM (../_base_/mmcl.py): training also reads the RGB frame
# strips and MLLM text features; testing is mmaction2's (skeletons only).
_base_ = [
    'mmaction::skeleton/stgcnpp/stgcnpp_8xb16-bone-motion-u100-80e_ntu60-xsub-keypoint-3d.py',  # noqa: E501
    '../_base_/mmcl.py'
]

custom_imports = dict(imports=['mmcl_plugin'], allow_failed_imports=False)
model = _base_.mmcl_model
train_dataloader = dict(
    dataset=dict(dataset=dict(_base_.mmcl_dataset, **_base_.mmcl_data.ntu60)))

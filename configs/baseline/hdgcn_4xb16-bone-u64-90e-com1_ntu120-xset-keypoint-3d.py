# Baseline HD-GCN (CoM 1), NTU RGB+D 120 X-Set, 3-D bone stream: the
# MMCL config without FAM / FRM and with a skeleton-only training pipeline;
# model, data and schedule are otherwise identical.
_base_ = '../mmcl/mmcl-hdgcn_4xb16-bone-u64-90e-com1_ntu120-xset-keypoint-3d.py'

model = dict(fam_head=None, frm_head=None)
train_pipeline = _base_.skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        video_root=None, text_feature_root=None, pipeline=train_pipeline))

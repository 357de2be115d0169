# Baseline CTR-GCN with the MMCL release's NTU RGB+D 120 X-Sub recipe, 3-D
# joint stream: the MMCL config without FAM / FRM and with a skeleton-only
# training pipeline; model, data and schedule are otherwise identical.
_base_ = './mmcl-ctrgcn_official_2xb100-joint-u64-110e_ntu120-xsub-keypoint-3d.py'  # noqa: E501

model = dict(fam_head=None, frm_head=None)
train_pipeline = _base_.skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        video_root=None,
        text_feature_root=None,
        text_feature_cache=None,
        pipeline=train_pipeline))

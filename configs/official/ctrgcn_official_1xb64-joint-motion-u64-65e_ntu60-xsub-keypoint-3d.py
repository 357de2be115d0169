# Baseline CTR-GCN with the official CTR-GCN recipe, NTU RGB+D 60 X-Sub, 3-D
# joint-motion stream: the MMCL config without FAM / FRM and with a
# skeleton-only training pipeline; model, data and schedule are otherwise
# identical.
_base_ = './mmcl-ctrgcn_official_1xb64-joint-motion-u64-65e_ntu60-xsub-keypoint-3d.py'  # noqa: E501

model = dict(fam_head=None, frm_head=None)
train_pipeline = _base_.skeleton_train_steps + [
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        video_root=None, text_feature_root=None, pipeline=train_pipeline))

# MMCL + CTR-GCN with the official CTR-GCN recipe, NTU RGB+D 60 X-View, 3-D
# bone stream: the baseline config of the same stream plus FAM (RGB frame
# strips of the sampled clip through ResNet-18) and FRM (MLLM text features),
# as the mmcl/ configs add them. Testing is skeleton-only. (The MMCL release
# trains its NTU120 X-Sub joint model 110 epochs at batch 200, steps 90 / 100;
# these configs keep the baseline's schedule so that only the heads differ.)
# The FAM / FRM settings are fam_head_cfg / frm_head_cfg of the shared base.
_base_ = './ctrgcn_official_1xb64-bone-u64-65e_ntu60-xview-keypoint-3d.py'

video_root = 'data/nturgbd_rgb/'
text_feature_root = 'data/mmcl_text_features/ntu60_blip_vqa/'

model = dict(
    fam_head=_base_.fam_head_cfg,
    frm_head=_base_.frm_head_cfg,
    data_preprocessor=_base_.strip_norm_cfg)

train_pipeline = _base_.skeleton_train_steps + [
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        video_root=video_root,
        video_suffix='_rgb.avi',
        text_feature_root=text_feature_root,
        pipeline=train_pipeline))

# MMCL + CTR-GCN with the official CTR-GCN recipe, NW-UCLA (cross-view), 3-D
# joint-motion stream: the baseline config of the same stream plus FAM (frame
# strips of the RGB videos through ResNet-18; NW-UCLA has no 2-D keypoints, so
# strips tile whole frames) and FRM (MLLM text features), as the nwucla/ MMCL
# configs add them. Data, joined by the sample name (e.g. a01_s01_e00_v01):
# data/nwucla_rgb/<name>.avi and
# data/mmcl_text_features/nwucla_blip_vqa/<name>.npy. Testing is
# skeleton-only. The FAM / FRM settings are fam_head_cfg / frm_head_cfg of the
# shared base.
_base_ = './ctrgcn_official_1xb16-joint-motion-u52-65e_nwucla-xview-keypoint-3d.py'  # noqa: E501

video_root = 'data/nwucla_rgb/'
text_feature_root = 'data/mmcl_text_features/nwucla_blip_vqa/'

model = dict(
    fam_head=_base_.fam_head_cfg,
    frm_head=_base_.frm_head_cfg,
    data_preprocessor=_base_.strip_norm_cfg)

train_pipeline = _base_.skeleton_train_steps + [
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            video_root=video_root,
            video_suffix='.avi',
            text_feature_root=text_feature_root,
            pipeline=train_pipeline)))

# MMCL + CTR-GCN with the official CTR-GCN recipe, NTU RGB+D 60 X-Sub, 3-D
# bone-motion stream: the baseline config of the same stream plus FAM (RGB
# frame strips of the sampled clip through ResNet-18) and FRM (MLLM text
# features), as the mmcl/ configs add them. Testing is skeleton-only. (The
# MMCL release trains its NTU120 X-Sub joint model 110 epochs at batch 200,
# steps 90 / 100; these configs keep the baseline's schedule so that only the
# heads differ.)
_base_ = './ctrgcn_official_1xb64-bone-motion-u64-65e_ntu60-xsub-keypoint-3d.py'  # noqa: E501

video_root = 'data/nturgbd_rgb/'
text_feature_root = 'data/mmcl_text_features/ntu60_blip_vqa/'

model = dict(
    # FAM: ResNet-18 (ImageNet weights) encodes the frame strip.
    fam_head=dict(
        _delete_=True,
        type='FAMHead',
        image_encoder=dict(
            type='mmpretrain.ResNet',
            depth=18,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.openmmlab.com/mmclassification/'
                'v0/resnet/resnet18_8xb32_in1k_20210831-fbbb1da6.pth',
                prefix='backbone')),
        encoder_channels=512,
        hidden_channels=512,
        frozen=False,
        loss_align=dict(
            type='SymmetricInfoNCELoss',
            temperature=0.4,
            loss_weight=0.1,
            gather_distributed=True)),
    # FRM: BLIP VQA answer-token features (width 768), K = 2 matrices.
    frm_head=dict(
        _delete_=True,
        type='FRMHead',
        text_channels=768,
        hidden_channels=256,
        num_weights=2,
        loss_refine=dict(type='CrossEntropyLoss', loss_weight=0.2)),
    data_preprocessor=dict(
        strip_mean=[123.675, 116.28, 103.53],
        strip_std=[58.395, 57.12, 57.375]))

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

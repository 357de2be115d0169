# The MMCL fragment: what MMCL adds to a skeleton config, defined once for
# every backbone and dataset. An MMCL config inherits its baseline (any
# skeleton config: ours, or mmaction2's own) and this file, and merges:
#
#     _base_ = ['<baseline>.py', '../_base_/mmcl.py']
#     model = _base_.mmcl_model
#     train_dataloader = dict(
#         dataset=dict(_base_.mmcl_dataset, **_base_.mmcl_data.ntu60))
#
# (the train dataset is where the loader's `dataset` is; under a
# RepeatDataset, one `dataset=dict(...)` deeper). Testing stays
# skeleton-only: val / test loaders are the baseline's.
#
# - mmcl_model: MMCLRecognizer with FAM (frame-strip encoder + M_align,
#   symmetric InfoNCE, lambda1 = 0.1, tau = 0.4) and FRM (text features ->
#   K = 2 weights over per-class matrices, lambda2 = 0.2), and the data
#   preprocessor's strip normalisation.
# - mmcl_dataset: MMCLPoseDataset whose `mmcl_steps` (frame strip, text
#   features) are added to the inherited skeleton pipeline at build time:
#   before FormatGCNInput, PackActionInputs -> PackMMCLInputs,
#   PreNormalize3D -> PreNormalize3DWithFrameMap
#   (mmcl_plugin.utils.config_helpers.with_mmcl_steps).
# - mmcl_data: each dataset's RGB videos and MLLM text features, joined
#   to the skeletons by sample name (and its class count, which the
#   training set checks its labels against).
mmcl_model = dict(
    type='MMCLRecognizer',
    # FAM: ResNet-18 (ImageNet weights) encodes the frame strip.
    fam_head=dict(
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
    # FRM: BLIP VQA answer-token features (width 768), K = 2 matrices; the
    # class count comes from cls_head.
    frm_head=dict(
        type='FRMHead',
        text_channels=768,
        hidden_channels=256,
        num_weights=2,
        loss_refine=dict(type='CrossEntropyLoss', loss_weight=0.2)),
    data_preprocessor=dict(
        type='MMCLDataPreprocessor',
        strip_mean=[123.675, 116.28, 103.53],
        strip_std=[58.395, 57.12, 57.375]))

mmcl_dataset = dict(
    type='MMCLPoseDataset',
    mmcl_steps=[
        dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
        dict(type='LoadTextFeature'),
    ])

mmcl_data = dict(
    # NTU RGB+D: data/nturgbd_rgb/<name>_rgb.avi and
    # data/mmcl_text_features/<benchmark>_blip_vqa/<name>.npy
    # (tools/extract_text_features.py)
    ntu60=dict(
        num_classes=60,
        video_root='data/nturgbd_rgb/',
        video_suffix='_rgb.avi',
        text_feature_root='data/mmcl_text_features/ntu60_blip_vqa/'),
    ntu120=dict(
        num_classes=120,
        video_root='data/nturgbd_rgb/',
        video_suffix='_rgb.avi',
        text_feature_root='data/mmcl_text_features/ntu120_blip_vqa/'),
    # NW-UCLA's multi-view RGB videos (no 2-D keypoints: strips tile whole
    # frames), e.g. data/nwucla_rgb/a01_s01_e00_v01.avi
    nwucla=dict(
        num_classes=10,
        video_root='data/nwucla_rgb/',
        video_suffix='.avi',
        text_feature_root='data/mmcl_text_features/nwucla_blip_vqa/'),
    # the generated demo dataset (tools/data/make_demo_dataset.py)
    demo=dict(
        num_classes=4,
        video_root='data/demo/videos/',
        video_suffix='.mp4',
        text_feature_root='data/demo/text_features/'))

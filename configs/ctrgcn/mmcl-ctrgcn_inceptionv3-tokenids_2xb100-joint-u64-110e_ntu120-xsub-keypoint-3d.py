# MMCL + CTR-GCN as the MMCL release trains its NTU RGB+D 120 X-Sub joint
# model (github liujf69/MMCL-Action: config/nturgbd120-cross-subject/
# joint.yaml, main_MMCL.py, model/MMCL.py, model/FAM.py,
# feeders/feeder_MMCL.py): the baseline
# ctrgcn_2xb100-joint-u64-110e_ntu120-xsub-keypoint-3d.py (the release's
# data path and schedule) plus FAM and FRM as released. An official MMCL
# checkpoint converts into this model with its FRM:
#   python tools/deploy/convert_official_checkpoint.py CKPT THIS_CONFIG \
#       OUT.pth --with-frm
#
# - Strip: the release's layout (frames 0, k, ..., 4k, k = n // 5, each
#   cropped to the actors of its frame and stretched to its 96 x 480 tile
#   of a 480 x 480 canvas), resized to 299 x 299 on the device.
# - FAM: Inception-v3 with torchvision's ImageNet weights, fine-tuned; its
#   1000-d logits -> M_align = Linear(1000, 256) -> ReLU -> Linear(256,
#   256), as in mmcl-ctrgcn_inceptionv3_1xb64-joint-u64-65e_ntu120-xsub-
#   keypoint-3d.py (mean = std = 127.5: see that config). The contrastive
#   negatives are the 100 samples of each GPU's batch (the release's
#   DataParallel replicas each compute the loss on their half), so they are
#   not gathered across GPUs.
# - FRM: the release's `mlp` on BLIP VQA's generated token ids of the
#   yes/no answer as a (1, 3) float vector (a text-feature cache extracted
#   with token_ids=True, LoadTextFeatureFromCache(feature='token_ids')):
#   Phi = Linear(3, 64) -> ReLU -> Linear(64, 2) -> softmax, two per-class
#   vectors (PosMatrix, NegMatrix).
_base_ = [
    './ctrgcn_2xb100-joint-u64-110e_ntu120-xsub-keypoint-3d.py',
    '../_base_/mmcl.py'
]

mllm = 'Salesforce/blip-vqa-base'
text_feature_cache = 'data/mmcl_text_cache/ntu120_blip-vqa-base_token-ids/'
# settings of tools/extract_text_features.py (flags override them): the
# release's question, the generated answer's token ids
text_extraction = dict(
    model=mllm,
    prompts=['whether the people are holding objects?'],
    token_ids=True,
    batch_size=64,
    num_workers=8)

model = dict(
    _base_.mmcl_model,
    fam_head=dict(
        _base_.mmcl_model.fam_head,
        image_encoder=dict(
            type='mmpretrain.InceptionV3',
            num_classes=1000,
            aux_logits=False,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.pytorch.org/models/'
                'inception_v3_google-0cc3c7bd.pth')),
        encoder_channels=1000,
        hidden_channels=256,
        loss_align=dict(
            _base_.mmcl_model.fam_head.loss_align, gather_distributed=False)),
    frm_head=dict(
        _base_.mmcl_model.frm_head,
        text_channels=3,
        hidden_channels=64,
        num_weights=2),
    data_preprocessor=dict(
        type='MMCLDataPreprocessor',
        strip_mean=[127.5, 127.5, 127.5],
        strip_std=[127.5, 127.5, 127.5],
        strip_short_side=299))
train_dataloader = dict(
    dataset=dict(
        _base_.mmcl_data.ntu120,
        type='MMCLPoseDataset',
        text_feature_root=None,
        text_feature_cache=text_feature_cache,
        mmcl_steps=[
            dict(
                type='BuildFrameStrip',
                num_frames=5,
                layout='release',
                tile_fit='stretch'),
            dict(
                type='LoadTextFeatureFromCache',
                feature='token_ids',
                expected=dict(model=mllm)),
        ]))

# The MMCL training heads, defined once for every backbone and dataset:
# FAM (frame-strip encoder + M_align, symmetric InfoNCE) and FRM (text
# features -> K weights over per-class matrices), with the preprocessor's
# strip normalisation. The loss weights are lambda1 = 0.1 (loss_align) and
# lambda2 = 0.2 (loss_refine). A config merges them into its recognizer:
#     model = dict(_base_.mmcl_heads)
# Baselines (configs/baseline/, configs/nwucla/ctrgcn_*) then set
# fam_head=None, frm_head=None.
mmcl_heads = dict(
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
        strip_mean=[123.675, 116.28, 103.53],
        strip_std=[58.395, 57.12, 57.375]))

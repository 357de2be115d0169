# MMCL + CTR-GCN, NTU RGB+D 120 X-Sub, joint, with the FAM of the MMCL
# release (github liujf69/MMCL-Action, model/MMCL.py, model/FAM.py,
# feeders/feeder_MMCL.py): the baseline
# ctrgcn_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py plus
# ../_base_/mmcl.py with another FAM encoder; everything else as
# mmcl-ctrgcn_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py.
#
# - Encoder: Inception-v3 with ImageNet weights (torchvision's
#   inception_v3_google file, the weights `models.inception_v3(
#   pretrained=True)` loads), fine-tuned with the rest at the same learning
#   rate. The feature is its 1000-d class logits (the release's
#   `inception_v3(image).logits`; no auxiliary classifier: its logits are
#   not used by the release either).
# - M_align = Linear(1000, 256) -> ReLU -> Linear(256, 256) (256 = F_G).
# - Input: the strip resized to a shorter side of 299, aspect kept
#   (`transforms.Resize(299)`: 224 x 1120 -> 299 x 1495), on the device.
#   The release normalises with ImageNet's mean/std and torchvision's
#   pretrained Inception-v3 (`transform_input=True`) maps that back to
#   (x / 255 - 0.5) / 0.5 before its first convolution; mean = std = 127.5
#   is that same input to the same weights.
#
# Our default (ResNet-18 pooled features, 512-d M_align) stays the default:
# README.md, "FAM encoders", says why.
_base_ = [
    './ctrgcn_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py',
    '../_base_/mmcl.py'
]

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
        hidden_channels=256),
    data_preprocessor=dict(
        _base_.mmcl_model.data_preprocessor,
        strip_mean=[127.5, 127.5, 127.5],
        strip_std=[127.5, 127.5, 127.5],
        strip_short_side=299))
train_dataloader = dict(
    dataset=dict(_base_.mmcl_dataset, **_base_.mmcl_data.ntu120))

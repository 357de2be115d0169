# Demo: MMCL + CTR-GCN on the small generated dataset
# (tools/data/make_demo_dataset.py): the baseline
# ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py plus FAM and FRM
# (../_base_/mmcl.py), about 1.5 minutes on 2 CPU cores. The image encoder
# is a narrow, randomly initialised ResNet-18 and the strips are small.
_base_ = [
    './ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py', '../_base_/mmcl.py'
]

# FAM: a narrow, randomly initialised ResNet-18 and 128 channels; FRM: the
# demo's 32-wide text features. (dict(head, key=value) replaces the head's
# key as a whole: image_encoder is given in full.)
model = dict(
    _base_.mmcl_model,
    fam_head=dict(
        _base_.mmcl_model.fam_head,
        image_encoder=dict(
            type='mmpretrain.ResNet',
            depth=18,
            stem_channels=16,
            base_channels=16,
            init_cfg=None),
        encoder_channels=128,
        hidden_channels=128),
    frm_head=dict(
        _base_.mmcl_model.frm_head, text_channels=32, hidden_channels=32))
# small strips
train_dataloader = dict(
    dataset=dict(
        _base_.mmcl_dataset,
        mmcl_steps=[
            dict(type='BuildFrameStrip', num_frames=5, strip_size=(64, 320)),
            dict(type='LoadTextFeature')
        ],
        **_base_.mmcl_data.demo))

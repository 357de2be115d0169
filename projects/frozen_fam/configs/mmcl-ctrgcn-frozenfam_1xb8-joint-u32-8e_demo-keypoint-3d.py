# Demo MMCL with a frozen FAM encoder reading cached strip features.
# `strip_step` keeps the demo's BuildFrameStrip settings for
# tools/extract_strip_features.py; training loads the cached features
# (LoadStripFeature) instead of building strips.
_base_ = '../../../configs/demo/mmcl-ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py'  # noqa: E501

data_root = 'data/demo/'
strip_feature_root = data_root + 'strip_features/'

model = dict(fam_head=dict(frozen=True))

# settings of the cached strips (read by tools/extract_strip_features.py)
strip_step = dict(type='BuildFrameStrip', num_frames=5, strip_size=(64, 320))
train_dataloader = dict(
    dataset=dict(
        strip_feature_root=strip_feature_root,
        mmcl_steps=[
            dict(type='LoadStripFeature'),
            dict(type='LoadTextFeature')
        ]))

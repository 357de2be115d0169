# Demo MMCL whose FRM reads its text features from a text-feature cache
# (the sharded format of tools/extract_text_features.py) instead of one
# .npy file per sample. `tools/data/make_demo_dataset.py --text-cache`
# writes the demo's simulated answers (width 32) as such a cache; a cache
# made by tools/extract_text_features.py from the demo strips trains the
# same way (frm_head.text_channels = the model's hidden size).
_base_ = '../../../configs/demo/mmcl-ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py'  # noqa: E501

data_root = 'data/demo/'
text_feature_cache = data_root + 'text_cache/'

train_dataloader = dict(
    dataset=dict(
        text_feature_root=None,
        text_feature_cache=text_feature_cache,
        mmcl_steps=[
            dict(type='BuildFrameStrip', num_frames=5, strip_size=(64, 320)),
            # answer-token features, (P=1, L, D) with a (1, L) mask; FRMHead
            # pools them (masked mean)
            dict(type='LoadTextFeatureFromCache', feature='tokens'),
        ]))

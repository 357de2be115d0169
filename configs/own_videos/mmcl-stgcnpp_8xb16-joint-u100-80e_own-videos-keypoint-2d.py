# MMCL + STGCN++ on one's own labelled videos, 2-D COCO-17 keypoints, joint
# stream: the baseline next to this file (paths and class count are edited
# there) plus FAM and FRM (../_base_/mmcl.py). Training also reads the
# frame strips (cropped to the stored person boxes) and the MLLM text
# features that tools/data/videos/prepare_dataset.py made; testing and the
# deployed model are the baseline's (skeletons only).
_base_ = [
    './stgcnpp_8xb16-joint-u100-80e_own-videos-keypoint-2d.py',
    '../_base_/mmcl.py'
]

# ---------------------------------------------------------------- edit
# the MLLM of prepare_dataset.py --mllm and the width of its features
# (hidden size of the answer tokens: 768 for BLIP VQA base)
mllm = 'Salesforce/blip-vqa-base'
text_channels = 768
# ----------------------------------------------------------------------

text_feature_cache = _base_.prepared + 'text_features/'
model = dict(
    _base_.mmcl_model,
    frm_head=dict(_base_.mmcl_model.frm_head, text_channels=text_channels))
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            _base_.mmcl_dataset,
            strip_root=_base_.prepared + 'strips/',
            strip_suffix='.jpg',
            text_feature_cache=text_feature_cache,
            mmcl_steps=[
                dict(
                    type='BuildFrameStrip',
                    num_frames=5,
                    strip_size=(224, 1120)),
                dict(
                    type='LoadTextFeatureFromCache',
                    feature='tokens',
                    expected=dict(model=mllm)),
            ])))

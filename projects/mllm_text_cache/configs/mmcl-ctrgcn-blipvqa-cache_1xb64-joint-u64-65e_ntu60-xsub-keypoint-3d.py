# MMCL CTR-GCN on NTU60 X-Sub with the FRM reading BLIP VQA answer-token
# features from a text-feature cache. One config drives both steps:
#   python tools/extract_text_features.py THIS_CONFIG   (or torchrun ...)
#   python tools/train.py THIS_CONFIG
# The extraction asks the paper's question about the strip of every
# training sample (BuildFrameStrip over the whole clip) and writes the
# cache to the train dataset's `text_feature_cache`.
# The baseline, data and schedule are those of
# configs/ctrgcn/mmcl-ctrgcn_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py.
_base_ = [
    '../../../configs/ctrgcn/ctrgcn_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py',  # noqa: E501
    '../../../configs/_base_/mmcl.py'
]

mllm = 'Salesforce/blip-vqa-base'
text_feature_cache = 'data/mmcl_text_cache/ntu60_blip-vqa-base/'

# settings of tools/extract_text_features.py (flags override them)
text_extraction = dict(
    model=mllm,
    prompts=['whether the people are holding objects?'],
    max_new_tokens=16,
    layer=-1,  # last hidden state of BLIP's answer decoder
    dtype='auto',  # bfloat16 on GPUs, float32 on CPU
    storage_dtype='float16',
    pool='mean',
    batch_size=64,
    shard_size=512,
    num_workers=8)

# BLIP-base's text width
model = dict(
    _base_.mmcl_model,
    frm_head=dict(_base_.mmcl_model.frm_head, text_channels=768))

train_dataloader = dict(
    dataset=dict(
        _base_.mmcl_data.ntu60,
        type='MMCLPoseDataset',
        text_feature_root=None,
        text_feature_cache=text_feature_cache,
        mmcl_steps=[
            dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
            dict(
                type='LoadTextFeatureFromCache',
                feature='tokens',
                expected=dict(model=mllm)),
        ]))

# As the BLIP VQA cache config, with Qwen2-VL-2B-Instruct asked two
# questions per strip; the FRM concatenates the two pooled answers.
# Qwen2-VL keeps the strip's 1:5 aspect ratio (dynamic resolution); models
# whose processors centre-crop to a square (LLaVA-1.5) would see only the
# middle frames.
_base_ = './mmcl-ctrgcn-blipvqa-cache_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py'  # noqa: E501

mllm = 'Qwen/Qwen2-VL-2B-Instruct'
prompts = [
    'whether the people are holding objects?',
    'what are the people doing?',
]
text_feature_cache = 'data/mmcl_text_cache/ntu60_qwen2-vl-2b_2prompts/'

text_extraction = dict(
    model=mllm, prompts=prompts, max_new_tokens=24, batch_size=32)

# Qwen2-VL-2B's hidden size; the loader gives both answers' tokens
# (2, L, D) with a (2, L) mask, FRMHead pools each prompt and concatenates
model = dict(
    frm_head=dict(text_channels=1536, num_prompts=2, prompt_fusion='concat'))

train_dataloader = dict(
    dataset=dict(
        text_feature_cache=text_feature_cache,
        mmcl_steps=[
            dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
            dict(
                type='LoadTextFeatureFromCache',
                feature='tokens',
                expected=dict(model=mllm, prompts=prompts)),
        ]))

"""Tiny, randomly initialised multimodal LLMs of every supported family.

Tests and benchmarks cannot download models; these are built from each
family's transformers config class with a word-level tokenizer, saved with
``save_pretrained`` and then loaded back through the extraction tool like
any hub model. Their answers are random words, but their shapes, padding,
special tokens and generation paths are those of the real families.
"""
import os
from typing import Callable, Dict, Optional, Tuple

import torch

#: Words of the tiny vocabulary (the default prompt's words and answers).
WORDS: Tuple[str, ...] = ('whether', 'the', 'people', 'person', 'are', 'is',
                          'holding', 'holds', 'objects', 'object', 'a', 'cup',
                          'yes', 'no', 'nothing', 'hands', 'empty', 'what',
                          'doing', '?', '.', ',')

#: A chat template in the style of the real ones: the user turn lists an
#: image and a text part, the generation prompt opens the assistant turn.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|user|>{% for part in message['content'] "
    "%}{% if part['type'] == 'image' %}<image>{% else %}{{ part['text'] }}"
    "{% endif %}{% endfor %}{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}")

#: Special tokens every tiny tokenizer has first (ids 0-3).
BASE_SPECIALS = ('[PAD]', '[UNK]', '[BOS]', '[EOS]')
PAD_ID, BOS_ID, EOS_ID = 0, 2, 3

#: Special tokens of the BERT-style tokenizers (BLIP's text model, the
#: Q-Former): pad, unk, cls (= bos), sep (= eos), mask.
BERT_SPECIALS = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]')


def word_tokenizer(specials: Tuple[str, ...] = BASE_SPECIALS,
                   added: Tuple[str, ...] = (),
                   named: Optional[Dict[str, str]] = None):
    """A fast word-level tokenizer over :data:`WORDS`.

    Args:
        specials (tuple[str]): :data:`BASE_SPECIALS` or
            :data:`BERT_SPECIALS`, given ids 0, 1, ...
        added (tuple[str]): Extra special tokens matched before splitting
            (image placeholders, chat markers).
        named (dict[str, str], optional): Tokens of ``added`` that the
            processor reads as tokenizer attributes, e.g.
            ``dict(image_token='<image_placeholder>')`` (saved as the
            tokenizer's ``extra_special_tokens``).
    """
    from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    vocab = {token: i for i, token in enumerate(specials + WORDS)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token=specials[1]))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    roles = dict(pad_token=specials[0], unk_token=specials[1])
    if specials == BERT_SPECIALS:
        roles.update(
            cls_token=specials[2],
            sep_token=specials[3],
            mask_token=specials[4])
    else:
        roles.update(bos_token=specials[2], eos_token=specials[3])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, **roles, **(named or {}))
    if added:
        tokenizer.add_tokens(
            [AddedToken(t, special=True, normalized=False) for t in added],
            special_tokens=True)
    return tokenizer


def _llama_text(vocab_size: int,
                hidden: int,
                layers: int,
                model_type: str = 'llama') -> dict:
    return dict(
        model_type=model_type,
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        pad_token_id=PAD_ID,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID)


def _vision(model_type: str, hidden: int, image_size: int,
            patch_size: int) -> dict:
    return dict(
        model_type=model_type,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=image_size,
        patch_size=patch_size)


def _blip_vqa(hidden, layers, image_size):
    import transformers as tf
    tokenizer = word_tokenizer(BERT_SPECIALS)
    config = tf.BlipConfig(
        text_config=dict(
            vocab_size=len(tokenizer),
            hidden_size=hidden,
            encoder_hidden_size=hidden,
            intermediate_size=2 * hidden,
            num_hidden_layers=layers,
            num_attention_heads=2,
            max_position_embeddings=128,
            pad_token_id=PAD_ID,
            bos_token_id=BOS_ID,
            sep_token_id=EOS_ID),
        vision_config=_vision('blip_vision_model', hidden, image_size, 16),
        projection_dim=hidden)
    model = tf.BlipForQuestionAnswering(config)
    processor = tf.BlipProcessor(
        image_processor=tf.BlipImageProcessor(
            size=dict(height=image_size, width=image_size)),
        tokenizer=tokenizer)
    return model, processor


def _qformer(vocab_size, hidden):
    return dict(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        encoder_hidden_size=hidden)


def _blip2(hidden, layers, image_size):
    import transformers as tf
    tokenizer = word_tokenizer(added=('<image>', ))
    text = dict(
        model_type='opt',
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        ffn_dim=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        word_embed_proj_dim=hidden,
        max_position_embeddings=256,
        pad_token_id=PAD_ID,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID)
    config = tf.Blip2Config(
        vision_config=_vision('blip_2_vision_model', hidden, image_size, 16),
        qformer_config=_qformer(len(tokenizer), hidden),
        text_config=text,
        num_query_tokens=4,
        image_token_index=tokenizer.convert_tokens_to_ids('<image>'))
    model = tf.Blip2ForConditionalGeneration(config)
    processor = tf.Blip2Processor(
        image_processor=tf.BlipImageProcessor(
            size=dict(height=image_size, width=image_size)),
        tokenizer=tokenizer,
        num_query_tokens=4)
    return model, processor


def _instructblip(hidden, layers, image_size):
    import transformers as tf
    tokenizer = word_tokenizer(added=('<image>', ))
    qformer_tokenizer = word_tokenizer(BERT_SPECIALS)
    config = tf.InstructBlipConfig(
        vision_config=_vision('instructblip_vision_model', hidden, image_size,
                              16),
        qformer_config=_qformer(len(qformer_tokenizer), hidden),
        text_config=_llama_text(len(tokenizer), hidden, layers),
        num_query_tokens=4,
        image_token_index=tokenizer.convert_tokens_to_ids('<image>'))
    model = tf.InstructBlipForConditionalGeneration(config)
    processor = tf.InstructBlipProcessor(
        image_processor=tf.BlipImageProcessor(
            size=dict(height=image_size, width=image_size)),
        tokenizer=tokenizer,
        qformer_tokenizer=qformer_tokenizer,
        num_query_tokens=4)
    return model, processor


def _llava(hidden, layers, image_size):
    import transformers as tf
    tokenizer = word_tokenizer(added=('<image>', '<|user|>', '<|assistant|>'))
    config = tf.LlavaConfig(
        vision_config=_vision('clip_vision_model', hidden, image_size, 8),
        text_config=_llama_text(len(tokenizer), hidden, layers),
        image_token_index=tokenizer.convert_tokens_to_ids('<image>'),
        vision_feature_layer=-1)
    model = tf.LlavaForConditionalGeneration(config)
    processor = tf.LlavaProcessor(
        image_processor=tf.CLIPImageProcessor(
            size=dict(shortest_edge=image_size),
            crop_size=dict(height=image_size, width=image_size)),
        tokenizer=tokenizer,
        patch_size=8,
        vision_feature_select_strategy='default',
        chat_template=CHAT_TEMPLATE,
        image_token='<image>',
        num_additional_image_tokens=1)
    return model, processor


def _pinpoints(image_size):
    s = image_size
    return [[s, s], [s, 2 * s], [2 * s, s]]


def _llava_next(hidden, layers, image_size):
    import transformers as tf
    tokenizer = word_tokenizer(added=('<image>', '<|user|>', '<|assistant|>'))
    config = tf.LlavaNextConfig(
        vision_config=_vision('clip_vision_model', hidden, image_size, 8),
        text_config=_llama_text(len(tokenizer), hidden, layers),
        image_token_index=tokenizer.convert_tokens_to_ids('<image>'),
        image_grid_pinpoints=_pinpoints(image_size),
        vision_feature_layer=-1)
    model = tf.LlavaNextForConditionalGeneration(config)
    processor = tf.LlavaNextProcessor(
        image_processor=tf.LlavaNextImageProcessor(
            size=dict(shortest_edge=image_size),
            crop_size=dict(height=image_size, width=image_size),
            image_grid_pinpoints=_pinpoints(image_size)),
        tokenizer=tokenizer,
        patch_size=8,
        vision_feature_select_strategy='default',
        chat_template=CHAT_TEMPLATE,
        image_token='<image>',
        num_additional_image_tokens=1)
    return model, processor


def _llava_onevision(hidden, layers, image_size):
    import transformers as tf
    tokenizer = word_tokenizer(
        added=('<image>', '<video>', '<|user|>', '<|assistant|>'))
    config = tf.LlavaOnevisionConfig(
        vision_config=_vision('siglip_vision_model', hidden, image_size, 8),
        text_config=_llama_text(len(tokenizer), hidden, layers, 'qwen2'),
        image_token_index=tokenizer.convert_tokens_to_ids('<image>'),
        video_token_index=tokenizer.convert_tokens_to_ids('<video>'),
        image_grid_pinpoints=_pinpoints(image_size),
        vision_feature_layer=-1)
    model = tf.LlavaOnevisionForConditionalGeneration(config)
    processor = tf.LlavaOnevisionProcessor(
        image_processor=tf.LlavaOnevisionImageProcessor(
            size=dict(height=image_size, width=image_size),
            image_grid_pinpoints=_pinpoints(image_size)),
        tokenizer=tokenizer,
        video_processor=tf.LlavaOnevisionVideoProcessor(),
        chat_template=CHAT_TEMPLATE,
        num_image_tokens=(image_size // 8)**2,
        vision_feature_select_strategy='full',
        image_token='<image>',
        video_token='<video>')
    return model, processor


def _qwen_vl(hidden, layers, image_size, version):
    import transformers as tf
    vision_tokens = ('<|vision_start|>', '<|vision_end|>', '<|image_pad|>',
                     '<|video_pad|>')
    tokenizer = word_tokenizer(added=vision_tokens +
                               ('<|user|>', '<|assistant|>'))
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in vision_tokens}
    head_dim = hidden // 2
    # mrope splits the rotary half-dimension over (time, height, width)
    # like the real models' [16, 24, 24] of 64
    hw = 3 * (head_dim // 2) // 8
    text = _llama_text(len(tokenizer), hidden, layers, 'qwen2')
    text.pop('model_type')
    text['rope_scaling'] = dict(
        type='mrope', mrope_section=[head_dim // 2 - 2 * hw, hw, hw])
    common = dict(
        depth=1,
        num_heads=2,
        patch_size=8,
        spatial_merge_size=2,
        temporal_patch_size=2,
        in_channels=3)
    if version == '2':
        vision = dict(
            common, embed_dim=hidden, hidden_size=hidden, mlp_ratio=2)
        config_class = tf.Qwen2VLConfig
        model_class = tf.Qwen2VLForConditionalGeneration
        processor_class = tf.Qwen2VLProcessor
    else:
        vision = dict(
            common,
            hidden_size=hidden,
            intermediate_size=2 * hidden,
            out_hidden_size=hidden,
            fullatt_block_indexes=[0],
            window_size=32)
        config_class = tf.Qwen2_5_VLConfig
        model_class = tf.Qwen2_5_VLForConditionalGeneration
        processor_class = tf.Qwen2_5_VLProcessor
    config = config_class(
        text_config=text,
        vision_config=vision,
        image_token_id=ids['<|image_pad|>'],
        video_token_id=ids['<|video_pad|>'],
        vision_start_token_id=ids['<|vision_start|>'],
        vision_end_token_id=ids['<|vision_end|>'])
    model = model_class(config)
    pixels = dict(patch_size=8, merge_size=2, temporal_patch_size=2)
    processor = processor_class(
        image_processor=tf.Qwen2VLImageProcessor(
            min_pixels=(2 * 8)**2, max_pixels=(image_size * 2)**2, **pixels),
        tokenizer=tokenizer,
        video_processor=tf.Qwen2VLVideoProcessor(**pixels),
        chat_template=CHAT_TEMPLATE.replace(
            '<image>', '<|vision_start|><|image_pad|><|vision_end|>'))
    return model, processor


def _deepseek_vl(hidden, layers, image_size, hybrid=False):
    """DeepSeek-VL: SigLIP + LLaMA (1.3B chat); ``hybrid`` adds the SAM
    high-resolution encoder of the 7B chat model."""
    import transformers as tf
    image_token = '<image_placeholder>'
    tokenizer = word_tokenizer(
        added=(image_token, '<|user|>', '<|assistant|>'),
        named=dict(image_token=image_token))
    patch = 8
    common = dict(
        text_config=_llama_text(len(tokenizer), hidden, layers),
        vision_config=_vision('siglip_vision_model', hidden, image_size,
                              patch),
        image_token_id=tokenizer.convert_tokens_to_ids(image_token))
    image_size_cfg = dict(height=image_size, width=image_size)
    if hybrid:
        # SAM's neck and projection shrink its 16-pixel patch grid 4x to
        # the SigLIP grid
        high_res = 4 * 16 * (image_size // patch)
        config = tf.DeepseekVLHybridConfig(
            high_res_vision_config=dict(
                model_type='sam_vision_model',
                hidden_size=hidden,
                output_channels=8,
                num_hidden_layers=2,
                num_attention_heads=2,
                mlp_dim=2 * hidden,
                image_size=high_res,
                patch_size=16,
                window_size=4,
                global_attn_indexes=[1]),
            **common)
        model = tf.DeepseekVLHybridForConditionalGeneration(config)
        image_processor = tf.DeepseekVLHybridImageProcessor(
            size=image_size_cfg,
            high_res_size=dict(height=high_res, width=high_res))
        processor_class = tf.DeepseekVLHybridProcessor
    else:
        model = tf.DeepseekVLForConditionalGeneration(
            tf.DeepseekVLConfig(**common))
        image_processor = tf.DeepseekVLImageProcessor(size=image_size_cfg)
        processor_class = tf.DeepseekVLProcessor
    processor = processor_class(
        image_processor=image_processor,
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE.replace('<image>', image_token),
        num_image_tokens=(image_size // patch)**2)
    return model, processor


def _glm4v(hidden, layers, image_size):
    """GLM-4V as transformers implements it (GLM-4.1V / GLM-4.5V family:
    a ViT with 2-D rotary positions, a GLM language model with 3-D mrope
    on half of each head)."""
    import transformers as tf
    special = ('<|image|>', '<|begin_of_image|>', '<|end_of_image|>',
               '<|video|>', '<|begin_of_video|>', '<|end_of_video|>')
    tokenizer = word_tokenizer(added=special + ('<|user|>', '<|assistant|>'))
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in special}
    text = _llama_text(len(tokenizer), hidden, layers)
    for key in ('model_type', 'bos_token_id', 'eos_token_id'):
        text.pop(key)
    # rotary on half of each head (as the real model); mrope splits its
    # frequencies over (time, height, width) like the real [8, 12, 12]
    rotary_half = hidden // 2 // 4
    hw = 3 * rotary_half // 8
    text['rope_parameters'] = dict(
        rope_type='default',
        rope_theta=10000.0,
        partial_rotary_factor=0.5,
        mrope_section=[rotary_half - 2 * hw, hw, hw])
    vision = dict(
        depth=1,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        out_hidden_size=hidden,
        num_heads=2,
        patch_size=8,
        spatial_merge_size=2,
        temporal_patch_size=2,
        image_size=image_size)
    config = tf.Glm4vConfig(
        text_config=text,
        vision_config=vision,
        image_token_id=ids['<|image|>'],
        video_token_id=ids['<|video|>'],
        image_start_token_id=ids['<|begin_of_image|>'],
        image_end_token_id=ids['<|end_of_image|>'],
        video_start_token_id=ids['<|begin_of_video|>'],
        video_end_token_id=ids['<|end_of_video|>'])
    model = tf.Glm4vForConditionalGeneration(config)
    model.generation_config.eos_token_id = EOS_ID
    model.generation_config.pad_token_id = PAD_ID
    pixels = dict(patch_size=8, merge_size=2, temporal_patch_size=2)
    processor = tf.Glm4vProcessor(
        image_processor=tf.Glm4vImageProcessor(
            size=dict(
                shortest_edge=(2 * 8)**2, longest_edge=(image_size * 2)**2),
            **pixels),
        tokenizer=tokenizer,
        video_processor=tf.Glm4vVideoProcessor(**pixels),
        chat_template=CHAT_TEMPLATE.replace(
            '<image>', '<|begin_of_image|><|image|><|end_of_image|>'))
    return model, processor


#: Builder of each family: (hidden size, layers, image size) ->
#: (model, processor).
FAMILIES: Dict[str, Callable] = {
    'blip-vqa': _blip_vqa,
    'blip-2': _blip2,
    'instructblip': _instructblip,
    'llava': _llava,
    'llava-next': _llava_next,
    'llava-onevision': _llava_onevision,
    'qwen2-vl': lambda h, n, s: _qwen_vl(h, n, s, '2'),
    'qwen2.5-vl': lambda h, n, s: _qwen_vl(h, n, s, '2.5'),
    'deepseek-vl': _deepseek_vl,
    'deepseek-vl-hybrid': lambda h, n, s: _deepseek_vl(h, n, s, True),
    'glm-4v': _glm4v,
}


def build_tiny_mllm(family: str,
                    out_dir: str,
                    hidden_size: int = 32,
                    num_layers: int = 2,
                    image_size: int = 32,
                    seed: int = 0) -> str:
    """Build a tiny random model of ``family`` and save it with its
    processor (``save_pretrained``) to ``out_dir``.

    Args:
        family (str): A key of :data:`FAMILIES`.
        out_dir (str): Where to save (created).
        hidden_size (int): Width of the language and vision models
            (even). Defaults to 32.
        num_layers (int): Language-model layers. Defaults to 2.
        image_size (int): Side of the processed image (multiple of 16).
            Defaults to 32.
        seed (int): Seed of the random weights.

    Returns:
        str: ``out_dir``, loadable with ``from_pretrained``.
    """
    if family not in FAMILIES:
        raise KeyError(f'unknown family {family!r}; known: {sorted(FAMILIES)}')
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model, processor = FAMILIES[family](hidden_size, num_layers,
                                            image_size)
    model.eval()
    os.makedirs(out_dir, exist_ok=True)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    return out_dir


__all__ = ['build_tiny_mllm', 'FAMILIES', 'word_tokenizer']

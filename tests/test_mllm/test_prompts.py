"""How a prompt becomes each family's text input."""
import pytest

from mmcl_tools.mllm.answer_extractor import MLLMAnswerExtractor
from mmcl_tools.mllm.prompts import PLAIN_TEMPLATES
from mmcl_tools.mllm.settings import DEFAULT_PROMPT, ExtractionSettings


def extractor_of(model_dir, **settings):
    return MLLMAnswerExtractor(
        ExtractionSettings(model=model_dir, max_new_tokens=2, **settings),
        'cpu')


def test_prompt_texts_per_family(tiny_model):
    assert extractor_of(tiny_model('blip-2')).prompt_texts == [
        f'Question: {DEFAULT_PROMPT} Answer:'
    ]
    assert extractor_of(
        tiny_model('blip-vqa')).prompt_texts == [DEFAULT_PROMPT]
    assert extractor_of(tiny_model('llava')).prompt_texts == [
        f'<|user|><image>{DEFAULT_PROMPT}<|assistant|>'
    ]
    custom = extractor_of(
        tiny_model('llava'), prompt_template='<image> Q: {prompt} A:')
    assert custom.prompt_texts == [f'<image> Q: {DEFAULT_PROMPT} A:']
    with pytest.raises(ValueError, match='no chat template'):
        extractor_of(tiny_model('blip-2'), prompt_template='chat')


def test_blip2_plain_template_is_the_documented_one():
    assert PLAIN_TEMPLATES['blip-2'] == 'Question: {prompt} Answer:'


def test_template_with_other_braces(tiny_model):
    extractor = extractor_of(
        tiny_model('blip-vqa'), prompt_template='{json} {prompt}?')
    assert extractor.prompt_texts == ['{json} ' + DEFAULT_PROMPT + '?']

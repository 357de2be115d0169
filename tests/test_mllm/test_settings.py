"""Extraction settings: validation and what identifies the features."""
import pytest

from mmcl_tools.mllm.settings import DEFAULT_PROMPT, ExtractionSettings


def test_defaults_are_the_papers():
    settings = ExtractionSettings(model='Salesforce/blip-vqa-base')
    assert settings.prompts == (DEFAULT_PROMPT, )
    assert DEFAULT_PROMPT == 'whether the people are holding objects?'
    assert settings.layer == -1 and settings.storage_dtype == 'float16'
    assert ExtractionSettings(model='m', prompts='one').prompts == ('one', )


@pytest.mark.parametrize('values,problem', [
    (dict(prompts=()), 'prompts` is empty'),
    (dict(prompts=('a', 'a')), 'duplicates'),
    (dict(prompts=('  ', )), 'non-empty string'),
    (dict(prompt_template='Q: {question}'), 'prompt_template'),
    (dict(max_new_tokens=0), 'max_new_tokens'),
    (dict(layer=1.5), 'layer must be an int'),
    (dict(dtype='int8'), 'dtype must be one of'),
    (dict(storage_dtype='bfloat16'), 'storage_dtype'),
    (dict(pool='max'), 'pool must be one of'),
    (dict(auto_class='causal-lm'), 'auto_class'),
    (dict(generate_kwargs=dict(do_sample=True)), 'sampling'),
    (dict(generate_kwargs=dict(num_beams=4)), 'beam search'),
])
def test_invalid_settings(values, problem):
    with pytest.raises(ValueError, match=problem):
        ExtractionSettings(model='m', **values)


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match=r"unknown .*\['temperature'\]"):
        ExtractionSettings.from_dict(dict(model='m', temperature=0.7))
    settings = ExtractionSettings.from_dict(
        dict(model='m', prompts=['a', 'b'], layer=-2))
    assert settings.prompts == ('a', 'b') and settings.layer == -2


def test_feature_identity_covers_what_changes_features():
    base = ExtractionSettings(model='m')
    identity = base.feature_identity('bfloat16')
    assert identity['compute_dtype'] == 'bfloat16'
    assert identity['decoding'] == 'greedy'
    changed = [
        ExtractionSettings(model='n'),
        ExtractionSettings(model='m', prompts=('other', )),
        ExtractionSettings(model='m', layer=-2),
        ExtractionSettings(model='m', max_new_tokens=8),
        ExtractionSettings(model='m', storage_dtype='float32'),
        ExtractionSettings(model='m', sentence_encoder='mini'),
        ExtractionSettings(
            model='m', generate_kwargs=dict(repetition_penalty=1.2)),
    ]
    for other in changed:
        assert other.feature_identity('bfloat16') != identity
    assert base.feature_identity('float32') != identity
    # pool changes what is stored, not the features: it is layout
    assert ExtractionSettings(
        model='m', pool=None).feature_identity('bfloat16') == identity

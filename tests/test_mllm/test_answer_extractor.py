"""Answers and answer-token features of every family's tiny model."""
import types

import numpy as np
import pytest
import torch

from mmcl_tools.mllm.answer_extractor import (MLLMAnswerExtractor,
                                              answer_lengths,
                                              answer_token_states,
                                              step_hidden_states,
                                              stop_token_ids)
from mmcl_tools.mllm.settings import DEFAULT_PROMPT, ExtractionSettings
from mllm_helpers import ALL_FAMILIES, make_strips


MAX_NEW = 5


def extractor_of(model_dir, **settings):
    settings.setdefault('max_new_tokens', MAX_NEW)
    return MLLMAnswerExtractor(
        ExtractionSettings(model=model_dir, **settings), 'cpu')


# ------------------------------------------------------------ pure parts
def test_answer_lengths_stop_at_first_stop_token():
    tokens = torch.tensor([[5, 3, 7, 3], [3, 0, 0, 0], [5, 6, 7, 8],
                           [5, 9, 3, 0]])
    assert answer_lengths(tokens, frozenset({3})) == [2, 1, 4, 3]
    assert answer_lengths(tokens, frozenset({3, 9})) == [2, 1, 4, 2]
    assert answer_lengths(tokens, frozenset()) == [4, 4, 4, 4]


def test_answer_token_states_take_last_position_of_each_step():
    torch.manual_seed(0)
    batch, prompt_len, width, layers = 2, 4, 3, 3
    steps = [
        tuple(torch.randn(batch, prompt_len, width) for _ in range(layers))
    ]
    steps += [
        tuple(torch.randn(batch, 1, width) for _ in range(layers))
        for _ in range(2)
    ]
    states = answer_token_states(steps, layer=1)
    assert states.shape == (batch, 3, width) and states.dtype == torch.float32
    torch.testing.assert_close(states[:, 0], steps[0][1][:, -1])
    torch.testing.assert_close(states[:, 2], steps[2][1][:, 0])
    torch.testing.assert_close(
        answer_token_states(steps, -1)[:, 1], steps[1][2][:, 0])
    with pytest.raises(IndexError, match='use -3 to 2'):
        answer_token_states(steps, layer=3)


def test_step_hidden_states_of_both_output_kinds():
    decoder_only = types.SimpleNamespace(hidden_states=('a', ))
    encoder_decoder = types.SimpleNamespace(
        decoder_hidden_states=('b', ), encoder_hidden_states=('c', ))
    assert step_hidden_states(decoder_only) == ('a', )
    assert step_hidden_states(encoder_decoder) == ('b', )
    with pytest.raises(ValueError, match='no hidden states'):
        step_hidden_states(types.SimpleNamespace(hidden_states=None))


# ------------------------------------------------------------- families
@pytest.mark.parametrize('family', ALL_FAMILIES)
def test_family_answers_shapes_and_determinism(family, tiny_model):
    extractor = extractor_of(tiny_model(family))
    strips = list(make_strips(3).values())
    answers = extractor(strips)
    assert len(answers) == 3
    for answer in answers:
        length = len(answer.token_ids)
        assert 1 <= length <= MAX_NEW
        assert answer.features.shape == (length, 32)
        assert answer.features.dtype == np.float32
        assert np.isfinite(answer.features).all()
        assert isinstance(answer.answer, str)
        # cut at the first stop token, included
        stops = [int(t) in extractor.stop_ids for t in answer.token_ids]
        assert not any(stops[:-1])
        assert stops[-1] or length == MAX_NEW
    again = extractor(strips)
    for first, second in zip(answers, again):
        np.testing.assert_array_equal(first.features, second.features)
        np.testing.assert_array_equal(first.token_ids, second.token_ids)
        assert first.answer == second.answer
    expected_class = 'visual-question-answering' if family == 'blip-vqa' \
        else 'image-text-to-text'
    assert extractor.auto_class == expected_class
    assert extractor.hidden_size == 32


def test_stop_tokens(tiny_model):
    extractor = extractor_of(tiny_model('blip-vqa'))
    # BLIP's generate() passes the text config's [SEP] as end token
    assert extractor.model.config.text_config.sep_token_id in \
        extractor.stop_ids
    llava = extractor_of(tiny_model('llava')).model
    assert stop_token_ids(llava) == {llava.generation_config.eos_token_id}
    assert stop_token_ids(llava, dict(eos_token_id=[7, 8])) == {7, 8}


def test_row_i_is_the_state_of_decoding_step_i(tiny_model):
    """With layer 0 (embeddings), row i >= 1 is the embedding of answer
    token i - 1 (the token read at step i), row 0 that of the last prompt
    token."""
    extractor = extractor_of(tiny_model('llava'), layer=0, max_new_tokens=4)
    answer = extractor(list(make_strips(1).values()))[0]
    embed = extractor.model.get_input_embeddings()
    tokenizer = extractor.tokenizer
    with torch.no_grad():
        last_prompt = embed(
            torch.tensor([tokenizer.convert_tokens_to_ids('<|assistant|>')]))
        read = embed(torch.as_tensor(answer.token_ids[:-1]))
    np.testing.assert_allclose(
        answer.features[0], last_prompt[0].numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        answer.features[1:], read.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.numerics
@pytest.mark.parametrize('family',
                         ['qwen2-vl', 'llava-next', 'llava', 'glm-4v'])
def test_batched_equals_one_at_a_time(family, tiny_model):
    """Left padding: strips of different sizes (different numbers of image
    tokens for Qwen2-VL, GLM-4V and LLaVA-NeXT) give, batched, the answers
    and features they give alone."""
    # float64: padding changes the kernels' sums; in float32 a greedy
    # argmax could flip on a near-tie on another CPU
    extractor = extractor_of(tiny_model(family), dtype='float64')
    strips = list(make_strips(3, sizes=((24, 80), (32, 40))).values())
    batched = extractor(strips)
    for strip, together in zip(strips, batched):
        alone = extractor([strip])[0]
        np.testing.assert_array_equal(alone.token_ids, together.token_ids)
        # float64 states stored as float32: at most one float32 rounding
        # apart (rtol eps32), plus float64 rounding near zero
        np.testing.assert_allclose(
            alone.features, together.features, rtol=2.**-23,
            atol=1e-12 * np.abs(together.features).max())


def test_several_prompts_and_layers(tiny_model):
    extractor = extractor_of(
        tiny_model('qwen2.5-vl'),
        prompts=['what is the person doing?', DEFAULT_PROMPT],
        layer=1)
    strips = list(make_strips(2).values())
    first, second = extractor(strips, 0), extractor(strips, 1)
    assert len(first) == len(second) == 2
    assert extractor.prompt_texts[0] != extractor.prompt_texts[1]
    with pytest.raises(IndexError, match='out of range'):
        extractor_of(tiny_model('qwen2.5-vl'), layer=7)(strips)

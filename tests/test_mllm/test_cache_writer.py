"""Sharded cache writing: planning, validation of what is written, stale
temporaries, the index only over complete shards."""
import json
import os
import os.path as osp

import numpy as np
import pytest

from mllm_helpers import synthetic_features

from mmcl_plugin.text_cache.cache_format import (CacheMeta, CacheMismatchError,
                                                 shard_data_path,
                                                 shard_record_path)
from mmcl_tools.mllm.cache_writer import (PromptFeatures,
                                          TextFeatureCacheWriter, plan_shards)


def meta_of(**overrides):
    values = dict(
        identity=dict(model='m', prompts=['q']),
        storage_dtype='float16',
        hidden_size=4,
        shard_size=2,
        pool='mean')
    values.update(overrides)
    return CacheMeta(**values)


def test_plan_sorts_deduplicates_and_cuts():
    plans = plan_shards(['c', 'a', 'b', 'a', 'd', 'e'], 2)
    assert [(p.index, p.samples) for p in plans] == [(0, ['a', 'b']),
                                                     (1, ['c', 'd']),
                                                     (2, ['e'])]
    with pytest.raises(ValueError, match='no samples'):
        plan_shards([], 2)
    with pytest.raises(ValueError, match='non-empty strings'):
        plan_shards(['a', ''], 2)


def test_ranks_own_every_other_shard(tmp_path):
    names = [f's{i}' for i in range(9)]
    owned = [[
        p.index for p in TextFeatureCacheWriter(
            str(tmp_path), meta_of(), names, rank, 2).own_shards()
    ] for rank in (0, 1)]
    assert owned == [[0, 2, 4], [1, 3]]
    with pytest.raises(ValueError, match='rank 2'):
        TextFeatureCacheWriter(str(tmp_path), meta_of(), names, 2, 2)


def test_meta_validation():
    with pytest.raises(ValueError, match="needs 'prompts'"):
        meta_of(identity=dict(model='m'))
    with pytest.raises(ValueError, match='storage_dtype'):
        meta_of(storage_dtype='bfloat16')
    with pytest.raises(ValueError, match='shard_size'):
        meta_of(shard_size=0)
    assert meta_of().fingerprint == meta_of(shard_size=5).fingerprint
    assert meta_of().fingerprint != meta_of(hidden_size=5).fingerprint
    assert meta_of().fingerprint != meta_of(
        identity=dict(model='m', prompts=['other'])).fingerprint


def test_recorded_meta_is_enforced(tmp_path):
    writer = TextFeatureCacheWriter(str(tmp_path), meta_of(), ['a'])
    writer.write_meta()
    for other in (meta_of(identity=dict(model='n', prompts=['q'])),
                  meta_of(pool=None), meta_of(hidden_size=8)):
        with pytest.raises(CacheMismatchError, match='Differences'):
            TextFeatureCacheWriter(str(tmp_path), other, ['a']).write_meta()
    # a hand-edited meta is not trusted
    path = osp.join(str(tmp_path), 'meta.json')
    with open(path) as f:
        data = json.load(f)
    data['identity']['model'] = 'edited'
    with open(path, 'w') as f:
        json.dump(data, f)
    with pytest.raises(ValueError, match='fingerprint'):
        writer.write_meta()


def test_write_shard_checks_its_input(tmp_path):
    writer = TextFeatureCacheWriter(str(tmp_path), meta_of(), ['a', 'b'])
    shard = writer.shards[0]
    ok = PromptFeatures('yes', np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="missing \\['b'\\]"):
        writer.write_shard(shard, {'a': [ok]}, {})
    with pytest.raises(ValueError, match="foreign \\['c'\\]"):
        writer.write_shard(shard, {'a': [ok], 'b': [ok]}, {'c': 'x'})
    with pytest.raises(ValueError, match="'b': 2 answers for 1 prompts"):
        writer.write_shard(shard, {'a': [ok], 'b': [ok, ok]}, {})
    wide = PromptFeatures('yes', np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match="sample 'b', prompt 0.*\\(2, 5\\)"):
        writer.write_shard(shard, {'a': [ok], 'b': [wide]}, {})
    empty = PromptFeatures('', np.ones((0, 4), np.float32))
    with pytest.raises(ValueError, match='L >= 1'):
        writer.write_shard(shard, {'a': [ok], 'b': [empty]}, {})
    huge = PromptFeatures('yes', np.full((1, 4), 1e6, np.float32))
    with pytest.raises(ValueError, match="sample 'b'.*float16.*float32"):
        writer.write_shard(shard, {'a': [ok], 'b': [huge]}, {})
    assert not os.listdir(str(tmp_path))  # nothing written on error


def test_float32_storage_keeps_large_activations(tmp_path):
    meta = meta_of(storage_dtype='float32')
    writer = TextFeatureCacheWriter(str(tmp_path), meta, ['a'])
    writer.write_meta()
    huge = PromptFeatures('yes', np.full((1, 4), 1e6, np.float32))
    writer.write_shard(writer.shards[0], {'a': [huge]}, {})
    assert writer.write_index()


def test_sentence_vectors_are_required_and_checked(tmp_path):
    meta = meta_of(sentence_dim=3)
    writer = TextFeatureCacheWriter(str(tmp_path), meta, ['a'])
    with pytest.raises(ValueError, match='no sentence vector'):
        writer.write_shard(writer.shards[0],
                           {'a': [PromptFeatures('yes', np.ones((1, 4)))]}, {})
    with pytest.raises(ValueError, match=r'\(3, \)'):
        writer.write_shard(
            writer.shards[0],
            {'a': [PromptFeatures('yes', np.ones((1, 4)), np.ones(5))]}, {})


def test_index_waits_for_every_shard_and_stale_temporaries_go(tmp_path):
    cache = str(tmp_path)
    names = ['a', 'b', 'c']
    writer = TextFeatureCacheWriter(cache, meta_of(), names)
    writer.write_meta()
    first, second = writer.shards
    writer.write_shard(
        first, {n: [synthetic_features(n, 0, 4)]
                for n in first.samples}, {})
    assert not writer.write_index()
    assert [s.index for s in writer.pending_shards()] == [1]
    # a run killed while writing shard 1 left a temporary file
    stale = osp.join(cache, 'shards', '.000001.safetensors.abc123.tmp')
    with open(stale, 'wb') as f:
        f.write(b'partial')
    writer.write_shard(second, {'c': [synthetic_features('c', 0, 4)]}, {})
    assert not osp.exists(stale)
    assert writer.write_index()
    assert writer.pending_shards() == []
    with open(shard_record_path(cache, 1)) as f:
        record = json.load(f)
    assert record['samples'] == ['c'] and record['failed'] == {}
    assert record['size'] == osp.getsize(shard_data_path(cache, 1))


def test_changed_sample_list_redoes_affected_shards(tmp_path):
    cache = str(tmp_path)
    writer = TextFeatureCacheWriter(cache, meta_of(), ['a', 'b', 'c', 'd'])
    writer.write_meta()
    for shard in writer.shards:
        writer.write_shard(
            shard, {n: [synthetic_features(n, 0, 4)]
                    for n in shard.samples}, {})
    grown = TextFeatureCacheWriter(cache, meta_of(),
                                   ['a', 'b', 'c', 'cc', 'd'])
    # shard 0 (a, b) is unchanged; shard 1 now holds (c, cc)
    assert [s.index for s in grown.pending_shards()] == [1, 2]
    assert not osp.exists(shard_record_path(cache, 1))

"""The resumable extraction run: every family end to end into a cache,
determinism, interruption and resumption, corrupt shards, failures,
settings mismatches and several ranks."""
import json
import logging
import os
import os.path as osp

import numpy as np
import pytest

from mllm_helpers import ALL_FAMILIES, make_strips

from mmcl_tools.mllm.extraction import extract_text_features, shard_batches
from mmcl_tools.mllm.settings import DEFAULT_PROMPT, ExtractionSettings
from mmcl_tools.mllm.strip_sources import InMemoryStripSource
from mmcl_tools.mllm.text_feature_extractor import TextFeatureExtractor
from mmcl_plugin.text_cache.cache_format import (CacheMismatchError,
                                                 shard_data_path,
                                                 shard_record_path)
from mmcl_plugin.text_cache.cache_reader import TextFeatureCache
from mmcl_tools.mllm.cache_writer import ShardPlan

PROMPTS = (DEFAULT_PROMPT, 'what are the people doing?')


class CountingExtractor:
    """A real extractor that counts the strips it computes and can be
    interrupted (KeyboardInterrupt, as Ctrl-C or a kill would) once it has
    computed ``stop_after`` strips."""

    def __init__(self, extractor, stop_after=None):
        self.extractor = extractor
        self.stop_after = stop_after
        self.computed = 0

    def __getattr__(self, name):
        return getattr(self.extractor, name)

    def __call__(self, images):
        if self.stop_after is not None and \
                self.computed + len(images) > self.stop_after:
            raise KeyboardInterrupt
        self.computed += len(images)
        return self.extractor(images)


@pytest.fixture(scope='module')
def llava_extractor(tiny_model):
    settings = ExtractionSettings(
        model=tiny_model('llava'), prompts=PROMPTS, max_new_tokens=5)
    return TextFeatureExtractor(settings, 'cpu')


def run(extractor, strips, cache_dir, **kwargs):
    kwargs.setdefault('shard_size', 3)
    kwargs.setdefault('batch_size', 2)
    return extract_text_features(
        extractor.settings,
        InMemoryStripSource(strips),
        str(cache_dir),
        progress=False,
        extractor=extractor,
        **kwargs)


def shard_digests(cache_dir):
    with open(osp.join(cache_dir, 'index.json')) as f:
        return [s['sha256'] for s in json.load(f)['shards']]


def index_samples(cache_dir):
    with open(osp.join(cache_dir, 'index.json')) as f:
        return json.load(f)['samples']


def test_shard_batches_never_cross_shards():
    shards = [ShardPlan(0, list('abc')), ShardPlan(1, list('de'))]
    assert shard_batches(shards, 2) == [[0, 1], [2], [3, 4]]
    with pytest.raises(ValueError):
        shard_batches(shards, 0)


@pytest.mark.parametrize('family', ALL_FAMILIES)
def test_every_family_into_a_cache_twice_identically(family, tiny_model,
                                                     tmp_path):
    strips = make_strips(4)
    digests = []
    for attempt in range(2):  # two runs, two model loads
        settings = ExtractionSettings(
            model=tiny_model(family), max_new_tokens=4)
        summary = extract_text_features(
            settings,
            InMemoryStripSource(strips),
            str(tmp_path / f'run{attempt}'),
            shard_size=3,
            batch_size=2,
            progress=False,
            device='cpu')
        assert summary.index_written and summary.num_computed == 4
        digests.append(shard_digests(tmp_path / f'run{attempt}'))
    # greedy decoding: the same features, byte for byte
    assert digests[0] == digests[1] and len(digests[0]) == 2
    cache = TextFeatureCache(str(tmp_path / 'run0'))
    assert sorted(cache.names()) == sorted(strips)
    assert cache.meta.model == settings.model
    assert cache.prompts == [DEFAULT_PROMPT]
    assert cache.meta.hidden_size == 32
    for name in strips:
        tokens = cache.tokens(name)
        assert tokens.dtype == np.float16 and tokens.shape[1] == 32
        assert 1 <= tokens.shape[0] <= 4
        np.testing.assert_allclose(
            cache.pooled(name),
            tokens.astype(np.float32).mean(0),
            atol=2e-3,
            rtol=1e-2)
        assert isinstance(cache.answer(name), str)


def test_index_contents(llava_extractor, tmp_path):
    strips = make_strips(5)
    run(llava_extractor, strips, tmp_path / 'c')
    cache_dir = str(tmp_path / 'c')
    with open(osp.join(cache_dir, 'index.json')) as f:
        index = json.load(f)
    assert index['format'] == 'mmcl-text-feature-cache'
    meta = index['meta']
    assert meta['identity']['model'] == llava_extractor.settings.model
    assert meta['identity']['prompts'] == list(PROMPTS)
    assert meta['identity']['decoding'] == 'greedy'
    assert meta['identity']['max_new_tokens'] == 5
    assert meta['identity']['compute_dtype'] == 'float32'  # CPU
    assert meta['info']['prompt_texts'][1] == \
        f'<|user|><image>{PROMPTS[1]}<|assistant|>'
    assert meta['shard_size'] == 3 and meta['storage_dtype'] == 'float16'
    assert [s['file'] for s in index['shards']] == [
        osp.join('shards', '000000.safetensors'),
        osp.join('shards', '000001.safetensors')
    ]
    entry = index['samples']['S004']
    assert entry['shard'] == 1
    assert len(entry['rows']) == len(entry['lengths']) == \
        len(entry['answers']) == 2
    # sample-major entries: S003 prompts 0, 1, then S004 prompts 0, 1
    assert entry['entries'] == [2, 3]
    first = index['samples']['S003']
    assert first['rows'][0] == 0 and entry['rows'][0] == sum(first['lengths'])
    cache = TextFeatureCache(cache_dir)
    fresh = llava_extractor([strips['S004']])[0]
    for p in range(2):
        np.testing.assert_allclose(
            cache.tokens('S004', p),
            fresh[p].tokens.astype(np.float16),
            atol=1e-3)
        assert cache.answer('S004', p) == fresh[p].answer


def test_interrupted_run_resumes_to_the_same_cache(llava_extractor, tmp_path):
    strips = make_strips(7)  # shards of 3: [S000-2] [S003-5] [S006]
    run(llava_extractor, strips, tmp_path / 'whole')

    # batches of 2 within shards: [S000 S001] [S002] | [S003 S004] [S005]
    interrupted = CountingExtractor(llava_extractor, stop_after=5)
    with pytest.raises(KeyboardInterrupt):
        run(interrupted, strips, tmp_path / 'resumed')
    assert interrupted.computed == 5  # shard 0 done; 2 of shard 1 lost
    cache_dir = str(tmp_path / 'resumed')
    assert not osp.exists(osp.join(cache_dir, 'index.json'))
    assert osp.exists(shard_record_path(cache_dir, 0))
    assert not osp.exists(shard_record_path(cache_dir, 1))
    shard0 = os.stat(shard_data_path(cache_dir, 0))

    resumed = CountingExtractor(llava_extractor)
    summary = run(resumed, strips, tmp_path / 'resumed')
    assert resumed.computed == 4  # shards 1 and 2 only
    assert summary.num_skipped == 3 and summary.num_computed == 4
    after = os.stat(shard_data_path(cache_dir, 0))
    assert (after.st_ino, after.st_mtime_ns) == (shard0.st_ino,
                                                 shard0.st_mtime_ns)
    assert shard_digests(tmp_path / 'resumed') == shard_digests(tmp_path /
                                                                'whole')
    assert index_samples(tmp_path / 'resumed') == index_samples(tmp_path /
                                                                'whole')

    again = CountingExtractor(llava_extractor)
    summary = run(again, strips, tmp_path / 'resumed')
    assert again.computed == 0 and summary.index_written


@pytest.mark.parametrize('damage', ['flip', 'truncate'])
def test_corrupt_shard_is_detected_and_redone(llava_extractor, tmp_path,
                                              caplog, damage):
    strips = make_strips(7)
    run(llava_extractor, strips, tmp_path / 'c')
    cache_dir = str(tmp_path / 'c')
    good = shard_digests(cache_dir)
    path = shard_data_path(cache_dir, 1)
    with open(path, 'r+b') as f:
        if damage == 'flip':
            f.seek(os.path.getsize(path) - 10)
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 0xFF]))
        else:
            f.truncate(os.path.getsize(path) // 2)
    problems = TextFeatureCache(cache_dir, verify=None).verify()
    assert len(problems) == 1 and '000001.safetensors' in problems[0]
    # the training reader refuses the cache when it opens it
    with pytest.raises(ValueError,
                       match='1 of 3 shard files are damaged(.|\n)*'
                       '000001.safetensors'):
        TextFeatureCache(cache_dir)
    if damage == 'truncate':
        with pytest.raises(ValueError, match='truncated'):
            TextFeatureCache(cache_dir, verify=None).tokens('S003')

    counting = CountingExtractor(llava_extractor)
    with caplog.at_level(logging.WARNING):
        run(counting, strips, tmp_path / 'c')
    assert counting.computed == 3  # only shard 1
    reason = 'checksum' if damage == 'flip' else 'truncated'
    assert any('shard 1' in r.getMessage() and reason in r.getMessage()
               for r in caplog.records)
    assert shard_digests(cache_dir) == good
    assert TextFeatureCache(cache_dir).verify() == []


def test_size_only_verification_misses_a_flipped_byte(llava_extractor,
                                                      tmp_path):
    strips = make_strips(3)
    run(llava_extractor, strips, tmp_path / 'c')
    path = shard_data_path(str(tmp_path / 'c'), 0)
    with open(path, 'r+b') as f:
        f.seek(-4, os.SEEK_END)
        f.write(b'\x00\x01\x02\x03')
    counting = CountingExtractor(llava_extractor)
    run(counting, strips, tmp_path / 'c', verify='size')
    assert counting.computed == 0
    run(counting, strips, tmp_path / 'c', verify='checksum')
    assert counting.computed == 3


def test_other_settings_are_refused(llava_extractor, tiny_model, tmp_path):
    strips = make_strips(3)
    run(llava_extractor, strips, tmp_path / 'c')
    other = ExtractionSettings(
        model=tiny_model('llava'),
        prompts=(DEFAULT_PROMPT, ),
        max_new_tokens=5)
    with pytest.raises(CacheMismatchError, match='prompts: cache has'):
        extract_text_features(
            other,
            InMemoryStripSource(strips),
            str(tmp_path / 'c'),
            progress=False)
    other = ExtractionSettings(
        model=tiny_model('qwen2-vl'), prompts=PROMPTS, max_new_tokens=5)
    with pytest.raises(CacheMismatchError, match='model: cache has'):
        extract_text_features(
            other,
            InMemoryStripSource(strips),
            str(tmp_path / 'c'),
            progress=False)
    with pytest.raises(CacheMismatchError, match='shard_size'):
        run(llava_extractor, strips, tmp_path / 'c', shard_size=2)
    # the shard size of an existing cache is kept when not given
    summary = run(llava_extractor, strips, tmp_path / 'c', shard_size=None)
    assert summary.num_computed == 0


def test_failed_strips_are_recorded_and_retried(llava_extractor, tmp_path):
    strips = make_strips(4)
    broken = dict(strips, S002=np.zeros((5, 5), dtype=np.uint8))
    summary = run(llava_extractor, broken, tmp_path / 'c')
    assert list(summary.failed) == ['S002']
    assert '(H, W, 3) uint8' in summary.failed['S002']
    cache = TextFeatureCache(str(tmp_path / 'c'))
    assert 'S002' not in cache and len(cache) == 3
    with pytest.raises(KeyError, match="S002.*extraction failed"):
        cache.tokens('S002')
    # failures are not retried by default ...
    counting = CountingExtractor(llava_extractor)
    run(counting, broken, tmp_path / 'c')
    assert counting.computed == 0
    # ... but on request, once the strip is fixed
    summary = run(counting, strips, tmp_path / 'c', retry_failed=True)
    assert counting.computed == 3 and not summary.failed
    assert 'S002' in TextFeatureCache(str(tmp_path / 'c'))
    with pytest.raises(RuntimeError, match="'S002'"):
        run(llava_extractor, broken, tmp_path / 'strict', strict=True)


def test_ranks_split_the_shards_and_the_last_writes_the_index(
        llava_extractor, tmp_path):
    strips = make_strips(7)
    run(llava_extractor, strips, tmp_path / 'one')
    counting = CountingExtractor(llava_extractor)
    first = run(counting, strips, tmp_path / 'two', rank=1, world_size=2)
    assert counting.computed == 3  # shard 1 of shards 0, 1, 2
    assert not first.index_written
    last = run(counting, strips, tmp_path / 'two', rank=0, world_size=2)
    assert counting.computed == 3 + 4 and last.index_written
    assert shard_digests(tmp_path / 'two') == shard_digests(tmp_path / 'one')

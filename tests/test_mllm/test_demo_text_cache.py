"""make_demo_dataset.py --text-cache: the demo's simulated answers as a
text-feature cache (same features as text_features/, resumable, replaced
for another seed)."""
import os
import os.path as osp

import numpy as np

from mllm_helpers import DEMO_TRAIN, DEMO_VAL, load_demo_generator

from mmcl_plugin.text_cache.cache_reader import TextFeatureCache


def test_cache_holds_the_npy_features_and_answers(demo_workspace):
    root = osp.join(demo_workspace, 'data', 'demo')
    cache = TextFeatureCache(osp.join(root, 'text_cache'))
    assert len(cache) == DEMO_TRAIN + DEMO_VAL and not cache.failed
    assert cache.prompts == ['Are the people holding objects?']
    assert cache.verify() == []
    gen = load_demo_generator()
    vocab = set(gen.VOCAB)
    for name in cache.names():
        tokens = cache.tokens(name)
        np.testing.assert_array_equal(
            tokens, np.load(osp.join(root, 'text_features', name + '.npy')))
        answer = cache.answer(name).split(' ')
        assert len(answer) == len(tokens) and set(answer) <= vocab
        holding = int(name[-3:]) - 1 == gen.CLASS_NAMES.index('drink water')
        assert answer[0] == ('yes' if holding else 'no')


def test_rerun_keeps_the_cache_other_seed_replaces_it(tmp_path):
    gen = load_demo_generator()
    out = str(tmp_path / 'demo')
    gen.make_demo_dataset(
        out, seed=0, num_train=4, num_val=4, progress=False, text_cache=True)
    shard = osp.join(out, 'text_cache', 'shards', '000000.safetensors')
    before = os.stat(shard)
    gen.make_demo_dataset(
        out, seed=0, num_train=4, num_val=4, progress=False, text_cache=True)
    after = os.stat(shard)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino,
                                                 before.st_mtime_ns)
    first = TextFeatureCache(osp.join(out, 'text_cache'))
    name = first.names()[0]
    tokens = first.tokens(name)
    gen.make_demo_dataset(
        out, seed=1, num_train=4, num_val=4, progress=False, text_cache=True)
    second = TextFeatureCache(osp.join(out, 'text_cache'))
    assert second.meta.identity['seed'] == 1
    assert not np.array_equal(second.tokens(name), tokens)
    np.testing.assert_array_equal(
        second.tokens(name),
        np.load(osp.join(out, 'text_features', name + '.npy')))

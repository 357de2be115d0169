"""Helpers shared by the MLLM tests (imported by module name: pytest puts
this directory on sys.path; ``tiny_mllms`` comes from ``tests/helpers``)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from tiny_mllms import FAMILIES

from mmcl_plugin.text_cache.cache_format import CacheMeta
from mmcl_tools.mllm.cache_writer import PromptFeatures, TextFeatureCacheWriter

ALL_FAMILIES: List[str] = sorted(FAMILIES)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_TRAIN, DEMO_VAL = 8, 4


def load_demo_generator():
    """The demo generator of tools/data/make_demo_dataset.py."""
    from mmcl_tools import demo
    return demo


def make_strips(
    num: int,
    seed: int = 0,
    sizes: Sequence[Tuple[int, int]] = ((24, 80), )
) -> Dict[str, np.ndarray]:
    """``num`` random (H, W, 3) uint8 strips named S000, S001, ...; their
    (H, W) cycle through ``sizes``."""
    rng = np.random.default_rng(seed)
    return {
        f'S{i:03d}':
        rng.integers(
            0, 256, tuple(sizes[i % len(sizes)]) + (3, ), dtype=np.uint8)
        for i in range(num)
    }


def synthetic_features(name: str,
                       prompt: int,
                       width: int,
                       sentence_dim: Optional[int] = None) -> PromptFeatures:
    """Deterministic features of (sample, prompt): L = 1 + (hash % 4)
    tokens whose values encode the sample and prompt."""
    seed = sum(map(ord, name)) * 10 + prompt
    rng = np.random.default_rng(seed)
    length = 1 + seed % 4
    tokens = rng.normal(size=(length, width)).astype(np.float32)
    answer = ('yes, a cup' if seed % 2 else 'no') + f' #{prompt}'
    sentence = None
    if sentence_dim is not None:
        sentence = rng.normal(size=sentence_dim).astype(np.float32)
    return PromptFeatures(answer, tokens, sentence)


def write_synthetic_cache(
        cache_dir: str,
        names: Sequence[str],
        prompts: Sequence[str] = ('q0', ),
        width: int = 8,
        shard_size: int = 2,
        model: str = 'synthetic',
        pool: Optional[str] = 'mean',
        sentence_dim: Optional[int] = None,
        failed: Optional[Dict[str, str]] = None) -> CacheMeta:
    """A complete cache of :func:`synthetic_features` via the real writer
    (no model needed)."""
    failed = failed or {}
    meta = CacheMeta(
        identity=dict(model=model, prompts=list(prompts)),
        storage_dtype='float16',
        hidden_size=width,
        shard_size=shard_size,
        pool=pool,
        sentence_dim=sentence_dim)
    writer = TextFeatureCacheWriter(cache_dir, meta, names)
    writer.write_meta()
    for shard in writer.pending_shards():
        features = {
            name: [
                synthetic_features(name, p, width, sentence_dim)
                for p in range(len(prompts))
            ]
            for name in shard.samples if name not in failed
        }
        writer.write_shard(
            shard, features,
            {name: failed[name]
             for name in shard.samples if name in failed})
    assert writer.write_index()
    return meta

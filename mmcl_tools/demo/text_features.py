"""Simulated MLLM text features of the demo, as ``.npy`` files and as a
text-feature cache.

They stand for an MLLM's answer to "Are the people holding objects?":
token embeddings of a fixed random vocabulary (with a shared "holding"
direction) plus noise, so they say whether a cup is held, not which of
the four actions it is.
"""
import os.path as osp
import shutil
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .samples import HOLDING, sample_rng

TEXT_DIM = 32

#: Vocabulary of the simulated MLLM answers.
VOCAB: Tuple[str, ...] = ('yes', 'no', ',', '.', 'a', 'the', 'person',
                          'people', 'is', 'are', 'not', 'holding', 'holds',
                          'hold', 'cup', 'nothing', 'anything', 'hands',
                          'empty', 'objects')
_VOCAB_SEED = 20240  # fixed: the same embedding whatever --seed is
_ANSWERS_HOLDING = (('yes', 'a', 'cup'), ('yes', ',', 'a', 'cup'),
                    ('yes', 'holding', 'a', 'cup'),
                    ('yes', ',', 'the', 'person', 'holds', 'a', 'cup'),
                    ('yes', 'the', 'person', 'is', 'holding', 'a', 'cup', '.'))
_ANSWERS_EMPTY = (('no', 'objects', '.'), ('no', ',', 'nothing'),
                  ('no', 'hands', 'are', 'empty'),
                  ('no', ',', 'the', 'person', 'holds', 'nothing'),
                  ('no', 'the', 'person', 'is', 'not', 'holding', 'anything',
                   '.'))


# How much each token says "an object is held" (+) or "nothing held" (-).
_POLARITY = {'yes': 1.0, 'cup': 1.0, 'holding': 0.5, 'holds': 0.5,
             'hold': 0.5, 'no': -1.0, 'not': -1.0, 'nothing': -1.0,
             'anything': -0.5, 'empty': -1.0}


def vocab_embedding(dim: int = TEXT_DIM,
                    polarity_scale: float = 0.8) -> np.ndarray:
    """Fixed random token embedding with a "holding" direction.

    Like a language model's embedding, tokens of similar meaning lie
    together: each row is a random unit vector plus ``polarity_scale``
    times the token's polarity (``_POLARITY``) along one fixed direction,
    so that even the mean over an answer's tokens (what the FRM head pools)
    tells "holding" from "not holding" answers.

    Args:
        dim (int): embedding width D.
        polarity_scale (float): weight of the shared direction.

    Returns:
        np.ndarray: (len(VOCAB), dim) float64.
    """
    rng = np.random.default_rng(_VOCAB_SEED)
    emb = rng.standard_normal((len(VOCAB), dim))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    direction = rng.standard_normal(dim)
    direction /= np.linalg.norm(direction)
    polarity = np.array([_POLARITY.get(w, 0.0) for w in VOCAB])
    return emb + polarity_scale * polarity[:, None] * direction


def answer_tokens(holding: bool, num_person: int,
                  rng: np.random.Generator) -> List[str]:
    """One answer to "Are the people holding objects?" (3-8 tokens)."""
    answers = _ANSWERS_HOLDING if holding else _ANSWERS_EMPTY
    tokens = list(answers[int(rng.integers(len(answers)))])
    if num_person > 1:
        plural = {'person': 'people', 'is': 'are', 'holds': 'hold'}
        tokens = [plural.get(w, w) for w in tokens]
    return tokens


def text_answer(holding: bool, num_person: int, rng: np.random.Generator,
                noise: float = 0.05) -> Tuple[List[str], np.ndarray]:
    """A simulated MLLM answer: its tokens and their features.

    Args:
        holding (bool): whether the actor holds an object.
        num_person (int): M (changes 'person' to 'people').
        rng (np.random.Generator): picks the answer and the noise.
        noise (float): std of the Gaussian added to each token embedding.

    Returns:
        tuple: the 3 to 8 answer tokens and their (L, 32) float16 features.
    """
    index = {w: i for i, w in enumerate(VOCAB)}
    tokens = answer_tokens(holding, num_person, rng)
    feats = vocab_embedding()[[index[w] for w in tokens]]
    feats = feats + rng.normal(0, noise, feats.shape)
    return tokens, feats.astype(np.float16)


def text_feature(holding: bool, num_person: int, rng: np.random.Generator,
                 noise: float = 0.05) -> np.ndarray:
    """Token features of a simulated MLLM answer (see ``text_answer``).

    Returns:
        np.ndarray: (L, 32) float16, 3 <= L <= 8.
    """
    return text_answer(holding, num_person, rng, noise)[1]


#: The question the simulated answers reply to.
TEXT_PROMPT = 'Are the people holding objects?'
TEXT_CACHE_DIR = 'text_cache'


def write_text_cache(out_dir: str, annotations: Sequence[Dict],
                     indices: Sequence[Tuple[str, int]], seed: int,
                     shard_size: int = 32) -> str:
    """Write the simulated text features as a text-feature cache.

    The cache (the format of ``tools/extract_text_features.py``, read by
    ``LoadTextFeatureFromCache``) holds the same features as
    ``text_features/`` plus the answer texts. Resumable like the tool; a
    cache of another seed is replaced.

    Args:
        out_dir (str): dataset root; the cache goes to ``text_cache/``.
        annotations (Sequence[dict]): the annotations.
        indices (Sequence[tuple[str, int]]): (split, index) of each.
        seed (int): dataset seed.
        shard_size (int): samples per shard.

    Returns:
        str: the cache directory.
    """
    from mmcl_plugin.text_cache.cache_format import (CacheMeta,
                                                     CacheMismatchError)
    from mmcl_tools.mllm.cache_writer import (PromptFeatures,
                                              TextFeatureCacheWriter)
    cache_dir = osp.join(out_dir, TEXT_CACHE_DIR)
    meta = CacheMeta(
        identity=dict(model='simulated MLLM (tools/data/make_demo_dataset.py)',
                      prompts=[TEXT_PROMPT], seed=seed,
                      vocab_seed=_VOCAB_SEED),
        storage_dtype='float16', hidden_size=TEXT_DIM,
        shard_size=shard_size, pool='mean')
    by_name = {ann['frame_dir']: (ann, split, index)
               for ann, (split, index) in zip(annotations, indices)}
    writer = TextFeatureCacheWriter(cache_dir, meta, list(by_name))
    try:
        writer.write_meta()
    except CacheMismatchError:  # made with another seed: a new dataset
        shutil.rmtree(cache_dir)
        writer.write_meta()
    pending = writer.pending_shards()
    if pending:
        writer.invalidate_index()
    for shard in pending:
        features = {}
        for name in shard.samples:
            ann, split, index = by_name[name]
            tokens, feats = text_answer(HOLDING[ann['label']],
                                        ann['keypoint'].shape[0],
                                        sample_rng(seed, split, index, 2))
            features[name] = [PromptFeatures(' '.join(tokens), feats)]
        writer.write_shard(shard, features, {})
    writer.write_index()
    return cache_dir


__all__ = [
    'TEXT_DIM', 'VOCAB', 'TEXT_PROMPT', 'TEXT_CACHE_DIR', 'vocab_embedding',
    'answer_tokens', 'text_answer', 'text_feature', 'write_text_cache'
]

"""Writing the sharded text-feature cache, resumably.

See :mod:`mmcl_plugin.text_cache.cache_format` for the layout. The writer plans
the shards of a sample list, tells which of this rank's shards still need
work (missing, incomplete, truncated or failing their checksum), writes a
finished shard atomically and, once every shard is complete, the index.
"""
import dataclasses
import glob
import json
import logging
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmcl_plugin.text_cache.cache_format import (FORMAT_NAME, FORMAT_VERSION,
                                                 INDEX_FILE, LOCK_FILE,
                                                 META_FILE, POOLED_KEY,
                                                 SENTENCE_KEY, SHARD_DIR,
                                                 TOKEN_IDS_KEY, TOKEN_IDS_PAD,
                                                 TOKENS_KEY, CacheMeta,
                                                 CacheMismatchError,
                                                 canonical_json, load_json,
                                                 meta_differences,
                                                 mismatch_message, read_meta,
                                                 sha256_bytes, sha256_file,
                                                 shard_data_path,
                                                 shard_record_path)
from mmcl_plugin.utils import atomic_write, dump_json_atomic
from mmcl_tools.runs.file_lock import IndexLocks, LockedError

logger = logging.getLogger(__name__)

#: How a finished shard is checked before it is skipped: 'checksum'
#: (size and SHA-256 of its file) or 'size' (size only, no reading).
VERIFY_MODES = ('checksum', 'size')


@dataclasses.dataclass
class PromptFeatures:
    """What one sample's answer to one prompt contributes to the cache.

    Args:
        answer (str): The answer text.
        tokens (np.ndarray): (L, D) features of the L >= 1 answer tokens.
        sentence (np.ndarray, optional): (D_s, ) sentence-encoder vector
            of the answer.
        token_ids (np.ndarray, optional): (S, ) ids ``generate()`` returned
            for the answer (see ``GeneratedAnswer.sequence_ids``).
    """

    answer: str
    tokens: np.ndarray
    sentence: Optional[np.ndarray] = None
    token_ids: Optional[np.ndarray] = None


@dataclasses.dataclass
class ShardPlan:
    """Shard ``index`` and its member samples, in order."""

    index: int
    samples: List[str]


def plan_shards(samples: Sequence[str], shard_size: int) -> List[ShardPlan]:
    """Cut the sorted, de-duplicated samples into shards.

    Sorting makes the plan independent of the order the samples were
    listed in, so a re-run with the same samples finds the same shards.

    Raises:
        ValueError: No samples, or a name that is not a non-empty string.
    """
    bad = [name for name in samples if not isinstance(name, str) or not name]
    if bad:
        raise ValueError(f'sample names must be non-empty strings, got '
                         f'{bad[:5]}')
    names = sorted(set(samples))
    if not names:
        raise ValueError('no samples to extract')
    return [
        ShardPlan(index, names[start:start + shard_size])
        for index, start in enumerate(range(0, len(names), shard_size))
    ]


def lock_shards(cache_dir: str, shards: Sequence[ShardPlan]) -> IndexLocks:
    """Lock ``shards`` of the cache for this process until it ends (or
    the locks are released).

    Processes that own other shards (the ranks of one extraction) run side
    by side; a second run that wants a shard another process holds is
    refused, instead of computing it a second time and racing its writes.

    Raises:
        LockedError: Another process holds some of the shards.
    """
    locks = IndexLocks(osp.join(cache_dir, LOCK_FILE))
    busy = locks.acquire(shard.index for shard in shards)
    if busy:
        locks.release()
        shown = ', '.join(str(index) for index in busy[:10])
        raise LockedError(
            f'{cache_dir}: {len(busy)} of the {len(shards)} shards of this '
            f'run (shard {shown}{" ..." if len(busy) > 10 else ""}) are '
            f'held by another extraction process (locks in '
            f'{osp.join(cache_dir, LOCK_FILE)}); wait for it to end, or give '
            f'this run other --rank/--world-size')
    return locks


def record_problem(record: Optional[dict], plan: ShardPlan, fingerprint: str,
                   data_path: str, verify: Optional[str]) -> str:
    """Why a shard is not complete, or '' if it is.

    Args:
        record (dict, optional): The parsed shard record.
        plan (ShardPlan): What the shard must hold.
        fingerprint (str): The cache's fingerprint.
        data_path (str): The shard's tensor file.
        verify (str, optional): 'checksum', 'size', or None (only the
            record is checked).
    """
    if record is None:
        return 'no record'
    if record.get('format') != FORMAT_NAME or \
            record.get('version') != FORMAT_VERSION:
        return 'record of another format'
    if record.get('fingerprint') != fingerprint:
        return 'made with other settings'
    if record.get('samples') != plan.samples:
        return 'holds other samples (the sample list changed)'
    if verify is None:
        return ''
    try:
        size = osp.getsize(data_path)
    except OSError:
        return 'tensor file missing'
    if size != record.get('size'):
        return (f'tensor file has {size} bytes, its record says '
                f'{record.get("size")} (truncated or replaced)')
    if verify == 'checksum' and sha256_file(data_path) != record.get('sha256'):
        return 'tensor file fails its SHA-256 checksum (corrupt)'
    return ''


def remove_stale_temporaries(path: str) -> None:
    """Remove temporary files a killed run left while writing ``path``.

    ``atomic_write`` names them ``.<basename>.<random>.tmp``; only this rank
    writes ``path``, so any such file is a leftover.
    """
    directory, name = osp.split(path)
    for stale in glob.glob(
            osp.join(
                glob.escape(directory), '.' + glob.escape(name) + '.*.tmp')):
        try:
            os.remove(stale)
        except FileNotFoundError:
            pass


class TextFeatureCacheWriter:
    """Write one rank's shards of a text-feature cache.

    Args:
        cache_dir (str): The cache directory (created if missing).
        meta (CacheMeta): What makes the features; a cache recorded with
            another identity or layout is refused.
        samples (Sequence[str]): All sample names (of all ranks).
        rank (int): This process's rank. Defaults to 0.
        world_size (int): Number of processes; shard ``s`` belongs to rank
            ``s % world_size``. Defaults to 1.
        verify (str): How finished shards are checked, one of
            :data:`VERIFY_MODES`. Defaults to 'checksum'.
        retry_failed (bool): Redo shards in which some samples failed (e.g.
            an unreadable video that has since been fixed). Defaults to
            False: failures are recorded and reported, not retried.
    """

    def __init__(self,
                 cache_dir: str,
                 meta: CacheMeta,
                 samples: Sequence[str],
                 rank: int = 0,
                 world_size: int = 1,
                 verify: str = 'checksum',
                 retry_failed: bool = False) -> None:
        if verify not in VERIFY_MODES:
            raise ValueError(f'verify must be one of {VERIFY_MODES}, got '
                             f'{verify!r}')
        if not 0 <= rank < world_size:
            raise ValueError(f'rank {rank} is not in [0, {world_size})')
        self.cache_dir = cache_dir
        self.meta = meta
        self.rank = rank
        self.world_size = world_size
        self.verify = verify
        self.retry_failed = retry_failed
        self.shards = plan_shards(samples, meta.shard_size)

    # ------------------------------------------------------------ meta
    def check_meta(self, check_widths: bool = True) -> None:
        """Refuse a cache whose recorded meta differs from this run's.

        Args:
            check_widths (bool): Also compare the feature widths (False
                before the model is loaded).

        Raises:
            CacheMismatchError: The differences, one per line.
        """
        recorded = read_meta(self.cache_dir)
        if recorded is None:
            return
        differences = meta_differences(recorded, self.meta, check_widths)
        if differences:
            raise CacheMismatchError(
                mismatch_message(self.cache_dir, differences))

    def write_meta(self) -> None:
        """Record the meta (after :meth:`check_meta`) if not there yet."""
        self.check_meta()
        path = osp.join(self.cache_dir, META_FILE)
        if not osp.exists(path):
            dump_json_atomic(self.meta.to_json(), path)

    # ---------------------------------------------------------- shards
    def own_shards(self) -> List[ShardPlan]:
        """The shards of this rank."""
        return [
            s for s in self.shards if s.index % self.world_size == self.rank
        ]

    def shard_problem(self,
                      shard: ShardPlan,
                      verify: Optional[str] = None) -> str:
        """Why ``shard`` must be (re)done, or '' if it is complete.

        Args:
            shard (ShardPlan): The shard.
            verify (str, optional): Overrides the writer's verify mode.
        """
        record = load_json(shard_record_path(self.cache_dir, shard.index))
        problem = record_problem(record, shard, self.meta.fingerprint,
                                 shard_data_path(self.cache_dir, shard.index),
                                 verify or self.verify)
        if not problem and self.retry_failed and record.get('failed'):
            problem = f'{len(record["failed"])} failed samples to retry'
        return problem

    def pending_shards(self) -> List[ShardPlan]:
        """This rank's shards that need work.

        A shard whose record exists but which fails the check (truncated,
        corrupt, other samples) loses its record at once, so that no other
        rank builds an index over it meanwhile.
        """
        pending = []
        for shard in self.own_shards():
            problem = self.shard_problem(shard)
            if not problem:
                continue
            pending.append(shard)
            if problem != 'no record':
                logger.warning('shard %d of %s is redone: %s', shard.index,
                               self.cache_dir, problem)
                self._remove_shard(shard)
        return pending

    def _remove_shard(self, shard: ShardPlan) -> None:
        for path in (shard_record_path(self.cache_dir, shard.index),
                     shard_data_path(self.cache_dir, shard.index)):
            try:
                os.remove(path)
            except FileNotFoundError:
                pass

    def write_shard(self, shard: ShardPlan,
                    features: Dict[str, List[PromptFeatures]],
                    failed: Dict[str, str]) -> None:
        """Write a finished shard: tensor file, then record.

        Args:
            shard (ShardPlan): The shard.
            features (dict[str, list[PromptFeatures]]): Per successful
                sample, one entry per prompt of the meta.
            failed (dict[str, str]): Per failed sample, the reason.

        Raises:
            ValueError: Samples missing or foreign to the shard, wrong
                number of prompts, wrong widths, or features that are not
                finite in the storage dtype (each naming the sample).
        """
        expected = set(shard.samples)
        given = set(features) | set(failed)
        if given != expected or set(features) & set(failed):
            raise ValueError(
                f'shard {shard.index}: features/failures must cover its '
                f'{len(expected)} samples exactly once; missing '
                f'{sorted(expected - given)[:5]}, foreign '
                f'{sorted(given - expected)[:5]}, both '
                f'{sorted(set(features) & set(failed))[:5]}')
        # overflow in the cast to float16 is reported by _finite, per sample
        with np.errstate(over='ignore', invalid='ignore'):
            tensors, entries = self._shard_tensors(shard, features)
        from safetensors.numpy import save

        # one metadata key: safetensors writes several in hash-map order,
        # and the same shard must give the same bytes (checksums)
        data = save(
            tensors,
            metadata={
                FORMAT_NAME:
                canonical_json(
                    dict(fingerprint=self.meta.fingerprint, shard=shard.index))
            })
        data_path = shard_data_path(self.cache_dir, shard.index)
        record_path = shard_record_path(self.cache_dir, shard.index)
        for path in (data_path, record_path):
            remove_stale_temporaries(path)
        with atomic_write(data_path) as f:
            f.write(data)
        record = dict(
            format=FORMAT_NAME,
            version=FORMAT_VERSION,
            shard=shard.index,
            fingerprint=self.meta.fingerprint,
            samples=shard.samples,
            file=osp.basename(data_path),
            size=len(data),
            sha256=sha256_bytes(data),
            entries=entries,
            failed={
                name: failed[name]
                for name in shard.samples if name in failed
            })
        dump_json_atomic(record, record_path)

    def _shard_tensors(self, shard: ShardPlan,
                       features: Dict[str, List[PromptFeatures]]):
        """The tensors of a shard and the entries of its record."""
        meta = self.meta
        num_prompts = len(meta.prompts)
        dtype = np.dtype(meta.storage_dtype)
        tokens, pooled, sentence, token_ids, entries = [], [], [], [], {}
        ids_width = meta.token_ids_width
        row = 0
        for name in shard.samples:
            if name not in features:
                continue
            prompt_features = features[name]
            if len(prompt_features) != num_prompts:
                raise ValueError(f'sample {name!r}: {len(prompt_features)} '
                                 f'answers for {num_prompts} prompts')
            entry = dict(rows=[], lengths=[], entries=[], answers=[])
            for prompt, feats in enumerate(prompt_features):
                where = f'sample {name!r}, prompt {prompt}'
                stored = self._stored_tokens(feats.tokens, where, dtype)
                tokens.append(stored)
                if meta.pool == 'mean':
                    pooled.append(
                        self._finite(
                            np.asarray(feats.tokens,
                                       dtype=np.float32).mean(0).astype(dtype),
                            where, dtype))
                if meta.sentence_dim is not None:
                    sentence.append(
                        self._stored_sentence(feats.sentence, where, dtype))
                if ids_width is not None:
                    token_ids.append(
                        self._stored_token_ids(feats.token_ids, where,
                                               ids_width))
                entry['rows'].append(row)
                entry['lengths'].append(len(stored))
                entry['entries'].append(len(tokens) - 1)
                entry['answers'].append(str(feats.answer))
                row += len(stored)
            entries[name] = entry
        width = meta.hidden_size
        tensors = {
            TOKENS_KEY:
            np.concatenate(tokens) if tokens else np.zeros((0, width), dtype)
        }
        if meta.pool == 'mean':
            tensors[POOLED_KEY] = np.stack(pooled) if pooled else np.zeros(
                (0, width), dtype)
        if meta.sentence_dim is not None:
            tensors[SENTENCE_KEY] = np.stack(
                sentence) if sentence else np.zeros(
                    (0, meta.sentence_dim), dtype)
        if ids_width is not None:
            tensors[TOKEN_IDS_KEY] = np.stack(
                token_ids) if token_ids else np.zeros((0, ids_width),
                                                      np.int32)
        return tensors, entries

    def _stored_tokens(self, tokens: np.ndarray, where: str,
                       dtype: np.dtype) -> np.ndarray:
        tokens = np.asarray(tokens)
        if tokens.ndim != 2 or tokens.shape[0] < 1 or \
                tokens.shape[1] != self.meta.hidden_size:
            raise ValueError(f'{where}: token features have shape '
                             f'{tokens.shape}, expected (L >= 1, '
                             f'{self.meta.hidden_size})')
        return self._finite(tokens.astype(dtype), where, dtype)

    def _stored_sentence(self, vector: Optional[np.ndarray], where: str,
                         dtype: np.dtype) -> np.ndarray:
        if vector is None:
            raise ValueError(f'{where}: the cache has a sentence encoder '
                             'but no sentence vector was given')
        vector = np.asarray(vector)
        if vector.shape != (self.meta.sentence_dim, ):
            raise ValueError(f'{where}: sentence vector has shape '
                             f'{vector.shape}, expected '
                             f'({self.meta.sentence_dim}, )')
        return self._finite(vector.astype(dtype), where, dtype)

    @staticmethod
    def _stored_token_ids(ids: Optional[np.ndarray], where: str,
                          width: int) -> np.ndarray:
        """One ``token_ids`` row: the ids, then :data:`TOKEN_IDS_PAD`."""
        if ids is None:
            raise ValueError(f'{where}: the cache stores token ids but none '
                             'were given')
        ids = np.asarray(ids)
        if ids.ndim != 1 or not 1 <= len(ids) <= width or \
                not np.issubdtype(ids.dtype, np.integer) or \
                (ids < 0).any() or (ids > np.iinfo(np.int32).max).any():
            raise ValueError(f'{where}: token ids {ids.tolist()} are not 1 '
                             f'to {width} non-negative int32 ids')
        row = np.full(width, TOKEN_IDS_PAD, dtype=np.int32)
        row[:len(ids)] = ids
        return row

    @staticmethod
    def _finite(array: np.ndarray, where: str, dtype: np.dtype) -> np.ndarray:
        if not np.isfinite(array).all():
            raise ValueError(
                f'{where}: features are not finite as {dtype} (an LLM '
                f'activation beyond the float16 range of +-65504, or '
                f'NaN/inf from the model); use storage_dtype=float32 or '
                f'check the model')
        return array

    # ----------------------------------------------------------- index
    def invalidate_index(self) -> None:
        """Remove the index while shards are being (re)written, so that
        nobody trains on a half-updated cache."""
        try:
            os.remove(osp.join(self.cache_dir, INDEX_FILE))
        except FileNotFoundError:
            pass

    def write_index(self) -> bool:
        """Write ``index.json`` if every shard (of every rank) is complete.

        Each rank calls this when it is done; the last one to finish
        writes it (two ranks finishing together write the same content).

        Returns:
            bool: Whether the index was written.
        """
        shards, samples, failed = [], {}, {}
        for plan in self.shards:
            record = load_json(shard_record_path(self.cache_dir, plan.index))
            problem = record_problem(
                record, plan, self.meta.fingerprint,
                shard_data_path(self.cache_dir, plan.index), 'size')
            if problem:
                logger.info('index of %s not written yet: shard %d: %s',
                            self.cache_dir, plan.index, problem)
                return False
            shards.append(
                dict(
                    file=osp.join(SHARD_DIR, record['file']),
                    size=record['size'],
                    sha256=record['sha256']))
            for name, entry in record['entries'].items():
                samples[name] = dict(shard=plan.index, **entry)
            failed.update(record['failed'])
        index = dict(
            format=FORMAT_NAME,
            version=FORMAT_VERSION,
            meta=self.meta.to_json(),
            shards=shards,
            samples=samples,
            failed=failed)
        with atomic_write(osp.join(self.cache_dir, INDEX_FILE)) as f:
            # compact: the index of NTU-120 has 114k samples
            f.write(
                json.dumps(index, ensure_ascii=False,
                           separators=(',', ':')).encode())
        return True


__all__ = [
    'TextFeatureCacheWriter', 'PromptFeatures', 'ShardPlan', 'plan_shards',
    'lock_shards', 'CacheMismatchError'
]

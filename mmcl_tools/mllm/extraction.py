"""The extraction run: strips -> MLLM -> sharded cache, resumably.

:func:`extract_text_features` is what ``tools/extract_text_features.py``
calls; :func:`run_shards` is the loop over one rank's pending shards, for
any function that turns a batch of strips into cache entries.

A run locks the shards it owns (``cache_writer.lock_shards``) for its
whole duration, so a second run on the same directory is refused while
the ranks of one run share it; its data-loader workers die with it
(:class:`~mmcl_plugin.utils.DieWithParent`).
"""
import dataclasses
import logging
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from mmcl_plugin.text_cache.cache_format import (CacheMeta, CacheMismatchError,
                                                 meta_differences,
                                                 mismatch_message, read_meta)
from mmcl_plugin.utils import DieWithParent
from .cache_writer import (PromptFeatures, ShardPlan, TextFeatureCacheWriter,
                           lock_shards, plan_shards)
from .distributed import default_device, dist_info
from .model_loading import resolve_compute_dtype
from .settings import ExtractionSettings
from .strip_sources import StripSource, collate_items

logger = logging.getLogger(__name__)

#: Turns a batch of strips into, per strip, one entry per prompt.
ComputeFn = Callable[[Sequence[np.ndarray]], List[List[PromptFeatures]]]


@dataclasses.dataclass
class ExtractionSummary:
    """What an extraction run did (for this rank).

    Attributes:
        cache_dir (str): The cache.
        num_samples (int): Samples of all ranks.
        num_own (int): Samples of this rank's shards.
        num_skipped (int): Of those, samples of shards already complete.
        num_computed (int): Samples computed by this run.
        failed (dict[str, str]): Samples whose strip failed in this run,
            with the reason.
        index_written (bool): Whether the run finished the cache (wrote
            ``index.json``).
    """

    cache_dir: str
    num_samples: int
    num_own: int
    num_skipped: int
    num_computed: int
    failed: Dict[str, str]
    index_written: bool


def shard_batches(shards: Sequence[ShardPlan],
                  batch_size: int) -> List[List[int]]:
    """Batches of positions into the shards' concatenated samples.

    No batch spans two shards, so a shard is computed with the same batches
    whether the run started at it or before it: a resumed run gives the
    features an uninterrupted one gives.
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be positive, got {batch_size}')
    batches, start = [], 0
    for shard in shards:
        for offset in range(0, len(shard.samples), batch_size):
            stop = min(offset + batch_size, len(shard.samples))
            batches.append(list(range(start + offset, start + stop)))
        start += len(shard.samples)
    return batches


def run_shards(writer: TextFeatureCacheWriter,
               shards: Sequence[ShardPlan],
               source: StripSource,
               compute: ComputeFn,
               batch_size: int,
               num_workers: int = 0,
               progress: bool = True,
               strict: bool = False,
               num_done: int = 0,
               num_total: Optional[int] = None) -> Dict[str, str]:
    """Compute and write ``shards``, one complete shard at a time.

    Args:
        writer (TextFeatureCacheWriter): Writes each finished shard.
        shards (Sequence[ShardPlan]): The shards to compute, in order.
        source (StripSource): Makes the strips.
        compute (ComputeFn): Strips -> entries.
        batch_size (int): Strips per ``compute`` call.
        num_workers (int): Data-loader workers making strips.
        progress (bool): Show a progress bar (samples/s, ETA).
        strict (bool): Stop at the first strip that cannot be made.
        num_done (int): Samples already done (start of the bar).
        num_total (int, optional): Samples in all (end of the bar).

    Returns:
        dict[str, str]: The samples whose strips failed, with the reason.

    Raises:
        RuntimeError: ``strict`` and a strip failed (naming the sample).
    """
    names = [name for shard in shards for name in shard.samples]
    loader = DataLoader(
        source.dataset(names),
        batch_sampler=shard_batches(shards, batch_size),
        num_workers=num_workers,
        collate_fn=collate_items,
        # a killed run leaves no worker decoding on
        worker_init_fn=DieWithParent() if num_workers > 0 else None)
    rank, world = writer.rank, writer.world_size
    bar = tqdm(
        total=num_total if num_total is not None else len(names),
        initial=num_done,
        unit='sample',
        desc=f'text features (rank {rank}/{world})'
        if world > 1 else 'text features',
        position=rank if world > 1 else None,
        disable=not progress,
        dynamic_ncols=True)
    failed: Dict[str, str] = {}
    shard_iter = iter(shards)
    shard = next(shard_iter, None)
    features: Dict[str, List[PromptFeatures]] = {}
    shard_failed: Dict[str, str] = {}
    with bar:
        for batch in loader:
            ok = []
            for name, strip, error in batch:
                if error is not None:
                    if strict:
                        raise RuntimeError(f'sample {name!r}: cannot make '
                                           f'its strip: {error}')
                    logger.warning('sample %s: cannot make its strip: %s',
                                   name, error)
                    shard_failed[name] = error
                else:
                    ok.append((name, strip))
            if ok:
                entries = compute([strip for _, strip in ok])
                for (name, _), entry in zip(ok, entries):
                    features[name] = entry
            bar.update(len(batch))
            if len(features) + len(shard_failed) == len(shard.samples):
                writer.write_shard(shard, features, shard_failed)
                failed.update(shard_failed)
                features, shard_failed = {}, {}
                shard = next(shard_iter, None)
    return failed


def _check_recorded(cache_dir: str, settings: ExtractionSettings,
                    compute_dtype: str,
                    shard_size: int) -> Optional[CacheMeta]:
    """The recorded meta, refused if it was made with other settings
    (checked before loading the model: a wrong re-run fails at once)."""
    recorded = read_meta(cache_dir)
    if recorded is None:
        return None
    planned = CacheMeta(
        identity=settings.feature_identity(compute_dtype),
        storage_dtype=settings.storage_dtype,
        hidden_size=recorded.hidden_size,
        shard_size=shard_size,
        pool=settings.pool,
        sentence_dim=recorded.sentence_dim)
    differences = meta_differences(recorded, planned, check_widths=False)
    if differences:
        raise CacheMismatchError(mismatch_message(cache_dir, differences))
    return recorded


#: Samples per shard of a new cache (a resumed one keeps its own).
DEFAULT_SHARD_SIZE = 256


def extract_text_features(settings: ExtractionSettings,
                          source: StripSource,
                          cache_dir: str,
                          shard_size: Optional[int] = None,
                          batch_size: int = 8,
                          num_workers: int = 0,
                          device: Optional[str] = None,
                          rank: Optional[int] = None,
                          world_size: Optional[int] = None,
                          verify: str = 'checksum',
                          retry_failed: bool = False,
                          strict: bool = False,
                          progress: bool = True,
                          extractor=None) -> ExtractionSummary:
    """Extract the text features of every sample of ``source`` into the
    cache, resuming a previous run.

    The model is loaded only when this rank has shards to compute; with
    several ranks (torchrun), each computes its shards and the last one to
    finish writes the index.

    Args:
        settings (ExtractionSettings): What to extract.
        source (StripSource): The samples and their strips.
        cache_dir (str): The cache directory.
        shard_size (int, optional): Samples per shard (the unit of
            resumption); default: the recorded one of an existing cache,
            else :data:`DEFAULT_SHARD_SIZE`.
        batch_size (int): Strips per generate call.
        num_workers (int): Data-loader workers making strips.
        device (str, optional): Default: ``cuda:<local rank>`` or 'cpu'.
        rank (int, optional): Default: torchrun's ``RANK`` or 0.
        world_size (int, optional): Default: ``WORLD_SIZE`` or 1.
        verify (str): How finished shards are checked, 'checksum' or
            'size'.
        retry_failed (bool): Redo shards with failed samples.
        strict (bool): Stop at the first strip that cannot be made.
        progress (bool): Show a progress bar.
        extractor (TextFeatureExtractor, optional): An already loaded one
            (tests, benchmarks); else loaded when needed.

    Returns:
        ExtractionSummary: What was done.

    Raises:
        CacheMismatchError: The cache holds features of other settings.
        LockedError: Another process holds shards of this rank (another
            run on the directory).
    """
    rank, world_size, local_rank = dist_info(rank, world_size)
    device = device or default_device(local_rank)
    compute_dtype = extractor.answers.compute_dtype if extractor else \
        resolve_compute_dtype(settings.dtype, torch.device(device))
    samples = source.names()
    options = dict(
        rank=rank,
        world_size=world_size,
        verify=verify,
        retry_failed=retry_failed)

    if shard_size is None:
        recorded = read_meta(cache_dir)
        shard_size = recorded.shard_size if recorded else DEFAULT_SHARD_SIZE
    own_plan = [
        shard for shard in plan_shards(samples, shard_size)
        if shard.index % world_size == rank
    ]
    # before anything reads the directory: a second run stops at once
    locks = lock_shards(cache_dir, own_plan)
    try:
        recorded = _check_recorded(cache_dir, settings, compute_dtype,
                                   shard_size)
        pending = None
        if recorded is not None:
            writer = TextFeatureCacheWriter(cache_dir, recorded, samples,
                                            **options)
            pending = writer.pending_shards()
        computed_failed: Dict[str, str] = {}
        if pending != []:  # work to do (or a new cache): load the model
            if extractor is None:
                from .text_feature_extractor import TextFeatureExtractor
                extractor = TextFeatureExtractor(settings, device)
            writer = TextFeatureCacheWriter(cache_dir,
                                            extractor.meta(shard_size),
                                            samples, **options)
            writer.write_meta()  # also compares widths and prompt texts
            if pending is None:
                pending = writer.pending_shards()
        own = writer.own_shards()
        num_own = sum(len(s.samples) for s in own)
        num_pending = sum(len(s.samples) for s in pending)
        num_samples = sum(len(s.samples) for s in writer.shards)
        logger.info(
            '%s: %d samples in %d shards; rank %d/%d has %d samples, '
            '%d to compute', cache_dir, num_samples, len(writer.shards),
            rank, world_size, num_own, num_pending)
        if pending:
            writer.invalidate_index()
            computed_failed = run_shards(
                writer,
                pending,
                source,
                extractor,
                batch_size,
                num_workers,
                progress,
                strict,
                num_done=num_own - num_pending,
                num_total=num_own)
        index_written = writer.write_index()
    finally:
        locks.release()
    return ExtractionSummary(
        cache_dir=cache_dir,
        num_samples=num_samples,
        num_own=num_own,
        num_skipped=num_own - num_pending,
        num_computed=num_pending,
        failed=computed_failed,
        index_written=index_written)


__all__ = [
    'extract_text_features', 'run_shards', 'shard_batches',
    'ExtractionSummary', 'CacheMismatchError'
]

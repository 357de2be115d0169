"""Reading the sharded text-feature cache.

:class:`TextFeatureCache` loads the index once (a dict: O(1) lookup per
sample) and reads features through memory-mapped shard files, so a lookup
touches only the rows of that sample. :func:`open_text_feature_cache` is
what the dataset and the transforms use: it shares one reader per
directory and refuses to have caches of different models or prompts in use
at the same time.

Opening a cache verifies the size and SHA-256 of every shard against the
index (a corrupted shard would otherwise be read silently). For NTU RGB+D
120 with BLIP tokens (114k samples, 4 x 768 float16: 0.9 GB of shards)
hashing adds 0.7 s (0.77 s per GB, files in the page cache) to the 0.47 s
of reading the index (``benchmarks/benchmark_cache_verification.py``), so
it is the default. Each file is hashed
once per process (remembered by path, size, mtime and checksum), so the
datasets and transforms of a run that open the same cache, and the
data-loader workers forked from it, do not hash it again. The stamp is not
stored on disk: corruption that keeps a file's size and mtime (a bad
disk, a bit flip in a copy) is exactly what the checksum is for.
"""
import gc
import os
import os.path as osp
import weakref
from typing import Dict, List, Optional, Set, Tuple, Union

import numpy as np

from .cache_format import (INDEX_FILE, POOLED_KEY, SENTENCE_KEY, TOKEN_IDS_KEY,
                           TOKEN_IDS_PAD, TOKENS_KEY, CacheMeta,
                           CacheMismatchError, load_json, meta_differences,
                           sha256_file)

#: Shard files whose checksum this process verified: (real path, size,
#: mtime in ns, SHA-256).
_VERIFIED: Set[Tuple[str, int, int, str]] = set()


class TextFeatureCache:
    """Read-only access to a finished text-feature cache.

    Args:
        cache_dir (str): The cache directory (with ``index.json``).
        verify (str, optional): Check of the shard files on opening:
            'checksum' (size and SHA-256, the default), 'size' or None.

    Raises:
        FileNotFoundError: No index: the extraction has not finished.
        ValueError: The index is unreadable or of another format, or (with
            ``verify``) shard files are missing, truncated or corrupt
            (listing them, with the fix).
    """

    def __init__(self, cache_dir: str,
                 verify: Optional[str] = 'checksum') -> None:
        if verify not in ('checksum', 'size', None):
            raise ValueError(f"verify must be 'checksum', 'size' or None, "
                             f'got {verify!r}')
        self.cache_dir = cache_dir
        index_path = osp.join(cache_dir, INDEX_FILE)
        if not osp.isdir(cache_dir):
            raise FileNotFoundError(
                f'text-feature cache {cache_dir} does not exist; make it '
                f'with tools/extract_text_features.py')
        if not osp.exists(index_path):
            raise FileNotFoundError(
                f'text-feature cache {cache_dir} has no {INDEX_FILE}: its '
                f'extraction has not finished (run '
                f'tools/extract_text_features.py again to complete it)')
        stat = os.stat(index_path)
        self.index_stamp = (stat.st_mtime_ns, stat.st_size)
        index = load_json(index_path)
        if index is None:
            raise ValueError(f'{index_path} is not readable JSON')
        self.meta = CacheMeta.from_json(index.get('meta'), index_path)
        self.shards: List[dict] = index['shards']
        self.sample_entries: Dict[str, dict] = index['samples']
        self.failed: Dict[str, str] = index['failed']
        self._handles: Dict[int, object] = {}
        self._handles_pid = os.getpid()
        if verify is not None:
            problems = self.verify(checksum=verify == 'checksum')
            if problems:
                raise ValueError(
                    f'text-feature cache {cache_dir}: {len(problems)} of '
                    f'{len(self.shards)} shard files are damaged:\n  ' +
                    '\n  '.join(problems) + '\nRe-run '
                    'tools/extract_text_features.py with the settings that '
                    'made the cache: it redoes these shards (their records '
                    'keep the checksums) and writes the index again.')

    # ---------------------------------------------------------- lookup
    @property
    def prompts(self) -> List[str]:
        """The cache's prompts, in entry order."""
        return self.meta.prompts

    @property
    def fingerprint(self) -> str:
        """Hash of what made the features (see :class:`CacheMeta`)."""
        return self.meta.fingerprint

    def __len__(self) -> int:
        return len(self.sample_entries)

    def __contains__(self, sample: str) -> bool:
        return sample in self.sample_entries

    def names(self) -> List[str]:
        """Names of the samples with features."""
        return list(self.sample_entries)

    def prompt_index(self, prompt: Union[int, str]) -> int:
        """Index of a prompt given by index or text.

        Raises:
            ValueError: The cache has no such prompt.
        """
        prompts = self.prompts
        if isinstance(prompt, str):
            if prompt not in prompts:
                raise ValueError(f'text-feature cache {self.cache_dir} has '
                                 f'no prompt {prompt!r}; it has {prompts}')
            return prompts.index(prompt)
        if not -len(prompts) <= prompt < len(prompts):
            raise ValueError(f'prompt index {prompt} out of range: '
                             f'{self.cache_dir} has {len(prompts)} prompts')
        return prompt % len(prompts)

    def entry(self, sample: str) -> dict:
        """The index entry of ``sample`` (shard, rows, lengths, entries,
        answers).

        Raises:
            KeyError: The sample failed during extraction (with the
                reason) or is not in the cache.
        """
        try:
            return self.sample_entries[sample]
        except KeyError:
            pass
        if sample in self.failed:
            raise KeyError(f'sample {sample!r} has no text features in '
                           f'{self.cache_dir}: its extraction failed '
                           f'({self.failed[sample]})')
        raise KeyError(f'sample {sample!r} is not in the text-feature '
                       f'cache {self.cache_dir} ({len(self)} samples)')

    def answer(self, sample: str, prompt: Union[int, str] = 0) -> str:
        """The MLLM's answer text."""
        return self.entry(sample)['answers'][self.prompt_index(prompt)]

    def tokens(self, sample: str, prompt: Union[int, str] = 0) -> np.ndarray:
        """(L, D) answer-token features, in the storage dtype."""
        entry = self.entry(sample)
        p = self.prompt_index(prompt)
        row, length = entry['rows'][p], entry['lengths'][p]
        return self._slice(entry['shard'], TOKENS_KEY, row, row + length)

    def pooled(self, sample: str, prompt: Union[int, str] = 0) -> np.ndarray:
        """(D, ) mean of the token features (stored, or computed in
        float32 when the cache does not pool)."""
        if self.meta.pool is None:
            return self.tokens(sample, prompt).astype(np.float32).mean(0)
        entry = self.entry(sample)
        e = entry['entries'][self.prompt_index(prompt)]
        return self._slice(entry['shard'], POOLED_KEY, e, e + 1)[0]

    def sentence(self, sample: str, prompt: Union[int, str] = 0) -> np.ndarray:
        """(D_s, ) sentence-encoder vector of the answer.

        Raises:
            KeyError: The cache was made without a sentence encoder.
        """
        if self.meta.sentence_dim is None:
            raise KeyError(f'text-feature cache {self.cache_dir} was made '
                           f'without a sentence encoder')
        entry = self.entry(sample)
        e = entry['entries'][self.prompt_index(prompt)]
        return self._slice(entry['shard'], SENTENCE_KEY, e, e + 1)[0]

    def token_ids(self, sample: str,
                  prompt: Union[int, str] = 0) -> np.ndarray:
        """(S, ) int64 ids ``generate()`` returned for the answer
        (decoder start token where the model has one, answer, stop token;
        for BLIP VQA and a one-word answer the MMCL release's (3, ) FRM
        input).

        Raises:
            KeyError: The cache was made without ``token_ids``.
        """
        if self.meta.token_ids_width is None:
            raise KeyError(f'text-feature cache {self.cache_dir} was made '
                           f'without token ids (extraction setting '
                           f'token_ids=True)')
        entry = self.entry(sample)
        e = entry['entries'][self.prompt_index(prompt)]
        row = self._slice(entry['shard'], TOKEN_IDS_KEY, e, e + 1)[0]
        return row[row != TOKEN_IDS_PAD].astype(np.int64)

    # ----------------------------------------------------------- files
    def _shard_path(self, shard: int) -> str:
        return osp.join(self.cache_dir, self.shards[shard]['file'])

    def _handle(self, shard: int):
        """The open (memory-mapped) shard file, opened once per process."""
        if self._handles_pid != os.getpid():
            # a forked data-loader worker: do not share the parent's handles
            self._handles, self._handles_pid = {}, os.getpid()
        handle = self._handles.get(shard)
        if handle is None:
            path = self._shard_path(shard)
            expected = self.shards[shard]['size']
            try:
                size = osp.getsize(path)
            except OSError:
                raise FileNotFoundError(
                    f'shard file {path} of the text-feature cache is '
                    f'missing; re-run tools/extract_text_features.py (it '
                    f'redoes the shard)') from None
            if size != expected:
                raise ValueError(
                    f'shard file {path} has {size} bytes, the index says '
                    f'{expected}: truncated or replaced; re-run '
                    f'tools/extract_text_features.py (it redoes the shard)')
            from safetensors import safe_open
            handle = safe_open(path, framework='numpy')
            self._handles[shard] = handle
        return handle

    def _slice(self, shard: int, key: str, start: int,
               stop: int) -> np.ndarray:
        return np.asarray(self._handle(shard).get_slice(key)[start:stop])

    def verify(self, checksum: bool = True) -> List[str]:
        """Check every shard file against the index.

        Args:
            checksum (bool): Compare SHA-256 checksums (reads every file
            not yet verified by this process); False compares sizes only.

        Returns:
            list[str]: One line per bad shard; empty if all are intact.
        """
        problems = []
        for shard, info in enumerate(self.shards):
            path = self._shard_path(shard)
            try:
                stat = os.stat(path)
            except OSError:
                problems.append(f'{path}: missing')
                continue
            if stat.st_size != info['size']:
                problems.append(f'{path}: {stat.st_size} bytes, index '
                                f'says {info["size"]} (truncated or '
                                f'replaced)')
                continue
            if not checksum:
                continue
            stamp = (osp.realpath(path), stat.st_size, stat.st_mtime_ns,
                     info['sha256'])
            if stamp in _VERIFIED:
                continue
            if sha256_file(path) != info['sha256']:
                problems.append(f'{path}: SHA-256 mismatch (corrupt)')
            else:
                _VERIFIED.add(stamp)
        return problems

    def __getstate__(self) -> dict:
        # open files do not pickle (spawned data-loader workers)
        state = dict(self.__dict__)
        state['_handles'] = {}
        return state


#: Readers in use in this process, by real path (weak: a reader that
#: nothing holds any more does not count as in use).
_LIVE_CACHES: 'weakref.WeakValueDictionary[str, TextFeatureCache]' = \
    weakref.WeakValueDictionary()


def _conflicts(cache: TextFeatureCache) -> List[TextFeatureCache]:
    return [
        other for other in list(_LIVE_CACHES.values())
        if other is not cache and other.fingerprint != cache.fingerprint
    ]


def check_not_mixed(cache: TextFeatureCache) -> None:
    """Refuse ``cache`` if a cache of other features is in use.

    Raises:
        CacheMismatchError: Naming both caches and how they differ.
    """
    if _conflicts(cache):
        # readers of finished runs or tests may only await collection
        # (datasets and runners live in reference cycles); the list of
        # the first check must not be held here, it would keep them alive
        gc.collect()
    conflicts = _conflicts(cache)
    if conflicts:
        other = conflicts[0]
        differences = meta_differences(other.meta, cache.meta)
        raise CacheMismatchError(
            f'text-feature caches of different models/prompts/settings in '
            f'one run: {other.cache_dir} and {cache.cache_dir}. '
            f'Differences:\n  ' + '\n  '.join(differences))


def open_text_feature_cache(cache_dir: str,
                            expected: Optional[dict] = None
                            ) -> TextFeatureCache:
    """The shared reader of ``cache_dir``, checked against the caches in
    use and against ``expected``; a new reader verifies the shards'
    checksums (once per process and file, see the module docstring).

    Args:
        cache_dir (str): The cache directory.
        expected (dict, optional): Identity values the cache must have,
            e.g. ``dict(model='Salesforce/blip-vqa-base')`` or
            ``dict(prompts=[...])``; also ``hidden_size``.

    Raises:
        FileNotFoundError: No finished cache there.
        ValueError: Damaged shard files (listed, with the fix).
        CacheMismatchError: Another cache with other features is in use,
            or the cache does not match ``expected``.
    """
    key = osp.realpath(cache_dir)
    cache = _LIVE_CACHES.get(key)
    index = osp.join(cache_dir, INDEX_FILE)
    if cache is not None:
        try:
            stat = os.stat(index)
            if (stat.st_mtime_ns, stat.st_size) != cache.index_stamp:
                cache = None  # re-extracted since: read the new index
        except OSError:
            cache = None
    if cache is None:
        cache = TextFeatureCache(cache_dir)
    if expected:
        check_expected(cache, expected)
    check_not_mixed(cache)
    _LIVE_CACHES[key] = cache
    return cache


def check_expected(cache: TextFeatureCache, expected: dict) -> None:
    """Check the cache's identity against expected values.

    Raises:
        CacheMismatchError: A value differs or is unknown.
    """
    recorded = dict(
        cache.meta.identity,
        hidden_size=cache.meta.hidden_size,
        sentence_dim=cache.meta.sentence_dim)
    lines = []
    for key, value in expected.items():
        if key not in recorded:
            lines.append(f'{key}: not recorded (known: {sorted(recorded)})')
        elif isinstance(value, (list, tuple)) and \
                list(value) != list(recorded[key]):
            lines.append(f'{key}: cache has {recorded[key]!r}, expected '
                         f'{list(value)!r}')
        elif not isinstance(value, (list, tuple)) and \
                value != recorded[key]:
            lines.append(f'{key}: cache has {recorded[key]!r}, expected '
                         f'{value!r}')
    if lines:
        raise CacheMismatchError(
            f'text-feature cache {cache.cache_dir} is not the expected '
            f'one:\n  ' + '\n  '.join(lines))


__all__ = ['TextFeatureCache', 'open_text_feature_cache', 'check_not_mixed']

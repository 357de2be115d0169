"""Loading of the per-sample features that MMCL trains with.

- text features: an MLLM's answer-token features, used by FRM, always
  given as ``text_feature`` (P, L, D) float32 -- P prompts of L tokens of
  width D -- with ``text_mask`` (P, L) bool marking the valid tokens;
- strip features: a frozen image encoder's pooled feature of the frame
  strip, (D, ), cached once so that FAM needs no video decoding.

Both are ``.npy`` files (or ``.npz`` with the array under ``feature``)
named after the sample, joined by :class:`MMCLPoseDataset`; text features
can also come from the sharded cache of ``tools/extract_text_features.py``
(:class:`LoadTextFeatureFromCache`).

A text-feature file holds one of:

- (D, ): one prompt, one vector (P = 1, L = 1);
- (L, D): one prompt, L tokens (P = 1);
- (P, L, D): P prompts of L tokens each (P vectors are (P, 1, D));
- a ``.npz`` with one of those under ``feature`` and, for prompts of
  different lengths, a bool ``mask`` shaped as ``feature`` without D
  ((L, ) or (P, L)), True at the valid tokens. Every prompt needs at least
  one valid token.
"""
import os
import os.path as osp
import re
import zipfile
from typing import (Any, BinaryIO, Callable, Dict, List, Optional, Sequence,
                    Tuple, Union)

import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from mmcl_plugin.models.modalities import (STRIP_FEATURE, TEXT_FEATURE,
                                           pad_tokens)
from mmcl_plugin.text_cache.answers import yes_no_onehot
from mmcl_plugin.text_cache.cache_reader import (TextFeatureCache,
                                                 open_text_feature_cache)

#: Key of the array in ``.npz`` feature files.
NPZ_FEATURE_KEY = 'feature'
#: Key of the optional valid-token mask in ``.npz`` text-feature files.
NPZ_MASK_KEY = 'mask'


def read_feature_file(path: str) -> Dict[str, np.ndarray]:
    """The arrays of a feature file: ``feature`` (the array of a ``.npy``,
    or key ``feature`` of a ``.npz``) and ``mask`` when a ``.npz`` has it.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file is not a readable array file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError('file not found')
    try:
        # No pickles: a feature file is plain numbers.
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f'not a readable .npy/.npz file ({error})')
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            if NPZ_FEATURE_KEY not in loaded.files:
                raise ValueError(f'.npz file without key '
                                 f'{NPZ_FEATURE_KEY!r} (keys: '
                                 f'{loaded.files})')
            return {
                key: loaded[key]
                for key in (NPZ_FEATURE_KEY, NPZ_MASK_KEY)
                if key in loaded.files
            }
    return {NPZ_FEATURE_KEY: loaded}


#: Entries of a .npy header (a Python dict literal).
_NPY_SHAPE = re.compile(rb"'shape'\s*:\s*\(([^)]*)\)")
_NPY_DESCR = re.compile(rb"'descr'\s*:\s*'([^']*)'")


def npy_header(f: BinaryIO) -> Tuple[Tuple[int, ...], np.dtype, int]:
    """Shape, dtype and data offset from the header of an open ``.npy``
    file, reading the header only (a few µs, against about 100 µs for
    ``numpy.lib.format``'s parser: 57k files at start-up).

    Raises:
        ValueError: Not a ``.npy`` header.
    """
    magic = f.read(8)
    if len(magic) < 8 or magic[:6] != b'\x93NUMPY':
        raise ValueError('not a .npy file')
    length_bytes = 2 if magic[6] == 1 else 4
    raw = f.read(length_bytes)
    header = f.read(int.from_bytes(raw, 'little'))
    shape, descr = _NPY_SHAPE.search(header), _NPY_DESCR.search(header)
    if len(raw) < length_bytes or shape is None or descr is None:
        raise ValueError('the .npy header is cut short')
    dims = tuple(int(v) for v in shape.group(1).split(b',') if v.strip())
    return dims, np.dtype(descr.group(1).decode()), 8 + length_bytes + len(
        header)


def feature_file_shape(path: str) -> Tuple[int, ...]:
    """Shape of a feature file's array (``.npy``, or ``feature`` of a
    ``.npz``), from its header; a ``.npy`` shorter than its header says is
    refused.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: Not a readable ``.npy``/``.npz`` feature file.
    """
    try:
        if path.endswith('.npz'):
            with zipfile.ZipFile(path) as archive, \
                    archive.open(NPZ_FEATURE_KEY + '.npy') as f:
                return npy_header(f)[0]
        with open(path, 'rb') as f:
            shape, dtype, offset = npy_header(f)
            size = os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        raise
    except (OSError, ValueError, TypeError, KeyError,
            zipfile.BadZipFile) as error:
        raise ValueError(f'not a readable .npy/.npz file ({error})') from None
    expected = offset + int(np.prod(shape)) * dtype.itemsize
    if size < expected:
        raise ValueError(f'the .npy file is cut short ({size} bytes, its '
                         f'{shape} {dtype} array needs {expected})')
    return shape


def text_feature_dims(shape: Sequence[int]) -> Tuple[int, int]:
    """(P, D) of a stored text feature of shape (D, ), (L, D) or (P, L, D)
    (what :func:`as_text_feature` makes of it).

    Raises:
        ValueError: Another number of dims, or no prompt, token or width.
    """
    shape = tuple(shape)
    if len(shape) not in (1, 2, 3):
        raise ValueError(f'feature has shape {shape}, expected (D, ), '
                         f'(L, D) or (P, L, D)')
    if 0 in shape:
        raise ValueError(f'feature is empty (shape {shape})')
    return (shape[0] if len(shape) == 3 else 1), shape[-1]


def feature_problem(feature: np.ndarray) -> str:
    """What is wrong with a (..., D) float feature, or '' if nothing."""
    if feature.size == 0:
        return f'feature is empty (shape {feature.shape})'
    finite = np.isfinite(feature)
    if not finite.all():
        return (f'feature contains NaN/inf at '
                f'{feature.size - int(np.count_nonzero(finite))} values')
    return ''


def as_text_feature(array: np.ndarray,
                    mask: Optional[np.ndarray] = None
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """Text features as (P, L, D) float32 with their (P, L) bool mask.

    A (D, ) vector is one prompt of one token, (L, D) one prompt of L
    tokens; (P, L, D) is kept.

    Args:
        array (np.ndarray): (D, ), (L, D) or (P, L, D) features.
        mask (np.ndarray, optional): Bool mask of the valid tokens, shaped
            as ``array`` without D; None: all tokens are valid.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``text_feature`` (P, L, D) float32
        and ``text_mask`` (P, L) bool.

    Raises:
        ValueError: Wrong number of dims, no prompt or token, a mask that
            does not fit or leaves a prompt without tokens, or non-finite
            values.
    """
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f'feature has non-numeric dtype {array.dtype}')
    if array.ndim not in (1, 2, 3):
        raise ValueError(f'feature has shape {array.shape}, expected '
                         f'(D, ), (L, D) or (P, L, D)')
    if mask is None:
        mask = np.ones(array.shape[:-1], dtype=bool)
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.shape != array.shape[:-1]:
        raise ValueError(f'mask must be bool of shape {array.shape[:-1]} '
                         f'(the feature without D), got {mask.shape} '
                         f'{mask.dtype}')
    lead = (1, ) * (3 - array.ndim)  # (D, ) -> (1, 1, D), (L, D) -> (1, L, D)
    feature = np.asarray(array, dtype=np.float32).reshape(lead + array.shape)
    mask = mask.reshape(lead + mask.shape)
    if feature.shape[0] == 0:
        raise ValueError(f'feature has no prompt (shape {array.shape})')
    if feature.shape[1] == 0:
        raise ValueError(f'feature has no token (shape {array.shape})')
    empty = np.flatnonzero(~mask.any(axis=1))
    if empty.size:
        raise ValueError(f'mask leaves prompt(s) {empty.tolist()} without '
                         f'a valid token')
    problem = feature_problem(feature)
    if problem:
        raise ValueError(problem)
    return feature, mask


def as_vector_feature(array: np.ndarray) -> np.ndarray:
    """A pooled feature as (D, ) float32; (1, D) is accepted too.

    Raises:
        ValueError: Wrong shape, empty, or non-finite values.
    """
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f'feature has non-numeric dtype {array.dtype}')
    feature = np.asarray(array, dtype=np.float32)
    if feature.ndim == 2 and feature.shape[0] == 1:
        feature = feature[0]
    if feature.ndim != 1:
        raise ValueError(f'feature has shape {array.shape}, expected '
                         f'(D, )')
    problem = feature_problem(feature)
    if problem:
        raise ValueError(problem)
    return feature


def load_sample_feature(results: Dict, path_key: str,
                        convert: Callable[[Dict[str, np.ndarray]], Any],
                        transform_name: str) -> Any:
    """Read ``results[path_key]`` and convert it, naming the sample and
    the file in every error.

    Args:
        results (dict): The data info.
        path_key (str): Key of the file path.
        convert (Callable): Takes the arrays of :func:`read_feature_file`
            and gives the loaded value, raising ValueError for bad arrays.
        transform_name (str): Prefix of the error messages.

    Returns:
        The converted feature.
    """
    sample = repr(results.get('frame_dir', '<unknown frame_dir>'))
    if path_key not in results:
        raise KeyError(f'{transform_name}: sample {sample} has no '
                       f'`{path_key}`; set the matching root of '
                       f'MMCLPoseDataset')
    path = results[path_key]
    try:
        return convert(read_feature_file(path))
    except FileNotFoundError as error:
        raise FileNotFoundError(f'{transform_name}: sample {sample}: '
                                f'{error}: {path}') from None
    except ValueError as error:
        raise ValueError(f'{transform_name}: sample {sample} ({path}): '
                         f'{error}') from None


@TRANSFORMS.register_module()
class LoadTextFeature(BaseTransform):
    """Load a sample's MLLM text features from its feature file.

    The file holds (D, ), (L, D) or (P, L, D) features, or a ``.npz`` with
    them under ``feature`` and an optional bool ``mask`` (see the module
    docstring).

    Required Keys:

        - text_feature_path
        - frame_dir (for error messages)

    Added Keys:

        - text_feature: (P, L, D) float32 (a stored (L, D) is P = 1, a
          (D, ) vector P = L = 1)
        - text_mask: (P, L) bool, True at valid tokens (all True unless
          the file has a mask)
    """

    def transform(self, results: Dict) -> Dict:
        """Add ``text_feature`` and ``text_mask`` to ``results``.

        Raises:
            KeyError: ``text_feature_path`` is not set.
            FileNotFoundError: The file does not exist.
            ValueError: The file is unreadable, its array is not (D, ),
                (L, D) or (P, L, D), has no token, holds NaN/inf, or its
                mask does not fit.
        """
        feature, mask = load_sample_feature(
            results, 'text_feature_path',
            lambda arrays: as_text_feature(arrays[NPZ_FEATURE_KEY],
                                           arrays.get(NPZ_MASK_KEY)),
            self.__class__.__name__)
        results[TEXT_FEATURE.results_key] = feature
        results[TEXT_FEATURE.mask_key] = mask
        return results


@TRANSFORMS.register_module()
class LoadStripFeature(BaseTransform):
    """Load a sample's cached frame-strip feature (frozen FAM encoder).

    Required Keys:

        - strip_feature_path
        - frame_dir (for error messages)

    Added Keys:

        - strip_feature: (D, ) float32
    """

    def transform(self, results: Dict) -> Dict:
        """Add ``strip_feature`` to ``results``.

        Raises:
            KeyError: ``strip_feature_path`` is not set.
            FileNotFoundError: The file does not exist.
            ValueError: The file is unreadable, its array is not (D, ) /
                (1, D), is empty, or holds NaN/inf.
        """
        results[STRIP_FEATURE.results_key] = load_sample_feature(
            results, 'strip_feature_path',
            lambda arrays: as_vector_feature(arrays[NPZ_FEATURE_KEY]),
            self.__class__.__name__)
        return results


#: Features ``LoadTextFeatureFromCache`` can give.
CACHE_FEATURES = ('tokens', 'pooled', 'sentence', 'onehot', 'token_ids')


@TRANSFORMS.register_module()
class LoadTextFeatureFromCache(BaseTransform):
    """Load a sample's MLLM text features from a text-feature cache.

    The cache (``tools/extract_text_features.py``) holds, per sample and
    prompt, the answer, its token features, their mean and optionally a
    sentence-encoder vector; lookups are O(1) and memory-mapped. Caches
    made with different models, prompts or settings cannot be used in one
    run (``CacheMismatchError``).

    Required Keys:

        - frame_dir
        - text_feature_cache (set by ``MMCLPoseDataset(text_feature_cache=
          ...)``), unless ``cache_dir`` is given

    Added Keys:

        - text_feature: (P, L, D) float32 for the P selected prompts, for
          ``FRMHead(num_prompts=P)``: the answer tokens of every prompt,
          zero-padded to the longest (``feature='tokens'``), or one vector
          per prompt, L = 1 (other features)
        - text_mask: (P, L) bool, True at each prompt's tokens

    Args:
        cache_dir (str, optional): The cache; default: the data info's
            ``text_feature_cache``.
        feature (str): 'tokens' (answer-token features, the paper's),
            'pooled' (their mean), 'sentence' (sentence-encoder vector of
            the answer), 'onehot' (the paper's binary variant: the
            answer's yes/no as a (2, ) one-hot [yes, no]) or 'token_ids'
            (the MMCL release's FRM input: the answer's generated ids as
            floats, (3, ) for BLIP VQA's one-word answers; caches extracted
            with ``token_ids=True``).
        prompts (Sequence[int | str], optional): The cache's prompts to
            use, by index or text, in this order; default all.
        expected (dict, optional): Values the cache must have been made
            with, e.g. ``dict(model='Salesforce/blip-vqa-base')``; keys of
            its identity (model, prompts, layer, ...) or ``hidden_size``.
        unknown_answer (str): For 'onehot', an answer that is neither yes
            nor no: 'error' (default) or 'zeros' (an all-zero vector).
    """

    def __init__(self,
                 cache_dir: Optional[str] = None,
                 feature: str = 'tokens',
                 prompts: Optional[Sequence[Union[int, str]]] = None,
                 expected: Optional[dict] = None,
                 unknown_answer: str = 'error') -> None:
        if feature not in CACHE_FEATURES:
            raise ValueError(f'feature must be one of {CACHE_FEATURES}, got '
                             f'{feature!r}')
        if unknown_answer not in ('error', 'zeros'):
            raise ValueError(f"unknown_answer must be 'error' or 'zeros', "
                             f'got {unknown_answer!r}')
        if prompts is not None and (isinstance(prompts, (str, int))
                                    or not prompts):
            raise ValueError(f'prompts must be a non-empty list of prompt '
                             f'indices or texts, got {prompts!r}')
        self.cache_dir = cache_dir
        self.feature = feature
        self.prompts = None if prompts is None else list(prompts)
        self.expected = dict(expected) if expected else None
        self.unknown_answer = unknown_answer
        # opened lazily, once per directory (and process)
        self._caches: Dict[str, TextFeatureCache] = {}
        if cache_dir is not None:
            self._cache(cache_dir)  # fail at build time, not mid-epoch

    def _cache(self, cache_dir: str) -> TextFeatureCache:
        cache = self._caches.get(cache_dir)
        if cache is None:
            cache = open_text_feature_cache(cache_dir, self.expected)
            for prompt in self.prompts or []:
                cache.prompt_index(prompt)  # raises for unknown prompts
            self._caches[cache_dir] = cache
        return cache

    def _prompt_indices(self, cache: TextFeatureCache) -> List[int]:
        if self.prompts is None:
            return list(range(len(cache.prompts)))
        return [cache.prompt_index(p) for p in self.prompts]

    def _vector(self, cache: TextFeatureCache, sample: str,
                prompt: int) -> np.ndarray:
        if self.feature == 'pooled':
            return cache.pooled(sample, prompt)
        if self.feature == 'sentence':
            return cache.sentence(sample, prompt)
        if self.feature == 'token_ids':
            return cache.token_ids(sample, prompt).astype(np.float32)
        answer = cache.answer(sample, prompt)
        onehot = yes_no_onehot(answer)
        if onehot is None:
            if self.unknown_answer == 'error':
                raise ValueError(
                    f'answer {answer!r} to prompt '
                    f'{cache.prompts[prompt]!r} is neither yes nor no (set '
                    f"unknown_answer='zeros' to accept such answers)")
            onehot = np.zeros(2, dtype=np.float32)
        return onehot

    def _feature(self, cache: TextFeatureCache, sample: str,
                 prompts: List[int]) -> Tuple[np.ndarray, np.ndarray]:
        """(P, L, D) features and their (P, L) mask."""
        if self.feature == 'tokens':
            tokens = [
                torch.from_numpy(
                    np.asarray(cache.tokens(sample, p), dtype=np.float32))
                for p in prompts
            ]
            feature, mask = pad_tokens(tokens)
            return feature.numpy(), mask.numpy()
        vectors = np.stack([
            np.asarray(self._vector(cache, sample, p), dtype=np.float32)
            for p in prompts
        ])
        return vectors[:, None], np.ones((len(prompts), 1), dtype=bool)

    def transform(self, results: Dict) -> Dict:
        """Add ``text_feature`` and ``text_mask`` to ``results``.

        Raises:
            KeyError: No cache directory, or the sample is not in the cache
                (or failed in extraction), naming sample and cache.
            ValueError: The features are not finite, a prompt has no
                token, or an unknown answer for 'onehot'.
        """
        name = self.__class__.__name__
        sample = str(results.get('frame_dir', '<unknown frame_dir>'))
        cache_dir = self.cache_dir or results.get('text_feature_cache')
        if cache_dir is None:
            raise KeyError(f'{name}: sample {sample!r} has no '
                           f'`text_feature_cache`; set it in MMCLPoseDataset '
                           f'or give cache_dir')
        cache = self._cache(cache_dir)
        prompts = self._prompt_indices(cache)
        try:
            feature, mask = as_text_feature(
                *self._feature(cache, sample, prompts))
        except KeyError as error:
            raise KeyError(f'{name}: {error.args[0]}') from None
        except ValueError as error:
            raise ValueError(f'{name}: sample {sample!r} ({cache_dir}): '
                             f'{error}') from None
        results[TEXT_FEATURE.results_key] = feature
        results[TEXT_FEATURE.mask_key] = mask
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(cache_dir={self.cache_dir!r}, '
                f'feature={self.feature!r}, prompts={self.prompts!r})')


__all__ = [
    'LoadTextFeature', 'LoadStripFeature', 'LoadTextFeatureFromCache',
    'feature_file_shape', 'text_feature_dims'
]

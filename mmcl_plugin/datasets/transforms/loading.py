"""Loading of the per-sample features that MMCL trains with.

- text features: an MLLM's answer-token features, (L, D), used by FRM;
- strip features: a frozen image encoder's pooled feature of the frame
  strip, (D, ), cached once so that FAM needs no video decoding.

Both are ``.npy`` files (or ``.npz`` with the array under ``feature``)
named after the sample, joined by :class:`MMCLPoseDataset`.
"""
import os.path as osp
from typing import Callable, Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

#: Key of the array in ``.npz`` feature files.
NPZ_FEATURE_KEY = 'feature'


def read_feature_file(path: str) -> np.ndarray:
    """The array of a ``.npy`` file, or of key ``feature`` of a ``.npz``.

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
            return loaded[NPZ_FEATURE_KEY]
    return loaded


def feature_problem(feature: np.ndarray) -> str:
    """What is wrong with a (..., D) float feature, or '' if nothing."""
    if feature.size == 0:
        return f'feature is empty (shape {feature.shape})'
    finite = np.isfinite(feature)
    if not finite.all():
        return (f'feature contains NaN/inf at '
                f'{feature.size - int(np.count_nonzero(finite))} values')
    return ''


def as_token_features(array: np.ndarray) -> np.ndarray:
    """Text features as (L, D) float32; a (D, ) vector is one token.

    Raises:
        ValueError: Wrong number of dims, no token, or non-finite values.
    """
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f'feature has non-numeric dtype {array.dtype}')
    feature = np.asarray(array, dtype=np.float32)
    if feature.ndim == 1:
        feature = feature[None]
    if feature.ndim != 2:
        raise ValueError(f'feature has shape {array.shape}, expected '
                         f'(L, D) or (D, )')
    if feature.shape[0] == 0:
        raise ValueError(f'feature has no token (shape {array.shape})')
    problem = feature_problem(feature)
    if problem:
        raise ValueError(problem)
    return feature


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
                        convert: Callable[[np.ndarray], np.ndarray],
                        transform_name: str) -> np.ndarray:
    """Read ``results[path_key]`` and convert it, naming the sample and
    the file in every error.

    Args:
        results (dict): The data info.
        path_key (str): Key of the file path.
        convert (Callable): :func:`as_token_features` or
            :func:`as_vector_feature`.
        transform_name (str): Prefix of the error messages.

    Returns:
        np.ndarray: The converted feature.
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
    """Load a sample's MLLM text features.

    Required Keys:

        - text_feature_path
        - frame_dir (for error messages)

    Added Keys:

        - text_feature: (L, D) float32; a stored (D, ) vector becomes
          (1, D)
    """

    def transform(self, results: Dict) -> Dict:
        """Add ``text_feature`` to ``results``.

        Raises:
            KeyError: ``text_feature_path`` is not set.
            FileNotFoundError: The file does not exist.
            ValueError: The file is unreadable, its array is not (L, D) /
                (D, ), has no token, or holds NaN/inf.
        """
        results['text_feature'] = load_sample_feature(results,
                                                      'text_feature_path',
                                                      as_token_features,
                                                      self.__class__.__name__)
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
        results['strip_feature'] = load_sample_feature(results,
                                                       'strip_feature_path',
                                                       as_vector_feature,
                                                       self.__class__.__name__)
        return results


__all__ = ['LoadTextFeature', 'LoadStripFeature']

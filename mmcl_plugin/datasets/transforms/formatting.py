"""Packing of the training-only MMCL inputs into the data samples."""
from typing import Dict

import numpy as np
import torch
from mmaction.datasets.transforms import PackActionInputs
from mmaction.registry import TRANSFORMS


def strip_to_tensor(strip: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 RGB strip to a (3, H, W) uint8 tensor.

    Raises:
        ValueError: The strip is not (H, W, 3) uint8.
    """
    strip = np.asarray(strip)
    if strip.ndim != 3 or strip.shape[2] != 3 or strip.dtype != np.uint8:
        raise ValueError(f'frame_strip must be (H, W, 3) uint8, got '
                         f'{strip.shape} {strip.dtype}')
    return torch.from_numpy(np.ascontiguousarray(strip.transpose(2, 0, 1)))


def feature_to_tensor(feature: np.ndarray, ndim: int,
                      name: str) -> torch.Tensor:
    """A feature array to a float32 tensor of ``ndim`` dims.

    Raises:
        ValueError: The feature has another number of dims.
    """
    feature = np.asarray(feature, dtype=np.float32)
    if feature.ndim != ndim:
        raise ValueError(f'{name} must have {ndim} dims, got shape '
                         f'{feature.shape}')
    return torch.from_numpy(np.ascontiguousarray(feature))


@TRANSFORMS.register_module()
class PackMMCLInputs(PackActionInputs):
    """:class:`PackActionInputs` plus MMCL's training-only inputs.

    The skeleton (``keypoint``) is packed as ``inputs`` exactly as
    :class:`PackActionInputs` does; the following keys, when present,
    become fields of the data sample (read by ``MMCLDataPreprocessor``):

    - ``frame_strip`` (H, W, 3) uint8 -> ``frame_strip`` (3, H, W)
      ``torch.uint8``;
    - ``text_feature`` (L, D) -> ``text_feature`` (L, D) ``torch.float32``;
    - ``strip_feature`` (D, ) -> ``strip_feature`` (D, )
      ``torch.float32``.

    Without them the output is that of :class:`PackActionInputs`.

    Args:
        collect_keys (tuple[str], optional): See :class:`PackActionInputs`.
        meta_keys (Sequence[str]): See :class:`PackActionInputs`.
        algorithm_keys (Sequence[str]): See :class:`PackActionInputs`.
    """

    def transform(self, results: Dict) -> Dict:
        """Pack ``results`` into ``inputs`` and ``data_samples``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: ``inputs`` (the skeleton tensor) and ``data_samples``
            (:obj:`ActionDataSample` with the MMCL fields).
        """
        packed = super().transform(results)
        data_sample = packed['data_samples']
        if 'frame_strip' in results:
            data_sample.set_field(strip_to_tensor(results['frame_strip']),
                                  'frame_strip')
        if 'text_feature' in results:
            data_sample.set_field(
                feature_to_tensor(results['text_feature'], 2, 'text_feature'),
                'text_feature')
        if 'strip_feature' in results:
            data_sample.set_field(
                feature_to_tensor(results['strip_feature'], 1,
                                  'strip_feature'), 'strip_feature')
        return packed


__all__ = ['PackMMCLInputs']

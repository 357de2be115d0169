"""Packing of the training-only MMCL inputs into the data samples."""
from typing import Dict

import numpy as np
import torch
from mmaction.datasets.transforms import PackActionInputs
from mmaction.registry import TRANSFORMS

from mmcl_plugin.models.modalities import MODALITIES, Modality, mask_problem


def modality_to_tensor(modality: Modality, array: np.ndarray) -> torch.Tensor:
    """A modality's results array as its data-sample tensor.

    Checks the layout (``modality.results_dims``) and dtype, converts the
    dtype when ``modality.cast``, and transposes to ``modality.dims``.

    Args:
        modality (Modality): The table entry.
        array (np.ndarray): The results array.

    Returns:
        torch.Tensor: Laid out as ``modality.dims``, of ``modality.dtype``.

    Raises:
        ValueError: Wrong number of dims, a fixed size that differs, or a
            wrong (or, when casting, non-numeric) dtype.
    """
    array = np.asarray(array)
    dims = modality.results_dims or modality.dims
    dtype = np.dtype(modality.dtype)
    expected = f'{modality.results_layout} {modality.dtype}'
    fits = array.ndim == len(dims) and all(
        isinstance(d, str) or array.shape[i] == d for i, d in enumerate(dims))
    if modality.cast:
        fits = fits and (np.issubdtype(array.dtype, np.number)
                         or array.dtype == np.bool_)
    else:
        fits = fits and array.dtype == dtype
    if not fits:
        raise ValueError(f'{modality.results_key} must be {expected}, got '
                         f'{array.shape} {array.dtype}')
    array = array.astype(dtype, copy=False)
    if modality.results_axes is not None:
        array = array.transpose(modality.results_axes)
    return torch.from_numpy(np.ascontiguousarray(array))


def mask_to_tensor(modality: Modality, mask: np.ndarray,
                   feature: torch.Tensor) -> torch.Tensor:
    """A modality's bool mask, checked against its packed feature.

    Raises:
        ValueError: The mask is not bool or not shaped as the feature
            without its last dim.
    """
    mask = np.asarray(mask)
    problem = mask_problem(modality, feature.shape, mask.shape,
                           str(mask.dtype))
    if problem:
        raise ValueError(problem)
    return torch.from_numpy(np.ascontiguousarray(mask))


@TRANSFORMS.register_module()
class PackMMCLInputs(PackActionInputs):
    """:class:`PackActionInputs` plus MMCL's training-only inputs.

    The skeleton (``keypoint``) is packed as ``inputs`` exactly as
    :class:`PackActionInputs` does; every modality of
    :data:`mmcl_plugin.models.modalities.MODALITIES` whose results key is
    present becomes a field of the data sample (read by
    ``MMCLDataPreprocessor``):

    - ``frame_strip`` (H, W, 3) uint8 -> ``frame_strip`` (3, H, W)
      ``torch.uint8``;
    - ``strip_feature`` (D, ) -> ``strip_feature`` (D, ) ``torch.float32``;
    - ``text_feature`` (P, L, D) -> ``text_feature`` (P, L, D)
      ``torch.float32``, and its ``text_mask`` (P, L) bool, when given,
      -> ``text_mask`` (P, L) ``torch.bool`` (no mask: all tokens valid).

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

        Raises:
            ValueError: A modality's array (or mask) has the wrong layout
                or dtype, naming the sample.
        """
        packed = super().transform(results)
        data_sample = packed['data_samples']
        for modality in MODALITIES:
            if modality.results_key not in results:
                continue
            try:
                feature = modality_to_tensor(modality,
                                             results[modality.results_key])
                data_sample.set_field(feature, modality.field)
                mask = results.get(modality.mask_key) \
                    if modality.mask_key else None
                if mask is not None:
                    data_sample.set_field(
                        mask_to_tensor(modality, mask, feature),
                        modality.mask_field)
            except ValueError as error:
                sample = results.get('frame_dir', '<unknown frame_dir>')
                raise ValueError(f'{self.__class__.__name__}: sample '
                                 f'{sample!r}: {error}') from None
        return packed


__all__ = ['PackMMCLInputs']

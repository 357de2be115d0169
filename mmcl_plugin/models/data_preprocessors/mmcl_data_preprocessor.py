"""Data preprocessor that also batches the training-only MMCL inputs."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmaction.models import ActionDataPreprocessor
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from ..modalities import MODALITIES, Modality, mask_problem, pad_tokens


def short_side_size(height: int, width: int, short_side: int):
    """Output (height, width) of a resize that keeps the aspect ratio and
    makes the shorter side ``short_side``, with torchvision's rounding of
    ``Resize(int)`` (the longer side is truncated: 224 x 1120 -> 299 x
    1495)."""
    if height <= width:
        return short_side, int(short_side * width / height)
    return int(short_side * height / width), short_side


def resize_short_side(images: torch.Tensor, short_side: int) -> torch.Tensor:
    """Bilinearly resize images so that their shorter side is
    ``short_side``, keeping the aspect ratio.

    Args:
        images (torch.Tensor): (N, C, H, W) float images.
        short_side (int): Size of the shorter side after resizing.

    Returns:
        torch.Tensor: (N, C, H', W') with ``min(H', W') == short_side``.
    """
    size = short_side_size(images.size(-2), images.size(-1), short_side)
    if tuple(images.shape[-2:]) == size:
        return images
    return F.interpolate(
        images, size=size, mode='bilinear', align_corners=False,
        antialias=True)


def sample_name(data_sample, index: int) -> str:
    """Name of a sample for error messages (frame_dir when known)."""
    return str(data_sample.metainfo.get('frame_dir', f'#{index}'))


def check_layouts(modality: Modality, tensors: Sequence[torch.Tensor],
                  data_samples: SampleList) -> None:
    """Check that a batch's tensors of one modality can be batched.

    Every tensor must be laid out as ``modality.dims`` (fixed sizes
    included), and the samples must agree on every size but the tokens
    (the second-to-last dim) of a padded modality.

    Raises:
        ValueError: Naming the samples and the dim that does not fit.
    """
    names = [sample_name(s, i) for i, s in enumerate(data_samples)]
    for name, tensor in zip(names, tensors):
        if tensor.dim() != len(modality.dims) or any(
                isinstance(d, int) and tensor.size(i) != d
                for i, d in enumerate(modality.dims)):
            raise ValueError(f'{modality.field} of sample {name!r} has '
                             f'shape {tuple(tensor.shape)}, expected '
                             f'{modality.layout}')
    padded = len(modality.dims) - 2 if modality.batching == 'pad' else None
    for axis, dim in enumerate(modality.dims):
        if axis == padded or isinstance(dim, int):
            continue
        sizes: Dict[int, List[str]] = {}
        for name, tensor in zip(names, tensors):
            sizes.setdefault(tensor.size(axis), []).append(name)
        if len(sizes) > 1:
            found = '; '.join(f'{size} in {group[:10]}'
                              for size, group in sizes.items())
            raise ValueError(f'the samples of a batch must agree on {dim} '
                             f'of {modality.field} {modality.layout}: '
                             f'{found}')


@MODELS.register_module()
class MMCLDataPreprocessor(ActionDataPreprocessor):
    """Batch skeletons as usual, plus the training-only modalities.

    In training, every field of
    :data:`mmcl_plugin.models.modalities.MODALITIES` that ``PackMMCLInputs``
    stored in the data samples becomes the model's keyword input named by
    the table:

    - ``frame_strip`` (3, H, W) uint8 -> ``frame_strips`` (N, 3, H', W')
      float, resized with ``strip_short_side`` (when set) and normalised
      with ``strip_mean``/``strip_std``;
    - ``strip_feature`` (D, ) -> ``strip_features`` (N, D);
    - ``text_feature`` (P, L_i, D) with ``text_mask`` (P, L_i) ->
      ``text_features`` (N, P, L_max, D) zero-padded and ``text_masks``
      (N, P, L_max), False at padded and masked tokens (a sample without
      ``text_mask`` has all its tokens valid). P must be equal across the
      batch.

    At test time they are never needed nor batched.

    With ``strip_short_side`` the batched strips are first resized (on the
    device, bilinear, aspect ratio kept) so that their shorter side has that
    size, as the MMCL release's ``transforms.Resize(299)`` does before its
    Inception-v3: the strips are built, cached and transferred at their
    built size, and the encoder's input size is a property of the encoder
    config, not of the strip.

    Args:
        strip_mean (Sequence[float]): Per-channel RGB mean of the strips.
            Defaults to ImageNet's.
        strip_std (Sequence[float]): Per-channel RGB std of the strips.
        strip_short_side (int, optional): Resize the strips to this shorter
            side before normalising. Defaults to None (built size).
        **kwargs: Arguments of :class:`ActionDataPreprocessor` for the
            skeleton inputs.
    """

    def __init__(self,
                 strip_mean: Sequence[float] = (123.675, 116.28, 103.53),
                 strip_std: Sequence[float] = (58.395, 57.12, 57.375),
                 strip_short_side: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if strip_short_side is not None and strip_short_side < 1:
            raise ValueError(f'strip_short_side must be a positive size, '
                             f'got {strip_short_side}')
        self.strip_short_side = strip_short_side
        self.register_buffer(
            'strip_mean',
            torch.tensor(strip_mean, dtype=torch.float32).view(-1, 1, 1),
            False)
        self.register_buffer(
            'strip_std',
            torch.tensor(strip_std, dtype=torch.float32).view(-1, 1, 1),
            False)

    def forward(self, data, training: bool = False):
        data = super().forward(data, training)
        if training:
            if isinstance(data, tuple):
                for one in data:
                    one.update(self.batch_aux_inputs(one['data_samples']))
            else:
                data.update(self.batch_aux_inputs(data['data_samples']))
        return data

    def batch_aux_inputs(self, data_samples: SampleList) -> Dict:
        """Batch the training-only fields present in the data samples.

        Returns:
            dict: The model-input keywords of the present modalities.

        Raises:
            ValueError: A field is missing in some samples, or the samples'
                tensors cannot be batched (naming the samples).
        """
        aux = dict()
        for modality in MODALITIES:
            tensors = self._collect(data_samples, modality.field)
            if tensors is None:
                continue
            check_layouts(modality, tensors, data_samples)
            if modality.batching == 'pad':
                masks = [sample.get(modality.mask_field)
                         for sample in data_samples]
                self._check_masks(modality, tensors, masks, data_samples)
                batch, mask = pad_tokens([t.float() for t in tensors], masks)
                aux[modality.input_name] = batch
                aux[modality.mask_input_name] = mask
                continue
            if modality.batching == 'normalise':
                batch = self.prepare_strips(torch.stack(tensors))
            else:
                batch = torch.stack(tensors).float()
            aux[modality.input_name] = batch
        return aux

    def prepare_strips(self, strips: torch.Tensor) -> torch.Tensor:
        """Resize (with ``strip_short_side``) and normalise strips.

        Args:
            strips (torch.Tensor): (N, 3, H, W) RGB strips, 0-255 (uint8 or
                float).

        Returns:
            torch.Tensor: (N, 3, H', W') float32 encoder input.
        """
        strips = strips.float()
        if self.strip_short_side is not None:
            strips = resize_short_side(strips, self.strip_short_side)
        return (strips - self.strip_mean) / self.strip_std

    @staticmethod
    def _check_masks(modality: Modality, tensors: Sequence[torch.Tensor],
                     masks: Sequence[Optional[torch.Tensor]],
                     data_samples: SampleList) -> None:
        for index, (tensor, mask) in enumerate(zip(tensors, masks)):
            if mask is None:
                continue
            problem = mask_problem(modality, tensor.shape, mask.shape,
                                   str(mask.dtype).replace('torch.', ''))
            if problem:
                name = sample_name(data_samples[index], index)
                raise ValueError(f'sample {name!r}: {problem}')

    @staticmethod
    def _collect(data_samples: SampleList,
                 field: str) -> Optional[List[torch.Tensor]]:
        present = [field in sample for sample in data_samples]
        if not any(present):
            return None
        if not all(present):
            missing = [
                sample_name(s, i) for i, (s, p) in enumerate(
                    zip(data_samples, present)) if not p
            ]
            raise ValueError(f'{field} is missing in {len(missing)} of '
                             f'{len(data_samples)} samples of the batch: '
                             f'{missing[:10]}')
        return [sample.get(field) for sample in data_samples]

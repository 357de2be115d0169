"""Data preprocessor that also batches the training-only MMCL inputs."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmaction.models import ActionDataPreprocessor
from mmaction.registry import MODELS
from mmaction.utils import SampleList


def pad_token_features(features: List[torch.Tensor]):
    """Pad variable-length token features to one batch.

    Args:
        features (list[torch.Tensor]): N tensors of shape (L_i, D).

    Returns:
        tuple[torch.Tensor, torch.Tensor]: Features (N, max L_i, D) and the
        boolean mask of valid tokens (N, max L_i).
    """
    length = max(f.size(0) for f in features)
    batch = features[0].new_zeros((len(features), length, features[0].size(1)))
    mask = torch.zeros((len(features), length), dtype=torch.bool,
                       device=batch.device)
    for i, feature in enumerate(features):
        batch[i, :feature.size(0)] = feature
        mask[i, :feature.size(0)] = True
    return batch, mask


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


@MODELS.register_module()
class MMCLDataPreprocessor(ActionDataPreprocessor):
    """Batch skeletons as usual, plus frame strips and text features.

    In training, the fields ``frame_strip`` (3, H, W) uint8,
    ``strip_feature`` (D, ) and ``text_feature`` (L, D) that
    ``PackMMCLInputs`` stores in the data samples are batched into the
    model's keyword inputs ``frame_strips`` (N, 3, H, W) float normalised
    with ``strip_mean``/``strip_std``, ``strip_features`` (N, D),
    ``text_features`` (N, L_max, D) and ``text_masks`` (N, L_max). At test
    time they are never needed nor batched.

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
        """Batch the training-only fields present in the data samples."""
        aux = dict()
        strips = self._collect(data_samples, 'frame_strip')
        if strips is not None:
            aux['frame_strips'] = self.prepare_strips(torch.stack(strips))
        strip_features = self._collect(data_samples, 'strip_feature')
        if strip_features is not None:
            aux['strip_features'] = torch.stack(strip_features).float()
        text_features = self._collect(data_samples, 'text_feature')
        if text_features is not None:
            aux['text_features'], aux['text_masks'] = pad_token_features(
                [f.float() for f in text_features])
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

"""Valid-frame crop and temporal resize of the official CTR-GCN NTU feeder."""
from typing import Dict, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


def valid_frame_count(keypoint: np.ndarray) -> int:
    """Frames whose coordinates do not sum to 0, as the official feeder.

    ``feeders/feeder_ntu.py`` counts ``data.sum(C).sum(V).sum(M) != 0``
    and then crops from frame 0, i.e. it expects the valid frames first
    (:class:`OfficialNTUPreprocess` leaves them so).

    Args:
        keypoint (np.ndarray): (M, T, V, C).

    Returns:
        int: The number of valid frames.
    """
    return int(np.sum(keypoint.sum(axis=(0, 2, 3)) != 0))


def resize_frames(keypoint: np.ndarray, clip_len: int) -> np.ndarray:
    """Linear resize of the time axis, as the official feeder does it.

    Every (person, joint, axis) series is one row of a (M * V * C, T)
    image resized to (M * V * C, clip_len) by ``F.interpolate`` (bilinear,
    ``align_corners=False``; the row count does not change, so it is a
    linear interpolation in time).

    Args:
        keypoint (np.ndarray): (M, T, V, C).
        clip_len (int): Output frames.

    Returns:
        np.ndarray: (M, clip_len, V, C) float32.
    """
    M, T, V, C = keypoint.shape
    rows = torch.from_numpy(
        np.ascontiguousarray(keypoint.transpose(0, 2, 3, 1),
                             dtype=np.float32)).reshape(M * V * C, T)
    resized = F.interpolate(
        rows[None, None],
        size=(M * V * C, clip_len),
        mode='bilinear',
        align_corners=False)[0, 0]
    return resized.reshape(M, V, C, clip_len).permute(0, 3, 1, 2).numpy()


@TRANSFORMS.register_module()
class ValidCropResize(BaseTransform):
    """Crop an interval of the valid frames and resize it to ``clip_len``.

    Reproduces ``valid_crop_resize`` of the official CTR-GCN code
    (``feeders/tools.py``) as ``feeders/feeder_ntu.py`` calls it; the
    sampler of the official NTU recipe (64 frames, ``p_interval`` (0.5, 1)
    in training, (0.95, ) in testing). With ``valid`` the number of valid
    frames (:func:`valid_frame_count`):

    - one ``p_interval`` value p (testing): the centre crop
      ``[bias, valid - bias)``, ``bias = int((1 - p) * valid / 2)``;
    - two values (p0, p1) (training): ``p = np.random.rand(1) * (p1 - p0)
      + p0``, ``length = min(max(floor(valid * p), min_length), valid)``
      and ``bias = np.random.randint(0, valid - length + 1)`` (the same
      NumPy calls in the same order, so seeding NumPy reproduces the
      official draws).

    The crop is resized to ``clip_len`` frames by linear interpolation
    (:func:`resize_frames`). Bone and motion streams must be computed
    after this step, as the official feeder does.

    Required Keys:

        - keypoint: (M, T, V, C), valid frames first

    Modified Keys:

        - keypoint: (M, clip_len, V, C) float32

    Added Keys:

        - frame_inds: (length, ) the cropped input frames (for
          ``BuildFrameStrip``), ``clip_len``, ``num_clips`` (1)

    Args:
        clip_len (int): Output frames (the official ``window_size``).
            Defaults to 64.
        p_interval (Sequence[float]): (p, ) for the centre crop or
            (p0, p1) for the random one. Defaults to (0.5, 1).
        min_length (int): Shortest random crop (the official code
            hard-codes 64, whatever the window). Defaults to 64.
    """

    def __init__(self,
                 clip_len: int = 64,
                 p_interval: Sequence[float] = (0.5, 1),
                 min_length: int = 64) -> None:
        p_interval = tuple(float(p) for p in p_interval)
        if len(p_interval) not in (1, 2) or not all(
                0 < p <= 1 for p in p_interval):
            raise ValueError('p_interval must be (p, ) or (p0, p1) with '
                             f'values in (0, 1], got {p_interval}')
        self.clip_len = clip_len
        self.p_interval = p_interval
        self.min_length = min_length

    def crop_window(self, valid: int) -> slice:
        """The cropped frames of ``valid`` valid ones (draws in training)."""
        if len(self.p_interval) == 1:
            bias = int((1 - self.p_interval[0]) * valid / 2)
            return slice(bias, valid - bias)
        p0, p1 = self.p_interval
        p = np.random.rand(1) * (p1 - p0) + p0
        length = min(max(int(np.floor(valid * p[0])), self.min_length), valid)
        bias = np.random.randint(0, valid - length + 1)
        return slice(bias, bias + length)

    def transform(self, results: Dict) -> Dict:
        """Crop and resize ``keypoint``.

        Raises:
            ValueError: The sample has no valid frame, or the centre crop
                is empty (named by its ``frame_dir``).
        """
        keypoint = np.asarray(results['keypoint'], dtype=np.float32)
        valid = valid_frame_count(keypoint)
        name = results.get('frame_dir', '<unknown>')
        if valid == 0:
            raise ValueError(f'ValidCropResize: sample {name!r} has no '
                             'frame with a non-zero joint')
        window = self.crop_window(valid)
        if window.stop <= window.start:
            raise ValueError(f'ValidCropResize: sample {name!r}: the crop '
                             f'of {self.p_interval} of {valid} valid frames '
                             'is empty')
        results['keypoint'] = resize_frames(keypoint[:, window],
                                            self.clip_len)
        results['frame_inds'] = np.arange(window.start, window.stop)
        results['clip_len'] = self.clip_len
        results['num_clips'] = 1
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'p_interval={self.p_interval}, '
                f'min_length={self.min_length})')

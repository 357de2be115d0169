"""Random 3-D rotation of the official CTR-GCN NTU feeder."""
from typing import Dict

import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


def official_rotation(angles: torch.Tensor) -> torch.Tensor:
    """The rotations of ``feeders/tools.py`` ``_rot``, one per row.

    ``R = Rz @ Ry @ Rx`` with (c, s = cos, sin of the axis's angle)
    ``Rx = [[1, 0, 0], [0, c, s], [0, -s, c]]``,
    ``Ry = [[c, 0, -s], [0, 1, 0], [s, 0, c]]``,
    ``Rz = [[c, s, 0], [-s, c, 0], [0, 0, 1]]``; a point x becomes R x.

    Args:
        angles (torch.Tensor): (T, 3) float32 angles about x, y, z (rad).

    Returns:
        torch.Tensor: (T, 3, 3) float32 rotations.
    """
    cos, sin = angles.cos(), angles.sin()  # (T, 3)
    zero, one = torch.zeros_like(cos[:, 0]), torch.ones_like(cos[:, 0])

    def matrix(rows):
        return torch.stack([torch.stack(row, dim=-1) for row in rows], dim=1)

    cx, cy, cz = cos.unbind(dim=1)
    sx, sy, sz = sin.unbind(dim=1)
    rx = matrix([(one, zero, zero), (zero, cx, sx), (zero, -sx, cx)])
    ry = matrix([(cy, zero, -sy), (zero, one, zero), (sy, zero, cy)])
    rz = matrix([(cz, sz, zero), (-sz, cz, zero), (zero, zero, one)])
    return rz.matmul(ry).matmul(rx)


@TRANSFORMS.register_module()
class OfficialRandomRotate3D(BaseTransform):
    """Rotate the whole clip by one random 3-D rotation.

    Reproduces ``random_rot`` of the official CTR-GCN code
    (``feeders/tools.py``, used by ``feeders/feeder_ntu.py`` after
    ``valid_crop_resize``): the angles are drawn by
    ``torch.zeros(3).uniform_(-theta, theta)`` from torch's generator (so
    seeding torch reproduces the official draws) and every point x of
    every frame and actor becomes R x, R of :func:`official_rotation`,
    in float32. Zero-padded actors and frames stay zero. Apply it before
    the bone / motion streams are made.

    This is not :class:`RandomRotate3D` (NumPy draws and the transposed
    rotation convention).

    Required Keys:

        - keypoint: (M, T, V, 3)

    Modified Keys:

        - keypoint: (M, T, V, 3) float32

    Args:
        theta (float): Largest angle per axis in radians. Defaults to 0.3.
    """

    def __init__(self, theta: float = 0.3) -> None:
        self.theta = theta

    def transform(self, results: Dict) -> Dict:
        """Rotate ``keypoint`` by freshly drawn angles."""
        keypoint = np.asarray(results['keypoint'], dtype=np.float32)
        M, T, V, C = keypoint.shape
        angles = torch.zeros(3).uniform_(-self.theta, self.theta)
        # the official (T, 3, V * M) layout and per-frame batched products
        rotation = official_rotation(angles.expand(T, 3))
        points = torch.from_numpy(
            np.ascontiguousarray(keypoint.transpose(1, 3, 2, 0))).reshape(
                T, C, V * M)
        rotated = torch.matmul(rotation, points)
        results['keypoint'] = np.ascontiguousarray(
            rotated.reshape(T, C, V, M).numpy().transpose(3, 0, 2, 1))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(theta={self.theta})'

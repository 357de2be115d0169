"""View augmentation and min-max normalisation of the official NW-UCLA
feeder."""
import math
import random
from typing import Dict, Sequence

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

#: Joint 2 of NW-UCLA's 20 (spine), 0-based: the official origin.
SPINE = 1


def view_transform(points: np.ndarray, agx: float, agy: float,
                   scale: float) -> np.ndarray:
    """``rand_view_transform`` of the official NW-UCLA feeder.

    Row vectors X (N, 3) become ``X @ (Ry @ (Rx @ S))`` with the angles in
    degrees, ``Rx = [[1, 0, 0], [0, c, s], [0, -s, c]]``,
    ``Ry = [[c, 0, -s], [0, 1, 0], [s, 0, c]]`` and ``S = scale * I``.

    Args:
        points (np.ndarray): (N, 3) float64 points.
        agx (float): Angle about x in degrees.
        agy (float): Angle about y in degrees.
        scale (float): Scale factor.

    Returns:
        np.ndarray: (N, 3) float64.
    """
    agx, agy = math.radians(agx), math.radians(agy)
    rx = np.asarray([[1, 0, 0], [0, math.cos(agx), math.sin(agx)],
                     [0, -math.sin(agx), math.cos(agx)]])
    ry = np.asarray([[math.cos(agy), 0, -math.sin(agy)], [0, 1, 0],
                     [math.sin(agy), 0, math.cos(agy)]])
    scaling = np.asarray([[scale, 0, 0], [0, scale, 0], [0, 0, scale]])
    return np.dot(points, np.dot(ry, np.dot(rx, scaling)))


@TRANSFORMS.register_module()
class OfficialNWUCLANormalize(BaseTransform):
    """Centre, randomly view-transform and min-max normalise NW-UCLA clips.

    Reproduces ``feeders/feeder_ucla.py`` ``__getitem__`` of the official
    CTR-GCN code up to its frame sampling (see
    :class:`OfficialNWUCLASampleFrames`), in float64:

    1. training only: ``random.random()`` (drawn and discarded, as the
       official code does), ``agx = random.randint(-60, 60)``,
       ``agy = random.randint(-60, 60)``, ``s = random.uniform(0.5, 1.5)``
       from Python's ``random`` (the same calls in the same order, so
       seeding ``random`` reproduces the official draws); testing uses
       0, 0 and 1;
    2. the clip is centred on joint 2 (spine) of its first frame;
    3. every joint becomes ``x @ (Ry @ (Rx @ S))`` (:func:`view_transform`);
    4. each axis is min-max normalised to [-1, 1] over all frames and
       joints of the clip.

    Required Keys:

        - keypoint: (1, T, V, 3)

    Modified Keys:

        - keypoint: (1, T, V, 3) float32

    Args:
        max_angle (int): Largest rotation about x and about y, in whole
            degrees. Defaults to 60.
        scale_range (Sequence[float]): Range of the scale factor.
            Defaults to (0.5, 1.5).
        test_mode (bool): No augmentation (angles 0, scale 1). Defaults
            to False.
    """

    def __init__(self,
                 max_angle: int = 60,
                 scale_range: Sequence[float] = (0.5, 1.5),
                 test_mode: bool = False) -> None:
        self.max_angle = max_angle
        self.scale_range = tuple(scale_range)
        self.test_mode = test_mode

    def draw(self) -> tuple:
        """(agx, agy, scale) of one sample: drawn, or the identity."""
        if self.test_mode:
            return 0, 0, 1.0
        random.random()
        agx = random.randint(-self.max_angle, self.max_angle)
        agy = random.randint(-self.max_angle, self.max_angle)
        return agx, agy, random.uniform(*self.scale_range)

    def transform(self, results: Dict) -> Dict:
        """Normalise ``keypoint``.

        Raises:
            ValueError: The sample has more than one person, or an axis
                with no extent (min-max would divide by 0); named by its
                ``frame_dir``.
        """
        keypoint = np.asarray(results['keypoint'])
        name = results.get('frame_dir', '<unknown>')
        if keypoint.shape[0] != 1:
            raise ValueError(f'OfficialNWUCLANormalize: sample {name!r} has '
                             f'{keypoint.shape[0]} persons, expected 1')
        value = keypoint[0].astype(np.float64)  # (T, V, 3)
        agx, agy, scale = self.draw()
        value = value - value[0, SPINE, :]
        points = view_transform(value.reshape(-1, 3), agx, agy, scale)
        low, high = points.min(axis=0), points.max(axis=0)
        if np.any(high == low):
            raise ValueError(f'OfficialNWUCLANormalize: sample {name!r} has '
                             f'no extent along axis {np.argmax(high == low)}')
        points = (points - low) / (high - low) * 2 - 1
        results['keypoint'] = points.reshape(
            (1, ) + value.shape).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_angle={self.max_angle}, '
                f'scale_range={self.scale_range}, '
                f'test_mode={self.test_mode})')

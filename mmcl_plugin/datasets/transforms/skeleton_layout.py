"""Skeleton transforms for layouts that mmaction2 does not name.

mmaction2's ``JointToBone`` / ``GenSkeFeat`` know the bones of 'nturgb+d',
'openpose' and 'coco' only; these variants take the layout (e.g.
NW-UCLA's 20 Kinect v1 joints) as a graph-layout dict, the same dict the
backbones' ``graph_cfg`` uses. Random 3-D rotation and scaling are the view
and scale augmentations usual for single-view sets such as NW-UCLA.
"""
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np
from mmaction.datasets.transforms import (GenSkeFeat, JointToBone,
                                          MergeSkeFeat, ToMotion)
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform, Compose, KeyMapper

from ...models.utils.graph_layouts import GRAPH_LAYOUTS, resolve_layout


def layout_of(layout: Union[str, Dict]) -> Dict:
    """A graph-layout dict, or the dict of a name of ``GRAPH_LAYOUTS``."""
    resolved = resolve_layout(layout)
    if not isinstance(resolved, dict):
        raise ValueError(
            f'layout {layout!r}: use mmaction2\'s JointToBone / GenSkeFeat '
            f'for its own layouts; this transform takes a layout dict or one '
            f'of {tuple(GRAPH_LAYOUTS)}')
    return resolved


def bone_pairs(layout: Dict) -> List[Tuple[int, int]]:
    """(joint, parent) pairs of a graph-layout dict; the centre is its own
    parent, so its bone is zero, as in mmaction2's NTU pairs."""
    pairs = [tuple(pair) for pair in layout['inward']]
    pairs.append((layout['center'], layout['center']))
    return pairs


@TRANSFORMS.register_module()
class LayoutJointToBone(JointToBone):
    """``JointToBone`` for a graph-layout dict.

    Args:
        layout (dict or str): ``num_node``, ``inward`` (child, parent) pairs
            and ``center``, as accepted by mmaction2's ``Graph``, or the
            name of such a dict in ``GRAPH_LAYOUTS`` (e.g. ``'ctrgcn_ntu'``).
        target (str): Key of the bone feature. Defaults to 'keypoint'.
    """

    def __init__(self,
                 layout: Union[str, Dict],
                 target: str = 'keypoint') -> None:
        self.dataset = 'custom'
        self.layout = layout_of(layout)
        self.target = target
        self.pairs = bone_pairs(self.layout)


@TRANSFORMS.register_module()
class LayoutGenSkeFeat(GenSkeFeat):
    """``GenSkeFeat`` (j / b / jm / bm streams) for a graph-layout dict.

    Args:
        layout (dict or str): Graph-layout dict or name, see
            :class:`LayoutJointToBone`.
        feats (list[str]): Streams to concatenate. Defaults to ``['j']``.
        axis (int): Concatenation axis. Defaults to -1.
    """

    def __init__(self,
                 layout: Union[str, Dict],
                 feats: Sequence[str] = ('j', ),
                 axis: int = -1) -> None:
        self.dataset = 'custom'
        self.layout = layout = layout_of(layout)
        self.feats = list(feats)
        self.axis = axis
        ops = []
        if 'b' in feats or 'bm' in feats:
            ops.append(LayoutJointToBone(layout, target='b'))
        ops.append(KeyMapper(remapping={'keypoint': 'j'}))
        if 'jm' in feats:
            ops.append(ToMotion(source='j', target='jm'))
        if 'bm' in feats:
            ops.append(ToMotion(source='b', target='bm'))
        ops.append(MergeSkeFeat(feat_list=self.feats, axis=axis))
        self.ops = Compose(ops)


def rotation_matrix(angles: np.ndarray) -> np.ndarray:
    """Rotation about x, then y, then z by ``angles`` (3, ) radians."""
    cx, cy, cz = np.cos(angles)
    sx, sy, sz = np.sin(angles)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


@TRANSFORMS.register_module()
class RandomRotate3D(BaseTransform):
    """Rotate 3-D skeletons by random angles in [-theta, theta] per axis.

    Missing joints (all zero) stay zero. Applied to ``keypoint`` of shape
    (M, T, V, 3), before the stream features are made.

    Args:
        theta (float): Largest angle in radians. Defaults to 0.3.
    """

    def __init__(self, theta: float = 0.3) -> None:
        self.theta = theta

    def transform(self, results: Dict) -> Dict:
        keypoint = results['keypoint']
        angles = np.random.uniform(-self.theta, self.theta, size=3)
        rotation = rotation_matrix(angles).astype(np.float32)
        results['keypoint'] = (keypoint @ rotation.T).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(theta={self.theta})'


@TRANSFORMS.register_module()
class RandomScale3D(BaseTransform):
    """Scale 3-D skeletons per axis by random factors in [1-s, 1+s].

    Args:
        scale (float): Largest relative change. Defaults to 0.1.
    """

    def __init__(self, scale: float = 0.1) -> None:
        self.scale = scale

    def transform(self, results: Dict) -> Dict:
        factors = np.random.uniform(1 - self.scale, 1 + self.scale, size=3)
        results['keypoint'] = (results['keypoint'] *
                               factors.astype(np.float32)).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(scale={self.scale})'

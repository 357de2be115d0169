import numpy as np

from mmcl_tools.converters.nwucla import NWUCLA_LAYOUT
from mmcl_plugin.datasets.transforms.skeleton_layout import (
    LayoutGenSkeFeat, RandomRotate3D, RandomScale3D, bone_pairs,
    rotation_matrix)


def skeleton(seed=0):
    return np.random.default_rng(seed).normal(
        size=(1, 6, 20, 3)).astype(np.float32)


def test_bones_follow_the_layout():
    kp = skeleton()
    out = LayoutGenSkeFeat(NWUCLA_LAYOUT, feats=['b'])(dict(keypoint=kp))
    bones = out['keypoint']
    assert bones.shape == (1, 6, 20, 3)
    for child, parent in NWUCLA_LAYOUT['inward']:
        np.testing.assert_allclose(bones[..., child, :],
                                   kp[..., child, :] - kp[..., parent, :])
    assert np.all(bones[..., NWUCLA_LAYOUT['center'], :] == 0)
    assert len(bone_pairs(NWUCLA_LAYOUT)) == 20


def test_all_streams_concatenate():
    kp = skeleton()
    out = LayoutGenSkeFeat(
        NWUCLA_LAYOUT, feats=['j', 'b', 'jm', 'bm'])(dict(keypoint=kp))
    assert out['keypoint'].shape == (1, 6, 20, 12)
    motion = out['keypoint'][..., 6:9]
    np.testing.assert_allclose(motion[:, :-1], kp[:, 1:] - kp[:, :-1],
                               atol=1e-6)


def test_rotation_keeps_lengths_and_changes_coordinates():
    np.random.seed(0)
    kp = skeleton()
    out = RandomRotate3D(theta=0.3)(dict(keypoint=kp.copy()))['keypoint']
    np.testing.assert_allclose(
        np.linalg.norm(out, axis=-1), np.linalg.norm(kp, axis=-1),
        rtol=1e-5)
    assert not np.allclose(out, kp)
    r = rotation_matrix(np.array([0.1, -0.2, 0.3]))
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
    zero = RandomRotate3D()(dict(keypoint=np.zeros((1, 2, 20, 3),
                                                   np.float32)))
    assert np.all(zero['keypoint'] == 0)


def test_scale_within_bounds():
    np.random.seed(1)
    kp = np.ones((1, 2, 20, 3), np.float32)
    out = RandomScale3D(scale=0.1)(dict(keypoint=kp))['keypoint']
    factors = out[0, 0, 0]
    assert np.all((factors >= 0.9) & (factors <= 1.1))
    assert np.allclose(out, factors)

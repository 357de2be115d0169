"""Transforms of the official CTR-GCN NW-UCLA data path, by hand."""
import math
import random

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS

from mmcl_plugin.datasets.transforms import (LayoutGenSkeFeat,
                                             OfficialNWUCLANormalize,
                                             OfficialNWUCLASampleFrames)
from mmcl_plugin.datasets.transforms.official_nwucla_normalize import \
    view_transform

pytestmark = pytest.mark.numerics


def clip(num_frames: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(
        -1, 2, (1, num_frames, 20, 3)).astype(np.float32)


def test_view_transform_convention():
    # row vectors times Ry @ Rx @ S; 90 degrees about x maps y to z
    np.testing.assert_allclose(
        view_transform(np.array([[0., 1., 0.]]), 90, 0, 1), [[0, 0, 1]],
        atol=1e-12)
    # 90 degrees about y maps x to -z; the scale multiplies
    np.testing.assert_allclose(
        view_transform(np.array([[1., 0., 0.]]), 0, 90, 2), [[0, 0, -2]],
        atol=1e-12)


def test_test_mode_centres_and_min_max_normalises():
    keypoint = np.zeros((1, 2, 20, 3), np.float32)
    keypoint[0, 0, :, 0] = np.arange(20)  # x: 0..19 in frame 0
    keypoint[0, 1, :, 0] = np.arange(20) + 20  # 20..39 in frame 1
    keypoint[0, :, :, 1] = 5
    keypoint[0, 1, 3, 1] = 9  # y: 5 except one joint
    keypoint[0, :, :, 2] = np.linspace(1, 3, 20)
    out = OfficialNWUCLANormalize(test_mode=True)(
        dict(keypoint=keypoint))['keypoint']
    assert out.shape == (1, 2, 20, 3) and out.dtype == np.float32
    # min-max over the whole clip per axis, to [-1, 1] (the centring on
    # frame 0's joint 2 is a shift, which min-max removes)
    np.testing.assert_allclose(out[0, 0, :, 0], np.arange(20) / 39 * 2 - 1,
                               atol=1e-6)
    np.testing.assert_allclose(
        out[0, 1, 3], [23 / 39 * 2 - 1, 1, 6 / 19 - 1], atol=1e-6)
    assert out[0, 0, 0, 1] == -1
    np.testing.assert_allclose(out[0, 0, :, 2], np.linspace(-1, 1, 20),
                               atol=1e-6)


def test_training_draws_with_pythons_random_as_the_official():
    keypoint = clip()
    random.seed(11)
    random.random()
    agx, agy = random.randint(-60, 60), random.randint(-60, 60)
    scale = random.uniform(0.5, 1.5)
    value = keypoint[0].astype(np.float64)
    value = value - value[0, 1]
    ax, ay = math.radians(agx), math.radians(agy)
    rx = np.array([[1, 0, 0], [0, math.cos(ax), math.sin(ax)],
                   [0, -math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, -math.sin(ay)], [0, 1, 0],
                   [math.sin(ay), 0, math.cos(ay)]])
    points = value.reshape(-1, 3) @ (ry @ rx * scale)
    low, high = points.min(0), points.max(0)
    expected = ((points - low) / (high - low) * 2 - 1).reshape(value.shape)
    random.seed(11)
    out = OfficialNWUCLANormalize()(dict(keypoint=keypoint))['keypoint']
    np.testing.assert_allclose(out[0], expected, atol=1e-6)
    # four draws consumed, as the official feeder
    after = random.random()
    random.seed(11)
    [random.random(), random.randint(-60, 60), random.randint(-60, 60),
     random.uniform(0.5, 1.5)]
    assert random.random() == after


def test_normalize_errors_name_the_sample():
    with pytest.raises(ValueError, match="'two' has 2 persons"):
        OfficialNWUCLANormalize(test_mode=True)(
            dict(keypoint=np.ones((2, 3, 20, 3)), frame_dir='two'))
    flat = clip()
    flat[..., 2] = 0.7
    with pytest.raises(ValueError, match="'flat' has no extent along axis 2"):
        OfficialNWUCLANormalize(test_mode=True)(
            dict(keypoint=flat, frame_dir='flat'))


def test_test_sampling_is_linspace():
    keypoint = np.arange(10, dtype=np.float32).reshape(1, 10, 1, 1)
    out = OfficialNWUCLASampleFrames(clip_len=4, test_mode=True)(
        dict(keypoint=keypoint))
    np.testing.assert_array_equal(out['frame_inds'], [0, 3, 6, 9])
    np.testing.assert_array_equal(out['keypoint'].ravel(), [0, 3, 6, 9])
    # np.linspace(0, 6, 4) = 0, 2, 4, 6; (0, 4, 5) -> 0, 1.33, 2.67, 4
    out = OfficialNWUCLASampleFrames(clip_len=4, test_mode=True)(
        dict(keypoint=np.zeros((1, 5, 1, 1))))
    np.testing.assert_array_equal(out['frame_inds'], [0, 1, 2, 4])
    out = OfficialNWUCLASampleFrames(clip_len=52, test_mode=True)(
        dict(keypoint=np.zeros((1, 1, 20, 3))))
    assert out['keypoint'].shape == (1, 52, 20, 3)
    assert out['num_clips'] == 1 and out['clip_len'] == 52


@pytest.mark.parametrize('num_frames', [1, 7, 80])
def test_training_sampling_reproduces_the_official_draws(num_frames):
    random.seed(num_frames)
    official = random.sample(list(np.arange(num_frames)) * 100, 52)
    official.sort()
    random.seed(num_frames)
    out = OfficialNWUCLASampleFrames(clip_len=52)(
        dict(keypoint=np.zeros((1, num_frames, 20, 3))))
    np.testing.assert_array_equal(out['frame_inds'], official)
    assert out['keypoint'].shape == (1, 52, 20, 3)


def test_official_nwucla_bones_by_name():
    keypoint = clip(seed=2)
    bones = LayoutGenSkeFeat('ctrgcn_nwucla', feats=['b'])(
        dict(keypoint=keypoint.copy()))['keypoint']
    # official feeder_ucla.py bones (1-based): (1, 2), (2, 3), (3, 3)
    np.testing.assert_allclose(bones[..., 0, :],
                               keypoint[..., 0, :] - keypoint[..., 1, :])
    np.testing.assert_allclose(bones[..., 1, :],
                               keypoint[..., 1, :] - keypoint[..., 2, :])
    assert not bones[..., 2, :].any()


@pytest.mark.parametrize('step', [
    dict(type='OfficialNWUCLANormalize', test_mode=True),
    dict(type='OfficialNWUCLASampleFrames', clip_len=52)
])
def test_registered(step):
    assert TRANSFORMS.build(step).__class__.__name__ == step['type']

"""Transforms of the official CTR-GCN NTU data path, by hand."""
import math

import numpy as np
import pytest
import torch
from mmaction.registry import TRANSFORMS

from mmcl_plugin.datasets.transforms import (LayoutGenSkeFeat,
                                             OfficialNTUPreprocess,
                                             OfficialRandomRotate3D,
                                             ValidCropResize)
from mmcl_plugin.datasets.transforms.official_random_rotate import \
    official_rotation
from mmcl_plugin.datasets.transforms.valid_crop_resize import \
    valid_frame_count

from numerics import rounding_bound  # noqa: E402

#: float32 operations of the linear resize per value: the sample position
#: ((i + 0.5) * scale - 0.5, on the scale of the frame count), the weight
#: and the blend of the two neighbours (on the scale of the values)
RESIZE_OPS = 4


def resize_tolerance(num_frames: int, max_value: float) -> float:
    """Rounding bound of a float32 resize of a ramp of slope 1: position
    errors (frame count scale) and value errors (value scale) add."""
    return rounding_bound(None, RESIZE_OPS, torch.float32,
                          scale=num_frames + max_value)


pytestmark = pytest.mark.numerics


def body(value: float) -> np.ndarray:
    """(25, 3) joints, joint j = value + (j, 2 j, 3 j) / 100."""
    return value + np.arange(25)[:, None] * np.array([1, 2, 3]) / 100


def test_preprocess_drops_empty_frames_centres_and_pads():
    keypoint = np.zeros((2, 5, 25, 3), np.float32)
    # frame 0: nobody; frame 1: actor 2 only; frames 2-4: actor 1;
    # actor 2 also in frame 3
    keypoint[1, 1] = body(5)
    keypoint[0, 2], keypoint[0, 3], keypoint[0, 4] = body(1), body(2), body(3)
    keypoint[1, 3] = body(6)
    out = OfficialNTUPreprocess()(dict(keypoint=keypoint, frame_dir='s'))
    kp = out['keypoint']
    assert kp.shape == (2, 4, 25, 3) and kp.dtype == np.float32
    np.testing.assert_array_equal(out['video_frame_map'], [1, 2, 3, 4])
    assert out['total_frames'] == 4
    # origin: joint 2 of actor 1 in its first frame (video frame 2)
    origin = body(1)[1].astype(np.float32)
    np.testing.assert_allclose(kp[0, 1], body(1) - origin, atol=1e-6)
    np.testing.assert_allclose(kp[0, 3], body(3) - origin, atol=1e-6)
    np.testing.assert_allclose(kp[1, 0], body(5) - origin, atol=1e-6)
    np.testing.assert_allclose(kp[1, 2], body(6) - origin, atol=1e-6)
    # absent actors stay zero (not -origin)
    assert not kp[0, 0].any() and not kp[1, 1].any() and not kp[1, 3].any()


def test_preprocess_pads_one_actor_and_composes_frame_maps():
    keypoint = np.zeros((1, 4, 25, 3), np.float32)
    keypoint[0, 1:] = body(1)
    out = OfficialNTUPreprocess()(
        dict(keypoint=keypoint, video_frame_map=np.array([10, 11, 13, 14])))
    assert out['keypoint'].shape == (2, 3, 25, 3)
    assert not out['keypoint'][1].any()
    np.testing.assert_array_equal(out['video_frame_map'], [11, 13, 14])
    with pytest.raises(ValueError, match="sample 'empty' has no frame"):
        OfficialNTUPreprocess()(
            dict(keypoint=np.zeros((2, 3, 25, 3)), frame_dir='empty'))


def ramp(num_frames: int, valid: int) -> np.ndarray:
    """(1, T, 2, 3) keypoints: value t + 1 in frame t < valid, else 0."""
    keypoint = np.zeros((1, num_frames, 2, 3), np.float32)
    keypoint[0, :valid] = (np.arange(valid) + 1)[:, None, None]
    return keypoint


def test_valid_frame_count_is_the_official_rule():
    keypoint = ramp(10, 7)
    assert valid_frame_count(keypoint) == 7
    keypoint[0, 2, 0] = [1, -1, 0]  # coordinates summing to 0: not valid
    keypoint[0, 2, 1] = 0
    assert valid_frame_count(keypoint) == 6


def test_test_crop_is_the_centre_95_percent_resized_linearly():
    # 40 valid frames of a ramp (value t + 1), 10 padding frames
    out = ValidCropResize(clip_len=64, p_interval=(0.95, ))(
        dict(keypoint=ramp(50, 40)))
    # bias = int(0.05 * 40 / 2) = 1: frames 1..38 (values 2..39)
    np.testing.assert_array_equal(out['frame_inds'], np.arange(1, 39))
    # linear resize of 38 -> 64 frames (align_corners=False): output i
    # samples x = (i + 0.5) * 38 / 64 - 0.5, clamped to [0, 37]; a ramp
    # stays a ramp: value 2 + x
    x = np.clip((np.arange(64) + 0.5) * 38 / 64 - 0.5, 0, 37)
    expected = np.broadcast_to((2 + x)[:, None, None], (64, 2, 3))
    np.testing.assert_allclose(out['keypoint'][0], expected, rtol=0,
                               atol=resize_tolerance(64, 40))
    assert out['keypoint'].dtype == np.float32
    assert out['num_clips'] == 1 and out['clip_len'] == 64


def test_training_crop_draws_as_the_official_feeder():
    transform = ValidCropResize(clip_len=64, p_interval=(0.5, 1))
    np.random.seed(3)
    p = np.random.rand(1)[0] * 0.5 + 0.5
    length = min(max(math.floor(200 * p), 64), 200)
    bias = np.random.randint(0, 200 - length + 1)
    np.random.seed(3)
    out = transform(dict(keypoint=ramp(300, 200)))
    np.testing.assert_array_equal(out['frame_inds'],
                                  np.arange(bias, bias + length))
    assert out['keypoint'].shape == (1, 64, 2, 3)
    # the first output frame samples x = 0.5 * length / 64 - 0.5
    x0 = 0.5 * length / 64 - 0.5
    assert out['keypoint'][0, 0, 0, 0] == pytest.approx(
        bias + 1 + x0, abs=resize_tolerance(64, 200))
    # fewer valid frames than the 64-frame minimum: the whole clip
    out = transform(dict(keypoint=ramp(100, 40)))
    np.testing.assert_array_equal(out['frame_inds'], np.arange(40))


def test_crop_errors_name_the_sample():
    with pytest.raises(ValueError, match="sample 'x' has no frame"):
        ValidCropResize()(dict(keypoint=np.zeros((2, 5, 25, 3)),
                               frame_dir='x'))
    with pytest.raises(ValueError, match='p_interval'):
        ValidCropResize(p_interval=(0.5, 1, 1))


def test_official_rotation_convention():
    # 90 degrees about x: Rx = [[1, 0, 0], [0, 0, 1], [0, -1, 0]]
    rx = official_rotation(torch.tensor([[math.pi / 2, 0, 0]]))[0]
    np.testing.assert_allclose(rx, [[1, 0, 0], [0, 0, 1], [0, -1, 0]],
                               atol=1e-6)
    ry = official_rotation(torch.tensor([[0, math.pi / 2, 0]]))[0]
    np.testing.assert_allclose(ry, [[0, 0, -1], [0, 1, 0], [1, 0, 0]],
                               atol=1e-6)
    rz = official_rotation(torch.tensor([[0, 0, math.pi / 2]]))[0]
    np.testing.assert_allclose(rz, [[0, 1, 0], [-1, 0, 0], [0, 0, 1]],
                               atol=1e-6)
    # R = Rz Ry Rx
    both = official_rotation(torch.tensor([[math.pi / 2, math.pi / 2,
                                            math.pi / 2]]))[0]
    np.testing.assert_allclose(both, rz @ ry @ rx, atol=1e-6)


def test_random_rotation_uses_torch_draws():
    rng = np.random.default_rng(0)
    keypoint = rng.normal(size=(2, 6, 25, 3)).astype(np.float32)
    keypoint[1, 4:] = 0
    torch.manual_seed(5)
    angles = torch.zeros(3).uniform_(-0.3, 0.3).double().numpy()
    cx, cy, cz = np.cos(angles)
    sx, sy, sz = np.sin(angles)
    rx = np.array([[1, 0, 0], [0, cx, sx], [0, -sx, cx]])
    ry = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
    rz = np.array([[cz, sz, 0], [-sz, cz, 0], [0, 0, 1]])
    expected = keypoint @ (rz @ ry @ rx).T
    torch.manual_seed(5)
    out = OfficialRandomRotate3D(theta=0.3)(dict(keypoint=keypoint))
    np.testing.assert_allclose(out['keypoint'], expected, atol=1e-5)
    assert not out['keypoint'][1, 4:].any()
    assert out['keypoint'].dtype == np.float32


def test_official_ntu_bones_by_name():
    keypoint = np.random.default_rng(1).normal(size=(1, 2, 25, 3))
    bones = LayoutGenSkeFeat('ctrgcn_ntu', feats=['b'])(
        dict(keypoint=keypoint.copy()))['keypoint']
    # official feeders/bone_pairs.py (1-based): 23 -> 8, 22 -> 23, 21 -> 21
    np.testing.assert_allclose(bones[..., 22, :],
                               keypoint[..., 22, :] - keypoint[..., 7, :])
    np.testing.assert_allclose(bones[..., 21, :],
                               keypoint[..., 21, :] - keypoint[..., 22, :])
    assert not bones[..., 20, :].any()
    with pytest.raises(ValueError, match="use mmaction2's JointToBone"):
        LayoutGenSkeFeat('nturgb+d')


@pytest.mark.parametrize('step', [
    dict(type='OfficialNTUPreprocess'),
    dict(type='ValidCropResize', p_interval=(0.95, )),
    dict(type='OfficialRandomRotate3D', theta=0.1)
])
def test_registered(step):
    assert TRANSFORMS.build(step).__class__.__name__ == step['type']

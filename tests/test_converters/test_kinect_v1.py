import numpy as np
import pytest

from mmcl_tools.converters.kinect_v1 import (KINECT_V1_JOINTS, NTU_JOINTS,
                                             kinect_v1_annotation,
                                             kinect_v1_to_ntu)

# NTU joint (1-based, as in the NTU paper) of each Kinect v1 SDK joint
NTU_NUMBER = dict(hip_center=1, spine=2, shoulder_center=21, head=4,
                  left_shoulder=5, left_elbow=6, left_wrist=7, left_hand=8,
                  right_shoulder=9, right_elbow=10, right_wrist=11,
                  right_hand=12, left_hip=13, left_knee=14, left_ankle=15,
                  left_foot=16, right_hip=17, right_knee=18,
                  right_ankle=19, right_foot=20)


def test_direct_joints_and_filled_ones():
    rng = np.random.default_rng(0)
    v1 = rng.normal(size=(2, 7, 20, 3)).astype(np.float32)
    ntu = kinect_v1_to_ntu(v1)
    assert ntu.shape == (2, 7, 25, 3) and ntu.dtype == np.float32
    for i, name in enumerate(KINECT_V1_JOINTS):
        np.testing.assert_array_equal(ntu[..., NTU_NUMBER[name] - 1, :],
                                      v1[..., i, :])
    j = {name: v1[..., i, :] for i, name in enumerate(KINECT_V1_JOINTS)}
    np.testing.assert_allclose(ntu[..., 2, :],
                               (j['shoulder_center'] + j['head']) / 2)
    np.testing.assert_allclose(ntu[..., 21, :],
                               2 * j['left_hand'] - j['left_wrist'],
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(ntu[..., 22, :], j['left_hand'])
    np.testing.assert_allclose(ntu[..., 23, :],
                               2 * j['right_hand'] - j['right_wrist'],
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(ntu[..., 24, :], j['right_hand'])
    assert len(NTU_JOINTS) == 25


def test_other_joint_orders_and_missing_frames():
    order = tuple(reversed(KINECT_V1_JOINTS))
    rng = np.random.default_rng(1)
    sdk = rng.normal(size=(3, 20, 3))
    sdk[1] = 0  # a frame without a body stays zeros
    np.testing.assert_allclose(kinect_v1_to_ntu(sdk[:, ::-1], order),
                               kinect_v1_to_ntu(sdk))
    assert not kinect_v1_to_ntu(sdk)[1].any()


def test_bad_input():
    with pytest.raises(ValueError, match=r'expected \(\.\.\., 20, C\)'):
        kinect_v1_to_ntu(np.zeros((4, 25, 3)))
    with pytest.raises(ValueError, match='each of the 20 Kinect v1 joints'):
        kinect_v1_to_ntu(np.zeros((4, 20, 3)), KINECT_V1_JOINTS[:19] * 2)


def test_annotation_layouts():
    skeleton = np.arange(2 * 20 * 3, dtype=np.float64).reshape(2, 20, 3)
    order = tuple(reversed(KINECT_V1_JOINTS))
    ntu = kinect_v1_annotation('x', 3, skeleton, order, 'ntu', (480, 640))
    assert ntu['keypoint'].shape == (1, 2, 25, 3)
    assert ntu['keypoint'].dtype == np.float32
    assert ntu['total_frames'] == 2 and ntu['label'] == 3
    raw = kinect_v1_annotation('x', 3, skeleton, order, 'kinect_v1',
                               (480, 640))
    # back in SDK order
    np.testing.assert_array_equal(raw['keypoint'][0], skeleton[:, ::-1])
    with pytest.raises(ValueError, match='unknown layout'):
        kinect_v1_annotation('x', 3, skeleton, order, 'coco', (480, 640))

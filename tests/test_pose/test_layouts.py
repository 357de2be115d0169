"""Joint layouts: COCO-17 indices, NTU-25 derivations, NTU's mirrored
left / right, NTU's axes and the camera placement."""
import numpy as np
import pytest

from mmcl_tools.pose.layouts import (BLAZEPOSE33_NAMES, COCO17_NAMES,
                                     NTU25_NAMES, convert_layout,
                                     ntu25_weights, to_coco17, to_ntu25)


def named(values):
    """(33, C) array from {blazepose name: value}."""
    out = np.zeros((33, len(next(iter(values.values())))))
    for name, value in values.items():
        out[BLAZEPOSE33_NAMES.index(name)] = value
    return out


def test_coco17_takes_the_blazepose_joints_of_the_same_name():
    # the COCO order as published, index by index
    expected = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27,
                28]
    keypoint = np.arange(33 * 2, dtype=float).reshape(1, 1, 33, 2)
    score = np.arange(33, dtype=float).reshape(1, 1, 33) / 33
    kpt, sc = to_coco17(keypoint, score)
    assert kpt.shape == (1, 1, 17, 2) and kpt.dtype == np.float32
    assert sc[0, 0].tolist() == pytest.approx([i / 33 for i in expected])
    assert COCO17_NAMES[5] == 'left_shoulder' and \
        BLAZEPOSE33_NAMES[expected[5]] == 'left_shoulder'


def test_ntu_sides_are_swapped():
    """A person facing the camera: BlazePose's left wrist is on the image
    right. NTU's videos are mirrored against its labels, so NTU's left
    wrist must be the one on the image left."""
    pts = {name: (500.0, 500.0) for name in BLAZEPOSE33_NAMES}
    pts['left_wrist'] = (800.0, 400.0)  # image right
    pts['right_wrist'] = (200.0, 400.0)  # image left
    keypoint = named(pts)[None, None]
    score = np.ones((1, 1, 33))
    world = np.zeros((1, 1, 33, 3))
    world[0, 0, BLAZEPOSE33_NAMES.index('left_wrist')] = (0.4, -0.2, 0)
    world[0, 0, BLAZEPOSE33_NAMES.index('right_wrist')] = (-0.4, -0.2, 0)
    out = to_ntu25(keypoint, score, world, (1080, 1920))
    left, right = NTU25_NAMES.index('left_wrist'), \
        NTU25_NAMES.index('right_wrist')
    assert out['keypoint_2d'][0, 0, left].tolist() == [200.0, 400.0]
    assert out['keypoint_2d'][0, 0, right].tolist() == [800.0, 400.0]
    # 3-D: x right as in the video, so NTU's left wrist has the smaller x
    assert out['keypoint'][0, 0, left, 0] < out['keypoint'][0, 0, right, 0]
    # y up: the wrists (above the hips in BlazePose's y-down world) are
    # above the spine base
    base = NTU25_NAMES.index('spine_base')
    assert out['keypoint'][0, 0, left, 1] > out['keypoint'][0, 0, base, 1]


def test_ntu_derived_joints():
    rng = np.random.default_rng(0)
    bp = rng.normal(size=(33, 2))
    out = to_ntu25(bp[None, None], np.ones((1, 1, 33)),
                   np.zeros((1, 1, 33, 3)), (100, 100))['keypoint_2d'][0, 0]

    def j(name):
        return bp[BLAZEPOSE33_NAMES.index(name)]

    def n(name):
        return out[NTU25_NAMES.index(name)]

    spine_base = (j('left_hip') + j('right_hip')) / 2
    spine_shoulder = (j('left_shoulder') + j('right_shoulder')) / 2
    head = (j('left_ear') + j('right_ear')) / 2
    assert n('spine_base') == pytest.approx(spine_base, abs=1e-5)
    assert n('spine_shoulder') == pytest.approx(spine_shoulder, abs=1e-5)
    assert n('spine_mid') == pytest.approx((spine_base + spine_shoulder) / 2,
                                           abs=1e-5)
    assert n('head') == pytest.approx(head, abs=1e-5)
    assert n('neck') == pytest.approx(
        spine_shoulder + 0.4 * (head - spine_shoulder), abs=1e-5)
    assert n('left_hand_tip') == pytest.approx(j('right_index'), abs=1e-5)
    assert n('right_thumb') == pytest.approx(j('left_thumb'), abs=1e-5)
    assert n('left_hand') == pytest.approx(
        0.5 * j('right_wrist') + 0.25 * j('right_pinky') +
        0.25 * j('right_index'), abs=1e-5)
    assert ntu25_weights().sum(1) == pytest.approx(np.ones(25))


def test_camera_placement_recovers_a_pinhole_person():
    """A person 3 m away, 0.5 m right of the axis: projected with the
    assumed focal length, the layout puts it back there."""
    rng = np.random.default_rng(1)
    world = rng.normal(scale=0.3, size=(33, 3))
    world[:, 2] *= 0.1  # nearly flat, facing the camera
    world -= world[[23, 24]].mean(0)  # hip-centred, as BlazePose's
    height, width = 1080, 1920
    focal = 1081.37
    cam = world + [0.5, 0.2, 3.0]  # y down here
    pixels = cam[:, :2] / cam[:, 2:] * focal + [width / 2, height / 2]
    out = to_ntu25(pixels[None, None], np.ones((1, 1, 33)),
                   world[None, None], (height, width))
    base = out['keypoint'][0, 0, NTU25_NAMES.index('spine_base')]
    assert base == pytest.approx([0.5, -0.2, 3.0], rel=0.08)


def test_absent_frames_are_zeros_and_layout_errors():
    keypoint = np.ones((1, 2, 33, 2))
    score = np.ones((1, 2, 33))
    present = np.array([[True, False]])
    out = to_ntu25(keypoint, score, np.ones((1, 2, 33, 3)), (10, 10),
                   present)
    assert not out['keypoint'][0, 1].any() and \
        not out['keypoint_score'][0, 1].any()
    with pytest.raises(ValueError, match='unknown layout'):
        convert_layout('ntu18', 'blazepose33', keypoint, score, None,
                       (10, 10))
    with pytest.raises(ValueError, match='needs BlazePose'):
        convert_layout('ntu25', 'coco17', keypoint[..., :17, :],
                       score[..., :17], None, (10, 10))

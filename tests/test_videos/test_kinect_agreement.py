"""The measure of agreement between an ``ntu25`` extraction and NTU's
Kinect joints (mmcl_tools.videos.kinect_agreement and
benchmarks/ntu_kinect_agreement.py)."""
import json
import sys

import numpy as np
import pytest
from pose_videos import real_video, write_cut
from tool_runs import REPO, run_tool

from mmcl_tools.videos.kinect_agreement import (NTU_LEFT, NTU_RIGHT,
                                                joint_errors,
                                                kinect_agreement,
                                                match_persons, swap_sides)


def two_people(rng, frames=12):
    """(2, T, 25, 2) pixels: two people 600 px apart, left joints at
    smaller x than right ones by 80 px (a person facing the camera)."""
    base = rng.uniform(0, 60, (25, 2))
    base[list(NTU_LEFT), 0] += 80
    people = np.stack([base + [600, 300], base + [1200, 300]])
    walk = np.linspace(0, 40, frames)[None, :, None, None]
    return np.repeat(people[:, None], frames, axis=1) + walk


def test_sides_exchange_is_an_involution_of_the_sided_joints():
    keypoint = np.arange(25 * 2, dtype=float).reshape(25, 2)
    swapped = swap_sides(keypoint)
    assert np.array_equal(swapped[list(NTU_LEFT)], keypoint[list(NTU_RIGHT)])
    assert np.array_equal(swapped[list(NTU_RIGHT)], keypoint[list(NTU_LEFT)])
    middle = [j for j in range(25) if j not in NTU_LEFT + NTU_RIGHT]
    assert middle == [0, 1, 2, 3, 20]  # spine, neck, head, spine shoulder
    assert np.array_equal(swapped[middle], keypoint[middle])
    assert np.array_equal(swap_sides(swapped), keypoint)


def test_people_are_matched_whatever_their_order_and_gaps():
    rng = np.random.default_rng(0)
    kinect = two_people(rng)
    noise = rng.normal(0, 3.0, kinect.shape)
    extracted = (kinect + noise)[::-1].copy()  # the other person order
    extracted[0, 3:5] = 0  # a gap in one person
    assert match_persons(extracted, kinect) == ((0, 1), (1, 0))
    errors = joint_errors(extracted, kinect)
    assert errors.shape == (12 + 10, 25)  # 2 frames of one person absent
    # extracted person 0 is Kinect person 1 without frames 3 and 4
    expected = np.linalg.norm(noise, axis=-1)
    kept = [t for t in range(12) if t not in (3, 4)]
    assert np.median(errors) == pytest.approx(
        np.median(np.concatenate([expected[1, kept], expected[0]])),
        rel=1e-12)


def test_agreement_reports_both_conventions():
    rng = np.random.default_rng(1)
    kinect = two_people(rng)
    extracted = kinect + rng.normal(0, 2.0, kinect.shape)
    result = kinect_agreement(extracted, kinect)
    assert result['compared'] == 24
    assert 1.0 < result['median_px'] < 4.0  # 2-D noise of sigma 2 px
    # exchanged sides put each sided joint ~80 px off
    assert 70 < result['swapped_limb_median_px'] < 95
    assert result['swapped_median_px'] > 10 * result['median_px']
    # an extraction labelled the other way round shows it the other way
    flipped = kinect_agreement(swap_sides(extracted), kinect)
    assert flipped['median_px'] == pytest.approx(
        result['swapped_median_px'], rel=1e-12)


def test_frames_beyond_the_shorter_clip_are_ignored():
    rng = np.random.default_rng(2)
    kinect = two_people(rng, frames=10)
    extracted = np.concatenate([kinect, np.full((2, 3, 25, 2), 5e3)], 1)
    assert kinect_agreement(extracted, kinect)['median_px'] == 0.0


def test_bad_shapes_and_no_common_frame_are_named():
    with pytest.raises(ValueError, match=r'extracted keypoints must be '
                       r'\(M, T, 25, 2\), got \(1, 4, 17, 2\)'):
        kinect_agreement(np.zeros((1, 4, 17, 2)), np.ones((1, 4, 25, 2)))
    with pytest.raises(ValueError, match='no person in a common frame'):
        kinect_agreement(np.zeros((1, 4, 25, 2)), np.ones((1, 4, 25, 2)))


@pytest.mark.real_data
def test_command_on_a_real_clip(tmp_path):
    """The benchmark on 6 real 1080p frames against a Kinect file holding
    the extraction's own joints: 0 px with NTU's labelling, the body's
    width with the sides exchanged; the exit status follows the bound."""
    from ntu_writer import write_skeleton

    from mmcl_tools.videos import extract_video
    video = write_cut(real_video('demo_skeleton.mp4'),
                      str(tmp_path / 'clip.avi'), 6)
    extracted = extract_video(video, 'blazepose', layout='ntu25')
    frames = []
    for t in range(extracted['total_frames']):
        bodies = []
        for m, joints in enumerate(extracted['keypoint_2d'][:, t]):
            if np.abs(joints).sum() == 0:
                continue
            rows = np.zeros((25, 12))
            rows[:, :3] = extracted['keypoint'][m, t]
            rows[:, 5:7] = joints
            rows[:, 11] = 2
            bodies.append((str(72057594037931101 + m), rows))
        frames.append(bodies)
    skeleton = write_skeleton(str(tmp_path / 'clip.skeleton'), frames)
    out = tmp_path / 'agreement.json'
    command = [sys.executable, 'benchmarks/ntu_kinect_agreement.py', video,
               skeleton, '--json', str(out)]
    run_tool(command, REPO)
    figures = json.loads(out.read_text())
    assert figures['median_px'] < 1e-3  # the file rounds to 1e-6 px
    assert figures['swapped_limb_median_px'] > 20
    assert figures['compared'] >= 6
    run_tool(command + ['--max-median', '-1'], REPO, returncode=1)

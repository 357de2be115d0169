"""Tracking: identities through crossings, ranking and the cap, gaps
bridged by interpolation."""
import numpy as np
import pytest

from mmcl_tools.pose import PersonPose
from mmcl_tools.pose.tracking import track_people


def person(cx, cy, score=0.9, height=100.0):
    rng = np.random.default_rng(int(cx * 7 + cy))
    kpts = np.array([cx, cy]) + rng.uniform(-1, 1, size=(33, 2)) * \
        [height / 4, height / 2]
    return PersonPose(kpts.astype(np.float32),
                      np.full(33, score, np.float32),
                      np.array([cx - height / 4, cy - height / 2,
                                cx + height / 4, cy + height / 2],
                               np.float32),
                      world=np.zeros((33, 3), np.float32))


def test_identities_survive_a_crossing_and_list_order_changes():
    frames = []
    for t in range(20):
        a, b = person(100 + 10 * t, 200), person(300 - 10 * t, 210)
        frames.append([a, b] if t % 2 else [b, a])  # any order per frame
    tracked = track_people(frames, 33, max_persons=2)
    centre = tracked.box[..., [0, 2]].mean(-1)  # (M, T) x centres
    steps = np.abs(np.diff(centre, axis=1))
    assert steps.max() == pytest.approx(10, abs=1e-3)  # no swap jumps
    assert sorted([centre[0, 0], centre[1, 0]]) == [100, 300]


def test_ranking_keeps_the_most_confident_and_bridges_gaps():
    frames = []
    for t in range(12):
        poses = [person(100, 100, 0.9), person(400, 100, 0.2)]
        if t not in (4, 5, 6):  # the strong person is missed 3 frames
            poses.append(person(250 + t, 300, 0.8))
        frames.append(poses)
    tracked = track_people(frames, 33, max_persons=2, max_gap=5)
    assert tracked.keypoint.shape == (2, 12, 33, 2)
    assert tracked.keypoint.dtype == np.float32
    # ranked by summed score: the 0.9 person, then the 0.8 one
    assert tracked.box[0, 0, 0] == pytest.approx(75)
    assert tracked.present[1].all()
    assert tracked.bridged[1].tolist() == [t in (4, 5, 6) for t in range(12)]
    # linear between frame 3 (x 253) and frame 7 (x 257)
    centre = tracked.box[1, :, [0, 2]].mean(0)
    assert centre[5] == pytest.approx(255, abs=1e-4)


def test_fragments_join_their_person_and_strays_are_dropped():
    """Person A is missed for 10 frames (more than max_gap: two track
    fragments), B is seen throughout, a weak stray appears once far from
    A: A's fragments are one person, the gap stays empty, the stray is
    not kept."""
    frames = []
    for t in range(12):
        poses = [person(400, 100, 0.9)]
        if t in (0, 11):
            poses.append(person(100 + t, 100, 0.8))
        if t == 5:
            poses.append(person(250, 400, 0.3))
        frames.append(poses)
    tracked = track_people(frames, 33, max_persons=2, max_gap=3)
    assert tracked.keypoint.shape[:2] == (2, 12)
    assert tracked.present[0].all()  # B, the higher total score
    assert tracked.present[1].tolist() == [t in (0, 11) for t in range(12)]
    assert not tracked.bridged.any()
    assert tracked.box[1, 11, 0] == pytest.approx(111 - 25)


def test_nobody_gives_no_person():
    assert track_people([[], []], 33).keypoint.shape == (0, 2, 33, 2)

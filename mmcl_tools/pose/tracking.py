"""People kept apart over a video's frames.

:func:`track_people` links each frame's :class:`~.base.PersonPose` list
into tracks: a track's last pose is matched to the frame's poses by the
Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) on
``(1 - box IoU) + mean joint distance / box diagonal`` (joints confident
in both); pairs beyond the gate (no overlap and joints more than
``max_distance`` box diagonals apart) are not linked. A track not seen
for more than ``max_gap`` frames ends. Tracks are ranked by their summed
mean joint score over the clip (as mmaction2's ``ntu_pose_extraction``
ranks people), the best ``max_persons`` kept, best first, and gaps of at
most ``max_gap`` frames inside a track are filled by linear interpolation
of keypoints, scores, boxes and world joints.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from .base import PersonPose
from .blazepose_geometry import box_iou

#: Cost of a pair that must not be linked.
_FORBIDDEN = 1e6


@dataclass
class TrackedPoses:
    """Tracks as arrays, M people over T frames, V joints.

    Attributes:
        keypoint (np.ndarray): (M, T, V, 2) float32 pixels, zeros where
            absent.
        keypoint_score (np.ndarray): (M, T, V) float32.
        box (np.ndarray): (M, T, 4) float32 x1, y1, x2, y2.
        world (np.ndarray, optional): (M, T, V, 3) float32 metres.
        present (np.ndarray): (M, T) bool, detected or bridged.
        bridged (np.ndarray): (M, T) bool, filled by interpolation.
    """
    keypoint: np.ndarray
    keypoint_score: np.ndarray
    box: np.ndarray
    world: Optional[np.ndarray]
    present: np.ndarray
    bridged: np.ndarray


def _pair_cost(track: PersonPose, pose: PersonPose, min_score: float,
               max_distance: float) -> float:
    """Matching cost of a track's last pose and a new pose (a forbidden
    cost beyond the gate)."""
    iou = float(box_iou(track.box, pose.box)[0, 0])
    size = float(np.hypot(track.box[2] - track.box[0],
                          track.box[3] - track.box[1]))
    both = (track.scores >= min_score) & (pose.scores >= min_score)
    if both.sum() < 2:
        both = np.ones_like(both)
    distance = float(
        np.linalg.norm(track.keypoints[both] - pose.keypoints[both],
                       axis=-1).mean()) / max(size, 1.0)
    if iou <= 0 and distance > max_distance:
        return _FORBIDDEN
    return (1.0 - iou) + distance


def link_tracks(frames: Sequence[Sequence[PersonPose]],
                max_gap: int = 15,
                min_score: float = 0.3,
                max_distance: float = 0.5) -> List[Dict[int, PersonPose]]:
    """Tracks as {frame index: pose}, in order of their first frame.

    Args:
        frames (Sequence[Sequence[PersonPose]]): The poses of each frame.
        max_gap (int): Frames a track may be unseen and still continue.
        min_score (float): Joint score for the distance term.
        max_distance (float): Gate on the joint distance (box diagonals)
            for pairs whose boxes do not overlap.
    """
    tracks: List[Dict[int, PersonPose]] = []
    last: List[int] = []  # last frame of each track
    for t, poses in enumerate(frames):
        live = [k for k in range(len(tracks)) if t - last[k] <= max_gap + 1]
        assigned = set()
        if live and poses:
            # the gate widens with the frames since the track was seen
            cost = np.array([[
                _pair_cost(tracks[k][last[k]], pose, min_score,
                           max_distance * (t - last[k])) for pose in poses
            ] for k in live])
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if cost[r, c] >= _FORBIDDEN:
                    continue
                tracks[live[r]][t] = poses[c]
                last[live[r]] = t
                assigned.add(c)
        for c, pose in enumerate(poses):
            if c not in assigned:
                tracks.append({t: pose})
                last.append(t)
    return tracks


def _centre(pose: PersonPose) -> np.ndarray:
    return (pose.box[:2] + pose.box[2:]) / 2


def _diagonal(pose: PersonPose) -> float:
    return max(float(np.hypot(*(pose.box[2:] - pose.box[:2]))), 1.0)


def assemble_actors(tracks: Sequence[Dict[int, PersonPose]],
                    max_persons: int,
                    max_jump: float = 1.0) -> List[Dict[int, PersonPose]]:
    """Join track fragments into at most ``max_persons`` people.

    Tracks are taken by :func:`track_score`, best first. A track joins
    the person it shares no frame with whose pose nearest in time to it
    is closest (box centres, in box diagonals), if that is within
    ``max_jump`` diagonals (plus 0.1 per frame between them); otherwise
    it starts a new person while there are fewer than ``max_persons``,
    else it is dropped. So a person whose track broke (missed for longer
    than the linking allows, or a fast move) stays one person, while a
    stray detection far from everyone does not replace anybody.
    """
    actors: List[Dict[int, PersonPose]] = []
    for track in sorted(tracks, key=track_score, reverse=True):
        frames = sorted(track)
        best, best_cost = None, None
        for index, actor in enumerate(actors):
            if any(t in actor for t in frames):
                continue
            seen = np.array(sorted(actor))
            costs = []
            for edge in (frames[0], frames[-1]):
                near = int(seen[np.argmin(np.abs(seen - edge))])
                gap = abs(near - edge)
                distance = float(np.linalg.norm(
                    _centre(track[edge]) - _centre(actor[near]))) / \
                    _diagonal(actor[near])
                if distance <= max_jump + 0.1 * gap:
                    costs.append(distance)
            if costs and (best_cost is None or min(costs) < best_cost):
                best, best_cost = index, min(costs)
        if best is not None:
            actors[best].update(track)
        elif len(actors) < max_persons:
            actors.append(dict(track))
    actors.sort(key=track_score, reverse=True)
    return actors


def track_score(track: Dict[int, PersonPose]) -> float:
    """Rank of a track: its mean joint score summed over its frames."""
    return float(sum(float(p.scores.mean()) for p in track.values()))


def _interpolate(values: np.ndarray, present: np.ndarray,
                 max_gap: int) -> np.ndarray:
    """Fill gaps of at most ``max_gap`` frames between present frames.

    Args:
        values (np.ndarray): (T, ...) values.
        present (np.ndarray): (T,) bool; updated in place for the filled
            frames.

    Returns:
        np.ndarray: (T,) bool, the filled frames.
    """
    filled = np.zeros_like(present)
    seen = np.nonzero(present)[0]
    for a, b in zip(seen[:-1], seen[1:]):
        if 1 < b - a <= max_gap + 1:
            w = (np.arange(a + 1, b) - a) / (b - a)
            w = w.reshape((-1, ) + (1, ) * (values.ndim - 1))
            values[a + 1:b] = (1 - w) * values[a] + w * values[b]
            filled[a + 1:b] = True
    present |= filled
    return filled


def track_people(frames: Sequence[Sequence[PersonPose]],
                 num_joints: int,
                 max_persons: int = 2,
                 max_gap: int = 15,
                 min_score: float = 0.3,
                 max_distance: float = 0.5) -> TrackedPoses:
    """Link, rank, cap and bridge (see the module docstring).

    Args:
        frames (Sequence[Sequence[PersonPose]]): Poses of each of the T
            frames.
        num_joints (int): V (for the empty result).
        max_persons (int): M at most.
        max_gap (int): Longest gap linked and filled, in frames.

    Returns:
        TrackedPoses: M = min(max_persons, tracks found) (0 when nobody
        was found).
    """
    num_frames = len(frames)
    tracks = assemble_actors(
        link_tracks(frames, max_gap, min_score, max_distance), max_persons)
    m = len(tracks)
    has_world = any(p.world is not None for tr in tracks
                    for p in tr.values())
    keypoint = np.zeros((m, num_frames, num_joints, 2), np.float32)
    score = np.zeros((m, num_frames, num_joints), np.float32)
    box = np.zeros((m, num_frames, 4), np.float32)
    world = np.zeros((m, num_frames, num_joints, 3),
                     np.float32) if has_world else None
    present = np.zeros((m, num_frames), bool)
    bridged = np.zeros((m, num_frames), bool)
    for i, track in enumerate(tracks):
        for t, pose in track.items():
            keypoint[i, t] = pose.keypoints
            score[i, t] = pose.scores
            box[i, t] = pose.box
            if world is not None and pose.world is not None:
                world[i, t] = pose.world
            present[i, t] = True
        seen = present[i].copy()
        for values in (keypoint[i], score[i], box[i]) + (
                (world[i], ) if world is not None else ()):
            mask = seen.copy()
            bridged[i] = _interpolate(values, mask, max_gap)
        present[i] |= bridged[i]
    return TrackedPoses(keypoint, score, box, world, present, bridged)


__all__ = [
    'TrackedPoses', 'link_tracks', 'assemble_actors', 'track_people',
    'track_score'
]

"""Skeleton synthesis: forward kinematics of a rigid, human-sized 25-joint
NTU RGB+D (Kinect v2) body, so bone lengths stay constant over time.

People face the camera; their joints are in the camera space of
:mod:`.camera`. Each action (and an idle bystander) is a set of local
joint rotations over time, with per-sample timing, amplitude and noise.
"""
from typing import Optional, Sequence, Tuple

import numpy as np

from .camera import fit_in_image

# NTU RGB+D joints: 0 spine base, 1 spine mid, 2 neck, 3 head, 4-7 left
# shoulder/elbow/wrist/hand, 8-11 the same on the right, 12-15 left
# hip/knee/ankle/foot, 16-19 the same on the right, 20 spine shoulder,
# 21/22 left hand tip/thumb, 23/24 right hand tip/thumb.
NUM_JOINTS = 25
#: Parent of each joint in the kinematic tree (-1 for the root).
PARENTS: Tuple[int, ...] = (-1, 0, 20, 2, 20, 4, 5, 6, 20, 8, 9, 10, 0, 12,
                            13, 14, 0, 16, 17, 18, 1, 7, 7, 11, 11)
#: Joints ordered so that every parent comes before its children.
FK_ORDER: Tuple[int, ...] = (0, 1, 20, 2, 3, 4, 5, 6, 7, 21, 22, 8, 9, 10,
                             11, 23, 24, 12, 13, 14, 15, 16, 17, 18, 19)
#: (child, parent) bones of the kinematic tree.
BONES: Tuple[Tuple[int, int], ...] = tuple(
    (j, p) for j, p in enumerate(PARENTS) if p >= 0)

# Bone vectors of the standing rest pose (arms down, palms in), body frame =
# camera frame of a person facing the camera: +x the person's right, +y up,
# -z forward (towards the camera). Metres for a body of scale 1 (~1.75 m).
_REST_OFFSETS = np.array([
    [0.0, 0.0, 0.0],  # 0 spine base (root)
    [0.0, 0.26, 0.0],  # 1 spine mid
    [0.0, 0.08, 0.0],  # 2 neck
    [0.0, 0.13, 0.0],  # 3 head
    [-0.17, -0.02, 0.0],  # 4 left shoulder
    [0.0, -0.28, 0.0],  # 5 left elbow
    [0.0, -0.25, 0.0],  # 6 left wrist
    [0.0, -0.07, 0.0],  # 7 left hand
    [0.17, -0.02, 0.0],  # 8 right shoulder
    [0.0, -0.28, 0.0],  # 9 right elbow
    [0.0, -0.25, 0.0],  # 10 right wrist
    [0.0, -0.07, 0.0],  # 11 right hand
    [-0.085, -0.06, 0.0],  # 12 left hip
    [0.0, -0.42, 0.0],  # 13 left knee
    [0.0, -0.40, 0.0],  # 14 left ankle
    [0.0, -0.05, -0.10],  # 15 left foot
    [0.085, -0.06, 0.0],  # 16 right hip
    [0.0, -0.42, 0.0],  # 17 right knee
    [0.0, -0.40, 0.0],  # 18 right ankle
    [0.0, -0.05, -0.10],  # 19 right foot
    [0.0, 0.24, 0.0],  # 20 spine shoulder
    [0.0, -0.07, 0.0],  # 21 left hand tip
    [0.02, -0.02, -0.04],  # 22 left thumb
    [0.0, -0.07, 0.0],  # 23 right hand tip
    [-0.02, -0.02, -0.04],  # 24 right thumb
])
# Left/right pairs whose bones get the same random length factor.
_MIRROR = {4: 8, 5: 9, 6: 10, 7: 11, 21: 23, 22: 24, 12: 16, 13: 17, 14: 18,
           15: 19}
_NOISY_JOINTS = (0, 1, 20, 2, 4, 5, 6, 8, 9, 10, 12, 13, 16, 17)


def _rot(axis: int, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices about a coordinate axis.

    Args:
        axis (int): 0, 1 or 2 for x, y or z.
        angle (np.ndarray): (T, ) angles in radians.

    Returns:
        np.ndarray: (T, 3, 3) rotation matrices.
    """
    angle = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(angle), np.sin(angle)
    mats = np.zeros(angle.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    mats[..., axis, axis] = 1.0
    mats[..., i, i] = c
    mats[..., j, j] = c
    mats[..., i, j] = -s
    mats[..., j, i] = s
    return mats


def rot_x(angle: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations about x (flexes a hanging limb forward)."""
    return _rot(0, angle)


def rot_y(angle: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations about y (vertical axis)."""
    return _rot(1, angle)


def rot_z(angle: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations about z (raises a right limb sideways)."""
    return _rot(2, angle)


def rest_offsets(scale: float, rng: np.random.Generator) -> np.ndarray:
    """Bone vectors of one body: the rest pose, scaled, lengths jittered.

    Args:
        scale (float): overall body size (1 is about 1.75 m tall).
        rng (np.random.Generator): source of the +-5 % per-bone jitter,
            shared by left and right bones.

    Returns:
        np.ndarray: (25, 3) bone vector from each joint's parent, metres.
    """
    factors = rng.uniform(0.95, 1.05, size=NUM_JOINTS)
    for left, right in _MIRROR.items():
        factors[right] = factors[left]
    return _REST_OFFSETS * (scale * factors)[:, None]


def forward_kinematics(offsets: np.ndarray, local_rots: np.ndarray,
                       root_rot: np.ndarray,
                       root_pos: np.ndarray) -> np.ndarray:
    """Joint positions of a rigid body from its joint rotations.

    A joint's position is its parent's plus the parent's global rotation
    applied to its rest bone vector; its global rotation is its parent's
    times its local rotation. Bone lengths are thus the same in every frame.

    Args:
        offsets (np.ndarray): (25, 3) rest bone vectors (``rest_offsets``).
        local_rots (np.ndarray): (T, 25, 3, 3) local rotation of each joint,
            applied to the bones of its children.
        root_rot (np.ndarray): (T, 3, 3) body orientation.
        root_pos (np.ndarray): (T, 3) position of the spine base.

    Returns:
        np.ndarray: (T, 25, 3) joint positions.
    """
    num_frames = local_rots.shape[0]
    pos = np.zeros((num_frames, NUM_JOINTS, 3))
    glob = np.zeros((num_frames, NUM_JOINTS, 3, 3))
    for j in FK_ORDER:
        parent = PARENTS[j]
        if parent < 0:
            pos[:, j] = root_pos
            glob[:, j] = root_rot @ local_rots[:, j]
        else:
            pos[:, j] = pos[:, parent] + glob[:, parent] @ offsets[j]
            glob[:, j] = glob[:, parent] @ local_rots[:, j]
    return pos


def _envelope(t: np.ndarray, start: float, stop: float,
              ramp: float) -> np.ndarray:
    """(T, ) 0 -> 1 -> 0 smooth profile: up after ``start``, down to
    ``stop``."""
    up = np.clip((t - start) / ramp, 0.0, 1.0)
    down = np.clip((stop - t) / ramp, 0.0, 1.0)
    up, down = up * up * (3 - 2 * up), down * down * (3 - 2 * down)
    return np.minimum(up, down)


def _smooth_noise(t: np.ndarray, amplitude: float,
                  rng: np.random.Generator) -> np.ndarray:
    """(T, ) smooth random wiggle: two sinusoids of 0.5-3 cycles a clip."""
    out = np.zeros_like(t)
    for _ in range(2):
        out += np.sin(2 * np.pi * rng.uniform(0.5, 3.0) * t +
                      rng.uniform(0, 2 * np.pi))
    return out * (amplitude / 2)


def action_rotations(label: Optional[int], num_frames: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Local joint rotations for one action (or idle standing).

    Args:
        label (int | None): class index, or None for a bystander who only
            stands and sways.
        num_frames (int): T.
        rng (np.random.Generator): source of the per-sample variation
            (timing, speed, amplitude, phase, noise).

    Returns:
        np.ndarray: (T, 25, 3, 3) local rotation of every joint.
    """
    t = np.linspace(0.0, 1.0, num_frames)
    rots = np.broadcast_to(np.eye(3), (num_frames, NUM_JOINTS, 3, 3)).copy()

    def apply(joint: int, mats: np.ndarray) -> None:
        rots[:, joint] = rots[:, joint] @ mats

    ones = np.ones_like(t)
    start, stop = rng.uniform(0.0, 0.2), rng.uniform(0.8, 1.0)
    env = _envelope(t, start, stop, rng.uniform(0.12, 0.2))
    deg = np.pi / 180
    # Rest pose of every class: arms slightly away from the body, elbows a
    # little bent; the actions add their motion on top of it, so a static
    # frame before the action starts says nothing about the class.
    arms = {'right': (8, 9, 10, 1.0), 'left': (4, 5, 6, -1.0)}
    for shoulder, elbow, _, sign in arms.values():
        apply(shoulder, rot_z(sign * rng.uniform(6, 16) * deg * ones))
        apply(elbow, rot_x(rng.uniform(5, 20) * deg * ones))

    if label in (0, 1):  # wave right / left hand
        shoulder, elbow, wrist, sign = arms['right' if label == 0 else 'left']
        abduction = rng.uniform(110, 135) * deg
        bend = rng.uniform(35, 60) * deg
        swing = rng.uniform(25, 40) * deg
        cycles = rng.uniform(2.5, 4.5)
        wave = np.sin(2 * np.pi * cycles * (t - start) +
                      rng.uniform(0, 2 * np.pi))
        apply(shoulder, rot_z(sign * abduction * env))
        apply(shoulder, rot_x(rng.uniform(5, 25) * deg * env))
        apply(elbow, rot_z(sign * (bend + swing * wave) * env))
        apply(wrist, rot_z(sign * 0.4 * swing * wave * env))
    elif label == 2:  # squat: hips and knees flex, the trunk leans forward
        reps = int(rng.integers(1, 3))
        depth = rng.uniform(55, 95) * deg
        phase = np.clip((t - start) / (stop - start), 0.0, 1.0)
        flex = depth * (1 - np.cos(2 * np.pi * reps * phase)) / 2
        lean = rng.uniform(0.35, 0.6) * flex
        apply(0, rot_x(-lean))
        for hip, knee, ankle in ((12, 13, 14), (16, 17, 18)):
            apply(hip, rot_x(flex + lean))
            apply(knee, rot_x(-1.6 * flex))
            apply(ankle, rot_x(0.6 * flex))
        apply(2, rot_x(0.5 * lean))
        reach = rng.uniform(30, 70) * deg * flex / depth
        for shoulder, _, _, _ in arms.values():
            apply(shoulder, rot_x(lean + reach))
    elif label == 3:  # drink water: right hand (with a cup) to the mouth
        sip = np.sin(2 * np.pi * rng.uniform(1.0, 2.5) * t +
                     rng.uniform(0, 2 * np.pi))
        apply(8, rot_y(rng.uniform(50, 65) * deg * env))
        apply(8, rot_x(rng.uniform(50, 65) * deg * env))
        apply(9, rot_x((rng.uniform(118, 132) * deg + 6 * deg * sip) * env))
        apply(2, rot_x(rng.uniform(8, 20) * deg * env))

    # Small smooth noise on the main joints, about every axis.
    amplitude = rng.uniform(1.5, 3.5) * deg
    for joint in _NOISY_JOINTS:
        for rot in (rot_x, rot_y, rot_z):
            apply(joint, rot(_smooth_noise(t, amplitude, rng)))
    return rots


def synthesize_person(label: Optional[int], num_frames: int,
                      position: Sequence[float],
                      rng: np.random.Generator) -> np.ndarray:
    """One person's 3-D skeleton sequence in camera coordinates.

    Args:
        label (int | None): the action, or None for an idle bystander.
        num_frames (int): T.
        position (Sequence[float]): (X, Y, Z) of the spine base when
            standing, metres, camera space (X left, Y up, Z away).
        rng (np.random.Generator): per-person random stream (size, yaw,
            sway, motion).

    Returns:
        np.ndarray: (T, 25, 3) joints, metres; feet stay on the floor.
    """
    offsets = rest_offsets(rng.uniform(0.92, 1.06), rng)
    rots = action_rotations(label, num_frames, rng)
    t = np.linspace(0.0, 1.0, num_frames)
    yaw = rng.uniform(-15, 15) * np.pi / 180 + _smooth_noise(t, 0.03, rng)
    sway = np.stack([_smooth_noise(t, 0.02, rng), np.zeros_like(t),
                     _smooth_noise(t, 0.02, rng)], axis=1)
    root = np.asarray(position, dtype=np.float64) + sway
    joints = forward_kinematics(offsets, rots, rot_y(yaw), root)
    # Keep the ankles on the floor: lift/lower the whole body (rigidly).
    rest = forward_kinematics(offsets, np.broadcast_to(
        np.eye(3), (1, NUM_JOINTS, 3, 3)), np.eye(3)[None], np.zeros((1, 3)))
    floor = position[1] + rest[0, [14, 18], 1].mean()
    joints[..., 1] += (floor - joints[:, [14, 18], 1].mean(axis=1))[:, None]
    return joints


def synthesize_skeletons(label: int, num_person: int, num_frames: int,
                         rng: np.random.Generator,
                         margin: float = 3.0) -> np.ndarray:
    """The 3-D skeletons of one sample: the actor and maybe a bystander.

    Args:
        label (int): the actor's class.
        num_person (int): M, 1 or 2; the second person stands beside the
            first and does not act.
        num_frames (int): T.
        rng (np.random.Generator): the sample's random stream.
        margin (float): pixels that the projected joints keep from the image
            border; people are moved sideways / up if needed.

    Returns:
        np.ndarray: (M, T, 25, 3) float32, metres, camera space.
    """
    side = rng.choice([-1.0, 1.0])
    depth = rng.uniform(2.7, 3.2)
    x0 = rng.uniform(-0.15, 0.15)
    y0 = rng.uniform(-0.04, 0.04)
    positions = [(x0, y0, depth)]
    if num_person == 2:
        gap = rng.uniform(0.7, 0.85)
        positions = [(side * gap / 2, y0, depth),
                     (-side * gap / 2, y0 + rng.uniform(-0.03, 0.03),
                      depth + rng.uniform(-0.2, 0.2))]
    people = [synthesize_person(label if i == 0 else None, num_frames, pos,
                                rng) for i, pos in enumerate(positions)]
    keypoint = np.stack(people)
    return fit_in_image(keypoint, margin).astype(np.float32)


__all__ = [
    'NUM_JOINTS', 'PARENTS', 'FK_ORDER', 'BONES', 'rot_x', 'rot_y', 'rot_z',
    'rest_offsets', 'forward_kinematics', 'action_rotations',
    'synthesize_person', 'synthesize_skeletons'
]

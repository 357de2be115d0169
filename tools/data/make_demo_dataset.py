"""Generate the small demo dataset for MMCL, in the formats of the real data.

``python tools/data/make_demo_dataset.py --out-dir data/demo``

Writes, for ``--num-train`` + ``--num-val`` synthetic samples of four actions
(about 3 s on one CPU core for the default 64 + 32)::

    <out>/demo_ntu25.pkl                 mmaction2 skeleton pickle (last)
    <out>/label_map.txt                  one class name a line
    <out>/videos/<frame_dir>.mp4         160x120 RGB video, 30 fps
    <out>/text_features/<frame_dir>.npy  (L, 32) float16 "MLLM answer tokens"
    <out>/README.md                      description of the formats
    <out>/text_cache/                    with --text-cache: the same text
                                         features (and answer texts) as a
                                         text-feature cache

The skeletons are made by forward kinematics of a rigid, human-sized
25-joint NTU RGB+D (Kinect v2) body, so bone lengths stay constant over time.
Coordinates follow Kinect's camera space, in metres: X towards the camera's
left, Y up, Z away from the camera; people face the camera. The videos draw
the same skeletons, projected with a pinhole camera (``FOCAL``, centre of the
image), over a static background, plus a red cup in the right hand for
'drink water'. The text features stand for an MLLM's answer to "Are the
people holding objects?": token embeddings of a fixed random vocabulary
(with a shared "holding" direction) plus noise, so they say whether a cup is
held, not which of the four actions it is.

Videos are written by OpenCV with fourcc 'mp4v' (MPEG-4 part 2), which
decord reads back frame-exact; ``pick_fourcc`` checks this once per run and
falls back to the next of ``FOURCCS`` if an OpenCV build cannot.

Everything is deterministic given ``--seed``; each sample draws from its own
random stream (seed, split, index), so sizes can change without changing the
other samples. Files are written atomically; samples whose files exist are
skipped (unless the pickle of an earlier run says they were made from other
skeletons, e.g. with another seed), and the pickle is written last, so an
interrupted run can be resumed and two runs give the same result.
"""
import argparse
import multiprocessing
import os
import os.path as osp
import pickle
import sys
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from tqdm import tqdm

CLASS_NAMES: Tuple[str, ...] = ('wave right hand', 'wave left hand', 'squat',
                                'drink water')
#: Whether the actor holds an object (a cup) in each class.
HOLDING: Tuple[bool, ...] = (False, False, False, True)

IMG_SHAPE: Tuple[int, int] = (120, 160)  # (H, W)
FPS = 30
FOCAL = 128.0  # pinhole focal length in pixels; principal point = centre
MIN_FRAMES, MAX_FRAMES = 40, 64
TEXT_DIM = 32
PKL_NAME = 'demo_ntu25.pkl'
FOURCCS: Tuple[str, ...] = ('mp4v', 'avc1', 'XVID')  # tried in this order

# ------------------------------------------------------------------ skeleton
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


def project(keypoint: np.ndarray, focal: float = FOCAL,
            img_shape: Tuple[int, int] = IMG_SHAPE) -> np.ndarray:
    """Pinhole projection of camera-space joints to pixels.

    Args:
        keypoint (np.ndarray): (..., 3) X (left), Y (up), Z (depth), metres.
        focal (float): focal length in pixels.
        img_shape (tuple[int, int]): (H, W); the principal point is the
            image centre.

    Returns:
        np.ndarray: (..., 2) pixel (x, y), x to the right, y down.
    """
    height, width = img_shape
    depth = keypoint[..., 2]
    u = width / 2 - focal * keypoint[..., 0] / depth
    v = height / 2 - focal * keypoint[..., 1] / depth
    return np.stack([u, v], axis=-1)


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


def fit_in_image(keypoint: np.ndarray, margin: float = 3.0,
                 img_shape: Tuple[int, int] = IMG_SHAPE) -> np.ndarray:
    """Move the whole scene (rigidly) so that its projection fits the image.

    Rarely needed: people are placed to fit. If the projection is too large
    the scene moves away from the camera, then it is shifted sideways / up.

    Args:
        keypoint (np.ndarray): (M, T, 25, 3) camera-space joints, metres.
        margin (float): pixels to keep from the image border.
        img_shape (tuple[int, int]): (H, W).

    Returns:
        np.ndarray: (M, T, 25, 3) moved copy.
    """
    keypoint = keypoint.astype(np.float64)  # a copy
    sizes = (img_shape[1], img_shape[0])
    for _ in range(5):
        uv = project(keypoint, img_shape=img_shape)
        low = margin - uv.min(axis=(0, 1, 2))  # > 0: past the left / top
        high = uv.max(axis=(0, 1, 2)) - (np.array(sizes) - 1 - margin)
        if (low <= 0).all() and (high <= 0).all():
            break
        extent = uv.max(axis=(0, 1, 2)) - uv.min(axis=(0, 1, 2))
        ratio = (extent / (np.array(sizes) - 1 - 2 * margin)).max()
        if ratio > 1:
            keypoint[..., 2] += keypoint[..., 2].mean() * (ratio * 1.02 - 1)
            continue
        # Pixels to move: +low if past the low border, -high if past high.
        shift = np.where(low > 0, low, np.where(high > 0, -high, 0.0))
        metres = shift * keypoint[..., 2].mean() / FOCAL * 1.05
        keypoint[..., 0] -= metres[0]  # u grows as X falls
        keypoint[..., 1] -= metres[1]  # v grows as Y falls
    return keypoint


# ------------------------------------------------------------------ samples
_SPLIT_CODE = {'train': 1, 'val': 2}


def sample_rng(seed: int, split: str, index: int,
               purpose: int) -> np.random.Generator:
    """Independent random stream of one sample and one purpose
    (0 skeleton, 1 video, 2 text)."""
    return np.random.default_rng([seed, _SPLIT_CODE[split], index, purpose])


def sample_label(index: int) -> int:
    """Class of the ``index``-th sample of a split (balanced round robin)."""
    return index % len(CLASS_NAMES)


def sample_num_person(index: int) -> int:
    """M of the ``index``-th sample: 2 for one sample in 16 (7, 23, ...).

    Few, because the idle bystander is a nuisance that a GCN needs many
    iterations to learn to ignore; the demo trains for a few dozen."""
    return 2 if index % 16 == 7 else 1


def sample_name(split: str, index: int) -> str:
    """NTU-style ``frame_dir``: setup 1 for train, 2 for val, action =
    label + 1; camera and performer enumerate the samples of a class."""
    rank = index // len(CLASS_NAMES)
    return (f'S{_SPLIT_CODE[split]:03d}C{1 + rank % 3:03d}'
            f'P{1 + rank // 3:03d}R001A{sample_label(index) + 1:03d}')


def build_annotation(split: str, index: int, seed: int) -> Dict:
    """The mmaction2 annotation of one sample (pure: depends only on args).

    Args:
        split (str): 'train' or 'val'.
        index (int): position in the split.
        seed (int): dataset seed.

    Returns:
        dict: ``frame_dir``, ``label``, ``total_frames`` (T), ``img_shape``
        and ``original_shape`` (120, 160), ``keypoint`` (M, T, 25, 3)
        float32 metres and ``keypoint_2d`` (M, T, 25, 2) float32 pixels.
    """
    rng = sample_rng(seed, split, index, 0)
    label = sample_label(index)
    num_frames = int(rng.integers(MIN_FRAMES, MAX_FRAMES + 1))
    keypoint = synthesize_skeletons(label, sample_num_person(index),
                                    num_frames, rng)
    return dict(
        frame_dir=sample_name(split, index),
        label=label,
        total_frames=num_frames,
        img_shape=IMG_SHAPE,
        original_shape=IMG_SHAPE,
        keypoint=keypoint,
        keypoint_2d=project(keypoint).astype(np.float32))


# ------------------------------------------------------------------ video
#: BGR colours: person 0 green, person 1 orange; the cup red.
PERSON_COLORS: Tuple[Tuple[int, int, int], ...] = (
    (40, 210, 40), (30, 140, 240))
CUP_COLOR = (40, 40, 220)
_TRUNK = {(1, 0), (20, 1), (12, 0), (16, 0)}


def render_background(rng: np.random.Generator,
                      img_shape: Tuple[int, int] = IMG_SHAPE) -> np.ndarray:
    """A static room: a greyish wall with a door, a brownish floor, grain.

    Args:
        rng (np.random.Generator): colours, horizon and door placement.
        img_shape (tuple[int, int]): (H, W).

    Returns:
        np.ndarray: (H, W, 3) uint8 BGR image (no strongly green or red
        pixels, so skeleton and cup colours stand out).
    """
    height, width = img_shape
    wall = (np.array([165, 158, 150]) + rng.integers(-20, 21) +
            rng.integers(-6, 7, 3))
    floor = (np.array([95, 110, 125]) + rng.integers(-15, 16) +
             rng.integers(-6, 7, 3))
    horizon = int(rng.integers(int(0.55 * height), int(0.7 * height)))
    img = np.empty((height, width, 3), np.float64)
    img[:horizon] = wall
    img[horizon:] = floor
    img[horizon:] *= np.linspace(0.85, 1.1, height - horizon)[:, None, None]
    door_x = int(rng.integers(0, width - 30))
    door_w = int(rng.integers(22, 32))
    img[int(0.15 * height):horizon, door_x:door_x + door_w] = wall * 0.75
    img += rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def render_frames(keypoint: np.ndarray, keypoint_2d: np.ndarray,
                  holding: bool, background: np.ndarray) -> np.ndarray:
    """Draw the projected skeletons (and the cup) over the background.

    Args:
        keypoint (np.ndarray): (M, T, 25, 3) camera-space joints (depth for
            the drawing order and line widths).
        keypoint_2d (np.ndarray): (M, T, 25, 2) pixel (x, y).
        holding (bool): draw a cup in the right hand of person 0.
        background (np.ndarray): (H, W, 3) uint8 BGR.

    Returns:
        np.ndarray: (T, H, W, 3) uint8 BGR frames.
    """
    num_frames = keypoint.shape[1]
    frames = np.repeat(background[None], num_frames, axis=0)
    order = np.argsort(-keypoint[..., 2].mean(axis=(1, 2)))  # far first
    for t in range(num_frames):
        frame = frames[t]
        for m in order:
            pts = np.round(keypoint_2d[m, t]).astype(np.int32)
            px_per_m = FOCAL / float(keypoint[m, t, 1, 2])
            color = PERSON_COLORS[m % len(PERSON_COLORS)]
            limb = max(2, int(round(0.03 * px_per_m)))
            for child, parent in BONES:
                width = 2 * limb if (child, parent) in _TRUNK else limb
                cv2.line(frame, tuple(pts[child]), tuple(pts[parent]), color,
                         width, cv2.LINE_AA)
            for joint in (7, 11, 15, 19):
                cv2.circle(frame, tuple(pts[joint]), limb, color, -1,
                           cv2.LINE_AA)
            cv2.circle(frame, tuple(pts[3]), max(3, int(0.1 * px_per_m)),
                       color, -1, cv2.LINE_AA)
            if holding and m == 0:
                cx, cy = pts[11]
                half_w = max(2, int(round(0.035 * px_per_m)))
                half_h = max(3, int(round(0.055 * px_per_m)))
                cv2.rectangle(frame, (cx - half_w, cy - half_h),
                              (cx + half_w, cy + half_h), CUP_COLOR, -1)
                cv2.line(frame, (cx - half_w, cy - half_h),
                         (cx + half_w, cy - half_h), (235, 235, 235), 1)
    return frames


_FOURCC_CACHE: Dict[str, str] = {}


def _count_frames(path: str) -> int:
    """Frames of a video as decord reads it (OpenCV if decord is absent)."""
    try:
        import decord
        return len(decord.VideoReader(path))
    except ImportError:
        cap = cv2.VideoCapture(path)
        count = 0
        while cap.read()[0]:
            count += 1
        cap.release()
        return count


def _write_video(path: str, frames: np.ndarray, fourcc: str) -> bool:
    """Write (T, H, W, 3) BGR frames; False if the codec cannot be opened."""
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), FPS,
                             (width, height))
    if not writer.isOpened():
        return False
    for frame in frames:
        writer.write(np.ascontiguousarray(frame))
    writer.release()
    return osp.getsize(path) > 0


def pick_fourcc(tmp_dir: str) -> str:
    """First codec of ``FOURCCS`` whose .mp4 decord reads back frame-exact.

    Args:
        tmp_dir (str): where to write the probe video (removed after).

    Returns:
        str: the fourcc ('mp4v' with OpenCV's FFmpeg build).
    """
    if 'fourcc' in _FOURCC_CACHE:
        return _FOURCC_CACHE['fourcc']
    frames = np.repeat(render_background(np.random.default_rng(0))[None], 7,
                       axis=0)
    for fourcc in FOURCCS:
        fd, probe = tempfile.mkstemp(dir=tmp_dir, prefix='.probe-',
                                     suffix='.mp4')
        os.close(fd)
        try:
            if _write_video(probe, frames, fourcc) and \
                    _count_frames(probe) == len(frames):
                _FOURCC_CACHE['fourcc'] = fourcc
                return fourcc
        except Exception:  # noqa: BLE001 (a codec that fails to decode)
            pass
        finally:
            os.remove(probe)
    raise RuntimeError(f'none of the codecs {FOURCCS} writes an .mp4 that '
                       'reads back; check the OpenCV build (FFmpeg)')


# ------------------------------------------------------------------ text
#: Vocabulary of the simulated MLLM answers.
VOCAB: Tuple[str, ...] = ('yes', 'no', ',', '.', 'a', 'the', 'person',
                          'people', 'is', 'are', 'not', 'holding', 'holds',
                          'hold', 'cup', 'nothing', 'anything', 'hands',
                          'empty', 'objects')
_VOCAB_SEED = 20240  # fixed: the same embedding whatever --seed is
_ANSWERS_HOLDING = (('yes', 'a', 'cup'), ('yes', ',', 'a', 'cup'),
                    ('yes', 'holding', 'a', 'cup'),
                    ('yes', ',', 'the', 'person', 'holds', 'a', 'cup'),
                    ('yes', 'the', 'person', 'is', 'holding', 'a', 'cup', '.'))
_ANSWERS_EMPTY = (('no', 'objects', '.'), ('no', ',', 'nothing'),
                  ('no', 'hands', 'are', 'empty'),
                  ('no', ',', 'the', 'person', 'holds', 'nothing'),
                  ('no', 'the', 'person', 'is', 'not', 'holding', 'anything',
                   '.'))


# How much each token says "an object is held" (+) or "nothing held" (-).
_POLARITY = {'yes': 1.0, 'cup': 1.0, 'holding': 0.5, 'holds': 0.5,
             'hold': 0.5, 'no': -1.0, 'not': -1.0, 'nothing': -1.0,
             'anything': -0.5, 'empty': -1.0}


def vocab_embedding(dim: int = TEXT_DIM,
                    polarity_scale: float = 0.8) -> np.ndarray:
    """Fixed random token embedding with a "holding" direction.

    Like a language model's embedding, tokens of similar meaning lie
    together: each row is a random unit vector plus ``polarity_scale``
    times the token's polarity (``_POLARITY``) along one fixed direction,
    so that even the mean over an answer's tokens (what the FRM head pools)
    tells "holding" from "not holding" answers.

    Args:
        dim (int): embedding width D.
        polarity_scale (float): weight of the shared direction.

    Returns:
        np.ndarray: (len(VOCAB), dim) float64.
    """
    rng = np.random.default_rng(_VOCAB_SEED)
    emb = rng.standard_normal((len(VOCAB), dim))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    direction = rng.standard_normal(dim)
    direction /= np.linalg.norm(direction)
    polarity = np.array([_POLARITY.get(w, 0.0) for w in VOCAB])
    return emb + polarity_scale * polarity[:, None] * direction


def answer_tokens(holding: bool, num_person: int,
                  rng: np.random.Generator) -> List[str]:
    """One answer to "Are the people holding objects?" (3-8 tokens)."""
    answers = _ANSWERS_HOLDING if holding else _ANSWERS_EMPTY
    tokens = list(answers[int(rng.integers(len(answers)))])
    if num_person > 1:
        plural = {'person': 'people', 'is': 'are', 'holds': 'hold'}
        tokens = [plural.get(w, w) for w in tokens]
    return tokens


def text_answer(holding: bool, num_person: int, rng: np.random.Generator,
                noise: float = 0.05) -> Tuple[List[str], np.ndarray]:
    """A simulated MLLM answer: its tokens and their features.

    Args:
        holding (bool): whether the actor holds an object.
        num_person (int): M (changes 'person' to 'people').
        rng (np.random.Generator): picks the answer and the noise.
        noise (float): std of the Gaussian added to each token embedding.

    Returns:
        tuple: the 3 to 8 answer tokens and their (L, 32) float16 features.
    """
    index = {w: i for i, w in enumerate(VOCAB)}
    tokens = answer_tokens(holding, num_person, rng)
    feats = vocab_embedding()[[index[w] for w in tokens]]
    feats = feats + rng.normal(0, noise, feats.shape)
    return tokens, feats.astype(np.float16)


def text_feature(holding: bool, num_person: int, rng: np.random.Generator,
                 noise: float = 0.05) -> np.ndarray:
    """Token features of a simulated MLLM answer (see ``text_answer``).

    Returns:
        np.ndarray: (L, 32) float16, 3 <= L <= 8.
    """
    return text_answer(holding, num_person, rng, noise)[1]


# ------------------------------------------------------------------ writing
def _atomic_path(path: str, suffix: str) -> str:
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory,
                               prefix='.' + osp.basename(path) + '.',
                               suffix='.tmp' + suffix)
    os.close(fd)
    return tmp


def _commit(tmp: str, path: str) -> None:
    try:
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_bytes_atomic(data: bytes, path: str) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename."""
    tmp = _atomic_path(path, '')
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
    except BaseException:
        os.remove(tmp)
        raise
    _commit(tmp, path)


def save_npy_atomic(array: np.ndarray, path: str) -> None:
    """``np.save`` through a temporary file and ``os.replace``."""
    tmp = _atomic_path(path, '.npy')
    try:
        np.save(tmp, array)
    except BaseException:
        os.remove(tmp)
        raise
    _commit(tmp, path)


def write_video_atomic(frames: np.ndarray, path: str,
                       fourcc: str = 'mp4v') -> None:
    """Write a 30 fps video through a temporary .mp4 and ``os.replace``.

    Args:
        frames (np.ndarray): (T, H, W, 3) uint8 BGR.
        path (str): destination (.mp4).
        fourcc (str): codec (see ``pick_fourcc``).
    """
    tmp = _atomic_path(path, '.mp4')
    try:
        if not _write_video(tmp, frames, fourcc):
            raise RuntimeError(f'cv2.VideoWriter ({fourcc}) failed: {path}')
    except BaseException:
        os.remove(tmp)
        raise
    _commit(tmp, path)


def write_sample_files(out_dir: str, ann: Dict, split: str, index: int,
                       seed: int, fourcc: str,
                       overwrite: bool = False) -> List[str]:
    """Write the video and text feature of one sample, if missing.

    Args:
        out_dir (str): dataset root.
        ann (dict): the sample's annotation (``build_annotation``).
        split (str): 'train' or 'val'.
        index (int): position in the split.
        seed (int): dataset seed.
        fourcc (str): video codec.
        overwrite (bool): write them even if they exist.

    Returns:
        list[str]: the paths written now.
    """
    name, label = ann['frame_dir'], ann['label']
    written = []
    video = osp.join(out_dir, 'videos', name + '.mp4')
    if overwrite or not osp.exists(video):
        background = render_background(sample_rng(seed, split, index, 1))
        frames = render_frames(ann['keypoint'], ann['keypoint_2d'],
                               HOLDING[label], background)
        write_video_atomic(frames, video, fourcc)
        written.append(video)
    text = osp.join(out_dir, 'text_features', name + '.npy')
    if overwrite or not osp.exists(text):
        save_npy_atomic(
            text_feature(HOLDING[label], ann['keypoint'].shape[0],
                         sample_rng(seed, split, index, 2)), text)
        written.append(text)
    return written


#: The question the simulated answers reply to.
TEXT_PROMPT = 'Are the people holding objects?'
TEXT_CACHE_DIR = 'text_cache'


def write_text_cache(out_dir: str, annotations: Sequence[Dict],
                     indices: Sequence[Tuple[str, int]], seed: int,
                     shard_size: int = 32) -> str:
    """Write the simulated text features as a text-feature cache.

    The cache (the format of ``tools/extract_text_features.py``, read by
    ``LoadTextFeatureFromCache``) holds the same features as
    ``text_features/`` plus the answer texts. Resumable like the tool; a
    cache of another seed is replaced.

    Args:
        out_dir (str): dataset root; the cache goes to ``text_cache/``.
        annotations (Sequence[dict]): the annotations.
        indices (Sequence[tuple[str, int]]): (split, index) of each.
        seed (int): dataset seed.
        shard_size (int): samples per shard.

    Returns:
        str: the cache directory.
    """
    import shutil

    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    if repo not in sys.path:
        sys.path.insert(0, repo)
    from mmcl_plugin.mllm.cache_format import CacheMeta, CacheMismatchError
    from mmcl_plugin.mllm.cache_writer import (PromptFeatures,
                                               TextFeatureCacheWriter)
    cache_dir = osp.join(out_dir, TEXT_CACHE_DIR)
    meta = CacheMeta(
        identity=dict(model='simulated MLLM (tools/data/make_demo_dataset.py)',
                      prompts=[TEXT_PROMPT], seed=seed,
                      vocab_seed=_VOCAB_SEED),
        storage_dtype='float16', hidden_size=TEXT_DIM,
        shard_size=shard_size, pool='mean')
    by_name = {ann['frame_dir']: (ann, split, index)
               for ann, (split, index) in zip(annotations, indices)}
    writer = TextFeatureCacheWriter(cache_dir, meta, list(by_name))
    try:
        writer.write_meta()
    except CacheMismatchError:  # made with another seed: a new dataset
        shutil.rmtree(cache_dir)
        writer.write_meta()
    pending = writer.pending_shards()
    if pending:
        writer.invalidate_index()
    for shard in pending:
        features = {}
        for name in shard.samples:
            ann, split, index = by_name[name]
            tokens, feats = text_answer(HOLDING[ann['label']],
                                        ann['keypoint'].shape[0],
                                        sample_rng(seed, split, index, 2))
            features[name] = [PromptFeatures(' '.join(tokens), feats)]
        writer.write_shard(shard, features, {})
    writer.write_index()
    return cache_dir


def _work(task: Tuple) -> List[str]:
    return write_sample_files(*task)


def stale_samples(pkl: str, annotations: Sequence[Dict]) -> List[str]:
    """Samples whose files an earlier, different run made (another seed).

    Args:
        pkl (str): the pickle of the earlier run (may be missing).
        annotations (Sequence[dict]): the annotations of this run.

    Returns:
        list[str]: ``frame_dir`` of the samples whose skeletons differ from
        the earlier pickle's, so that their video and text feature must be
        remade. Empty when there is no readable earlier pickle.
    """
    try:
        with open(pkl, 'rb') as f:
            old = {a['frame_dir']: a for a in pickle.load(f)['annotations']}
    except Exception:  # noqa: BLE001 (missing or unreadable: nothing known)
        return []
    stale = []
    for ann in annotations:
        prev = old.get(ann['frame_dir'])
        if prev is not None and not (
                prev.get('label') == ann['label']
                and np.array_equal(prev.get('keypoint'), ann['keypoint'])):
            stale.append(ann['frame_dir'])
    return stale


def readme_text(seed: int, num_train: int, num_val: int,
                fourcc: str = 'mp4v') -> str:
    """The generated dataset's README.md."""
    classes = '\n'.join(
        f'{i}. {name} (holding an object: {"yes" if HOLDING[i] else "no"})'
        for i, name in enumerate(CLASS_NAMES))
    height, width = IMG_SHAPE
    return f"""# MMCL demo dataset (generated)

Synthetic, for demos and tests only. Made by

    python tools/data/make_demo_dataset.py --seed {seed} \\
        --num-train {num_train} --num-val {num_val}

Classes (`label_map.txt`; label = line index):

{classes}

Files, joined by the sample name `frame_dir`:

- `{PKL_NAME}`: mmaction2 skeleton pickle,
  `dict(split=dict(train=[...], val=[...]), annotations=[...])`.
  Each annotation has
  - `frame_dir`: NTU-style name `SsssCcccPpppRrrrAaaa`, `A` = label + 1;
  - `label`, `total_frames` T ({MIN_FRAMES} to {MAX_FRAMES});
  - `img_shape`, `original_shape`: ({height}, {width}), (H, W);
  - `keypoint`: float32 (M, T, 25, 3), NTU RGB+D (Kinect v2) joints in
    metres, camera space (X to the camera's left, Y up, Z away from the
    camera). M = 2 for one sample in 16: an idle bystander stands
    beside the actor (person 0);
  - `keypoint_2d`: float32 (M, T, 25, 2), pixel (x, y) of the joints in
    the video (pinhole camera, focal {FOCAL:g} px, principal point at the
    image centre).
- `videos/<frame_dir>.mp4`: {width}x{height}, T frames, {FPS} fps, fourcc
  '{fourcc}'. The skeletons drawn over a room (person 0 green, person 1
  orange) and, for 'drink water', a red cup in the right hand.
- `text_features/<frame_dir>.npy`: float16 (L, {TEXT_DIM}), 3 <= L <= 8,
  token features of a simulated MLLM answer to "Are the people holding
  objects?" (embeddings of a fixed random vocabulary plus noise), one
  prompt (read as P = 1 of (P, L, D)). They tell whether a cup is held,
  not the action.
"""


def make_demo_dataset(out_dir: str, seed: int = 0, num_train: int = 64,
                      num_val: int = 32, num_workers: int = 0,
                      progress: bool = True, text_cache: bool = False) -> str:
    """Generate (or complete) the demo dataset under ``out_dir``.

    Labels go round robin, so the splits are balanced when their sizes are
    multiples of 4. Existing videos and text features are kept, except those
    of samples that an earlier pickle in ``out_dir`` describes differently
    (another seed); the pickle is written last, atomically.

    Args:
        out_dir (str): dataset root.
        seed (int): random seed.
        num_train (int): training samples.
        num_val (int): validation samples.
        num_workers (int): worker processes (0: this process).
        progress (bool): show a tqdm bar.
        text_cache (bool): also write the text features as a text-feature
            cache (``text_cache/``, see ``write_text_cache``).

    Returns:
        str: path of the skeleton pickle.
    """
    if num_train < 1 or num_val < 1:
        raise ValueError('num_train and num_val must be positive')
    for sub in ('videos', 'text_features'):
        os.makedirs(osp.join(out_dir, sub), exist_ok=True)
    fourcc = pick_fourcc(osp.join(out_dir, 'videos'))
    # Annotations are made here (cheap); workers only render and write.
    # The pickle then holds only this process's objects, so it is the same
    # byte for byte with or without workers.
    indices = [(split, i) for split, num in (('train', num_train),
                                             ('val', num_val))
               for i in range(num)]
    annotations = [build_annotation(split, i, seed) for split, i in indices]
    pkl = osp.join(out_dir, PKL_NAME)
    stale = set(stale_samples(pkl, annotations))
    tasks = [(out_dir, ann, split, i, seed, fourcc, ann['frame_dir'] in stale)
             for ann, (split, i) in zip(annotations, indices)]
    # Worker processes (forked) find ``_work`` through sys.modules, so they
    # are used only when this module is registered there (script runs).
    registered = getattr(sys.modules.get(__name__), '_work', None) is _work
    if num_workers > 0 and registered and \
            'fork' in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context('fork').Pool(num_workers) as pool:
            for _ in tqdm(pool.imap(_work, tasks), total=len(tasks),
                          disable=not progress, unit='sample'):
                pass
    else:
        for task in tqdm(tasks, disable=not progress, unit='sample'):
            _work(task)
    split = dict(train=[a['frame_dir'] for a in annotations[:num_train]],
                 val=[a['frame_dir'] for a in annotations[num_train:]])
    if text_cache:
        write_text_cache(out_dir, annotations, indices, seed)
    write_bytes_atomic(
        ''.join(name + '\n' for name in CLASS_NAMES).encode(),
        osp.join(out_dir, 'label_map.txt'))
    write_bytes_atomic(
        readme_text(seed, num_train, num_val, fourcc).encode(),
        osp.join(out_dir, 'README.md'))
    write_bytes_atomic(
        pickle.dumps(dict(split=split, annotations=annotations), protocol=4),
        pkl)
    return pkl


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the small MMCL demo dataset (skeleton pkl, '
        'videos, text features).')
    parser.add_argument('--out-dir', default='data/demo',
                        help='dataset root (default: data/demo)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train', type=int, default=64)
    parser.add_argument('--num-val', type=int, default=32)
    parser.add_argument('--num-workers', type=int, default=0,
                        help='worker processes (default 0: none)')
    parser.add_argument('--text-cache', action='store_true',
                        help='also write the text features as a '
                        'text-feature cache (<out>/text_cache/, read by '
                        'LoadTextFeatureFromCache)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    pkl = make_demo_dataset(args.out_dir, args.seed, args.num_train,
                            args.num_val, args.num_workers,
                            text_cache=args.text_cache)
    print(f'{args.num_train} train + {args.num_val} val samples -> {pkl}')


if __name__ == '__main__':
    main()

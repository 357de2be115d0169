"""Joint layouts of the extracted skeletons, from BlazePose's 33 joints.

* ``coco17``: 2-D pixel keypoints in COCO's order (the layout of
  mmaction2's 2-D skeleton models and of HRNet): keypoint (M, T, 17, 2),
  keypoint_score (M, T, 17). BlazePose and COCO both label the person's
  own left and right, so no swap.
* ``ntu25``: NTU RGB+D's 25 Kinect v2 joints, 3-D in NTU's camera axes
  (x right in the video, y up, z away from the camera, metres):
  keypoint (M, T, 25, 3), the joint scores (M, T, 25) (stored as
  ``joint_score``: mmaction2's 3-D ``GenSkeFeat`` refuses a
  ``keypoint_score``), plus ``keypoint_2d`` (M, T, 25, 2) pixel
  coordinates of the same joints.

NTU's left / right: NTU's colour videos are mirrored against the Kinect
body labels, so a person's Kinect "left" arm appears where BlazePose
(which labels the person's own side in the unmirrored image) sees the
right arm. NTU-trained models expect NTU's labelling, so the sides are
**swapped**: NTU left = BlazePose right. (Measured on an NTU clip: 57 px
mean 2-D error against NTU's colour keypoints without the swap, 24.5 px
with it.)

NTU joints (1-based as in NTU's documentation) from BlazePose joints
(``BP``, 0-based; ``R`` = BlazePose's right side, used for NTU's left):

====  =================  ==================================================
NTU   joint              from BlazePose
====  =================  ==================================================
1     spine base         midpoint of the hips (23, 24)
2     spine mid          midpoint of spine base and spine shoulder
3     neck               spine shoulder + 0.4 (head - spine shoulder)
4     head               midpoint of the ears (7, 8)
5-7   left shoulder,     BP right shoulder 12, elbow 14, wrist 16
      elbow, wrist
8     left hand          0.5 wrist 16 + 0.25 pinky 18 + 0.25 index 20
9-11  right shoulder,    BP left shoulder 11, elbow 13, wrist 15
      elbow, wrist
12    right hand         0.5 wrist 15 + 0.25 pinky 17 + 0.25 index 19
13-16 left hip, knee,    BP right hip 24, knee 26, ankle 28, foot index 32
      ankle, foot
17-20 right hip, knee,   BP left hip 23, knee 25, ankle 27, foot index 31
      ankle, foot
21    spine shoulder     midpoint of the shoulders (11, 12)
22    left hand tip      BP right index 20
23    left thumb         BP right thumb 22
24    right hand tip     BP left index 19
25    right thumb        BP left thumb 21
====  =================  ==================================================

A derived joint's score is the smallest score of the joints it is made
from. The same weights apply to the 2-D pixels and to the 3-D points.

3-D position: BlazePose's world landmarks are metric but centred on the
person's hips (x right, y down, z away from the camera). To keep several
people where they stand relative to each other (NTU's interactions), each
person is placed in a pinhole camera of focal length ``0.5632 W`` (the
Kinect v2 colour camera's 1081.4 px at 1920 px width) and principal
point the frame centre: depth ``Z = f * median(L3 / Lpx)`` over the
confident bones of the shoulders, hips, torso sides, upper arms and
thighs (metric length over pixel length), the hip centre at
``((u - cx) Z / f, (v - cy) Z / f, Z)``; then y is flipped (NTU's y is
up). Frames where the person is absent stay zeros, as in NTU's pickles.
"""
import warnings
from typing import Dict, Optional, Tuple

import numpy as np

#: BlazePose's 33 joints, in order.
BLAZEPOSE33_NAMES = (
    'nose', 'left_eye_inner', 'left_eye', 'left_eye_outer',
    'right_eye_inner', 'right_eye', 'right_eye_outer', 'left_ear',
    'right_ear', 'mouth_left', 'mouth_right', 'left_shoulder',
    'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist',
    'right_wrist', 'left_pinky', 'right_pinky', 'left_index', 'right_index',
    'left_thumb', 'right_thumb', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle', 'left_heel', 'right_heel',
    'left_foot_index', 'right_foot_index')

COCO17_NAMES = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
                'left_shoulder', 'right_shoulder', 'left_elbow',
                'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
                'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                'right_ankle')
#: COCO-17 joint k is BlazePose joint COCO17_FROM_BLAZEPOSE[k].
COCO17_FROM_BLAZEPOSE = tuple(
    BLAZEPOSE33_NAMES.index(name) for name in COCO17_NAMES)

NTU25_NAMES = ('spine_base', 'spine_mid', 'neck', 'head', 'left_shoulder',
               'left_elbow', 'left_wrist', 'left_hand', 'right_shoulder',
               'right_elbow', 'right_wrist', 'right_hand', 'left_hip',
               'left_knee', 'left_ankle', 'left_foot', 'right_hip',
               'right_knee', 'right_ankle', 'right_foot', 'spine_shoulder',
               'left_hand_tip', 'left_thumb', 'right_hand_tip',
               'right_thumb')

_SPINE_SHOULDER = {11: 0.5, 12: 0.5}
_HEAD = {7: 0.5, 8: 0.5}
_SPINE_BASE = {23: 0.5, 24: 0.5}


def _mix(*parts: Tuple[float, Dict[int, float]]) -> Dict[int, float]:
    out: Dict[int, float] = {}
    for weight, joints in parts:
        for joint, w in joints.items():
            out[joint] = out.get(joint, 0.0) + weight * w
    return out


#: NTU joint (0-based) -> {BlazePose joint: weight}; see the table above.
NTU25_FROM_BLAZEPOSE: Tuple[Dict[int, float], ...] = (
    _SPINE_BASE,
    _mix((0.5, _SPINE_BASE), (0.5, _SPINE_SHOULDER)),
    _mix((0.6, _SPINE_SHOULDER), (0.4, _HEAD)),
    _HEAD,
    {12: 1.0}, {14: 1.0}, {16: 1.0}, {16: 0.5, 18: 0.25, 20: 0.25},
    {11: 1.0}, {13: 1.0}, {15: 1.0}, {15: 0.5, 17: 0.25, 19: 0.25},
    {24: 1.0}, {26: 1.0}, {28: 1.0}, {32: 1.0},
    {23: 1.0}, {25: 1.0}, {27: 1.0}, {31: 1.0},
    _SPINE_SHOULDER,
    {20: 1.0}, {22: 1.0}, {19: 1.0}, {21: 1.0},
)

#: Focal length of NTU's Kinect v2 colour camera over the frame width.
FOCAL_PER_WIDTH = 1081.37 / 1920
#: BlazePose bones whose metric / pixel length ratio gives the depth.
DEPTH_BONES = ((11, 12), (23, 24), (11, 23), (12, 24), (11, 13), (12, 14),
               (23, 25), (24, 26))

LAYOUTS = ('coco17', 'ntu25')
NUM_JOINTS = dict(coco17=17, ntu25=25, blazepose33=33)


def ntu25_weights() -> np.ndarray:
    """(25, 33) float64 matrix: NTU joints = W @ BlazePose joints."""
    weights = np.zeros((25, 33))
    for ntu, sources in enumerate(NTU25_FROM_BLAZEPOSE):
        for joint, w in sources.items():
            weights[ntu, joint] = w
    return weights


def to_coco17(keypoint: np.ndarray,
              keypoint_score: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """BlazePose-33 to COCO-17.

    Args:
        keypoint (np.ndarray): (..., 33, C).
        keypoint_score (np.ndarray): (..., 33).

    Returns:
        tuple: (..., 17, C) float32 and (..., 17) float32.
    """
    index = list(COCO17_FROM_BLAZEPOSE)
    return (keypoint[..., index, :].astype(np.float32),
            keypoint_score[..., index].astype(np.float32))


def _ntu_mix(values: np.ndarray) -> np.ndarray:
    """(..., 33, C) -> (..., 25, C) with :func:`ntu25_weights`."""
    return np.einsum('nj,...jc->...nc', ntu25_weights(), values)


def _ntu_scores(scores: np.ndarray) -> np.ndarray:
    """(..., 33) -> (..., 25): the smallest score of each joint's
    sources."""
    out = [scores[..., list(sources)].min(-1)
           for sources in NTU25_FROM_BLAZEPOSE]
    return np.stack(out, -1)


def camera_translation(keypoint: np.ndarray,
                       keypoint_score: np.ndarray,
                       world: np.ndarray,
                       img_shape: Tuple[int, int],
                       focal: Optional[float] = None,
                       min_score: float = 0.5) -> np.ndarray:
    """Camera-space position of each person's hip centre (see the module
    docstring), in BlazePose's axes (x right, y down, z away).

    Args:
        keypoint (np.ndarray): (M, T, 33, 2) pixels.
        keypoint_score (np.ndarray): (M, T, 33).
        world (np.ndarray): (M, T, 33, 3) hip-centred metres.
        img_shape (tuple[int, int]): (H, W) of the pixels.
        focal (float, optional): Focal length in pixels; default
            ``FOCAL_PER_WIDTH * max(H, W)``.

    Returns:
        np.ndarray: (M, T, 3) float64 (zeros where no bone is usable).
    """
    height, width = img_shape
    # the Kinect's colour camera is landscape: its focal length scales
    # with the long side (a portrait video is the same camera turned)
    focal = focal or FOCAL_PER_WIDTH * max(height, width)
    first = [a for a, _ in DEPTH_BONES]
    second = [b for _, b in DEPTH_BONES]
    pixel_len = np.linalg.norm(
        keypoint[..., first, :] - keypoint[..., second, :], axis=-1)
    metric_len = np.linalg.norm(
        world[..., first, :] - world[..., second, :], axis=-1)
    usable = (np.minimum(keypoint_score[..., first],
                         keypoint_score[..., second]) >= min_score) & \
        (pixel_len > 1.0)
    # too few confident bones: take every bone with a length
    few = usable.sum(-1, keepdims=True) < 2
    usable = np.where(few, pixel_len > 1.0, usable)
    ratio = np.where(usable, metric_len / np.maximum(pixel_len, 1e-6),
                     np.nan)
    with warnings.catch_warnings():  # all-NaN rows: absent frames
        warnings.simplefilter('ignore', RuntimeWarning)
        depth = focal * np.nanmedian(ratio, axis=-1)
    depth = np.nan_to_num(depth)
    hips = keypoint[..., [23, 24], :].mean(-2)
    x = (hips[..., 0] - width / 2) * depth / focal
    y = (hips[..., 1] - height / 2) * depth / focal
    return np.stack([x, y, depth], -1)


def to_ntu25(keypoint: np.ndarray,
             keypoint_score: np.ndarray,
             world: np.ndarray,
             img_shape: Tuple[int, int],
             present: Optional[np.ndarray] = None,
             focal: Optional[float] = None) -> Dict[str, np.ndarray]:
    """BlazePose-33 to NTU's 25 joints (sides swapped, NTU's axes).

    Args:
        keypoint (np.ndarray): (M, T, 33, 2) pixels.
        keypoint_score (np.ndarray): (M, T, 33).
        world (np.ndarray): (M, T, 33, 3) BlazePose world landmarks.
        img_shape (tuple[int, int]): (H, W) of the pixels.
        present (np.ndarray, optional): (M, T) bool, frames with the
            person (others become zeros); default: any nonzero score.
        focal (float, optional): See :func:`camera_translation`.

    Returns:
        dict: ``keypoint`` (M, T, 25, 3) metres, ``keypoint_2d``
        (M, T, 25, 2) pixels, ``keypoint_score`` (M, T, 25), float32.
    """
    if present is None:
        present = keypoint_score.max(-1) > 0
    shift = camera_translation(keypoint, keypoint_score, world, img_shape,
                               focal)
    xyz = _ntu_mix(world) + shift[..., None, :]
    xyz[..., 1] *= -1.0  # NTU's y is up
    mask = present[..., None, None]
    return dict(
        keypoint=np.where(mask, xyz, 0).astype(np.float32),
        keypoint_2d=np.where(mask, _ntu_mix(keypoint), 0).astype(np.float32),
        keypoint_score=np.where(present[..., None],
                                _ntu_scores(keypoint_score),
                                0).astype(np.float32))


def convert_layout(layout: str,
                   source_layout: str,
                   keypoint: np.ndarray,
                   keypoint_score: np.ndarray,
                   world: Optional[np.ndarray],
                   img_shape: Tuple[int, int],
                   present: Optional[np.ndarray] = None
                   ) -> Dict[str, np.ndarray]:
    """Tracked keypoints of a backend's layout into an output layout.

    Args:
        layout (str): ``'coco17'`` or ``'ntu25'``.
        source_layout (str): The backend's layout (``'blazepose33'`` or
            ``'coco17'``).
        keypoint (np.ndarray): (M, T, V, 2) pixels.
        keypoint_score (np.ndarray): (M, T, V).
        world (np.ndarray, optional): (M, T, V, 3) metres.
        img_shape (tuple[int, int]): (H, W).
        present (np.ndarray, optional): (M, T) bool.

    Returns:
        dict: ``keypoint``, ``keypoint_score`` (and ``keypoint_2d`` for
        ntu25), float32.

    Raises:
        ValueError: Unknown layout, or one the source cannot give.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}; choose one of '
                         f'{", ".join(LAYOUTS)}')
    if source_layout == layout == 'coco17':
        return dict(keypoint=keypoint.astype(np.float32),
                    keypoint_score=keypoint_score.astype(np.float32))
    if source_layout != 'blazepose33':
        raise ValueError(f'layout {layout!r} needs BlazePose joints (the '
                         f'blazepose backend); this backend gives '
                         f'{source_layout!r}')
    if layout == 'coco17':
        kpt, score = to_coco17(keypoint, keypoint_score)
        return dict(keypoint=kpt, keypoint_score=score)
    if world is None:
        raise ValueError('layout ntu25 needs 3-D world landmarks')
    return to_ntu25(keypoint, keypoint_score, world, img_shape, present)


__all__ = [
    'BLAZEPOSE33_NAMES', 'COCO17_NAMES', 'NTU25_NAMES',
    'COCO17_FROM_BLAZEPOSE', 'NTU25_FROM_BLAZEPOSE', 'LAYOUTS', 'NUM_JOINTS',
    'ntu25_weights', 'to_coco17', 'to_ntu25', 'camera_translation',
    'convert_layout', 'FOCAL_PER_WIDTH'
]

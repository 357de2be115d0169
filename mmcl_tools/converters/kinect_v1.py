"""Kinect v1 (20 joints) to the NTU RGB+D (Kinect v2, 25 joints) layout.

UTD-MHAD, SYSU-3D and NW-UCLA were recorded with Kinect v1, whose SDK
tracks 20 joints; NTU RGB+D uses Kinect v2's 25. To evaluate an
NTU-trained model on them, every sequence is rewritten in NTU's joint
order (``'nturgb+d'`` layout of mmaction2).

Correspondence (Kinect v1 name -> NTU joint, 1-based as in the NTU paper):

==================  ==========================
Kinect v1           NTU RGB+D
==================  ==========================
hip_center          1  base of the spine
spine               2  middle of the spine
shoulder_center     21 spine (between the shoulders)
head                4  head
left/right ...      the same joint on the same side: shoulder (5 / 9),
                    elbow (6 / 10), wrist (7 / 11), hand (8 / 12),
                    hip (13 / 17), knee (14 / 18), ankle (15 / 19),
                    foot (16 / 20)
==================  ==========================

NTU joints Kinect v1 lacks are filled from the joints it has:

* 3 neck = midpoint of shoulder_center and head (Kinect v2 puts the neck
  between the top of the spine and the head);
* 22 / 24 left / right hand tip = hand + (hand - wrist): the wrist-to-hand
  segment extended by its own length, the palm-to-fingertip distance being
  about the wrist-to-palm one;
* 23 / 25 left / right thumb = the hand joint (Kinect v1 has no hand
  orientation, so there is no side to put the thumb on).

Frames where the sequence has no body (all zeros) stay all zeros, the
"missing" convention of mmaction2's pre-processing.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

#: Kinect for Windows SDK v1 joint order (``NUI_SKELETON_POSITION_INDEX``),
#: also NW-UCLA's order.
KINECT_V1_JOINTS: Tuple[str, ...] = (
    'hip_center', 'spine', 'shoulder_center', 'head', 'left_shoulder',
    'left_elbow', 'left_wrist', 'left_hand', 'right_shoulder', 'right_elbow',
    'right_wrist', 'right_hand', 'left_hip', 'left_knee', 'left_ankle',
    'left_foot', 'right_hip', 'right_knee', 'right_ankle', 'right_foot')

#: NTU RGB+D joint order (0-based index = NTU joint number - 1).
NTU_JOINTS: Tuple[str, ...] = (
    'spine_base', 'spine_mid', 'neck', 'head', 'left_shoulder', 'left_elbow',
    'left_wrist', 'left_hand', 'right_shoulder', 'right_elbow',
    'right_wrist', 'right_hand', 'left_hip', 'left_knee', 'left_ankle',
    'left_foot', 'right_hip', 'right_knee', 'right_ankle', 'right_foot',
    'spine_shoulder', 'left_hand_tip', 'left_thumb', 'right_hand_tip',
    'right_thumb')

#: NTU joints taken directly from a Kinect v1 joint.
DIRECT: Dict[str, str] = {
    'spine_base': 'hip_center',
    'spine_mid': 'spine',
    'spine_shoulder': 'shoulder_center',
    **{name: name
       for name in KINECT_V1_JOINTS
       if name.startswith(('left_', 'right_', 'head'))},
}


def kinect_v1_to_ntu(keypoint: np.ndarray,
                     joint_order: Sequence[str] = KINECT_V1_JOINTS
                     ) -> np.ndarray:
    """Rewrite Kinect v1 skeletons in NTU RGB+D's 25-joint order.

    Args:
        keypoint (np.ndarray): (..., 20, C) joints in ``joint_order``.
        joint_order (Sequence[str]): Names of the 20 input joints, in the
            input's order (datasets differ: UTD-MHAD starts at the head).
            Defaults to the Kinect SDK order.

    Returns:
        np.ndarray: (..., 25, C), same dtype, see the module doc for the
        joints Kinect v1 lacks.

    Raises:
        ValueError: The joint axis is not 20 long, or ``joint_order`` is
            not a permutation of :data:`KINECT_V1_JOINTS`.
    """
    if sorted(joint_order) != sorted(KINECT_V1_JOINTS):
        raise ValueError('joint_order must name each of the 20 Kinect v1 '
                         f'joints once, got {list(joint_order)}')
    if keypoint.ndim < 2 or keypoint.shape[-2] != len(KINECT_V1_JOINTS):
        raise ValueError(f'expected (..., 20, C) Kinect v1 joints, got '
                         f'shape {keypoint.shape}')
    index = {name: i for i, name in enumerate(joint_order)}

    def joint(name: str) -> np.ndarray:
        return keypoint[..., index[name], :]

    out = np.zeros(keypoint.shape[:-2] + (len(NTU_JOINTS), ) +
                   keypoint.shape[-1:], dtype=keypoint.dtype)
    for target, source in DIRECT.items():
        out[..., NTU_JOINTS.index(target), :] = joint(source)
    out[..., NTU_JOINTS.index('neck'), :] = (
        joint('shoulder_center') + joint('head')) / 2
    for side in ('left', 'right'):
        hand, wrist = joint(f'{side}_hand'), joint(f'{side}_wrist')
        out[..., NTU_JOINTS.index(f'{side}_hand_tip'), :] = \
            2 * hand - wrist
        out[..., NTU_JOINTS.index(f'{side}_thumb'), :] = hand
    return out


#: Output layouts of the Kinect v1 converters: ``'ntu'`` (25 NTU joints,
#: for NTU-trained models) or ``'kinect_v1'`` (the 20 joints in SDK order,
#: the layout of ``NWUCLA_LAYOUT``).
LAYOUTS = ('ntu', 'kinect_v1')


def kinect_v1_annotation(name: str, label: int, skeleton: np.ndarray,
                         joint_order: Sequence[str], layout: str,
                         img_shape: Tuple[int, int]) -> Dict:
    """An mmaction2 annotation of one single-person Kinect v1 sequence.

    Args:
        name (str): Sample name (``frame_dir``).
        label (int): 0-based class.
        skeleton (np.ndarray): (T, 20, 3) joints in ``joint_order``.
        joint_order (Sequence[str]): Names of the input joints.
        layout (str): One of :data:`LAYOUTS`.
        img_shape (tuple[int, int]): (H, W) of the dataset's video.

    Returns:
        dict: ``frame_dir``, ``label``, ``total_frames``, ``img_shape``,
        ``original_shape`` and ``keypoint`` (1, T, V, 3) float32, V = 25
        (``'ntu'``) or 20 (``'kinect_v1'``).
    """
    if layout == 'ntu':
        keypoint = kinect_v1_to_ntu(skeleton, joint_order)
    elif layout == 'kinect_v1':
        keypoint = skeleton[:, [list(joint_order).index(j)
                                for j in KINECT_V1_JOINTS]]
    else:
        raise ValueError(f'unknown layout {layout!r}, expected one of '
                         f'{LAYOUTS}')
    return dict(
        frame_dir=name,
        label=label,
        total_frames=int(keypoint.shape[0]),
        img_shape=tuple(img_shape),
        original_shape=tuple(img_shape),
        keypoint=keypoint[None].astype(np.float32))


def subject_split(annotations: Sequence[Dict],
                  train_subjects: Sequence[int]) -> Dict[str, List[str]]:
    """``train`` / ``val`` by the annotations' ``subject``, and ``all``
    (every sample, for zero-shot transfer)."""
    split = dict(train=[], val=[], all=[])
    for ann in annotations:
        part = 'train' if ann['subject'] in train_subjects else 'val'
        split[part].append(ann['frame_dir'])
        split['all'].append(ann['frame_dir'])
    return split

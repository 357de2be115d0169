"""How well extracted ``ntu25`` skeletons agree with NTU's own Kinect
joints on the same clip (``benchmarks/ntu_kinect_agreement.py``).

NTU RGB+D ships, for each clip, the RGB video and the Kinect v2 skeleton
(``.skeleton``) whose joints carry their colour-frame pixels
(``colorX``, ``colorY``: the converter's ``keypoint_2d``). Running the
own-videos extraction on the video and comparing its ``keypoint_2d`` with
the Kinect's measures the layout (joint order, derived joints) and its
left / right convention: with NTU's labelling the errors are small; with
the sides the other way round the limbs' errors are of the body's width.
"""
from typing import Dict, Optional, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

#: 0-based NTU joints of the left side and, in the same order, the right.
NTU_LEFT = (4, 5, 6, 7, 12, 13, 14, 15, 21, 22)
NTU_RIGHT = (8, 9, 10, 11, 16, 17, 18, 19, 23, 24)


def swap_sides(keypoint: np.ndarray) -> np.ndarray:
    """NTU-25 joints with left and right exchanged.

    Args:
        keypoint (np.ndarray): (..., 25, C) joints.

    Returns:
        np.ndarray: A copy with joints :data:`NTU_LEFT` and
        :data:`NTU_RIGHT` exchanged.
    """
    swapped = np.array(keypoint, copy=True)
    swapped[..., NTU_LEFT, :] = keypoint[..., NTU_RIGHT, :]
    swapped[..., NTU_RIGHT, :] = keypoint[..., NTU_LEFT, :]
    return swapped


def _present(keypoint_2d: np.ndarray) -> np.ndarray:
    """(M, T) whether a person has joints in a frame (not all zeros)."""
    return np.abs(keypoint_2d).sum(axis=(-1, -2)) > 0


def match_persons(extracted_2d: np.ndarray, kinect_2d: np.ndarray
                  ) -> Tuple[Tuple[int, int], ...]:
    """Pairs (extracted person, Kinect person) of the smallest total
    median joint distance over their common frames.

    Args:
        extracted_2d (np.ndarray): (Me, T, 25, 2) pixels.
        kinect_2d (np.ndarray): (Mk, T, 25, 2) pixels (same T).

    Returns:
        tuple[tuple[int, int], ...]: One pair per matched person; persons
        without a common frame are not paired.
    """
    present_e, present_k = _present(extracted_2d), _present(kinect_2d)
    cost = np.full((len(extracted_2d), len(kinect_2d)), np.inf)
    for i in range(len(extracted_2d)):
        for j in range(len(kinect_2d)):
            frames = present_e[i] & present_k[j]
            if frames.any():
                distance = np.linalg.norm(
                    extracted_2d[i, frames] - kinect_2d[j, frames], axis=-1)
                cost[i, j] = np.median(distance)
    finite = np.where(np.isfinite(cost), cost, 1e12)
    rows, cols = linear_sum_assignment(finite)
    return tuple((int(i), int(j)) for i, j in zip(rows, cols)
                 if np.isfinite(cost[i, j]))


def joint_errors(extracted_2d: np.ndarray, kinect_2d: np.ndarray
                 ) -> Optional[np.ndarray]:
    """Pixel distances of every joint of every matched person and common
    frame.

    Args:
        extracted_2d (np.ndarray): (Me, Te, 25, 2) pixels of the
            extraction (zeros where a person is absent).
        kinect_2d (np.ndarray): (Mk, Tk, 25, 2) Kinect colour pixels; the
            first ``min(Te, Tk)`` frames of both are compared.

    Returns:
        np.ndarray | None: (N, 25) distances, one row per (person, frame)
        pair where both have the person; None when there is none.
    """
    frames = min(extracted_2d.shape[1], kinect_2d.shape[1])
    extracted_2d = np.asarray(extracted_2d[:, :frames], dtype=np.float64)
    kinect_2d = np.asarray(kinect_2d[:, :frames], dtype=np.float64)
    rows = []
    for i, j in match_persons(extracted_2d, kinect_2d):
        common = _present(extracted_2d[i:i + 1])[0] & \
            _present(kinect_2d[j:j + 1])[0]
        rows.append(np.linalg.norm(
            extracted_2d[i, common] - kinect_2d[j, common], axis=-1))
    rows = [r for r in rows if len(r)]
    return np.concatenate(rows) if rows else None


def kinect_agreement(extracted_2d: np.ndarray,
                     kinect_2d: np.ndarray) -> Dict[str, float]:
    """Agreement of an extraction's NTU-25 pixels with the Kinect's, with
    NTU's left / right and with the sides exchanged.

    Args:
        extracted_2d (np.ndarray): (Me, Te, 25, 2) ``keypoint_2d`` of the
            ``ntu25`` extraction.
        kinect_2d (np.ndarray): (Mk, Tk, 25, 2) ``keypoint_2d`` of the
            clip's ``.skeleton`` file.

    Returns:
        dict: ``median_px`` and ``mean_px`` over all joints, persons and
        common frames, ``limb_median_px`` over the sided joints only, the
        same three with ``swapped_`` in front for the exchanged sides, and
        ``compared`` (person-frames compared).

    Raises:
        ValueError: Not 25 joints, or no person-frame in common.
    """
    for name, array in (('extracted', extracted_2d), ('kinect', kinect_2d)):
        if np.ndim(array) != 4 or np.shape(array)[2:] != (25, 2):
            raise ValueError(f'{name} keypoints must be (M, T, 25, 2), got '
                             f'{np.shape(array)}')
    sided = list(NTU_LEFT + NTU_RIGHT)
    result = {}
    for prefix, candidate in (('', extracted_2d),
                              ('swapped_', swap_sides(extracted_2d))):
        errors = joint_errors(candidate, kinect_2d)
        if errors is None:
            raise ValueError('the extraction and the Kinect skeleton have '
                             'no person in a common frame')
        result[prefix + 'median_px'] = float(np.median(errors))
        result[prefix + 'mean_px'] = float(errors.mean())
        result[prefix + 'limb_median_px'] = float(
            np.median(errors[:, sided]))
        result.setdefault('compared', int(len(errors)))
    return result


__all__ = ['NTU_LEFT', 'NTU_RIGHT', 'swap_sides', 'match_persons',
           'joint_errors', 'kinect_agreement']

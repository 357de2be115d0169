"""``PreNormalize3D`` that remembers which video frames it kept.

mmaction2's ``PreNormalize3D`` drops the frames in which the main body is
absent (all-zero keypoints), so after it skeleton frame t is no longer
video frame t. Samplers then pick ``frame_inds`` on the shortened timeline
and a frame strip built from them would show other moments of the video
than the skeleton clip (NTU RGB+D has such frames: the converter keeps
body-less frames as zeros so that the keypoints stay aligned with the
video). :class:`PreNormalize3DWithFrameMap` records the kept video frames
as ``video_frame_map`` so that :class:`BuildFrameStrip` can map the
sampled indices back to video frames.
"""
from typing import Dict

import numpy as np
from mmaction.datasets.transforms import PreNormalize3D
from mmaction.registry import TRANSFORMS


def kept_frames(keypoint: np.ndarray) -> np.ndarray:
    """The frames ``PreNormalize3D`` keeps.

    mmaction2's rule (1.2.0): a frame is kept when the main body's
    keypoints are not all zero; with two persons the one present in more
    frames becomes the main body (person 1 wins only with strictly more
    frames). An all-zero sample is left unchanged. (The strip's person
    box is the union of all persons, so the swap does not matter to it.)

    Args:
        keypoint (np.ndarray): (M, T, V, C) keypoints, M in {1, 2}.

    Returns:
        np.ndarray: (T', ) int64 indices of the kept frames, increasing.
    """
    num_frames = keypoint.shape[1]
    if keypoint.sum() == 0:
        return np.arange(num_frames, dtype=np.int64)
    present = ~np.all(np.isclose(keypoint, 0), axis=(2, 3))  # (M, T)
    frames = [np.flatnonzero(present[m]) for m in range(len(present))]
    if len(frames) == 2 and len(frames[0]) < len(frames[1]):
        return frames[1].astype(np.int64)
    return frames[0].astype(np.int64)


@TRANSFORMS.register_module()
class PreNormalize3DWithFrameMap(PreNormalize3D):
    """``PreNormalize3D`` that adds the kept video frames.

    Use it instead of ``PreNormalize3D`` in pipelines that build frame
    strips from videos. The normalised keypoints are exactly those of
    ``PreNormalize3D``.

    Required Keys:

        - keypoint: (M, T, V, 3)
        - total_frames (optional)
        - video_frame_map (optional, from an earlier transform)

    Modified Keys:

        - keypoint, total_frames (as ``PreNormalize3D``)

    Added Keys:

        - video_frame_map: (T', ) int64, the video frame of each remaining
          skeleton frame
        - body_center (as ``PreNormalize3D``)

    Args:
        See mmaction2's ``PreNormalize3D``.
    """

    def transform(self, results: Dict) -> Dict:
        """Normalise as ``PreNormalize3D`` and record ``video_frame_map``.

        Raises:
            RuntimeError: The frames ``PreNormalize3D`` kept are not those
                :func:`kept_frames` predicts (an mmaction2 release with
                another rule).
        """
        frames = kept_frames(results['keypoint'])
        results = super().transform(results)
        num_kept = results['keypoint'].shape[1]
        if num_kept != len(frames):
            raise RuntimeError(
                f'PreNormalize3DWithFrameMap: sample '
                f'{results.get("frame_dir", "<unknown>")!r}: PreNormalize3D '
                f'kept {num_kept} frames, the mirrored rule {len(frames)}; '
                f'this mmaction2 version drops frames differently')
        previous = results.get('video_frame_map')
        results['video_frame_map'] = (
            np.asarray(previous, dtype=np.int64)[frames]
            if previous is not None else frames)
        return results

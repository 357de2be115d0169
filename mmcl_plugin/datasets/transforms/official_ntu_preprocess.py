"""NTU RGB+D skeletons pre-processed as the official CTR-GCN code does."""
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

#: Joint 2 of NTU's 25 (middle of the spine), 0-based: the official origin.
SPINE_MIDDLE = 1


@TRANSFORMS.register_module()
class OfficialNTUPreprocess(BaseTransform):
    """Frame removal, centring and actor padding of the official NTU data.

    Reproduces what the official CTR-GCN NTU pre-processing
    (``data/ntu*/get_raw_skes_data.py``, ``get_raw_denoised_data.py`` and
    ``seq_transformation.py``) does after it has picked at most two actors,
    so that a pickle written by this plugin's NTU converter with its
    default options (body-less frames kept as zeros) gives the arrays of
    the official ``NTU60_CS.npz`` & co.:

    1. Frames in which no kept actor is present (all joints of all actors
       zero) are removed: the official code drops frames without any body
       while reading the file and, for multi-body files, the frames left
       empty once noisy bodies are gone (``remove_missing_frames``).
    2. The origin is joint 2 (middle of the spine) of actor 1 in the first
       frame where actor 1 has a non-zero joint; it is subtracted from
       every joint of every actor in every frame, and the frames where an
       actor was absent are zero again (``seq_translation``). There is no
       rotation alignment (unlike mmaction2's ``PreNormalize3D``).
    3. Actors are zero-padded (or cut) to ``num_person``; the official
       arrays always hold two actors (``align_frames``).

    The official padding of every sequence to 300 frames is not needed:
    :class:`ValidCropResize` only reads the valid frames.

    Required Keys:

        - keypoint: (M, T, V, 3)
        - video_frame_map (optional, from an earlier transform)

    Modified Keys:

        - keypoint: (num_person, T', V, 3) float32
        - total_frames: T'

    Added Keys:

        - video_frame_map: (T', ) int64, the input frame of each kept
          frame (so that ``BuildFrameStrip`` shows the right video frames)

    Args:
        num_person (int): Actors of the output. Defaults to 2.
    """

    def __init__(self, num_person: int = 2) -> None:
        self.num_person = num_person

    def transform(self, results: Dict) -> Dict:
        """Remove empty frames, centre on actor 1's first spine joint, pad.

        Raises:
            ValueError: The sample has no frame with actor 1 (named by its
                ``frame_dir``).
        """
        keypoint = np.asarray(results['keypoint'], dtype=np.float32)
        keypoint = keypoint[:self.num_person]
        present = np.any(keypoint != 0, axis=(2, 3))  # (M, T)
        frames = np.flatnonzero(present.any(axis=0))
        keypoint, present = keypoint[:, frames], present[:, frames]
        if not present[0].any():
            raise ValueError(
                f'OfficialNTUPreprocess: sample '
                f'{results.get("frame_dir", "<unknown>")!r} has no frame '
                f'with actor 1 (keypoint of shape {keypoint.shape})')
        first = int(np.argmax(present[0]))
        origin = keypoint[0, first, SPINE_MIDDLE].copy()
        keypoint = keypoint - origin
        keypoint[~present] = 0
        if len(keypoint) < self.num_person:
            pad = np.zeros((self.num_person - len(keypoint), ) +
                           keypoint.shape[1:], dtype=np.float32)
            keypoint = np.concatenate([keypoint, pad])
        previous = results.get('video_frame_map')
        results['video_frame_map'] = (
            np.asarray(previous, dtype=np.int64)[frames]
            if previous is not None else frames.astype(np.int64))
        results['keypoint'] = keypoint
        results['total_frames'] = keypoint.shape[1]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_person={self.num_person})'

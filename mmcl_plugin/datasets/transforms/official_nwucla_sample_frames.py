"""Frame sampling of the official NW-UCLA feeder."""
import random
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class OfficialNWUCLASampleFrames(BaseTransform):
    """Sample ``clip_len`` frames as the official NW-UCLA feeder does.

    Reproduces the sampling of ``feeders/feeder_ucla.py`` (official
    CTR-GCN code), for clips of any length T (also T < clip_len):

    - training: ``random.sample(list(range(T)) * 100, clip_len)``, sorted:
      frames drawn without replacement from 100 copies of the clip, so in
      effect with replacement. The call is made on ``range(T * 100)``
      (``random.sample`` only uses the population's length, so the draws
      are identical) and taken modulo T;
    - testing: ``np.linspace(0, T - 1, clip_len).astype(int)``.

    Required Keys:

        - keypoint: (M, T, V, C)

    Modified Keys:

        - keypoint: (M, clip_len, V, C)

    Added Keys:

        - frame_inds: (clip_len, ) the sampled frames, ``clip_len``,
          ``num_clips`` (1)

    Args:
        clip_len (int): Frames to sample. Defaults to 52.
        test_mode (bool): Deterministic test sampling. Defaults to False.
    """

    def __init__(self, clip_len: int = 52, test_mode: bool = False) -> None:
        self.clip_len = clip_len
        self.test_mode = test_mode

    def frame_indices(self, num_frames: int) -> np.ndarray:
        """(clip_len, ) int64 sampled frames of a T-frame clip."""
        if self.test_mode:
            return np.linspace(0, num_frames - 1,
                               self.clip_len).astype(np.int64)
        drawn = random.sample(range(num_frames * 100), self.clip_len)
        return np.sort(np.asarray(drawn, dtype=np.int64) % num_frames)

    def transform(self, results: Dict) -> Dict:
        """Sample the frames of ``keypoint``."""
        keypoint = results['keypoint']
        inds = self.frame_indices(keypoint.shape[1])
        results['keypoint'] = keypoint[:, inds]
        results['frame_inds'] = inds
        results['clip_len'] = self.clip_len
        results['num_clips'] = 1
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'test_mode={self.test_mode})')

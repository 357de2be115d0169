"""``mmpose``: Faster R-CNN people + HRNet keypoints (COCO-17).

What mmaction2's ``demo/demo_skeleton.py`` and
``tools/data/skeleton/ntu_pose_extraction.py`` run: an mmdet detector
keeps the ``person`` boxes above ``det_score_thr``, an mmpose top-down
model (HRNet-w32) gives 17 COCO keypoints per box. Needs the full
``mmcv`` (compiled ops), ``mmdet`` and ``mmpose``, which the pinned CPU
stack does not install (it has ``mmcv-lite``); constructing the backend
then stops with a message naming what is missing.
"""
import importlib
from typing import List, Optional

import numpy as np

from .base import POSE_BACKENDS, PersonPose, PoseBackend

#: (module, pip requirement) the backend needs.
REQUIRED_MODULES = (('mmdet', 'mmdet>=3.0'), ('mmpose', 'mmpose>=1.0'),
                    ('mmcv.ops', 'mmcv (full, not mmcv-lite) 2.1.0'))


class MissingDependencyError(ImportError):
    """A backend's packages are not installed."""


def missing_requirements() -> List[str]:
    """The requirements of :data:`REQUIRED_MODULES` that do not import."""
    missing = []
    for module, requirement in REQUIRED_MODULES:
        try:
            importlib.import_module(module)
        except Exception:  # ImportError, or mmcv-lite's missing ops
            missing.append(requirement)
    return missing


@POSE_BACKENDS.register_module(name='mmpose')
class MMPoseBackend(PoseBackend):
    """mmdet person detection + mmpose top-down keypoints.

    Args:
        det_config (str): mmdet config (e.g. mmaction2's
            ``demo/demo_configs/faster-rcnn_r50_fpn_2x_coco_infer.py``).
        det_checkpoint (str): Its checkpoint (path or URL).
        pose_config (str): mmpose config (e.g. mmaction2's
            ``demo/demo_configs/td-hm_hrnet-w32_8xb64-210e_coco-256x192_infer.py``).
        pose_checkpoint (str): Its checkpoint.
        det_score_thr (float): Person box threshold. Defaults to 0.5.
        det_cat_id (int): The person class of the detector. Defaults to 0.
        device (str): Defaults to 'cpu'.

    Raises:
        MissingDependencyError: mmdet, mmpose or the full mmcv is missing.
    """

    layout = 'coco17'

    def __init__(self,
                 det_config: Optional[str] = None,
                 det_checkpoint: Optional[str] = None,
                 pose_config: Optional[str] = None,
                 pose_checkpoint: Optional[str] = None,
                 det_score_thr: float = 0.5,
                 det_cat_id: int = 0,
                 device: str = 'cpu') -> None:
        missing = missing_requirements()
        if missing:
            raise MissingDependencyError(
                'the mmpose backend needs ' + ', '.join(missing) +
                ' (not part of the pinned CPU stack); install them, e.g. '
                '`mim install mmcv==2.1.0 mmdet mmpose`, or use '
                '--backend blazepose')
        given = dict(det_config=det_config, det_checkpoint=det_checkpoint,
                     pose_config=pose_config,
                     pose_checkpoint=pose_checkpoint)
        absent = [k for k, v in given.items() if not v]
        if absent:
            raise ValueError('the mmpose backend needs ' + ', '.join(absent))
        from mmdet.apis import inference_detector, init_detector
        from mmpose.apis import inference_topdown, init_model
        self._inference_detector = inference_detector
        self._inference_topdown = inference_topdown
        self.detector = init_detector(det_config, det_checkpoint, device)
        self.pose_model = init_model(pose_config, pose_checkpoint, device)
        self.det_score_thr = det_score_thr
        self.det_cat_id = det_cat_id

    def __call__(self, frame: np.ndarray) -> List[PersonPose]:
        """People in one BGR frame: (17, 2) COCO keypoints, their scores,
        the detector's box and score."""
        det = self._inference_detector(self.detector, frame)
        pred = det.pred_instances.cpu().numpy()
        keep = (pred.labels == self.det_cat_id) & \
            (pred.scores > self.det_score_thr)
        boxes, box_scores = pred.bboxes[keep], pred.scores[keep]
        if len(boxes) == 0:
            return []
        results = self._inference_topdown(self.pose_model, frame, boxes,
                                          'xyxy')
        persons = []
        for result, box, box_score in zip(results, boxes, box_scores):
            inst = result.pred_instances
            persons.append(
                PersonPose(keypoints=np.asarray(inst.keypoints[0],
                                                np.float32),
                           scores=np.asarray(inst.keypoint_scores[0],
                                             np.float32),
                           box=np.asarray(box, np.float32),
                           score=float(box_score)))
        return persons


__all__ = ['MMPoseBackend', 'MissingDependencyError', 'missing_requirements']

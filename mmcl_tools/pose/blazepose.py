"""``blazepose``: MediaPipe's BlazePose models, several people per frame.

Per frame: the pose detector (``pose_detection.tflite``) on the
letterboxed frame finds people; each person's rotated ROI is cropped to
256 x 256 and the landmark model (``pose_landmark_full.tflite``) gives 39
landmarks (33 body joints + 2 ROI points + 4 unused) and 39 metric world
landmarks. As MediaPipe's own tracking does, the ROI that the previous
frame's landmarks 33 and 34 give is proposed again for the next frame,
so a person the detector misses in one frame is still found (a detection
overlapping such a tracked ROI is dropped). Results map back to the
original frame's pixels; frames larger than ``max_side`` are downscaled
first.

Preprocessing as in MediaPipe's graphs: RGB, the detector's input in
[-1, 1] (letterboxed, zero padding), the landmark model's in [0, 1]
(edges replicated). Visibility and presence of the landmarks are logits
(sigmoid applied here); the pose presence flag is a probability.
"""
import time
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .base import POSE_BACKENDS, PersonPose, PoseBackend
from .blazepose_geometry import (DETECTOR_SIZE, LANDMARK_SIZE, Detection,
                                 Roi, apply_affine, box_iou, crop_roi,
                                 decode_detections, letterbox,
                                 roi_from_points, rotate_world, sigmoid,
                                 ssd_anchors)
from .model_files import (DETECTOR_FILE, LANDMARK_FILE, load_interpreter,
                          model_path)

NUM_JOINTS = 33
#: Landmarks 33 (hip centre) and 34 (full-body circle point): the ROI of
#: the next frame.
ROI_LANDMARKS = (33, 34)


def keypoint_box(keypoints: np.ndarray, scores: np.ndarray,
                 shape: Tuple[int, int], min_score: float = 0.3
                 ) -> np.ndarray:
    """(4,) float32 box of the confident joints (all if fewer than 4),
    clipped to a (H, W) frame."""
    use = scores >= min_score
    if use.sum() < 4:
        use = np.ones_like(use)
    pts = keypoints[use]
    height, width = shape
    x1, y1 = np.clip(pts.min(0), 0, [width, height])
    x2, y2 = np.clip(pts.max(0), 0, [width, height])
    return np.array([x1, y1, x2, y2], np.float32)


@POSE_BACKENDS.register_module(name='blazepose')
class BlazePoseBackend(PoseBackend):
    """BlazePose (full) detector + landmark model through TFLite.

    Args:
        min_detection_score (float): Detector score threshold. Defaults to
            0.5 (MediaPipe's).
        min_presence (float): Pose presence threshold of the landmark
            model. Defaults to 0.5.
        max_candidates (int): Detections (best first) looked at per frame.
            Defaults to 6.
        track_rois (bool): Propose the previous frame's ROIs again.
            Defaults to True.
        max_side (int): Frames whose longer side exceeds it are
            downscaled to it for pose estimation. Defaults to 1920.
        duplicate_iou (float): Two results whose joint boxes overlap more
            than this are one person (the more confident kept). Defaults
            to 0.5.
        tiles (bool): Also run the detector on square tiles of wide frames
            (side = frame height, left, right and, past 2:1, centre), so
            that people small in a wide frame are larger in its input;
            detections of the frame and of the tiles are merged by
            non-maximum suppression. Defaults to True.
        num_threads (int): Interpreter threads. Defaults to 1.
        model_dir (str, optional): Folder with the model files
            (:func:`~.model_files.model_path`).

    Attributes:
        stage_seconds (dict[str, float]): Time spent in ``'detector'`` and
            ``'landmarks'`` (model plus pre- and post-processing).
        stage_calls (dict[str, int]): Calls of each stage.
    """

    layout = 'blazepose33'

    def __init__(self,
                 min_detection_score: float = 0.5,
                 min_presence: float = 0.5,
                 max_candidates: int = 6,
                 track_rois: bool = True,
                 max_side: int = 1920,
                 duplicate_iou: float = 0.5,
                 tiles: bool = True,
                 num_threads: int = 1,
                 model_dir: Optional[str] = None) -> None:
        self.min_detection_score = min_detection_score
        self.min_presence = min_presence
        self.max_candidates = max_candidates
        self.track_rois = track_rois
        self.max_side = max_side
        self.duplicate_iou = duplicate_iou
        self.tiles = tiles
        self._detector = load_interpreter(
            model_path(DETECTOR_FILE, model_dir), num_threads)
        self._landmarker = load_interpreter(
            model_path(LANDMARK_FILE, model_dir), num_threads)
        self._anchors = ssd_anchors()
        self._det_in = self._detector.get_input_details()[0]['index']
        outs = {tuple(d['shape'][1:]): d['index']
                for d in self._detector.get_output_details()}
        self._det_boxes, self._det_scores = outs[(2254, 12)], outs[(2254, 1)]
        self._lm_in = self._landmarker.get_input_details()[0]['index']
        outs = {tuple(d['shape'][1:]): d['index']
                for d in self._landmarker.get_output_details()}
        self._lm_points, self._lm_flag = outs[(195, )], outs[(1, )]
        self._lm_world = outs[(117, )]
        self._prev_rois: List[Roi] = []
        self.stage_seconds: Dict[str, float] = dict(detector=0.0,
                                                    landmarks=0.0)
        self.stage_calls: Dict[str, int] = dict(detector=0, landmarks=0)

    def reset(self) -> None:
        """Forget the previous frame's ROIs (a new video starts)."""
        self._prev_rois = []

    def _detect_image(self, rgb: np.ndarray) -> List[Detection]:
        """The detector on one (letterboxed) image, its pixels."""
        image, scale, off_x, off_y = letterbox(rgb, DETECTOR_SIZE)
        tensor = image.astype(np.float32) / 127.5 - 1.0
        # the letterbox padding is 0 in the tensor's range, as MediaPipe's
        pad = np.ones((DETECTOR_SIZE, DETECTOR_SIZE), bool)
        height, width = rgb.shape[:2]
        new_w, new_h = round(width * scale), round(height * scale)
        pad[int(off_y):int(off_y) + new_h, int(off_x):int(off_x) + new_w] = 0
        tensor[pad] = 0.0
        self._detector.set_tensor(self._det_in, tensor[None])
        self._detector.invoke()
        return decode_detections(
            self._detector.get_tensor(self._det_boxes)[0],
            self._detector.get_tensor(self._det_scores)[0], self._anchors,
            scale, (off_x, off_y), self.min_detection_score)

    @staticmethod
    def tile_offsets(height: int, width: int) -> List[int]:
        """x offsets of the square tiles of a wide frame (none for a frame
        less than 1.3 times as wide as high)."""
        if width < 1.3 * height:
            return []
        offsets = [0, width - height]
        if width > 2 * height:
            offsets.insert(1, (width - height) // 2)
        return offsets

    def detect(self, rgb: np.ndarray) -> List[Detection]:
        """People found by the detector in an RGB frame.

        Args:
            rgb (np.ndarray): (H, W, 3) uint8 RGB.

        Returns:
            list[Detection]: Best first, in the frame's pixels, at most
            ``max_candidates``.
        """
        start = time.perf_counter()
        detections = self._detect_image(rgb)
        if self.tiles:
            height, width = rgb.shape[:2]
            shift = np.zeros(2, np.float32)
            for x0 in self.tile_offsets(height, width):
                shift[0] = x0
                for det in self._detect_image(rgb[:, x0:x0 + height]):
                    detections.append(
                        Detection(det.score, det.box + np.tile(shift, 2),
                                  det.keypoints + shift))
            detections.sort(key=lambda d: -d.score)
            kept: List[Detection] = []
            for det in detections:
                if kept and box_iou(det.box, np.stack(
                        [k.box for k in kept])).max() > 0.3:
                    continue
                kept.append(det)
            detections = kept
        self.stage_seconds['detector'] += time.perf_counter() - start
        self.stage_calls['detector'] += 1
        return detections[:self.max_candidates]

    def landmarks(self, rgb: np.ndarray, roi: Roi) -> Dict[str, np.ndarray]:
        """The landmark model on one ROI.

        Args:
            rgb (np.ndarray): (H, W, 3) uint8 RGB frame.
            roi (Roi): The person's region.

        Returns:
            dict: ``keypoints`` (39, 2) frame pixels, ``z`` (39,) relative
            depth in the same pixel scale, ``visibility`` and ``presence``
            (39,) in [0, 1], ``world`` (39, 3) metres (hip centre origin, x
            right, y down, z away from the camera, rotated to the frame),
            ``flag`` the pose presence in [0, 1].
        """
        start = time.perf_counter()
        crop, matrix = crop_roi(rgb, roi, LANDMARK_SIZE)
        self._landmarker.set_tensor(
            self._lm_in, (crop.astype(np.float32) / 255.0)[None])
        self._landmarker.invoke()
        raw = self._landmarker.get_tensor(self._lm_points).reshape(39, 5)
        # the pose flag is a probability already (the model ends in a
        # sigmoid); visibility and presence are logits
        flag = float(self._landmarker.get_tensor(self._lm_flag).reshape(()))
        world = self._landmarker.get_tensor(self._lm_world).reshape(39, 3)
        result = dict(
            keypoints=apply_affine(matrix, raw[:, :2]).astype(np.float32),
            z=(raw[:, 2] * roi.size / LANDMARK_SIZE).astype(np.float32),
            visibility=sigmoid(raw[:, 3]),
            presence=sigmoid(raw[:, 4]),
            world=rotate_world(world, roi.angle).astype(np.float32),
            flag=flag)
        self.stage_seconds['landmarks'] += time.perf_counter() - start
        self.stage_calls['landmarks'] += 1
        return result

    def _candidate_rois(self, rgb: np.ndarray) -> List[Roi]:
        """Tracked ROIs of the previous frame, then the detections that
        overlap none of them."""
        rois = list(self._prev_rois) if self.track_rois else []
        tracked = np.stack([r.box() for r in rois]) if rois else None
        for det in self.detect(rgb):
            roi = roi_from_points(det.keypoints[0], det.keypoints[1])
            if tracked is not None and \
                    box_iou(roi.box(), tracked).max() > 0.4:
                continue
            rois.append(roi)
        return rois

    def __call__(self, frame: np.ndarray) -> List[PersonPose]:
        """People in one BGR frame (see :class:`PoseBackend`).

        Returns:
            list[PersonPose]: ``keypoints`` (33, 2) in the frame's pixels,
            ``scores`` (33,) the smaller of the landmark visibility and
            presence, ``world`` (33, 3)
            metres, ``score`` the pose presence; most confident first.
        """
        height, width = frame.shape[:2]
        factor = 1.0
        if max(height, width) > self.max_side:
            factor = self.max_side / max(height, width)
            frame = cv2.resize(frame, (round(width * factor),
                                       round(height * factor)),
                               interpolation=cv2.INTER_AREA)
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        found = []
        for roi in self._candidate_rois(rgb):
            if roi.size < 4:
                continue
            result = self.landmarks(rgb, roi)
            if result['flag'] < self.min_presence:
                continue
            found.append(result)
        found.sort(key=lambda r: -r['flag'] * float(
            r['visibility'][:NUM_JOINTS].mean()))
        persons, boxes, rois = [], [], []
        for result in found:
            kpts = result['keypoints'][:NUM_JOINTS] / factor
            # visible (not occluded) and inside the frame: a joint the
            # model places outside the frame gets a low score
            scores = np.minimum(result['visibility'],
                                result['presence'])[:NUM_JOINTS]
            box = keypoint_box(kpts, scores, (height, width))
            if boxes and box_iou(box, np.stack(boxes)).max() > \
                    self.duplicate_iou:
                continue
            boxes.append(box)
            persons.append(
                PersonPose(keypoints=kpts.astype(np.float32),
                           scores=scores.astype(np.float32),
                           box=box,
                           world=result['world'][:NUM_JOINTS],
                           score=result['flag']))
            aux = result['keypoints'][list(ROI_LANDMARKS)]
            rois.append(roi_from_points(aux[0], aux[1]))
        self._prev_rois = rois
        return persons


__all__ = ['BlazePoseBackend', 'keypoint_box', 'NUM_JOINTS']

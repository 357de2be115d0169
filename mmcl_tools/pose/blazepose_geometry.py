"""The geometry of MediaPipe's BlazePose pipeline, in NumPy.

What MediaPipe's pose graphs (``pose_detection_cpu``,
``pose_detection_to_roi``, ``pose_landmark_by_roi_cpu``,
``pose_landmarks_to_roi``) do around the two TFLite models:

* :func:`ssd_anchors`: the 2254 anchors of ``SsdAnchorsCalculator`` for
  the detector (5 layers, strides 8, 16, 32, 32, 32, 224 x 224 input,
  offset 0.5, aspect ratio 1 plus one interpolated scale per layer, fixed
  anchor size): 28 x 28 x 2 + 14 x 14 x 2 + 7 x 7 x 6.
* :func:`decode_detections`: ``TensorsToDetectionsCalculator`` (box and 4
  keypoints relative to the anchor centre, scaled by 224; sigmoid of the
  score clipped to +-100; threshold) and the weighted non-maximum
  suppression (IoU > 0.3 merges, score-weighted mean).
* :class:`Roi` / :func:`roi_from_points`: the rotated square region of a
  person: centre = keypoint 0 (hip centre), side = 2 x |kp1 - kp0|
  (kp1: the point of the circle around the whole body), rotation so that
  kp0 -> kp1 points up (``AlignmentPointsRectsCalculator``, target
  90 degrees), scaled by 1.25 (``RectTransformationCalculator``). The same
  from landmarks 33 and 34 of the previous frame tracks a person.
* :func:`letterbox` / :func:`roi_affine`: the two ``ImageToTensor`` crops
  (letterboxed whole frame for the detector, rotated ROI for the landmark
  model) as affine maps, so results map back to the frame's pixels.
"""
import math
from typing import List, NamedTuple, Tuple

import cv2
import numpy as np

DETECTOR_SIZE = 224
LANDMARK_SIZE = 256
#: Detector anchor layout (``SsdAnchorsCalculator`` options of the model).
ANCHOR_STRIDES = (8, 16, 32, 32, 32)
#: ``TensorsToDetectionsCalculator``: score threshold and clipping.
MIN_DETECTION_SCORE = 0.5
SCORE_CLIP = 100.0
#: Weighted NMS: boxes with IoU above this are merged.
NMS_IOU = 0.3
#: ``RectTransformationCalculator`` scale of the person ROI.
ROI_SCALE = 1.25


class Detection(NamedTuple):
    """One detector result in frame pixels.

    Attributes:
        score (float): Sigmoid score.
        box (np.ndarray): (4,) x1, y1, x2, y2.
        keypoints (np.ndarray): (4, 2) hip centre, full-body circle point,
            shoulder centre, upper-body circle point.
    """
    score: float
    box: np.ndarray
    keypoints: np.ndarray


class Roi(NamedTuple):
    """A rotated square region in frame pixels.

    Attributes:
        cx (float): Centre x.
        cy (float): Centre y.
        size (float): Side length.
        angle (float): Rotation in radians (image axes, y down).
    """
    cx: float
    cy: float
    size: float
    angle: float

    def box(self) -> np.ndarray:
        """(4,) axis-aligned box around the rotated square."""
        half = 0.5 * self.size * (abs(math.cos(self.angle)) +
                                  abs(math.sin(self.angle)))
        return np.array([self.cx - half, self.cy - half, self.cx + half,
                         self.cy + half], np.float32)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function (float32)."""
    return (1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))).astype(
        np.float32)


def ssd_anchors(input_size: int = DETECTOR_SIZE,
                strides: Tuple[int, ...] = ANCHOR_STRIDES) -> np.ndarray:
    """Anchor centres of the pose detector.

    Consecutive layers of the same stride share one feature map; each
    layer adds 2 anchors per cell (aspect ratio 1 and the interpolated
    scale), cells in row-major order.

    Returns:
        np.ndarray: (2254, 2) float32 (x, y) in [0, 1].
    """
    centres = []
    layer = 0
    while layer < len(strides):
        last = layer
        while last < len(strides) and strides[last] == strides[layer]:
            last += 1
        per_cell = 2 * (last - layer)
        cells = int(math.ceil(input_size / strides[layer]))
        grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing='ij')
        xy = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(xy, per_cell, axis=0))
        layer = last
    return np.concatenate(centres).astype(np.float32)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of (N, 4) and (K, 4) x1, y1, x2, y2 boxes -> (N, K)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(scores: np.ndarray, boxes: np.ndarray,
                 keypoints: np.ndarray,
                 iou_threshold: float = NMS_IOU) -> List[int]:
    """MediaPipe's weighted NMS, in place on ``boxes`` / ``keypoints``.

    Args:
        scores (np.ndarray): (N,) scores.
        boxes (np.ndarray): (N, 4) boxes; the kept rows become the
            score-weighted mean of the rows they absorb.
        keypoints (np.ndarray): (N, K, 2), merged the same way.
        iou_threshold (float): Rows above this IoU with the best remaining
            row are merged into it.

    Returns:
        list[int]: Kept rows, best first.
    """
    order = list(np.argsort(-scores, kind='stable'))
    kept = []
    while order:
        best = order[0]
        ious = box_iou(boxes[best], boxes[order])[0]
        group = [order[i] for i in range(len(order))
                 if i == 0 or ious[i] > iou_threshold]
        weights = scores[group][:, None]
        total = float(weights.sum())
        boxes[best] = (boxes[group] * weights).sum(0) / total
        keypoints[best] = (keypoints[group] *
                           weights[:, :, None]).sum(0) / total
        kept.append(best)
        order = [i for i in order if i not in group]
    return kept


def letterbox(image: np.ndarray, size: int = DETECTOR_SIZE
              ) -> Tuple[np.ndarray, float, float, float]:
    """Resize keeping the aspect ratio and pad to ``size`` x ``size``.

    Args:
        image (np.ndarray): (H, W, C) image.

    Returns:
        tuple: the (size, size, C) image (padding zeros), the scale and
        the x, y offsets: ``tensor = frame * scale + offset``.
    """
    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_w = max(1, int(round(width * scale)))
    new_h = max(1, int(round(height * scale)))
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    out = np.zeros((size, size) + image.shape[2:], image.dtype)
    off_x, off_y = (size - new_w) // 2, (size - new_h) // 2
    out[off_y:off_y + new_h, off_x:off_x + new_w] = resized
    return out, scale, float(off_x), float(off_y)


def decode_detections(raw_boxes: np.ndarray,
                      raw_scores: np.ndarray,
                      anchors: np.ndarray,
                      scale: float,
                      offset: Tuple[float, float],
                      min_score: float = MIN_DETECTION_SCORE,
                      input_size: int = DETECTOR_SIZE) -> List[Detection]:
    """The detector's raw outputs as detections in frame pixels.

    Args:
        raw_boxes (np.ndarray): (2254, 12) x, y, w, h, then 4 (x, y)
            keypoints, all in input pixels relative to the anchor centre.
        raw_scores (np.ndarray): (2254,) or (2254, 1) logits.
        anchors (np.ndarray): (2254, 2) from :func:`ssd_anchors`.
        scale (float): ``tensor = frame * scale + offset``
            (:func:`letterbox`).
        offset (tuple[float, float]): x, y offsets of the letterbox.
        min_score (float): Score threshold.

    Returns:
        list[Detection]: After weighted NMS, best first.
    """
    scores = sigmoid(np.clip(raw_scores.reshape(-1), -SCORE_CLIP,
                             SCORE_CLIP))
    keep = np.nonzero(scores >= min_score)[0]
    if keep.size == 0:
        return []
    raw = raw_boxes.reshape(-1, 12)[keep].astype(np.float64) / input_size
    anchor = anchors[keep].astype(np.float64)
    cx = raw[:, 0] + anchor[:, 0]
    cy = raw[:, 1] + anchor[:, 1]
    w, h = raw[:, 2], raw[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
    kpts = raw[:, 4:12].reshape(-1, 4, 2) + anchor[:, None, :]
    kept = weighted_nms(scores[keep], boxes, kpts)
    off = np.array(offset, np.float64)
    result = []
    for i in kept:
        box = (boxes[i].reshape(2, 2) * input_size - off) / scale
        pts = (kpts[i] * input_size - off) / scale
        result.append(
            Detection(float(scores[keep][i]),
                      box.reshape(4).astype(np.float32),
                      pts.astype(np.float32)))
    return result


def roi_from_points(centre: np.ndarray, scale_point: np.ndarray,
                    scale: float = ROI_SCALE) -> Roi:
    """The person ROI from the hip centre and the full-body circle point.

    Args:
        centre (np.ndarray): (2,) hip centre in pixels.
        scale_point (np.ndarray): (2,) a point on the circle around the
            body, in pixels.
        scale (float): Side enlargement.

    Returns:
        Roi: Square of side ``2 * |scale_point - centre| * scale``,
        rotated so that ``centre -> scale_point`` points up in the crop.
    """
    dx = float(scale_point[0] - centre[0])
    dy = float(scale_point[1] - centre[1])
    angle = math.pi / 2 - math.atan2(-dy, dx)
    angle = angle - 2 * math.pi * math.floor((angle + math.pi) /
                                             (2 * math.pi))
    size = 2.0 * math.hypot(dx, dy) * scale
    return Roi(float(centre[0]), float(centre[1]), size, angle)


def roi_affine(roi: Roi, size: int = LANDMARK_SIZE) -> np.ndarray:
    """(2, 3) affine map from crop pixels (0..size) to frame pixels.

    A crop point (u, v) is ``(u / size - 0.5, v / size - 0.5) * roi.size``
    rotated by ``roi.angle`` about the ROI centre (MediaPipe's
    ``LandmarkProjectionCalculator``).
    """
    cos, sin = math.cos(roi.angle), math.sin(roi.angle)
    k = roi.size / size
    linear = np.array([[cos * k, -sin * k], [sin * k, cos * k]])
    centre = np.array([roi.cx, roi.cy])
    shift = centre - linear @ np.array([size / 2, size / 2])
    return np.concatenate([linear, shift[:, None]], 1)


def crop_roi(image: np.ndarray, roi: Roi,
             size: int = LANDMARK_SIZE) -> Tuple[np.ndarray, np.ndarray]:
    """The rotated ROI of ``image`` as a ``size`` x ``size`` crop.

    Returns:
        tuple: the (size, size, C) crop (edges replicated) and the (2, 3)
        crop-to-frame affine map (:func:`roi_affine`).
    """
    matrix = roi_affine(roi, size)
    crop = cv2.warpAffine(
        image, matrix, (size, size),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE)
    return crop, matrix


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N, 2) points through a (2, 3) affine map."""
    points = np.asarray(points, np.float64)
    return points @ matrix[:, :2].T + matrix[:, 2]


def rotate_world(world: np.ndarray, angle: float) -> np.ndarray:
    """Rotate (N, 3) world landmarks about z by the ROI angle
    (``WorldLandmarkProjectionCalculator``)."""
    cos, sin = math.cos(angle), math.sin(angle)
    out = np.array(world, np.float64, copy=True)
    out[:, 0] = cos * world[:, 0] - sin * world[:, 1]
    out[:, 1] = sin * world[:, 0] + cos * world[:, 1]
    return out


__all__ = [
    'Detection', 'Roi', 'ssd_anchors', 'decode_detections', 'weighted_nms',
    'box_iou', 'letterbox', 'roi_from_points', 'roi_affine', 'crop_roi',
    'apply_affine', 'rotate_world', 'sigmoid', 'DETECTOR_SIZE',
    'LANDMARK_SIZE'
]

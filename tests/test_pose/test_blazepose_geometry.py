"""The MediaPipe geometry re-implemented in NumPy: anchors, decoding,
weighted NMS, ROIs and their crops."""
import math

import numpy as np
import pytest

from mmcl_tools.pose.blazepose_geometry import (
    apply_affine, crop_roi, decode_detections, letterbox, roi_affine,
    roi_from_points, rotate_world, ssd_anchors, weighted_nms)


def test_anchors_match_the_detector_output_layout():
    anchors = ssd_anchors()
    assert anchors.shape == (2254, 2)  # the model's 2254 boxes
    # stride 8: 28 x 28 cells x 2 anchors, row-major, centres at +0.5
    assert np.allclose(anchors[0], [0.5 / 28, 0.5 / 28])
    assert np.allclose(anchors[2], [1.5 / 28, 0.5 / 28])
    assert np.allclose(anchors[2 * 28], [0.5 / 28, 1.5 / 28])
    # stride 16 starts after 1568 anchors, stride 32 (3 layers, 6 per cell)
    # after 1568 + 392
    assert np.allclose(anchors[1568], [0.5 / 14, 0.5 / 14])
    assert np.allclose(anchors[1960:1966], [0.5 / 7, 0.5 / 7])
    assert np.allclose(anchors[1966], [1.5 / 7, 0.5 / 7])


def test_decoding_maps_back_to_frame_pixels():
    anchors = ssd_anchors()
    raw = np.zeros((2254, 12), np.float32)
    scores = np.full((2254, 1), -10.0, np.float32)
    k = 1568 + 14 * 7 + 7 * 2  # a stride-16 anchor (row 7, col 7)
    scores[k] = 5.0
    ax, ay = anchors[k] * 224
    # box 40 x 80 input pixels centred 4 px right of the anchor; keypoint 0
    # on the anchor, keypoint 1 30 px above it
    raw[k, :4] = [4, 0, 40, 80]
    raw[k, 4:6] = [0, 0]
    raw[k, 6:8] = [0, -30]
    # a 1000 x 500 frame letterboxed to 224: scale 0.224, 56 px top pad
    frame = np.zeros((500, 1000, 3), np.uint8)
    _, scale, off_x, off_y = letterbox(frame)
    assert (off_x, off_y) == (0, 56) and scale == pytest.approx(0.224)
    (det, ) = decode_detections(raw, scores, anchors, scale, (off_x, off_y))
    assert det.score == pytest.approx(1 / (1 + math.exp(-5)), rel=1e-5)
    cx, cy = (ax + 4 - off_x) / scale, (ay - off_y) / scale
    assert np.allclose(det.box, [cx - 20 / scale, cy - 40 / scale,
                                 cx + 20 / scale, cy + 40 / scale],
                       rtol=1e-4)
    assert np.allclose(det.keypoints[1],
                       [(ax - off_x) / scale, (ay - 30 - off_y) / scale],
                       rtol=1e-4)


def test_weighted_nms_merges_overlaps_by_score():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]],
                     np.float64)
    kpts = np.zeros((3, 4, 2))
    kpts[1] += 3.0
    scores = np.array([0.9, 0.3, 0.8])
    kept = weighted_nms(scores, boxes, kpts)
    assert kept == [0, 2]
    assert boxes[0, 0] == pytest.approx(0.3 / 1.2)  # (0.9*0 + 0.3*1) / 1.2
    assert kpts[0, 0, 0] == pytest.approx(0.3 * 3 / 1.2)


def test_roi_points_up_from_hips_and_crop_round_trips():
    # a person lying to the right: hips at (100, 200), head side at +x
    roi = roi_from_points(np.array([100., 200.]), np.array([160., 200.]))
    assert roi.size == pytest.approx(2 * 60 * 1.25)
    matrix = roi_affine(roi)
    # the crop's top centre (128, 0) is in the direction of the scale point
    top = apply_affine(matrix, [[128, 0]])[0]
    assert top == pytest.approx([100 + roi.size / 2, 200], abs=1e-6)
    centre = apply_affine(matrix, [[128, 128]])[0]
    assert centre == pytest.approx([100, 200])
    # cropping a frame with a marker puts it where the map says
    frame = np.zeros((400, 400, 3), np.uint8)
    frame[195:206, 125:136] = 255  # marker at (130, 200)
    crop, _ = crop_roi(frame, roi)
    vs, us = np.nonzero(crop[..., 0] > 127)
    assert apply_affine(matrix, [[us.mean(), vs.mean()]])[0] == \
        pytest.approx([130, 200], abs=0.5)
    # world points turn with the ROI
    assert rotate_world(np.array([[0., -1., 0.]]), roi.angle)[0] == \
        pytest.approx([1, 0, 0], abs=1e-9)

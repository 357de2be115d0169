"""Label a video with a skeleton-only model: pose, model, top-k, drawing.

The video's skeletons come from a pose backend through
``mmcl_tools.videos.extract_video`` (the same extraction that made the
training pickle), or from a sample given directly. The sample goes
through the config's *test* pipeline into the deployed model (an MMCL
checkpoint loses its FAM and FRM: the model is the bare GCN, see
:func:`~.skeleton_inference.build_deployed_model`); the clip scores are
averaged as ``tools/test.py`` does. Optionally the video is written again
with every person's skeleton (the layout's edges), box and the top
classes drawn, as mmaction2's ``demo/demo_skeleton.py`` does, and the
result saved as JSON. The time of each stage (decode, pose, model,
drawing) is measured per video frame.
"""
import os.path as osp
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from mmcl_plugin.utils import atomic_path, dump_json_atomic
from .skeleton_inference import (SkeletonClassifier, average_clips,
                                 build_deployed_model, config_test_pipeline,
                                 prepare_clips, topk_classes)

#: Stages whose time is reported, in order.
STAGES = ('decode', 'pose', 'model', 'drawing')
#: Joint layout of the extraction for the joints of a model's graph.
LAYOUT_OF_JOINTS = {17: 'coco17', 25: 'ntu25'}
#: mmaction2 graph layout whose edges draw the skeletons of each layout.
GRAPH_OF_LAYOUT = {'coco17': 'coco', 'ntu25': 'nturgb+d'}
#: Video writers by extension (OpenCV fourcc).
FOURCC = {'.mp4': 'mp4v', '.avi': 'MJPG', '.mkv': 'mp4v'}
#: BGR colours of the persons' skeletons, cycled.
PERSON_COLOURS = ((0, 200, 255), (255, 120, 0), (0, 220, 0), (200, 0, 200))


class VideoInferenceError(ValueError):
    """A video that cannot be labelled (unreadable, no person found)."""


def skeleton_edges(layout: str) -> List[Tuple[int, int]]:
    """The bones of a joint layout as (joint, joint) pairs, from
    mmaction2's graph of the layout (``'coco17'``, ``'ntu25'``)."""
    from mmaction.models.utils import Graph
    if layout not in GRAPH_OF_LAYOUT:
        raise ValueError(f'unknown joint layout {layout!r}; known: '
                         f'{sorted(GRAPH_OF_LAYOUT)}')
    graph = Graph(layout=GRAPH_OF_LAYOUT[layout])
    return [(int(i), int(j)) for i, j in graph.inward]


def pixel_keypoints(sample: Mapping) -> np.ndarray:
    """(M, T, V, 2) pixel keypoints of a sample for drawing: its
    ``keypoint_2d`` (3-D layouts) or the first two channels of its 2-D
    ``keypoint``."""
    if sample.get('keypoint_2d') is not None:
        return np.asarray(sample['keypoint_2d'], dtype=np.float64)[..., :2]
    return np.asarray(sample['keypoint'], dtype=np.float64)[..., :2]


def pose_counts(sample: Mapping) -> Dict[str, int]:
    """Frames with at least one / two persons of a sample.

    A person is in a frame when one of its joints is found (score > 0, or
    a non-zero coordinate without scores).
    """
    keypoint = np.asarray(sample['keypoint'])
    if keypoint.size == 0:
        return dict(frames_with_pose=0, frames_with_two_persons=0)
    if sample.get('keypoint_score') is not None:
        present = (np.asarray(sample['keypoint_score']) > 0).any(-1)
    else:
        present = (keypoint != 0).any(-1).any(-1)
    persons = present.sum(0)  # (T, )
    return dict(frames_with_pose=int((persons >= 1).sum()),
                frames_with_two_persons=int((persons >= 2).sum()))


def check_sample(sample: Mapping, source: str) -> None:
    """Raise :class:`VideoInferenceError` for a sample the model cannot
    label: no frames, or no person in any frame."""
    keypoint = sample.get('keypoint')
    if keypoint is None or np.ndim(keypoint) != 4:
        raise VideoInferenceError(
            f'{source}: the pose extraction gave no (M, T, V, C) keypoints '
            f'(got {None if keypoint is None else np.shape(keypoint)})')
    if np.shape(keypoint)[1] == 0 or not sample.get('total_frames'):
        raise VideoInferenceError(f'{source}: no frames were decoded')
    if pose_counts(sample)['frames_with_pose'] == 0:
        raise VideoInferenceError(
            f'{source}: no person was found in any of its '
            f'{sample["total_frames"]} frames')


def dataset_class_names(cfg: Mapping) -> Optional[Tuple[str, ...]]:
    """The class names of a config's training data, where they are known:
    ``classes.txt`` beside the training annotation file (what
    ``extract_skeletons.py`` / ``prepare_dataset.py`` write), else None."""
    from mmcl_plugin.utils import innermost_dataset_cfg
    from mmcl_tools.evaluation.class_names import read_class_names
    try:
        ann_file = innermost_dataset_cfg(cfg['train_dataloader'])['ann_file']
    except (KeyError, TypeError, ValueError):
        return None
    path = osp.join(osp.dirname(str(ann_file)), 'classes.txt')
    return read_class_names(path) if osp.isfile(path) else None


class VideoClassifier:
    """The deployed skeleton model of a config and a checkpoint.

    Args:
        cfg (Mapping): The training config (MMCL or baseline); its test
            pipeline prepares the clips.
        checkpoint (str): An MMCL, baseline or exported checkpoint.
        class_names (Sequence[str], optional): Names by class id; default
            the ``classes.txt`` beside the config's training annotation
            file (:func:`dataset_class_names`), else ``'class <i>'`` (or
            the NTU names for 60 / 120 classes).
    """

    def __init__(self,
                 cfg: Mapping,
                 checkpoint: str,
                 class_names: Optional[Sequence[str]] = None) -> None:
        from mmcl_tools.evaluation import get_class_names
        model = build_deployed_model(cfg, checkpoint)
        self.classifier = SkeletonClassifier(model).eval()
        self.pipeline = config_test_pipeline(cfg)
        self.average_clips = model.cls_head.average_clips
        self.num_classes = int(model.cls_head.num_classes)
        self.num_joints = int(model.backbone.graph.num_node)
        if class_names is None:
            class_names = dataset_class_names(cfg)
            if class_names is None or \
                    len(class_names) != self.num_classes:
                class_names = get_class_names(None, self.num_classes)
        if len(class_names) != self.num_classes:
            raise ValueError(f'{len(class_names)} class names for a model '
                             f'of {self.num_classes} classes')
        self.class_names = tuple(class_names)

    @property
    def layout(self) -> str:
        """The extraction's joint layout for the model's graph."""
        if self.num_joints not in LAYOUT_OF_JOINTS:
            raise ValueError(f'no video joint layout has the model\'s '
                             f'{self.num_joints} joints; known: '
                             f'{LAYOUT_OF_JOINTS}')
        return LAYOUT_OF_JOINTS[self.num_joints]

    def __call__(self, sample: Mapping) -> np.ndarray:
        """(num_classes, ) averaged scores of one sample."""
        keypoint = np.asarray(sample['keypoint'])
        if keypoint.shape[2] != self.num_joints:
            raise VideoInferenceError(
                f'{sample.get("frame_dir")}: {keypoint.shape[2]} joints, '
                f'the model takes {self.num_joints}')
        clips = prepare_clips(sample, self.pipeline)
        with torch.no_grad():
            logits = self.classifier(torch.from_numpy(clips)).numpy()
        return average_clips(logits, self.average_clips)


class VideoExtractor:
    """The pose extraction of one video, as for the training pickle.

    Calls ``mmcl_tools.videos.extract_video`` (decode every frame, pose,
    tracking, joint layout), whose annotation reports the milliseconds
    per frame of its stages (``timing``: ``decode``, ``pose``,
    ``tracking``).

    Args:
        backend (PoseBackend | str): A pose backend or its name.
        layout (str): Joint layout of the extraction (the model's).
        max_persons (int): Persons kept. Defaults to 2.
        extract_video (Callable, optional): The extraction function;
            default ``mmcl_tools.videos.extract_video``.
    """

    def __init__(self,
                 backend,
                 layout: str,
                 max_persons: int = 2,
                 extract_video: Optional[Callable] = None) -> None:
        if extract_video is None:
            from mmcl_tools.videos import extract_video
        self.extract_video = extract_video
        self.backend = backend
        self.layout = layout
        self.max_persons = max_persons

    def __call__(self, path: str) -> Dict:
        return self.extract_video(path, self.backend, layout=self.layout,
                                  max_persons=self.max_persons)


def extraction_ms_per_frame(sample: Mapping, seconds: float
                            ) -> Dict[str, Optional[float]]:
    """Decode and pose milliseconds per frame of an extraction.

    From the annotation's ``timing`` (ms per frame of ``decode``, ``pose``
    and ``tracking``, which counts as pose) when it has one; otherwise all
    of the measured ``seconds`` count as pose (decoding included) and
    decode is None.
    """
    timing = sample.get('timing') or {}
    if 'decode' in timing and 'pose' in timing:
        return dict(decode=float(timing['decode']),
                    pose=float(timing['pose']) +
                    float(timing.get('tracking', 0.)))
    frames = max(1, int(sample.get('total_frames') or 1))
    return dict(decode=None, pose=1e3 * seconds / frames)


def draw_persons(frame: np.ndarray,
                 keypoints: np.ndarray,
                 scores: Optional[np.ndarray],
                 boxes: Optional[np.ndarray],
                 edges: Sequence[Tuple[int, int]],
                 score_thr: float = 0.) -> np.ndarray:
    """Draw the persons of one frame in place.

    Args:
        frame (np.ndarray): (H, W, 3) uint8 BGR.
        keypoints (np.ndarray): (M, V, 2) pixel (x, y).
        scores (np.ndarray, optional): (M, V) joint scores; a joint is
            drawn when its score is above ``score_thr`` (without scores:
            when it is not at (0, 0)).
        boxes (np.ndarray, optional): (M, 4) pixel boxes; drawn when
            valid.
        edges (Sequence[tuple[int, int]]): Bones.
        score_thr (float): Defaults to 0.

    Returns:
        np.ndarray: ``frame``.
    """
    # 2 pixels wide in a 720p frame, scaled with the frame
    thickness = max(1, int(round(min(frame.shape[:2]) / 360)))
    for m in range(keypoints.shape[0]):
        colour = PERSON_COLOURS[m % len(PERSON_COLOURS)]
        points = keypoints[m]
        shown = np.isfinite(points).all(-1) & (points != 0).any(-1)
        if scores is not None:
            shown &= scores[m] > score_thr
        if boxes is not None:
            box = boxes[m]
            if np.isfinite(box).all() and box[2] > box[0] and \
                    box[3] > box[1]:
                cv2.rectangle(frame, (int(box[0]), int(box[1])),
                              (int(box[2]), int(box[3])), colour, 1)
        for i, j in edges:
            if shown[i] and shown[j]:
                cv2.line(frame, tuple(int(v) for v in points[i]),
                         tuple(int(v) for v in points[j]), colour,
                         thickness, cv2.LINE_AA)
        for v in np.flatnonzero(shown):
            cv2.circle(frame, tuple(int(c) for c in points[v]),
                       thickness + 1, (255, 255, 255), -1, cv2.LINE_AA)
    return frame


def draw_labels(frame: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Write text lines at the top left (white on a dark band), as
    mmaction2's skeleton demo writes the label."""
    scale = max(0.4, frame.shape[0] / 720)
    thickness = max(1, int(round(scale * 2)))
    height = int(30 * scale)
    for row, line in enumerate(lines):
        y = (row + 1) * height
        (width, _), _ = cv2.getTextSize(line, cv2.FONT_HERSHEY_DUPLEX,
                                        scale, thickness)
        frame[max(0, y - height + 4):y + 6, :width + 16] //= 3
        cv2.putText(frame, line, (8, y), cv2.FONT_HERSHEY_DUPLEX, scale,
                    (255, 255, 255), thickness, cv2.LINE_AA)
    return frame


def write_labelled_video(video: str, out_path: str, sample: Mapping,
                         lines: Sequence[str],
                         edges: Sequence[Tuple[int, int]]) -> int:
    """Write ``video`` again with the sample's skeletons and ``lines``.

    Frame t gets keypoint frame t (video frames past the keypoints get
    none). The file is written atomically.

    Returns:
        int: Frames written.

    Raises:
        VideoInferenceError: The video cannot be read or written.
    """
    keypoints = pixel_keypoints(sample)
    scores = sample.get('keypoint_score')
    scores = None if scores is None else np.asarray(scores)
    boxes = sample.get('person_boxes')
    boxes = None if boxes is None else np.asarray(boxes, dtype=np.float64)
    capture = cv2.VideoCapture(video)
    if not capture.isOpened():
        raise VideoInferenceError(f'{video}: OpenCV cannot open it')
    # frames upright, as the extraction decoded them (a phone's rotation
    # tag), so that the keypoints land on them
    capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    fps = capture.get(cv2.CAP_PROP_FPS) or float(sample.get('fps') or 30.)
    suffix = osp.splitext(out_path)[1].lower()
    fourcc = cv2.VideoWriter_fourcc(*FOURCC.get(suffix, 'mp4v'))
    written = 0
    try:
        with atomic_path(out_path, suffix=suffix) as tmp:
            writer = None
            try:
                while True:
                    ok, frame = capture.read()
                    if not ok:
                        break
                    if writer is None:
                        shape = sample.get('img_shape')
                        if shape is not None and \
                                tuple(shape) != frame.shape[:2]:
                            raise VideoInferenceError(
                                f'{video}: OpenCV decodes {frame.shape[1]}x'
                                f'{frame.shape[0]} frames, the skeletons '
                                f'are of {shape[1]}x{shape[0]} ones')
                        writer = cv2.VideoWriter(
                            tmp, fourcc, fps, (frame.shape[1],
                                               frame.shape[0]))
                        if not writer.isOpened():
                            raise VideoInferenceError(
                                f'{out_path}: OpenCV cannot write '
                                f'{suffix or "this"} videos')
                    t = written
                    if t < keypoints.shape[1]:
                        draw_persons(
                            frame, keypoints[:, t],
                            None if scores is None else scores[:, t],
                            None if boxes is None else boxes[:, t], edges)
                    draw_labels(frame, lines)
                    writer.write(frame)
                    written += 1
            finally:
                if writer is not None:
                    writer.release()
            if written == 0:
                raise VideoInferenceError(f'{video}: no frame decodes')
    finally:
        capture.release()
    return written


@dataclass
class VideoLabels:
    """What :func:`label_video` found.

    Args:
        video (str): The video.
        num_frames (int): Its frames (the sample's ``total_frames``).
        topk (list[tuple[int, str, float]]): (class id, name, score),
            best first.
        ms_per_frame (dict[str, float | None]): Milliseconds per video
            frame of each of :data:`STAGES`; None for a stage that did not
            run (a given sample has no decode / pose time, no drawing
            without an output video).
        frames_with_pose (int): Frames with at least one person.
        frames_with_two_persons (int): Frames with two or more.
        fps (float, optional): The sample's frame rate.
        notes (list[str]): What the extraction noted about the video
            (damaged packets, variable frame rate, ...).
    """

    video: str
    num_frames: int
    topk: List[Tuple[int, str, float]]
    ms_per_frame: Dict[str, Optional[float]] = field(default_factory=dict)
    frames_with_pose: int = 0
    frames_with_two_persons: int = 0
    fps: Optional[float] = None
    notes: List[str] = field(default_factory=list)

    def to_json(self) -> Dict:
        """A JSON-able dict (``topk`` as ``class_id, name, score``)."""
        return dict(
            video=self.video,
            num_frames=self.num_frames,
            fps=self.fps,
            frames_with_pose=self.frames_with_pose,
            frames_with_two_persons=self.frames_with_two_persons,
            topk=[dict(class_id=i, name=n, score=s) for i, n, s in self.topk],
            ms_per_frame=self.ms_per_frame,
            notes=self.notes)


def label_video(video: str,
                classifier: Callable[[Mapping], np.ndarray],
                class_names: Sequence[str],
                extract: Optional[Callable[[str], Dict]] = None,
                sample: Optional[Mapping] = None,
                topk: int = 5,
                out_video: Optional[str] = None,
                out_json: Optional[str] = None,
                layout: Optional[str] = None) -> VideoLabels:
    """Top-k classes of a video, optionally drawn and saved as JSON.

    Args:
        video (str): The video file.
        classifier (Callable): Sample -> (num_classes, ) scores, e.g. a
            :class:`VideoClassifier`.
        class_names (Sequence[str]): Names by class id.
        extract (Callable, optional): Video path -> sample (the
            extraction's annotation dict), e.g. a :class:`VideoExtractor`
            (its ``timing`` gives the decode and pose times).
        sample (Mapping, optional): The video's skeletons, instead of
            ``extract``.
        topk (int): Classes reported. Defaults to 5.
        out_video (str, optional): Write the video with the skeletons and
            the top classes drawn here.
        out_json (str, optional): Write :meth:`VideoLabels.to_json` here.
        layout (str, optional): Joint layout of the sample for drawing
            (``'coco17'``, ``'ntu25'``); default by its joint count.

    Returns:
        VideoLabels: The result.

    Raises:
        VideoInferenceError: No sample could be made, or it has no person.
    """
    if (extract is None) == (sample is None):
        raise ValueError('label_video takes one of extract and sample')
    ms_per_frame: Dict[str, Optional[float]] = dict.fromkeys(STAGES)
    if sample is None:
        if not osp.isfile(video):
            raise VideoInferenceError(f'{video}: no such file')
        start = time.perf_counter()
        try:
            sample = extract(video)
        except VideoInferenceError:
            raise
        except Exception as error:
            message = str(error)
            if not message.startswith(video):  # say which video
                message = (f'{video}: the pose extraction failed: '
                           f'{type(error).__name__}: {message}')
            raise VideoInferenceError(message) from error
        ms_per_frame.update(
            extraction_ms_per_frame(sample, time.perf_counter() - start))
    check_sample(sample, video)
    num_frames = int(sample['total_frames'])

    start = time.perf_counter()
    scores = classifier(sample)
    ms_per_frame['model'] = 1e3 * (time.perf_counter() - start) / num_frames
    best = topk_classes(scores, class_names, topk)
    counts = pose_counts(sample)

    if out_video is not None:
        start = time.perf_counter()
        num_joints = np.shape(sample['keypoint'])[2]
        edges = skeleton_edges(layout or LAYOUT_OF_JOINTS.get(num_joints,
                                                              'coco17'))
        lines = [f'{name}: {score:.3f}' for _, name, score in best[:3]]
        write_labelled_video(video, out_video, sample, lines, edges)
        ms_per_frame['drawing'] = 1e3 * (time.perf_counter() -
                                         start) / num_frames

    result = VideoLabels(
        video=video,
        num_frames=num_frames,
        topk=best,
        ms_per_frame=ms_per_frame,
        fps=None if sample.get('fps') is None else float(sample['fps']),
        notes=[str(n) for n in sample.get('notes') or []],
        **counts)
    if out_json is not None:
        dump_json_atomic(result.to_json(), out_json)
    return result


__all__ = [
    'VideoClassifier', 'VideoLabels', 'VideoInferenceError',
    'VideoExtractor', 'extraction_ms_per_frame', 'label_video',
    'skeleton_edges', 'draw_persons', 'draw_labels', 'write_labelled_video',
    'pose_counts', 'check_sample', 'dataset_class_names', 'STAGES',
    'LAYOUT_OF_JOINTS'
]

"""One video to one mmaction2 skeleton annotation.

:func:`extract_video` decodes every frame (:func:`~.video_reader.iter_frames`),
runs a pose backend on each, links the people over time
(:func:`~mmcl_tools.pose.track_people`: identities, the ``max_persons``
most confident kept, short gaps bridged) and converts the joints to the
output layout (:func:`~mmcl_tools.pose.convert_layout`). Every decoded
frame is kept (``total_frames`` = decoded frames), frames without a
person are zeros, and coordinates are in the video's own (upright)
pixels.
"""
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np

from mmcl_tools.pose import (NUM_JOINTS, PersonPose, PoseBackend,
                             build_pose_backend, convert_layout, track_people)
from .video_reader import VideoError, VideoInfo, iter_frames


#: Key of the per-joint scores in an annotation of each layout. mmaction2
#: reads ``keypoint_score`` as a third channel of 2-D keypoints, and its
#: NTU pipeline (``GenSkeFeat(dataset='nturgb+d')``) refuses annotations
#: that have one: NTU's pickles carry none. So ntu25 keeps its scores
#: under ``joint_score``, and NTU-trained configs read the pickle as they
#: read NTU's.
SCORE_KEYS = dict(coco17='keypoint_score', ntu25='joint_score')


class NoPersonError(VideoError):
    """Nobody was found in any frame of a video."""


def extract_video(path: str,
                  backend: Union[PoseBackend, str] = 'blazepose',
                  layout: str = 'coco17',
                  max_persons: int = 2,
                  max_gap: int = 15,
                  max_frames: Optional[int] = None,
                  on_frame: Optional[Callable[[int], Any]] = None
                  ) -> Dict[str, Any]:
    """The skeleton annotation of one video.

    Args:
        path (str): The video file.
        backend (PoseBackend | str): A backend, or the name of one to
            build with its defaults (:func:`build_pose_backend`).
        layout (str): ``'coco17'`` or ``'ntu25'``.
        max_persons (int): People kept (M at most). Defaults to 2.
        max_gap (int): Longest gap of a person bridged, in frames.
        max_frames (int, optional): Decode only the first frames.
        on_frame (Callable[[int], Any], optional): Called after each frame
            with its index (a progress bar).

    Returns:
        dict: ``img_shape`` and ``original_shape`` (H, W), ``total_frames``
        T, ``keypoint`` (M, T, V, C) float32 (C = 2 pixels for coco17,
        3 metres for ntu25), the joint scores (M, T, V) float32 as
        ``keypoint_score`` for coco17 and ``joint_score`` for ntu25
        (:data:`SCORE_KEYS`),
        ``person_boxes`` (M, T, 4) float32 pixel boxes, ``keypoint_2d``
        (M, T, 25, 2) for ntu25, ``fps``, ``timestamps`` (T,) float64
        seconds, ``notes`` (list[str], problems that did not stop it),
        ``bridged_frames`` (M, T) bool, and ``timing`` (ms per frame of
        ``decode``, ``detector``, ``landmarks``, ``tracking`` where the
        backend reports them).

    Raises:
        VideoError: Unreadable, empty or frameless video.
        NoPersonError: Nobody in any frame.
        ValueError: Unknown layout or one the backend cannot give.
    """
    if isinstance(backend, str):
        backend = build_pose_backend(backend)
    # an impossible layout fails before any frame is decoded
    convert_layout(layout, backend.layout, np.zeros((0, 0, 1, 2)),
                   np.zeros((0, 0, 1)), np.zeros((0, 0, 1, 3)), (1, 1))
    poses = estimate_poses(path, backend, max_frames, on_frame)
    return annotation_from_poses(poses, layout, max_persons, max_gap)


@dataclass
class VideoPoses:
    """The poses of every frame of a video, before tracking.

    Attributes:
        poses (list[list[PersonPose]]): Per decoded frame.
        info (VideoInfo): What decoding found.
        source_layout (str): The backend's joint layout.
        timing (dict[str, float]): Seconds spent per stage.
    """
    poses: List[List[PersonPose]]
    info: VideoInfo
    source_layout: str
    timing: Dict[str, float]


def estimate_poses(path: str,
                   backend: PoseBackend,
                   max_frames: Optional[int] = None,
                   on_frame: Optional[Callable[[int], Any]] = None
                   ) -> VideoPoses:
    """Decode a video and run the backend on every frame.

    Raises:
        VideoError: Unreadable, empty or frameless video.
        NoPersonError: Nobody in any frame.
    """
    backend.reset()
    seconds = getattr(backend, 'stage_seconds', None)
    before = dict(seconds) if seconds is not None else {}
    info = VideoInfo(path)
    poses: List[List[PersonPose]] = []
    decode_s = pose_s = 0.0
    frames = iter_frames(path, info, max_frames)
    while True:
        start = time.perf_counter()
        frame = next(frames, None)
        decode_s += time.perf_counter() - start
        if frame is None:
            break
        start = time.perf_counter()
        poses.append(backend(frame))
        pose_s += time.perf_counter() - start
        if on_frame is not None:
            on_frame(len(poses) - 1)
    total = len(poses)
    if total == 0:
        detail = '; '.join(info.notes)
        raise VideoError(f'{path}: no frame could be decoded' +
                         (f' ({detail})' if detail else ''))
    if not any(poses):
        raise NoPersonError(f'{path}: no person found in any of its '
                            f'{total} frames')
    timing = dict(decode=decode_s, pose=pose_s)
    if seconds is not None:
        for stage, value in seconds.items():
            timing[stage] = value - before.get(stage, 0.0)
    return VideoPoses(poses, info, backend.layout, timing)


def annotation_from_poses(video: VideoPoses,
                          layout: str = 'coco17',
                          max_persons: int = 2,
                          max_gap: int = 15) -> Dict[str, Any]:
    """Track, rank, bridge and convert a video's poses (the annotation of
    :func:`extract_video`)."""
    info, total = video.info, len(video.poses)
    start = time.perf_counter()
    tracked = track_people(video.poses, NUM_JOINTS[video.source_layout],
                           max_persons, max_gap)
    arrays = convert_layout(layout, video.source_layout, tracked.keypoint,
                            tracked.keypoint_score, tracked.world,
                            info.shape, tracked.present)
    timing = dict(video.timing, tracking=time.perf_counter() - start)
    annotation = dict(
        img_shape=tuple(info.shape),
        original_shape=tuple(info.shape),
        total_frames=total,
        keypoint=arrays['keypoint'],
        person_boxes=tracked.box.astype(np.float32),
        fps=float(info.fps),
        timestamps=np.asarray(info.timestamps, np.float64),
        notes=list(info.notes),
        bridged_frames=tracked.bridged,
        layout=layout,
        timing={k: 1e3 * v / total for k, v in timing.items()})
    annotation[SCORE_KEYS[layout]] = arrays['keypoint_score']
    if 'keypoint_2d' in arrays:
        annotation['keypoint_2d'] = arrays['keypoint_2d']
    return annotation


__all__ = [
    'extract_video', 'estimate_poses', 'annotation_from_poses', 'VideoPoses',
    'NoPersonError', 'SCORE_KEYS'
]

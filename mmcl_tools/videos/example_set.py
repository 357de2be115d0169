"""A small labelled video set cut from the three real clips.

``tools/data/videos/make_example_set.py VIDEO_DIR OUT`` (and
``demo/run_own_videos.sh``) cut short clips out of the real videos of
``shared/data/videos`` into one folder per class, the input that
``tools/data/videos/prepare_dataset.py`` reads:

* ``interacting``: ``demo_skeleton.mp4`` (two people, full bodies);
* ``basketball``: ``test_video_structuralize.mp4`` (two small people);
* ``arm_wrestling``: ``demo.mp4`` (close-up, partial bodies).

Each video gives ``clips_per_class`` training clips
(``OUT/videos/<class>/<class>_<i>.mp4``) and one held-out clip
(``OUT/held_out/<class>.mp4``), ``clip_frames`` frames each, their starts
evenly spread over the video (so the clips of a short video overlap: a
set to run the whole path on, not to measure accuracy with). Frames are
scaled down so that their longer side is at most ``max_side`` pixels.
Clips already written with the same settings are kept (each is written
atomically); other settings in an existing ``OUT`` are an error.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmcl_plugin.utils import atomic_path, write_text_atomic
from .video_reader import VideoError, VideoInfo, iter_frames

#: (class, real video) of the example set, in class order.
EXAMPLE_VIDEOS: Tuple[Tuple[str, str], ...] = (
    ('arm_wrestling', 'demo.mp4'),
    ('basketball', 'test_video_structuralize.mp4'),
    ('interacting', 'demo_skeleton.mp4'),
)
#: File of OUT recording the settings the clips were cut with.
SETTINGS_FILE = 'example_set.json'


@dataclass
class ExampleSet:
    """What :func:`make_example_set` wrote.

    Attributes:
        video_dir (str): ``OUT/videos``: one sub-folder of clips per class.
        clips (dict[str, list[str]]): The training clips of each class.
        held_out (dict[str, str]): The held-out clip of each class.
        written (int): Clips written by this call (the others were there).
    """
    video_dir: str
    clips: Dict[str, List[str]] = field(default_factory=dict)
    held_out: Dict[str, str] = field(default_factory=dict)
    written: int = 0


def clip_starts(total_frames: int, clip_frames: int,
                num_clips: int) -> List[int]:
    """Start frames of ``num_clips`` clips spread evenly over a video.

    Args:
        total_frames (int): Frames of the video.
        clip_frames (int): Frames of each clip (at most ``total_frames``).
        num_clips (int): Clips wanted (>= 1).

    Returns:
        list[int]: The first frame of each clip; the first clip starts at
        0 and the last ends with the video.

    Raises:
        ValueError: The video is shorter than a clip, or no clips.
    """
    if num_clips < 1 or clip_frames < 1:
        raise ValueError(f'need at least one clip of at least one frame, '
                         f'got {num_clips} clips of {clip_frames}')
    if total_frames < clip_frames:
        raise ValueError(f'the video has {total_frames} frames, fewer than '
                         f'a clip of {clip_frames}')
    if num_clips == 1:
        return [0]
    span = total_frames - clip_frames
    return [int(round(i * span / (num_clips - 1))) for i in range(num_clips)]


def scaled(frame: np.ndarray, max_side: Optional[int]) -> np.ndarray:
    """``frame`` shrunk so its longer side is at most ``max_side`` (even
    sides, as video encoders want); unchanged when it already fits."""
    height, width = frame.shape[:2]
    if not max_side or max(height, width) <= max_side:
        return frame
    factor = max_side / max(height, width)
    size = (max(2, int(round(width * factor / 2)) * 2),
            max(2, int(round(height * factor / 2)) * 2))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def write_clip(frames: Sequence[np.ndarray], fps: float, path: str) -> str:
    """Write BGR frames as an MP4 (``mp4v``) clip, atomically.

    Raises:
        OSError: OpenCV cannot write the file.
    """
    height, width = frames[0].shape[:2]
    with atomic_path(path, suffix='.mp4') as tmp:
        writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                 (width, height))
        if not writer.isOpened():
            raise OSError(f'{path}: OpenCV cannot write an mp4v video')
        try:
            for frame in frames:
                writer.write(frame)
        finally:
            writer.release()
    return path


def read_video(path: str,
               max_side: Optional[int]) -> Tuple[List[np.ndarray], float]:
    """Every frame of a video (BGR, scaled down) and its frame rate.

    Raises:
        VideoError: The video cannot be decoded or has no frame.
    """
    info = VideoInfo(path)
    frames = [scaled(f, max_side) for f in iter_frames(path, info)]
    if not frames:
        raise VideoError(f'{path}: no frame could be decoded')
    return frames, info.fps or 25.0


def check_settings(out_dir: str, settings: Dict) -> None:
    """Record the settings in ``OUT``, or check them against the ones
    recorded there.

    Raises:
        ValueError: ``OUT`` holds clips cut with other settings.
    """
    path = osp.join(out_dir, SETTINGS_FILE)
    if osp.isfile(path):
        with open(path, encoding='utf-8') as f:
            recorded = json.load(f)
        if recorded != settings:
            raise ValueError(
                f'{out_dir} holds clips cut with other settings ({path}: '
                f'{recorded}, now {settings}); use another folder or '
                f'remove it')
        return
    os.makedirs(out_dir, exist_ok=True)
    write_text_atomic(json.dumps(settings, indent=2) + '\n', path)


def make_example_set(video_dir: str,
                     out_dir: str,
                     clips_per_class: int = 4,
                     clip_frames: int = 32,
                     max_side: Optional[int] = 640,
                     sources: Sequence[Tuple[str, str]] = EXAMPLE_VIDEOS
                     ) -> ExampleSet:
    """Cut the example set out of the real videos.

    Args:
        video_dir (str): Folder of the real videos (``shared/data/videos``).
        out_dir (str): Output folder (``videos/<class>/``, ``held_out/``).
        clips_per_class (int): Training clips per class (>= 2, so that
            each class has a ``val`` clip in the split of
            ``extract_skeletons.py``). Defaults to 4.
        clip_frames (int): Frames per clip. Defaults to 32 (about 1.1 s
            at the videos' 28-30 fps).
        max_side (int, optional): Longer side of the clips' frames at
            most; None keeps the size. Defaults to 640.
        sources (Sequence[tuple[str, str]]): (class, video file in
            ``video_dir``) pairs. Defaults to :data:`EXAMPLE_VIDEOS`.

    Returns:
        ExampleSet: The clips and held-out clips.

    Raises:
        FileNotFoundError: A real video is missing (named).
        VideoError: A real video cannot be decoded (named).
        ValueError: Bad counts, a video shorter than a clip, or ``OUT``
            cut with other settings.
    """
    if clips_per_class < 2:
        raise ValueError(f'clips_per_class must be >= 2 (a train and a val '
                         f'clip per class), got {clips_per_class}')
    missing = [osp.join(video_dir, name) for _, name in sources
               if not osp.isfile(osp.join(video_dir, name))]
    if missing:
        raise FileNotFoundError(f'real videos not found: {", ".join(missing)}')
    check_settings(out_dir, dict(clips_per_class=clips_per_class,
                                 clip_frames=clip_frames, max_side=max_side,
                                 sources=[list(s) for s in sources]))
    result = ExampleSet(video_dir=osp.join(out_dir, 'videos'))
    for cls, name in sources:
        paths = [osp.join(out_dir, 'videos', cls, f'{cls}_{i}.mp4')
                 for i in range(clips_per_class)]
        paths.append(osp.join(out_dir, 'held_out', f'{cls}.mp4'))
        result.clips[cls] = paths[:-1]
        result.held_out[cls] = paths[-1]
        if all(osp.isfile(p) for p in paths):
            continue
        frames, fps = read_video(osp.join(video_dir, name), max_side)
        starts = clip_starts(len(frames), clip_frames, len(paths))
        for path, start in zip(paths, starts):
            if not osp.isfile(path):
                write_clip(frames[start:start + clip_frames], fps, path)
                result.written += 1
    return result


__all__ = [
    'EXAMPLE_VIDEOS', 'ExampleSet', 'clip_starts', 'make_example_set',
    'scaled', 'write_clip'
]

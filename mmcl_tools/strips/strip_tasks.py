"""The samples of an offline strip run and what happened to them.

A :class:`StripTask` is one sample of an mmaction2 skeleton pickle: its
video, its output image and the annotation keys ``BuildFrameStrip`` reads
(only the 2-D keypoints, so the rest of a 57k-sample pickle can be freed).
A :class:`StripResult` says what became of it and :class:`StripReport`
counts the results of a run.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from mmcl_plugin.datasets.annotation_file import (read_annotation_file,
                                                  split_content)
from .strip_settings import normalize_ext

#: Longest failure reason kept (decoders can put whole logs in errors).
MAX_REASON_CHARS = 300

#: Statuses of :class:`StripResult`.
WRITTEN, DONE, FAILED = 'written', 'done', 'failed'


class StripError(RuntimeError):
    """A sample whose strip cannot be made; the message is the reason."""


@dataclass
class StripTask:
    """One sample to make a strip for.

    Args:
        name (str): The sample's ``frame_dir``.
        video_path (str): Its RGB video.
        out_path (str): Its strip image.
        keypoint_2d (np.ndarray, optional): (M, T, V, C >= 2) pixel
            (x, y); None when the annotation has none.
        keypoint_shape (tuple[int, int], optional): (H, W) the keypoints
            refer to (``original_shape``, else ``img_shape``).
        total_frames (int, optional): Frames of the annotation; the strip
            spans at most these.
        person_boxes (np.ndarray, optional): (M, T, 4) pixel person boxes
            (x0, y0, x1, y1) that crop the frames instead of the
            keypoints; None when the annotation has none.
    """

    name: str
    video_path: str
    out_path: str
    keypoint_2d: Optional[np.ndarray] = None
    keypoint_shape: Optional[Tuple[int, int]] = None
    total_frames: Optional[int] = None
    person_boxes: Optional[np.ndarray] = None

    def data_info(self,
                  keypoint_key: str = 'keypoint_2d',
                  box_key: Optional[str] = 'person_boxes') -> Dict:
        """The data info ``BuildFrameStrip`` gets for this sample from
        ``MMCLPoseDataset`` with ``video_root`` (no ``frame_inds``)."""
        info = dict(frame_dir=self.name, video_path=self.video_path)
        if self.total_frames is not None:
            info['total_frames'] = self.total_frames
        if self.keypoint_shape is not None:
            info['original_shape'] = self.keypoint_shape
        if self.keypoint_2d is not None:
            info[keypoint_key] = self.keypoint_2d
        if self.person_boxes is not None and box_key is not None:
            info[box_key] = self.person_boxes
        return info


@dataclass
class StripResult:
    """What happened to one sample: ``status`` is :data:`WRITTEN`,
    :data:`DONE` (a valid output was there) or :data:`FAILED` (``reason``
    says why); ``replaced`` marks an invalid output that was redone."""

    name: str
    status: str
    reason: str = ''
    replaced: bool = False


@dataclass
class StripReport:
    """Counts of a run and its failures as (sample, reason)."""

    written: int = 0
    done: int = 0
    replaced: int = 0
    removed_temp_files: int = 0
    failures: List[Tuple[str, str]] = field(default_factory=list)

    def add(self, result: StripResult) -> None:
        """Count one result."""
        if result.status == WRITTEN:
            self.written += 1
            self.replaced += int(result.replaced)
        elif result.status == DONE:
            self.done += 1
        else:
            self.failures.append((result.name, result.reason))

    def summary(self) -> str:
        """``'N written, K already done, F failed'`` and what was
        cleaned up."""
        line = (f'{self.written} written, {self.done} already done, '
                f'{len(self.failures)} failed')
        if self.replaced:
            line += (f'; {self.replaced} written over an incomplete or '
                     f'wrong-size image')
        if self.removed_temp_files:
            line += (f'; {self.removed_temp_files} temporary files of an '
                     f'interrupted run removed')
        return line


def short_reason(error: BaseException) -> str:
    """First line of an error, prefixed with its type unless it is a
    :class:`StripError`, at most :data:`MAX_REASON_CHARS` characters."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else ''
    if not isinstance(error, StripError):
        text = f'{type(error).__name__}: {text}'
    if len(text) > MAX_REASON_CHARS:
        text = text[:MAX_REASON_CHARS - 3] + '...'
    return text


def load_annotations(ann_file: str,
                     splits: Optional[Sequence[str]] = None) -> List[Dict]:
    """Annotations of an mmaction2 skeleton pickle, optionally of splits.

    Args:
        ann_file (str): Pickle of ``dict(split=..., annotations=[...])``
            or of a list of annotations.
        splits (Sequence[str], optional): Keep the samples of these splits
            (their union, in the pickle's order). None or empty keeps all.

    Returns:
        list[dict]: The annotations.

    Raises:
        FileNotFoundError: The file does not exist.
        AnnotationFileError: It is truncated or of another layout (a
            ValueError naming the file and the tool that makes it).
        KeyError: A split is not in the pickle.
        ValueError: Two annotations have the same ``frame_dir``.
    """
    annotations, split_lists = split_content(
        read_annotation_file(ann_file), ann_file, need_split=bool(splits))
    if splits:
        unknown = [s for s in splits if s not in split_lists]
        if unknown:
            raise KeyError(f'splits {unknown} are not in {ann_file}; it has '
                           f'{sorted(split_lists)}')
        keep = set()
        for split in splits:
            keep.update(str(name) for name in split_lists[split])
        # mmaction2 lists a sample by its `filename` when it has one
        annotations = [
            a for a in annotations if str(a['frame_dir']) in keep or (
                a.get('filename') is not None and str(a['filename']) in keep)
        ]
    seen, repeated = set(), []
    for ann in annotations:
        name = str(ann['frame_dir'])
        if name in seen:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ValueError(f'{ann_file}: frame_dir repeats, e.g. '
                         f'{repeated[:5]}')
    return annotations


#: Video pattern of annotations that name their video (``filename``,
#: relative to the video root), as the pose extraction of one's own
#: videos writes them.
FILENAME_PATTERN = '{filename}'


def check_video_pattern(pattern: str) -> str:
    """A video-name pattern with a ``{name}`` field, e.g. NTU RGB+D's
    ``'{name}_rgb.avi'``, or a ``{filename}`` field (the annotation's own
    ``filename``, e.g. :data:`FILENAME_PATTERN`); it may hold
    sub-directories.

    Raises:
        ValueError: The pattern has neither field, or other fields.
    """
    try:
        formatted = pattern.format(name='\0', filename='\1')
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f'video pattern {pattern!r} may only use the '
                         f'fields {{name}} and {{filename}}: {error!r}'
                         ) from error
    if '\0' not in formatted and '\1' not in formatted:
        raise ValueError(f'video pattern {pattern!r} has no {{name}} or '
                         f'{{filename}} field')
    return pattern


def make_tasks(annotations: Iterable[Dict],
               video_root: str,
               out_dir: str,
               video_pattern: str = '{name}_rgb.avi',
               ext: str = '.jpg',
               keypoint_key: str = 'keypoint_2d',
               box_key: Optional[str] = 'person_boxes') -> List[StripTask]:
    """One :class:`StripTask` per annotation.

    The video of sample ``S001C001P001R001A001`` is
    ``<video_root>/<video_pattern with name=S001C001P001R001A001>``; its
    strip is ``<out_dir>/S001C001P001R001A001<ext>``, where
    ``MMCLPoseDataset(strip_root=out_dir, strip_suffix=ext)`` looks.

    Args:
        annotations (Iterable[dict]): With ``frame_dir`` and optionally
            ``total_frames``, ``original_shape``/``img_shape`` and the
            keypoints.
        video_root (str): Directory of the videos.
        out_dir (str): Directory of the strips.
        video_pattern (str): Video path relative to ``video_root``, with
            a ``{name}`` field or a ``{filename}`` field (the
            annotation's ``filename``). Defaults to '{name}_rgb.avi' (NTU
            RGB+D).
        ext (str): Strip image extension. Defaults to '.jpg'.
        keypoint_key (str): Defaults to 'keypoint_2d'.
        box_key (str, optional): Annotation key of the (M, T, 4) person
            boxes. Defaults to 'person_boxes'.

    Returns:
        list[StripTask]: The tasks, in the annotations' order. They hold
        only the 2-D keypoints and boxes, so the rest of the annotations
        can be freed.

    Raises:
        KeyError: The pattern uses ``{filename}`` and an annotation has
            none.
    """
    check_video_pattern(video_pattern)
    ext = normalize_ext(ext)
    tasks = []
    for ann in annotations:
        name = str(ann['frame_dir'])
        keypoint_2d = ann.get(keypoint_key)
        if keypoint_2d is not None:
            keypoint_2d = np.asarray(keypoint_2d)
        shape = ann.get('original_shape', ann.get('img_shape'))
        total_frames = ann.get('total_frames')
        if '{filename}' in video_pattern and 'filename' not in ann:
            raise KeyError(f'sample {name} has no `filename` (the video '
                           f'pattern {video_pattern!r} needs it)')
        boxes = None if box_key is None else ann.get(box_key)
        tasks.append(
            StripTask(
                name=name,
                video_path=osp.join(
                    video_root,
                    video_pattern.format(name=name,
                                         filename=ann.get('filename'))),
                out_path=osp.join(out_dir, name + ext),
                keypoint_2d=keypoint_2d,
                keypoint_shape=None if shape is None else tuple(
                    int(s) for s in shape[:2]),
                total_frames=None
                if total_frames is None else int(total_frames),
                person_boxes=None if boxes is None else np.asarray(boxes)))
    return tasks


def keypoint_problem(keypoint_2d: Optional[np.ndarray],
                     keypoint_key: str = 'keypoint_2d') -> Optional[str]:
    """Why a sample's 2-D keypoints cannot crop its strip, or None.

    ``BuildFrameStrip`` silently shows the whole frame for these, which
    for a whole dataset usually means the wrong pickle (mmaction2's own
    NTU pickles have no 2-D keypoints) or the wrong ``keypoint_key``.

    Args:
        keypoint_2d (np.ndarray, optional): Expected (M, T, V, C >= 2).
        keypoint_key (str): Its annotation key, for the message.
    """
    if keypoint_2d is None:
        return f'the annotation has no {keypoint_key!r}'
    shape = np.shape(keypoint_2d)
    if len(shape) != 4 or shape[1] == 0 or shape[-1] < 2:
        return (f'{keypoint_key!r} has shape {shape}, expected (M, T, V, 2) '
                f'with T > 0')
    return None


__all__ = [
    'StripTask', 'StripResult', 'StripReport', 'StripError', 'WRITTEN',
    'DONE', 'FAILED', 'short_reason', 'load_annotations',
    'check_video_pattern', 'make_tasks', 'keypoint_problem',
    'FILENAME_PATTERN'
]

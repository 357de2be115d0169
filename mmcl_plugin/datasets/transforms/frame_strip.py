"""The RGB frame strip of MMCL's feature alignment module (FAM).

A strip shows ``m`` frames of the clip side by side, in time order, each
cropped to the person(s) with the 2-D keypoints, so that one pass of an
image encoder sees the appearance of the action over time. It is built
from the video, decoding only the ``m`` chosen frames, or read back from
a precomputed strip image.

Two layouts (``BuildFrameStrip(layout=...)``):

- ``'tiles'`` (default): the centres of ``m`` equal segments of the clip,
  all cropped to one box (the actors over the strip's frames), ``m``
  tiles of (H, W // m) in a 224 x 1120 strip;
- ``'release'``: what the MMCL release trains with: frames ``0, k, ...,
  (m - 1) k`` with ``k = n // m``, each cropped to the union box of the
  actors in that frame, pasted left to right on a square 480 x 480
  canvas (``m`` tiles of 96 x 480 for m = 5).

Crops keep their aspect ratio in their tile (``tile_fit='pad'``: scaled to
fit, centred, black around) or are stretched to it (``'stretch'``, what
earlier versions and the release do).
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..media import MediaError, read_image_file

#: (x0, y0, x1, y1) pixel box, half-open: columns x0..x1-1, rows y0..y1-1.
Box = Tuple[int, int, int, int]


def clip_window(num_video_frames: int,
                frame_inds: Optional[np.ndarray] = None,
                start_index: int = 0,
                total_frames: Optional[int] = None) -> Tuple[int, int]:
    """The inclusive frame window of the sampled clip, in video frames.

    Args:
        num_video_frames (int): Frames the video really has.
        frame_inds (np.ndarray, optional): Indices chosen by a sampler such
            as ``UniformSampleFrames`` (any shape). Without them the window
            is the whole clip.
        start_index (int): Offset the sampler added to its indices (the
            ``start_index`` of the data info). Defaults to 0.
        total_frames (int, optional): Frames of the annotation; bounds the
            whole-clip window when the video is longer than the skeleton.

    Returns:
        tuple[int, int]: ``(first, last)`` frame, both included, within
        ``[0, num_video_frames - 1]``.
    """
    last_frame = num_video_frames - 1
    if frame_inds is None or np.size(frame_inds) == 0:
        if total_frames is not None and total_frames > 0:
            last_frame = min(last_frame, int(total_frames) - 1)
        return 0, last_frame
    inds = np.asarray(frame_inds, dtype=np.int64) - start_index
    # Samplers may index past the video's end (annotation longer than the
    # video, or wrapped indices): clamp instead of failing.
    first = int(np.clip(inds.min(), 0, last_frame))
    last = int(np.clip(inds.max(), 0, last_frame))
    return first, last


def video_frame_indices(
        frame_inds: Optional[np.ndarray], start_index: int,
        video_frame_map: Optional[np.ndarray]
) -> Tuple[Optional[np.ndarray], int]:
    """Sampled skeleton-frame indices as video-frame indices.

    Args:
        frame_inds (np.ndarray, optional): Indices chosen by a sampler, on
            the skeleton's timeline.
        start_index (int): Offset the sampler added to its indices.
        video_frame_map (np.ndarray, optional): (T, ) video frame of each
            skeleton frame, set by :class:`PreNormalize3DWithFrameMap`
            when frames were dropped. Without it skeleton frame t is
            video frame t.

    Returns:
        tuple[np.ndarray | None, int]: The indices and their offset, as
        :func:`clip_window` takes them; with a map, the mapped indices
        (all mapped frames when nothing was sampled) and offset 0.
    """
    if video_frame_map is None or np.size(video_frame_map) == 0:
        return frame_inds, start_index
    frame_map = np.asarray(video_frame_map, dtype=np.int64)
    if frame_inds is None or np.size(frame_inds) == 0:
        return frame_map, 0
    inds = np.asarray(frame_inds, dtype=np.int64) - start_index
    return frame_map[np.clip(inds, 0, len(frame_map) - 1)], 0


def strip_frame_indices(num_frames: int, first: int, last: int) -> np.ndarray:
    """Frames of a strip: the centres of ``num_frames`` equal segments.

    The window ``[first, last]`` (n = last - first + 1 frames) is cut into
    ``num_frames`` segments of n / num_frames frames and the middle frame
    of each is taken, so the choice is deterministic and spread over the
    whole window. Frames repeat when n < num_frames.

    Args:
        num_frames (int): m, the number of frames of the strip.
        first (int): First frame of the window.
        last (int): Last frame of the window (included).

    Returns:
        np.ndarray: (m, ) int64 non-decreasing frame indices.
    """
    length = last - first + 1
    segment_centres = (np.arange(num_frames) + 0.5) * length / num_frames
    return first + np.floor(segment_centres).astype(np.int64)


def release_frame_indices(num_frames: int, first: int,
                          last: int) -> np.ndarray:
    """Frames of a strip as the MMCL release picks them.

    With n = last - first + 1 frames and k = n // num_frames, the frames
    ``first + 0, k, 2k, ..., (num_frames - 1) k`` (the first frame of each
    of ``num_frames`` segments of k frames; the ``n % num_frames`` frames
    at the end are never shown). A window shorter than the strip (k = 0)
    takes ``first + i * n // m + n // (2 m)`` for i < m = num_frames, as
    the release does then.

    Args:
        num_frames (int): m, the number of frames of the strip.
        first (int): First frame of the window.
        last (int): Last frame of the window (included).

    Returns:
        np.ndarray: (m, ) int64 non-decreasing frame indices.
    """
    length = last - first + 1
    step = length // num_frames
    steps = np.arange(num_frames, dtype=np.int64)
    if step == 0:
        return first + steps * length // num_frames + length // (
            2 * num_frames)
    return first + steps * step


#: Frame choice of each layout: (num_frames, first, last) -> (m, ) indices.
LAYOUT_FRAMES: Dict[str, Callable[[int, int, int], np.ndarray]] = dict(
    tiles=strip_frame_indices, release=release_frame_indices)
#: Strip / canvas (H, W) of each layout when ``strip_size`` is not given.
LAYOUT_SIZES: Dict[str, Tuple[int, int]] = dict(
    tiles=(224, 1120), release=(480, 480))
#: How a crop fills its tile.
TILE_FITS = ('pad', 'stretch')


def keypoints_at_frames(keypoint_2d: np.ndarray,
                        frame_indices: np.ndarray) -> np.ndarray:
    """The 2-D keypoints of the chosen video frames.

    Keypoint frame t is video frame t; when the keypoints are shorter than
    the video the nearest (last) keypoint frame is used.

    Args:
        keypoint_2d (np.ndarray): (M, T, V, 2) pixel (x, y).
        frame_indices (np.ndarray): (m, ) video frame indices.

    Returns:
        np.ndarray: (M, m, V, 2) keypoints.
    """
    num_kp_frames = keypoint_2d.shape[1]
    inds = np.clip(frame_indices, 0, num_kp_frames - 1)
    return keypoint_2d[:, inds]


def scale_keypoints(keypoints: np.ndarray,
                    keypoint_shape: Optional[Sequence[int]],
                    frame_shape: Sequence[int]) -> np.ndarray:
    """Map keypoints from the annotated image size to the decoded frames.

    Lets videos be stored smaller than the annotated size (e.g. NTU's
    1920x1080 videos resized to save decoding time).

    Args:
        keypoints (np.ndarray): (..., 2) pixel (x, y) for an image of
            ``keypoint_shape``.
        keypoint_shape (Sequence[int], optional): (H, W) the keypoints
            refer to; None keeps the keypoints as they are.
        frame_shape (Sequence[int]): (H, W) of the decoded frames.

    Returns:
        np.ndarray: (..., 2) float64 pixel (x, y) in the frames.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    if keypoint_shape is None:
        return keypoints
    kp_height, kp_width = keypoint_shape[:2]
    height, width = frame_shape[:2]
    if (kp_height, kp_width) == (height, width) or kp_height <= 0 \
            or kp_width <= 0:
        return keypoints
    return keypoints * np.array([width / kp_width, height / kp_height])


def valid_points(keypoints: Optional[np.ndarray]) -> np.ndarray:
    """The valid points of keypoints, as (K, 2) float64 pixel (x, y).

    A point is missing (and left out) when a coordinate is not finite or
    both are zero, the convention of NTU RGB+D and of mmaction2's pickles.

    Args:
        keypoints (np.ndarray, optional): (..., 2) pixel (x, y).
    """
    if keypoints is None or np.size(keypoints) == 0:
        return np.zeros((0, 2))
    points = np.asarray(keypoints, dtype=np.float64).reshape(-1, 2)
    valid = np.isfinite(points).all(axis=1) & (points != 0).any(axis=1)
    return points[valid]


def valid_box_corners(boxes: Optional[np.ndarray]) -> np.ndarray:
    """The corners of the valid person boxes, as (K, 2) float64 pixel
    (x, y).

    A box is valid when its four values are finite and it has an area
    (x1 > x0 and y1 > y0); zeros or NaN mark frames without the person.

    Args:
        boxes (np.ndarray, optional): (..., 4) pixel (x0, y0, x1, y1).
    """
    if boxes is None or np.size(boxes) == 0:
        return np.zeros((0, 2))
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    valid = np.isfinite(boxes).all(axis=1) & (boxes[:, 2] > boxes[:, 0]) \
        & (boxes[:, 3] > boxes[:, 1])
    return boxes[valid].reshape(-1, 2)


def points_box(points: np.ndarray,
               frame_shape: Sequence[int],
               margin: float = 0.1) -> Box:
    """Box around (K, 2) pixel points, with a margin, inside the frame.

    Args:
        points (np.ndarray): (K, 2) valid pixel (x, y).
        frame_shape (Sequence[int]): (H, W) of the frame.
        margin (float): Added on each side, as a fraction of the box's
            width (left/right) and height (top/bottom). Defaults to 0.1.

    Returns:
        tuple[int, int, int, int]: (x0, y0, x1, y1), half-open, at least
        one pixel wide and high; the whole frame when there is no point.
    """
    height, width = frame_shape[:2]
    if len(points) == 0:
        return 0, 0, width, height
    (x_min, y_min), (x_max, y_max) = points.min(0), points.max(0)
    pad_x, pad_y = margin * (x_max - x_min), margin * (y_max - y_min)
    x0 = int(np.clip(np.floor(x_min - pad_x), 0, width - 1))
    y0 = int(np.clip(np.floor(y_min - pad_y), 0, height - 1))
    x1 = int(np.clip(np.ceil(x_max + pad_x), x0 + 1, width))
    y1 = int(np.clip(np.ceil(y_max + pad_y), y0 + 1, height))
    return x0, y0, x1, y1


def person_box(keypoints: Optional[np.ndarray],
               frame_shape: Sequence[int],
               margin: float = 0.1,
               points_of: Callable[[Optional[np.ndarray]],
                                   np.ndarray] = valid_points) -> Box:
    """Box around all valid keypoints (:func:`valid_points`), with a
    margin, inside the frame.

    Args:
        keypoints (np.ndarray, optional): (..., 2) pixel (x, y), e.g.
            (M, m, V, 2) for all persons in all strip frames; or, with
            ``points_of=valid_box_corners``, (..., 4) person boxes.
        frame_shape (Sequence[int]): (H, W) of the frame.
        margin (float): Added on each side, as a fraction of the box's
            width (left/right) and height (top/bottom). Defaults to 0.1.
        points_of (Callable): The valid (K, 2) points of ``keypoints``.
            Defaults to :func:`valid_points`.

    Returns:
        tuple[int, int, int, int]: (x0, y0, x1, y1), half-open, at least
        one pixel wide and high; the whole frame when there is no valid
        point.
    """
    return points_box(points_of(keypoints), frame_shape, margin)


def frame_boxes(keypoints: Optional[np.ndarray],
                frame_shape: Sequence[int],
                num_frames: int,
                margin: float = 0.1,
                per_frame: bool = False,
                points_of: Callable[[Optional[np.ndarray]],
                                    np.ndarray] = valid_points) -> List[Box]:
    """The crop box of each strip frame.

    Args:
        keypoints (np.ndarray, optional): (M, m, V, 2) pixel (x, y) of all
            persons in the m strip frames, or (M, m, 4) person boxes with
            ``points_of=valid_box_corners``; None without either.
        frame_shape (Sequence[int]): (H, W) of the frames.
        num_frames (int): m.
        margin (float): See :func:`person_box`. Defaults to 0.1.
        per_frame (bool): Each frame gets the box of the actors in that
            frame (a frame without a valid point gets the one box of all
            frames) instead of all frames sharing that one box. Defaults
            to False.
        points_of (Callable): The valid (K, 2) points of an array of
            ``keypoints``. Defaults to :func:`valid_points`.

    Returns:
        list[tuple[int, int, int, int]]: m boxes (x0, y0, x1, y1).
    """
    clip_box = person_box(keypoints, frame_shape, margin, points_of)
    if not per_frame or keypoints is None:
        return [clip_box] * num_frames
    return [
        person_box(keypoints[:, i], frame_shape, margin, points_of)
        if len(points_of(keypoints[:, i])) else clip_box
        for i in range(num_frames)
    ]


def resize_image(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize to (height, width); area averaging when shrinking, as it
    keeps fine detail without aliasing."""
    if image.shape[:2] == (height, width):
        return image
    shrinking = height < image.shape[0] or width < image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)


def fit_in_tile(image: np.ndarray, height: int, width: int,
                fit: str = 'pad') -> np.ndarray:
    """An image as a (height, width) tile.

    Args:
        image (np.ndarray): (h, w, 3) uint8.
        height (int): Tile height.
        width (int): Tile width.
        fit (str): 'pad' scales the image by min(height / h, width / w)
            (aspect ratio kept, sides rounded, at least 1 pixel), centres
            it (the odd pixel of the margin goes right / below) and leaves
            the rest black; 'stretch' resizes it to the tile.

    Returns:
        np.ndarray: (height, width, 3) uint8.
    """
    if fit == 'stretch':
        return resize_image(image, height, width)
    if fit != 'pad':
        raise ValueError(f'fit must be one of {TILE_FITS}, got {fit!r}')
    scale = min(height / image.shape[0], width / image.shape[1])
    new_height = int(np.clip(round(image.shape[0] * scale), 1, height))
    new_width = int(np.clip(round(image.shape[1] * scale), 1, width))
    top, left = (height - new_height) // 2, (width - new_width) // 2
    tile = np.zeros((height, width, 3), dtype=np.uint8)
    tile[top:top + new_height, left:left + new_width] = resize_image(
        image, new_height, new_width)
    return tile


def tile_frames(crops: Sequence[np.ndarray],
                strip_size: Tuple[int, int],
                fit: str = 'pad') -> np.ndarray:
    """Paste crops left to right into one strip.

    Each crop becomes one tile of (H, W // m) (:func:`fit_in_tile`); the
    W % m columns left over on the right stay black.

    Args:
        crops (Sequence[np.ndarray]): m images (h_i, w_i, 3) uint8, in
            time order.
        strip_size (tuple[int, int]): (H, W) of the strip.
        fit (str): 'pad' (aspect ratio kept) or 'stretch'. Defaults to
            'pad'.

    Returns:
        np.ndarray: (H, W, 3) uint8 strip.
    """
    height, width = strip_size
    tile_width = width // len(crops)
    strip = np.zeros((height, width, 3), dtype=np.uint8)
    for i, crop in enumerate(crops):
        strip[:, i * tile_width:(i + 1) * tile_width] = fit_in_tile(
            crop, height, tile_width, fit)
    return strip


class DecordFrameReader:
    """Random access to video frames with decord.

    Args:
        path (str): Video file.
    """

    def __init__(self, path: str) -> None:
        import decord

        # One thread: data loader workers already decode in parallel.
        self.reader = decord.VideoReader(path, num_threads=1)

    def __len__(self) -> int:
        return len(self.reader)

    def read(self, indices: np.ndarray) -> np.ndarray:
        """(N, H, W, 3) uint8 RGB frames at ``indices``."""
        frames = self.reader.get_batch([int(i) for i in indices])
        # A decord bridge (e.g. torch) set elsewhere changes the type.
        if hasattr(frames, 'asnumpy'):
            return frames.asnumpy()
        return np.asarray(frames)

    def close(self) -> None:
        del self.reader


class OpenCVFrameReader:
    """Random access to video frames with OpenCV, seeking to each frame.

    Args:
        path (str): Video file.
    """

    def __init__(self, path: str) -> None:
        self.capture = cv2.VideoCapture(path)
        if not self.capture.isOpened():
            raise RuntimeError('OpenCV cannot open the file')
        self.num_frames = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT))

    def __len__(self) -> int:
        return self.num_frames

    def read(self, indices: np.ndarray) -> np.ndarray:
        """(N, H, W, 3) uint8 RGB frames at ``indices``."""
        decoded = {}
        next_frame = 0
        for index in sorted(set(int(i) for i in indices)):
            # Reading on is cheaper than seeking to the next frame.
            if index != next_frame:
                self.capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, frame = self.capture.read()
            if not ok:
                raise RuntimeError(f'cannot decode frame {index} of '
                                   f'{self.num_frames}')
            decoded[index] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            next_frame = index + 1
        return np.stack([decoded[int(i)] for i in indices])

    def close(self) -> None:
        self.capture.release()


#: Frame readers by ``io_backend``; a reader takes the path and has
#: ``len()``, ``read(indices)`` and ``close()``.
FRAME_READERS = dict(decord=DecordFrameReader, opencv=OpenCVFrameReader)


def read_video_frames(
        path: str,
        choose_indices: Callable[[int], np.ndarray],
        io_backend: str = 'decord') -> Tuple[np.ndarray, np.ndarray]:
    """Decode only the chosen frames of a video.

    Args:
        path (str): Video file.
        choose_indices (Callable[[int], np.ndarray]): Given the number of
            frames of the video, returns the (m, ) indices to decode.
        io_backend (str): A key of :data:`FRAME_READERS`.

    Returns:
        tuple[np.ndarray, np.ndarray]: (m, H, W, 3) uint8 RGB frames and
        the (m, ) indices.

    Raises:
        Exception: Whatever the backend raises for an unreadable file.
    """
    reader = FRAME_READERS[io_backend](path)
    try:
        num_frames = len(reader)
        if num_frames <= 0:
            raise RuntimeError('the video has no frames')
        indices = choose_indices(num_frames)
        return reader.read(indices), indices
    finally:
        reader.close()


def read_strip_image(path: str) -> np.ndarray:
    """A precomputed strip image as (H, W, 3) uint8 RGB.

    Raises:
        MediaError: When the file is missing, cut short (no JPEG / PNG
            trailer: decoders return grey rows for the lost part) or
            cannot be decoded.
    """
    return read_image_file(path)


def sample_name(results: Dict) -> str:
    """The sample's ``frame_dir`` for error messages."""
    return repr(results.get('frame_dir', '<unknown frame_dir>'))


@TRANSFORMS.register_module()
class BuildFrameStrip(BaseTransform):
    """Build the RGB frame strip of a sample.

    With ``strip_path`` the precomputed strip image is read (and resized
    to ``strip_size`` if needed). Otherwise ``num_frames`` frames are
    decoded from ``video_path``, chosen in the sampled clip (``[min, max]``
    of ``frame_inds`` when a sampler set them, else the whole clip) by the
    ``layout``:

    - ``'tiles'``: the centres of m equal segments
      (:func:`strip_frame_indices`), each frame cropped to one box, that
      of all persons' 2-D keypoints over the chosen frames plus a margin
      (:func:`person_box`);
    - ``'release'``: the MMCL release's frames 0, k, ..., (m - 1) k with
      k = n // m (:func:`release_frame_indices`), each cropped to the box
      of the persons in that frame (the release's union box of the
      actors; a frame without keypoints gets the box of all frames), on a
      square canvas.

    The crops become (H, W // m) tiles (``tile_fit``: aspect ratio kept
    and black padding, or stretched) pasted left to right in time order.

    When the sample has person boxes (``box_key``, (M, T, 4) pixel
    (x0, y0, x1, y1) per person and frame, as the pose extraction of
    one's own videos stores them) the crop boxes are made from the boxes
    instead of the keypoints: the union of the boxes of the chosen frames
    ('tiles') or of each frame ('release'), plus the margin. A box that
    is not finite or has no area marks a frame without that person; when
    no box of the chosen frames is valid the keypoints decide, as for a
    sample without boxes.

    Keypoint frame t must be video frame t (same frame rate, as in NTU
    RGB+D); video frames past the keypoints' end use the last keypoint
    frame. When ``PreNormalize3DWithFrameMap`` dropped frames, its
    ``video_frame_map`` turns the sampled indices back into video frames
    (``keypoint_2d`` stays on the video's timeline). Keypoints refer to
    ``original_shape`` (else ``img_shape``) and are rescaled when the
    decoded frames have another size. Without keypoints, or without a
    valid one, tiles show the whole frame.

    Required Keys:

        - strip_path or video_path
        - frame_dir (for error messages)
        - frame_inds (optional)
        - start_index (optional)
        - total_frames (optional)
        - video_frame_map (optional)
        - keypoint_2d (optional, the ``keypoint_key``)
        - person_boxes (optional, the ``box_key``)
        - original_shape / img_shape (optional)

    Added Keys:

        - frame_strip: (H, W, 3) uint8 RGB

    Args:
        num_frames (int): m, frames of the strip. Defaults to 5.
        strip_size (tuple[int, int], optional): (H, W) of the strip.
            Defaults to the layout's: (224, 1120) for 'tiles' (five 224 x
            224 tiles), (480, 480) for 'release' (the release's canvas:
            five 96 x 480 tiles).
        crop_margin (float): Margin around the person box, as a fraction
            of its size on each side. Defaults to 0.1.
        keypoint_key (str): Key of the (M, T, V, 2) pixel keypoints.
            Defaults to 'keypoint_2d'.
        io_backend (str): Video decoder, 'decord' or 'opencv'. Defaults to
            'decord'.
        layout (str): 'tiles' or 'release' (frame choice, crop boxes and
            default size, see above). Defaults to 'tiles'.
        tile_fit (str): 'pad' keeps a crop's aspect ratio in its tile
            (scaled to fit, centred, black around); 'stretch' resizes it
            to the tile (earlier versions and the release: a standing
            person in a 224 x 224 tile looks several times wider).
            Defaults to 'pad'.
        box_key (str, optional): Key of the (M, T, 4) pixel person boxes
            that crop the frames when a sample has them; None crops from
            the keypoints only. Defaults to 'person_boxes'.
    """

    def __init__(self,
                 num_frames: int = 5,
                 strip_size: Optional[Tuple[int, int]] = None,
                 crop_margin: float = 0.1,
                 keypoint_key: str = 'keypoint_2d',
                 io_backend: str = 'decord',
                 layout: str = 'tiles',
                 tile_fit: str = 'pad',
                 box_key: Optional[str] = 'person_boxes') -> None:
        if layout not in LAYOUT_FRAMES:
            raise ValueError(f'layout must be one of {sorted(LAYOUT_FRAMES)}'
                             f', got {layout!r}')
        if tile_fit not in TILE_FITS:
            raise ValueError(f'tile_fit must be one of {TILE_FITS}, got '
                             f'{tile_fit!r}')
        if strip_size is None:
            strip_size = LAYOUT_SIZES[layout]
        strip_size = tuple(int(s) for s in strip_size)
        if num_frames < 1:
            raise ValueError(f'num_frames must be >= 1, got {num_frames}')
        if len(strip_size) != 2 or min(strip_size) < 1:
            raise ValueError(f'strip_size must be (H, W), got {strip_size}')
        if strip_size[1] < num_frames:
            raise ValueError(f'strip width {strip_size[1]} is smaller than '
                             f'num_frames={num_frames}')
        if crop_margin < 0:
            raise ValueError(f'crop_margin must be >= 0, got {crop_margin}')
        if io_backend not in FRAME_READERS:
            raise ValueError(f'io_backend must be one of '
                             f'{sorted(FRAME_READERS)}, got {io_backend!r}')
        self.num_frames = num_frames
        self.strip_size = strip_size
        self.crop_margin = crop_margin
        self.keypoint_key = keypoint_key
        self.io_backend = io_backend
        self.layout = layout
        self.tile_fit = tile_fit
        self.box_key = box_key

    def transform(self, results: Dict) -> Dict:
        """Add ``frame_strip`` (H, W, 3) uint8 RGB to ``results``.

        Raises:
            KeyError: Neither ``strip_path`` nor ``video_path`` is given.
            MediaError: The strip image or the video cannot be read (a
                RuntimeError naming the sample and the file).
        """
        if 'strip_path' in results:
            strip = self._load_strip(results)
        elif 'video_path' in results:
            strip = self._strip_from_video(results)
        else:
            raise KeyError(
                f'BuildFrameStrip: sample {sample_name(results)} has '
                f'neither `strip_path` nor `video_path`; set `video_root` '
                f'or `strip_root` of MMCLPoseDataset')
        results['frame_strip'] = strip
        return results

    def _load_strip(self, results: Dict) -> np.ndarray:
        path = results['strip_path']
        try:
            strip = read_strip_image(path)
        except MediaError as error:
            raise MediaError(
                f'BuildFrameStrip: cannot read the strip image of sample '
                f'{sample_name(results)} ({path}): {error}') from error
        return resize_image(strip, *self.strip_size)

    def _strip_from_video(self, results: Dict) -> np.ndarray:
        path = results['video_path']

        def choose_indices(num_video_frames: int) -> np.ndarray:
            frame_inds, start_index = video_frame_indices(
                results.get('frame_inds'), results.get('start_index', 0),
                results.get('video_frame_map'))
            first, last = clip_window(num_video_frames, frame_inds,
                                      start_index,
                                      results.get('total_frames'))
            return LAYOUT_FRAMES[self.layout](self.num_frames, first, last)

        try:
            if not osp.isfile(path):
                raise RuntimeError('file not found')
            frames, indices = read_video_frames(path, choose_indices,
                                                self.io_backend)
        except Exception as error:
            # Decoders fail in their own ways; name the sample for all.
            raise MediaError(
                f'BuildFrameStrip: cannot read the video of sample '
                f'{sample_name(results)} ({path}) with {self.io_backend}: '
                f'{type(error).__name__}: {error}') from error
        boxes = self._crop_boxes(results, indices, frames.shape[1:3])
        crops = [
            frame[y0:y1, x0:x1]
            for frame, (x0, y0, x1, y1) in zip(frames, boxes)
        ]
        return tile_frames(crops, self.strip_size, self.tile_fit)

    def _crop_boxes(self, results: Dict, indices: np.ndarray,
                    frame_shape: Tuple[int, int]) -> List[Box]:
        """The m crop boxes: from the person boxes when the strip frames
        have a valid one, else from the keypoints (else whole frames)."""
        per_frame = self.layout == 'release'
        person_boxes = self._strip_person_boxes(results, indices,
                                                frame_shape)
        if person_boxes is not None and len(valid_box_corners(person_boxes)):
            return frame_boxes(person_boxes, frame_shape, len(indices),
                               self.crop_margin, per_frame,
                               points_of=valid_box_corners)
        return frame_boxes(
            self._strip_keypoints(results, indices, frame_shape),
            frame_shape, len(indices), self.crop_margin, per_frame)

    def _keypoint_shape(self, results: Dict) -> Optional[Sequence[int]]:
        """(H, W) the annotation's pixel coordinates refer to."""
        return results.get('original_shape', results.get('img_shape'))

    def _strip_person_boxes(
            self, results: Dict, indices: np.ndarray,
            frame_shape: Tuple[int, int]) -> Optional[np.ndarray]:
        """(M, m, 4) person boxes of the strip frames in frame pixels, or
        None when the sample has none."""
        boxes = None if self.box_key is None else results.get(self.box_key)
        if boxes is None or np.ndim(boxes) != 3 or \
                np.shape(boxes)[1] == 0 or np.shape(boxes)[2] != 4:
            return None
        boxes = keypoints_at_frames(np.asarray(boxes), indices)
        corners = scale_keypoints(boxes.reshape(*boxes.shape[:2], 2, 2),
                                  self._keypoint_shape(results), frame_shape)
        return corners.reshape(*boxes.shape[:2], 4)

    def _strip_keypoints(self, results: Dict, indices: np.ndarray,
                         frame_shape: Tuple[int, int]) -> Optional[np.ndarray]:
        """(M, m, V, 2) keypoints of the strip frames in frame pixels, or
        None when the sample has no 2-D keypoints."""
        keypoint_2d = results.get(self.keypoint_key)
        if keypoint_2d is None or np.ndim(keypoint_2d) != 4 \
                or np.shape(keypoint_2d)[1] == 0:
            return None
        keypoints = keypoints_at_frames(np.asarray(keypoint_2d), indices)
        return scale_keypoints(keypoints[..., :2],
                               self._keypoint_shape(results), frame_shape)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'num_frames={self.num_frames}, '
                f'strip_size={self.strip_size}, '
                f'crop_margin={self.crop_margin}, '
                f'keypoint_key={self.keypoint_key!r}, '
                f'io_backend={self.io_backend!r}, '
                f'layout={self.layout!r}, '
                f'tile_fit={self.tile_fit!r}, '
                f'box_key={self.box_key!r})')


def whole_clip_strip(build_strip: Callable[[Dict], Dict],
                     data_info: Dict) -> np.ndarray:
    """The strip of a sample's whole clip, as offline tools make it.

    ``build_strip`` (a :class:`BuildFrameStrip`) gets the data info
    without ``frame_inds``, so the strip spans the whole clip (bounded by
    ``total_frames``) instead of a random training window: precomputed
    strip images, cached encoder features and MLLM answers do not depend
    on the epoch. ``data_info`` itself is left unchanged.

    Args:
        build_strip (Callable[[dict], dict]): The transform.
        data_info (dict): The sample's data info (``frame_dir`` and
            ``video_path`` or ``strip_path``, optional keypoints).

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB strip.

    Raises:
        KeyError, RuntimeError: As :meth:`BuildFrameStrip.transform`.
    """
    info = dict(data_info)
    info.pop('frame_inds', None)
    return build_strip(info)['frame_strip']


__all__ = [
    'BuildFrameStrip', 'whole_clip_strip', 'clip_window',
    'video_frame_indices',
    'strip_frame_indices', 'release_frame_indices', 'LAYOUT_FRAMES',
    'LAYOUT_SIZES', 'TILE_FITS', 'valid_points', 'valid_box_corners',
    'points_box', 'frame_boxes',
    'fit_in_tile',
    'keypoints_at_frames', 'scale_keypoints', 'person_box', 'tile_frames',
    'read_video_frames', 'FRAME_READERS'
]

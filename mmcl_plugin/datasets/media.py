"""Reading the media files of a sample (strip images), with their faults
named.

Decoders are lenient: OpenCV decodes a JPEG cut in half into an image
whose lower rows are grey and only prints a libjpeg warning. An image
whose format trailer is missing (JPEG's EOI marker, PNG's IEND chunk) is
therefore refused here, whatever the decoder returns for it. Every fault
is a :class:`MediaError`, which training can skip and report instead of
stopping (``MMCLPoseDataset(skip_bad_media=...)``).
"""
import os.path as osp
from typing import Dict

import cv2
import numpy as np

#: The last bytes of a complete image file, per extension: a JPEG ends
#: with the EOI marker, a PNG with its IEND chunk. Formats not listed here
#: are only checked by decoding.
IMAGE_TRAILERS: Dict[str, bytes] = {
    '.jpg': b'\xff\xd9',
    '.jpeg': b'\xff\xd9',
    '.png': b'IEND\xaeB`\x82',
}


#: What a file is, by its first bytes (magic numbers): (prefix, offset of
#: a second marker or None, that marker, name, extensions).
_SIGNATURES = (
    (b'\xff\xd8\xff', None, b'', 'a JPEG image', ('.jpg', '.jpeg')),
    (b'\x89PNG\r\n\x1a\n', None, b'', 'a PNG image', ('.png', )),
    (b'GIF87a', None, b'', 'a GIF image', ('.gif', )),
    (b'GIF89a', None, b'', 'a GIF image', ('.gif', )),
    (b'BM', None, b'', 'a BMP image', ('.bmp', )),
    (b'RIFF', 8, b'WEBP', 'a WebP image', ('.webp', )),
    (b'RIFF', 8, b'AVI ', 'an AVI video', ('.avi', )),
    (b'II*\x00', None, b'', 'a TIFF image', ('.tif', '.tiff')),
    (b'MM\x00*', None, b'', 'a TIFF image', ('.tif', '.tiff')),
    (b'\x1aE\xdf\xa3', None, b'', 'a Matroska/WebM video', ('.mkv', '.webm')),
    (b'\x93NUMPY', None, b'', 'a NumPy .npy array', ('.npy', )),
    (b'PK\x03\x04', None, b'', 'a zip archive (or .npz)', ('.zip', '.npz')),
)


def file_kind(data: bytes) -> str:
    """What a file's first bytes say it is, e.g. 'a PNG image'; '' if
    unknown (text files: 'text starting with ...')."""
    for prefix, offset, marker, name, _ in _SIGNATURES:
        if data.startswith(prefix) and (
                offset is None or data[offset:offset + len(marker)] == marker):
            return name
    if len(data) > 8 and data[4:8] == b'ftyp':
        return 'an MP4/QuickTime video'
    head = data[:64]
    if head and all(32 <= b < 127 or b in b'\t\r\n' for b in head):
        return f'text starting with {head[:32].decode("ascii")!r}'
    return ''


def _named_kinds(ext: str) -> set:
    return {name for _, _, _, name, exts in _SIGNATURES if ext in exts}


class MediaError(RuntimeError):
    """A sample's video or image file cannot be read (missing, cut short,
    undecodable); the message names the sample and the file."""


def image_data_problem(data: bytes, ext: str) -> str:
    """Why the bytes of an image file cannot be a whole image, or ''.

    Args:
        data (bytes): The file's content.
        ext (str): Its extension, e.g. '.jpg' (any case).

    Returns:
        str: E.g. 'the file is empty', 'the file is a PNG image named
        .jpg' (the content is identified by its magic bytes), or '' when
        nothing is known to be wrong (the image may still fail to decode).
    """
    if not data:
        return 'the file is empty'
    ext = ext.lower()
    expected = _named_kinds(ext)
    kind = file_kind(data)
    if expected and kind not in expected:
        if kind:
            return f'the file is {kind} named {ext}'
        return (f'the file is not {sorted(expected)[0]}: it starts with '
                f'{data[:8]!r}')
    trailer = IMAGE_TRAILERS.get(ext)
    if trailer is not None and not data.endswith(trailer):
        kind = 'JPEG end-of-image marker' if trailer == b'\xff\xd9' \
            else 'PNG IEND chunk'
        return (f'the file is cut short: a {ext} file that does not end '
                f'with the {kind} ({len(data)} bytes)')
    return ''


def read_image_file(path: str) -> np.ndarray:
    """A whole image file as (H, W, 3) uint8 RGB.

    Raises:
        MediaError: The file is missing, incomplete (see
            :func:`image_data_problem`) or cannot be decoded; the message
            is the reason (callers add the sample).
    """
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        raise MediaError('file not found') from None
    except OSError as error:
        raise MediaError(f'cannot read the file: {error}') from None
    problem = image_data_problem(data, osp.splitext(path)[1])
    if problem:
        raise MediaError(problem)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise MediaError('OpenCV cannot decode the image')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


__all__ = ['IMAGE_TRAILERS', 'MediaError', 'file_kind', 'image_data_problem',
           'read_image_file']

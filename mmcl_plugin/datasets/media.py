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


class MediaError(RuntimeError):
    """A sample's video or image file cannot be read (missing, cut short,
    undecodable); the message names the sample and the file."""


def image_data_problem(data: bytes, ext: str) -> str:
    """Why the bytes of an image file cannot be a whole image, or ''.

    Args:
        data (bytes): The file's content.
        ext (str): Its extension, e.g. '.jpg' (any case).

    Returns:
        str: E.g. 'the file is empty', or '' when nothing is known to be
        wrong (the image may still fail to decode).
    """
    if not data:
        return 'the file is empty'
    trailer = IMAGE_TRAILERS.get(ext.lower())
    if trailer is not None and not data.endswith(trailer):
        kind = 'JPEG end-of-image marker' if trailer == b'\xff\xd9' \
            else 'PNG IEND chunk'
        return (f'the file is cut short or corrupt: it does not end with '
                f'the {kind} ({len(data)} bytes)')
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


__all__ = ['IMAGE_TRAILERS', 'MediaError', 'image_data_problem',
           'read_image_file']

"""How offline strips are made and stored: a ``BuildFrameStrip`` config
plus the image format.

The strip of a sample *is* the one :class:`BuildFrameStrip` makes online,
so the settings hold that transform's config instead of copies of its
arguments; a new argument of the transform is a new setting here.
:meth:`StripSettings.identity` is what ``strip_settings.json`` records in
an output directory, and :func:`recorded_identity` reads it back, in this
form or in the flat form of earlier versions.
"""
import inspect
import json
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Tuple

from mmcl_plugin.datasets.media import IMAGE_TRAILERS
from mmcl_plugin.datasets.transforms.frame_strip import BuildFrameStrip

#: Output formats: extension -> (OpenCV encoder extension, file trailer).
#: A file cut short lacks its trailer (:data:`~..media.IMAGE_TRAILERS`)
#: even when a decoder still returns an image for it.
IMAGE_FORMATS: Dict[str, Tuple[str, bytes]] = {
    ext: (encoder, IMAGE_TRAILERS[ext])
    for ext, encoder in (('.jpg', '.jpg'), ('.jpeg', '.jpg'), ('.png',
                                                               '.png'))
}

#: Type name of the transform in a strip config.
STRIP_TYPE = 'BuildFrameStrip'
#: Settings that decide the pixels of a stored strip besides the
#: transform's (``require_keypoints`` only decides what fails).
STORAGE_KEYS = ('ext', 'jpeg_quality', 'png_compression')
#: Flat ``strip_settings.json`` of earlier versions: its key of each
#: ``BuildFrameStrip`` argument.
LEGACY_STRIP_KEYS = dict(num_frames='num_frames', strip_size='strip_size',
                         crop_margin='crop_margin',
                         keypoint_key='keypoint_key', backend='io_backend')
#: ``BuildFrameStrip`` arguments added since strips were first recorded,
#: with the behaviour of the versions before them: a settings file without
#: them was made with these (the tiles layout, crops stretched to their
#: tiles), so a run with another layout or tile fit is refused there.
#: Person boxes (``box_key``) came with the pose extraction of one's own
#: videos; no earlier pickle had them, so earlier strips are what
#: ``box_key='person_boxes'`` makes of such a pickle.
ADDED_STRIP_ARGS = dict(layout='tiles', tile_fit='stretch',
                        box_key='person_boxes')


def normalize_ext(ext: str) -> str:
    """'.jpg' for 'jpg', 'JPG' or '.jpg'.

    Raises:
        ValueError: Not one of :data:`IMAGE_FORMATS`.
    """
    ext = ext.lower()
    if not ext.startswith('.'):
        ext = '.' + ext
    if ext not in IMAGE_FORMATS:
        raise ValueError(f'image format must be one of '
                         f'{sorted(IMAGE_FORMATS)}, got {ext!r}')
    return ext


def full_strip_cfg(strip_cfg: Mapping) -> Dict:
    """A ``BuildFrameStrip`` config with every argument, checked.

    Args:
        strip_cfg (Mapping): Arguments of :class:`BuildFrameStrip`, with
            or without ``type='BuildFrameStrip'``; missing ones take the
            transform's defaults.

    Returns:
        dict: ``type`` and every argument of the transform, as the
        transform holds them (``strip_size`` a tuple).

    Raises:
        ValueError: Another transform type, an unknown argument or a
            value the transform refuses.
    """
    kwargs = dict(strip_cfg)
    strip_type = kwargs.pop('type', STRIP_TYPE)
    if strip_type != STRIP_TYPE:
        raise ValueError(f'the strip config must be a {STRIP_TYPE} config, '
                         f'got type={strip_type!r}')
    try:
        transform = BuildFrameStrip(**kwargs)
    except TypeError as error:
        raise ValueError(f'not a {STRIP_TYPE} config {kwargs}: '
                         f'{error}') from None
    names = [
        name for name in inspect.signature(BuildFrameStrip).parameters
        if name != 'self'
    ]
    return dict(type=STRIP_TYPE,
                **{name: getattr(transform, name)
                   for name in names})


@dataclass(frozen=True)
class StripSettings:
    """How strips are made and stored.

    Args:
        strip (dict): The ``BuildFrameStrip`` config (``type`` optional;
            missing arguments take the transform's defaults: 5 frames,
            the 'tiles' layout of a 224 x 1120 strip, crops padded to
            their tiles' aspect ratio, margin 0.1, 'keypoint_2d',
            decord).
            Completed with every argument after construction.
        ext (str): Image format, '.jpg', '.jpeg' or '.png'. Defaults to
            '.jpg'.
        jpeg_quality (int): 0-100. Defaults to 95.
        png_compression (int): 0-9 (size against time; the pixels are
            the same). Defaults to 3.
        require_keypoints (bool): A sample without usable keypoints fails
            (True) or gets uncropped whole-frame tiles, as
            ``BuildFrameStrip`` makes online (False). Defaults to True.
    """

    strip: Dict = field(default_factory=dict)
    ext: str = '.jpg'
    jpeg_quality: int = 95
    png_compression: int = 3
    require_keypoints: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, 'strip', full_strip_cfg(self.strip))
        object.__setattr__(self, 'ext', normalize_ext(self.ext))
        if not 0 <= self.jpeg_quality <= 100:
            raise ValueError(f'jpeg_quality must be in 0..100, got '
                             f'{self.jpeg_quality}')
        if not 0 <= self.png_compression <= 9:
            raise ValueError(f'png_compression must be in 0..9, got '
                             f'{self.png_compression}')

    @property
    def strip_size(self) -> Tuple[int, int]:
        """(H, W) of a strip."""
        return self.strip['strip_size']

    @property
    def keypoint_key(self) -> str:
        """Annotation key of the (M, T, V, 2) pixel keypoints."""
        return self.strip['keypoint_key']

    @property
    def box_key(self) -> Optional[str]:
        """Annotation key of the (M, T, 4) pixel person boxes, or None."""
        return self.strip['box_key']

    def transform(self) -> BuildFrameStrip:
        """The online transform of these settings."""
        kwargs = dict(self.strip)
        kwargs.pop('type')
        return BuildFrameStrip(**kwargs)

    def identity(self) -> Dict:
        """What decides the pixels of a stored strip (all but
        ``require_keypoints``), as JSON values:
        ``dict(strip=<config>, ext=..., jpeg_quality=...,
        png_compression=...)``."""
        identity = dict(strip=self.strip)
        identity.update({key: getattr(self, key) for key in STORAGE_KEYS})
        return json.loads(json.dumps(identity))


def recorded_identity(recorded: Mapping, path: str) -> Dict:
    """A settings file's content as :meth:`StripSettings.identity` gives it.

    Reads the current form and the flat one of earlier versions
    (``num_frames, strip_size, crop_margin, keypoint_key, backend, ext,
    jpeg_quality, png_compression``). ``BuildFrameStrip`` arguments that
    the writing version did not have take the values it behaved as
    (:data:`ADDED_STRIP_ARGS`).

    Args:
        recorded (Mapping): The JSON content.
        path (str): The file, for the error message.

    Raises:
        ValueError: Neither form.
    """
    if isinstance(recorded, Mapping) and isinstance(recorded.get('strip'),
                                                    Mapping):
        identity = dict(recorded)
        identity['strip'] = dict(ADDED_STRIP_ARGS, **recorded['strip'])
        return identity
    needed = list(LEGACY_STRIP_KEYS) + list(STORAGE_KEYS)
    if not isinstance(recorded, Mapping) or \
            any(key not in recorded for key in needed):
        raise ValueError(
            f'{path} is not a strip settings file: expected a "strip" '
            f'config (this version) or the keys {needed} (earlier '
            f'versions); use another output directory, or delete the '
            f'file if the strips there are yours')
    strip = dict(type=STRIP_TYPE, **ADDED_STRIP_ARGS)
    strip.update({new: recorded[old] for old, new in
                  LEGACY_STRIP_KEYS.items()})
    identity = dict(strip=strip)
    identity.update({key: recorded[key] for key in STORAGE_KEYS})
    return identity


class _NotRecorded:
    """A setting that one side does not have."""

    def __repr__(self) -> str:
        return '(not recorded)'


NOT_RECORDED = _NotRecorded()


def identity_differences(recorded: Mapping, wanted: Mapping) -> Dict:
    """``{setting: (recorded, wanted)}`` of the settings that differ.

    The ``BuildFrameStrip`` arguments go by their own names
    (``crop_margin``); a setting one side lacks is :data:`NOT_RECORDED`.
    """

    def flat(identity: Mapping) -> Dict:
        values = dict(identity.get('strip', {}))
        values.update({k: v for k, v in identity.items() if k != 'strip'})
        return values

    old, new = flat(recorded), flat(wanted)
    differ = {}
    for key in sorted(set(old) | set(new)):
        pair = (old.get(key, NOT_RECORDED), new.get(key, NOT_RECORDED))
        if pair[0] != pair[1]:
            differ[key] = pair
    return differ


__all__ = [
    'StripSettings', 'IMAGE_FORMATS', 'normalize_ext', 'full_strip_cfg',
    'recorded_identity', 'identity_differences'
]

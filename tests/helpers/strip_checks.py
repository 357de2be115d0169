"""Checks of strips built from the solid-colour test videos
(``tests/test_datasets/conftest.py``)."""
import numpy as np

CODEC_TOLERANCE = 12  # mp4v's error on solid colours is ~3 grey levels


#: Pixels at most this bright in every channel are the black padding of
#: ``tile_fit='pad'`` (no frame colour of the test videos is that dark).
PADDING_MAX = 8


def tile_means(strip, num_tiles):
    """(num_tiles, 3) mean RGB of each tile of a strip, over the pixels of
    the frame (the black padding around a crop left out)."""
    tile_width = strip.shape[1] // num_tiles
    means = []
    for i in range(num_tiles):
        pixels = strip[:, i * tile_width:(i + 1) * tile_width].reshape(-1, 3)
        shown = pixels[pixels.max(1) > PADDING_MAX]
        assert len(shown) > 0.4 * len(pixels), f'tile {i} is mostly black'
        means.append(shown.mean(0))
    return np.stack(means)


def assert_tiles_show_frames(strip, frame_indices, frame_colour):
    """Each tile is the solid colour of its frame, and no other frame's."""
    palette = np.array([frame_colour(t) for t in range(12)], dtype=float)
    for mean, index in zip(tile_means(strip, len(frame_indices)),
                           frame_indices):
        nearest = int(np.abs(palette - mean).sum(1).argmin())
        assert nearest == index
        np.testing.assert_allclose(mean, palette[index], atol=CODEC_TOLERANCE)

"""BuildFrameStrip crops to the stored person boxes (``person_boxes``) of
one's own videos, and falls back to the keypoints without them."""
import cv2
import numpy as np
import pytest

from mmcl_plugin.datasets.transforms.frame_strip import (
    BuildFrameStrip, frame_boxes, strip_frame_indices, valid_box_corners)
from own_videos import (BACKGROUND, NUM_FRAMES, PERSON_COLOURS, VIDEO_SHAPE,
                        draw_frame, keypoints_in_boxes, person_boxes,
                        write_video)

RED, BLUE = (np.array(c, dtype=float) for c in PERSON_COLOURS)
GREEN = np.array(BACKGROUND, dtype=float)
#: MJPG + resizing change a flat colour by a few levels; the colours
#: compared differ by > 150 in some channel.
COLOUR_TOL = 40


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp('own') / 'clip.avi'
    return write_video(str(path), person_boxes())


def info(video_path, boxes=None, **extra):
    results = dict(frame_dir='clip', video_path=video_path,
                   total_frames=NUM_FRAMES, img_shape=VIDEO_SHAPE)
    if boxes is not None:
        results['person_boxes'] = boxes
    results.update(extra)
    return results


def fraction_near(image, colour):
    """Fraction of the pixels within COLOUR_TOL of ``colour`` (max over
    channels)."""
    return (np.abs(image.astype(float) - colour).max(-1) < COLOUR_TOL).mean()


def interior(tile):
    """The tile without its outer eighth on each side: MJPG's chroma
    subsampling blends the colours of a box's edge pixels with the
    background's."""
    dy, dx = tile.shape[0] // 8, tile.shape[1] // 8
    return tile[dy:tile.shape[0] - dy, dx:tile.shape[1] - dx]


def tiles(strip, num):
    width = strip.shape[1] // num
    return [strip[:, i * width:(i + 1) * width] for i in range(num)]


def test_valid_box_corners_drop_empty_and_nan_boxes():
    boxes = np.array([[0, 0, 10, 20], [0, 0, 0, 0], [np.nan, 1, 2, 3],
                      [5, 5, 4, 9]], dtype=np.float32)
    # a box at the image corner (0, 0) is valid; zeros and NaN are not
    np.testing.assert_array_equal(valid_box_corners(boxes),
                                  [[0, 0], [10, 20]])
    assert frame_boxes(boxes[None, None, :1], (64, 96), 1, 0.,
                       points_of=valid_box_corners) == [(0, 0, 10, 20)]


@pytest.mark.parametrize('io_backend', ['opencv', 'decord'])
def test_release_tiles_show_each_frames_box(video, io_backend):
    """Per-frame boxes of the moving red person: every tile is red."""
    boxes = person_boxes()[:1]
    strip = BuildFrameStrip(num_frames=4, strip_size=(40, 80),
                            crop_margin=0., layout='release',
                            tile_fit='stretch', io_backend=io_backend)(
                                info(video, boxes))['frame_strip']
    for tile in tiles(strip, 4):
        assert fraction_near(interior(tile), RED) > 0.97
    # without the boxes (no keypoints either) the tiles are whole frames
    whole = BuildFrameStrip(num_frames=4, strip_size=(40, 80),
                            crop_margin=0., layout='release',
                            tile_fit='stretch', io_backend=io_backend,
                            box_key=None)(info(video,
                                               boxes))['frame_strip']
    assert fraction_near(whole, GREEN) > 0.5
    assert fraction_near(whole, RED) < 0.3


def test_tiles_crop_the_union_of_both_persons(video):
    """Two persons, one box for the strip: the union of their boxes over
    the strip's frames, pixel for pixel what the frames show there."""
    boxes = person_boxes()
    build = BuildFrameStrip(num_frames=3, strip_size=(48, 150),
                            crop_margin=0., tile_fit='stretch',
                            io_backend='opencv')
    strip = build(info(video, boxes))['frame_strip']
    frames = strip_frame_indices(3, 0, NUM_FRAMES - 1)
    chosen = boxes[:, frames]
    x0, y0 = chosen[..., 0].min(), chosen[..., 1].min()
    x1, y1 = chosen[..., 2].max(), chosen[..., 3].max()
    assert (x0, y0, x1, y1) == (10, 10, 70, 56)
    for tile, t in zip(tiles(strip, 3), frames):
        crop = draw_frame(boxes[:, t])[int(y0):int(y1), int(x0):int(x1)]
        expected = cv2.resize(crop, (tile.shape[1], tile.shape[0]),
                              interpolation=cv2.INTER_AREA)
        diff = np.abs(tile.astype(float) - expected).mean()
        assert diff < 6, (t, diff)
        # both persons are in the tile, red on the left, blue on the right
        assert fraction_near(tile[:, :tile.shape[1] // 4], RED) > 0.3
        assert fraction_near(tile[:, -tile.shape[1] // 4:], BLUE) > 0.3


def test_margin_and_rescaled_boxes(video):
    """Boxes in an annotated image twice the video's size are scaled to
    the frames; the margin widens the box as for keypoints."""
    boxes = person_boxes()[1:] * 2  # blue, static, in 2x pixels
    build = BuildFrameStrip(num_frames=2, strip_size=(48, 48),
                            crop_margin=0., tile_fit='stretch',
                            io_backend='opencv')
    strip = build(info(video, boxes, original_shape=(192, 256)))
    for tile in tiles(strip['frame_strip'], 2):
        assert fraction_near(interior(tile), BLUE) > 0.97
    wide = BuildFrameStrip(num_frames=2, strip_size=(48, 48),
                           crop_margin=0.25, tile_fit='stretch',
                           io_backend='opencv')(
                               info(video, boxes,
                                    original_shape=(192, 256)))
    # blue box 20 x 36 -> 30 x 54 (x 45..75, y 11..65): blue 20 * 36 of
    # 30 * 54 pixels
    assert fraction_near(wide['frame_strip'], BLUE) == pytest.approx(
        20 * 36 / (30 * 54), abs=0.05)


def test_no_valid_box_falls_back_to_the_keypoints(video):
    boxes = np.full((1, NUM_FRAMES, 4), np.nan, dtype=np.float32)
    keypoints = keypoints_in_boxes(person_boxes()[1:])  # inside blue
    blue_box = person_boxes()[1:]
    # keypoints span only part of the box: the crop is all blue
    strip = BuildFrameStrip(num_frames=2, strip_size=(32, 64),
                            crop_margin=0., tile_fit='stretch',
                            io_backend='opencv')(
                                info(video, boxes,
                                     keypoint_2d=keypoints))['frame_strip']
    for tile in tiles(strip, 2):
        assert fraction_near(interior(tile), BLUE) > 0.97
    assert np.isfinite(blue_box).all()
    # the boxes win over the keypoints when they are valid
    red_boxes = person_boxes()[:1]
    strip = BuildFrameStrip(num_frames=2, strip_size=(32, 64),
                            crop_margin=0., tile_fit='stretch',
                            io_backend='opencv', layout='release')(
                                info(video, red_boxes,
                                     keypoint_2d=keypoints))['frame_strip']
    for tile in tiles(strip, 2):
        assert fraction_near(interior(tile), RED) > 0.97


def test_repr_names_the_box_key():
    assert "box_key='person_boxes'" in repr(BuildFrameStrip())
    assert 'box_key=None' in repr(BuildFrameStrip(box_key=None))

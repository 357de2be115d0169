import cv2
import numpy as np
import pytest
from mmaction.datasets.transforms import UniformSampleFrames

from mmcl_plugin.datasets.transforms.frame_strip import (
    BuildFrameStrip, clip_window, fit_in_tile, frame_boxes,
    keypoints_at_frames, person_box, release_frame_indices, scale_keypoints,
    strip_frame_indices, tile_frames, whole_clip_strip)
from strip_checks import assert_tiles_show_frames

BACKENDS = ['decord', 'opencv']
WHITE_BOX = (20, 10, 36, 40)  # (x0, y0, x1, y1) of the white "person"


def sample(video_path, **extra):
    results = dict(frame_dir='S001C001P001R001A001',
                   video_path=video_path,
                   total_frames=12)
    results.update(extra)
    return results


# ---------------------------------------------------------------- helpers
def test_strip_frame_indices_are_segment_centres():
    np.testing.assert_array_equal(strip_frame_indices(5, 0, 99),
                                  [10, 30, 50, 70, 90])
    np.testing.assert_array_equal(strip_frame_indices(3, 0, 11), [2, 6, 10])
    np.testing.assert_array_equal(strip_frame_indices(3, 4, 6), [4, 5, 6])
    # a window shorter than the strip repeats frames, in order
    np.testing.assert_array_equal(strip_frame_indices(4, 2, 3), [2, 2, 3, 3])
    np.testing.assert_array_equal(strip_frame_indices(2, 7, 7), [7, 7])


def test_release_frame_indices_are_multiples_of_n_over_m():
    # k = n // m: frames 0, k, ..., (m - 1) k of the window
    np.testing.assert_array_equal(release_frame_indices(5, 0, 99),
                                  [0, 20, 40, 60, 80])
    # 24 frames from 10: k = 4; the last 4 frames are never shown
    np.testing.assert_array_equal(release_frame_indices(5, 10, 33),
                                  [10, 14, 18, 22, 26])
    np.testing.assert_array_equal(release_frame_indices(5, 0, 11),
                                  [0, 2, 4, 6, 8])
    # n < m (k = 0): i * n // m + n // (2 m)
    np.testing.assert_array_equal(release_frame_indices(5, 0, 2),
                                  [0, 0, 1, 1, 2])
    np.testing.assert_array_equal(release_frame_indices(4, 6, 8),
                                  [6, 6, 7, 8])
    np.testing.assert_array_equal(release_frame_indices(3, 7, 7), [7, 7, 7])


def test_clip_window():
    assert clip_window(12) == (0, 11)
    assert clip_window(12, total_frames=8) == (0, 7)
    assert clip_window(12, np.array([5, 3, 9, 4])) == (3, 9)
    # indices past the video (annotation longer than the video) clamp
    assert clip_window(10, np.array([4, 11, 15])) == (4, 9)
    # the sampler's start_index is undone
    assert clip_window(12, np.array([1, 5]), start_index=1) == (0, 4)
    # several clips: one window over all of them
    assert clip_window(12, np.array([[2, 3], [6, 8]])) == (2, 8)


@pytest.mark.parametrize('seed', range(10))
def test_window_of_uniform_sample_frames(seed):
    np.random.seed(seed)
    results = UniformSampleFrames(clip_len=8)(dict(total_frames=12,
                                                   start_index=0))
    inds = results['frame_inds']
    first, last = clip_window(12, inds, 0)
    assert (first, last) == (inds.min(), inds.max())
    chosen = strip_frame_indices(3, first, last)
    assert ((chosen >= inds.min()) & (chosen <= inds.max())).all()


def test_window_of_wrapped_uniform_sample_frames():
    # clip_len > total_frames: indices wrap modulo 12, cover the clip
    results = UniformSampleFrames(clip_len=16,
                                  test_mode=True)(dict(total_frames=12,
                                                       start_index=0))
    assert clip_window(12, results['frame_inds']) == (0, 11)


def test_keypoints_at_frames_uses_nearest_valid_frame():
    keypoint_2d = np.arange(5, dtype=np.float32).reshape(1, 5, 1, 1)
    keypoint_2d = np.repeat(keypoint_2d, 2, axis=-1)
    picked = keypoints_at_frames(keypoint_2d, np.array([0, 4, 9]))
    assert picked.shape == (1, 3, 1, 2)
    np.testing.assert_array_equal(picked[0, :, 0, 0], [0, 4, 4])


def test_person_box_margin_and_missing_points():
    keypoints = np.zeros((2, 1, 6, 2), dtype=np.float32)  # person 1: none
    keypoints[0, 0, :4] = [[22, 12], [33, 37], [28, 20], [25, 30]]
    keypoints[0, 0, 4] = [np.nan, 5]  # not finite: missing
    keypoints[0, 0, 5] = [0, 0]  # zero: missing
    # x 22..33 (pad 1.1), y 12..37 (pad 2.5)
    assert person_box(keypoints, (48, 64), 0.1) == (20, 9, 35, 40)
    assert person_box(keypoints, (48, 64), 0.0) == (22, 12, 33, 37)


def test_person_box_is_the_union_over_frames_and_persons():
    keypoints = np.array([[[[10, 10]], [[30, 20]]], [[[5, 40]], [[0, 0]]]],
                         dtype=np.float32)
    assert person_box(keypoints, (48, 64), 0.0) == (5, 10, 30, 40)


def test_person_box_clamps_to_the_frame():
    keypoints = np.array([[[[2, 3], [62, 47]]]], dtype=np.float32)
    assert person_box(keypoints, (48, 64), 0.5) == (0, 0, 64, 48)
    # points outside the frame and a single point still give a box
    assert person_box(np.array([[[[-50., -50.]]]]), (48, 64)) == (0, 0, 1, 1)
    assert person_box(np.array([[[[10., 20.]]]]), (48, 64)) == (10, 20, 11, 21)


@pytest.mark.parametrize('keypoints', [
    None,
    np.zeros((0, 3, 25, 2)),
    np.zeros((2, 3, 25, 2)),
    np.full((1, 3, 25, 2), np.nan),
])
def test_person_box_without_valid_points_is_the_frame(keypoints):
    assert person_box(keypoints, (48, 64)) == (0, 0, 64, 48)


def test_scale_keypoints_to_smaller_video():
    keypoints = np.array([[100., 50.]])
    np.testing.assert_allclose(
        scale_keypoints(keypoints, (1080, 1920), (270, 480)), [[25, 12.5]])
    np.testing.assert_allclose(scale_keypoints(keypoints, None, (270, 480)),
                               keypoints)
    np.testing.assert_allclose(
        scale_keypoints(keypoints, (270, 480), (270, 480)), keypoints)


def test_frame_boxes_per_frame_or_one_for_all():
    keypoints = np.zeros((2, 3, 2, 2), dtype=np.float32)
    keypoints[0, 0] = [[10, 10], [20, 30]]
    keypoints[1, 0] = [[30, 12], [0, 0]]  # actor 2, one missing point
    keypoints[0, 1] = [[40, 5], [50, 25]]
    # frame 2: no valid point
    keypoints[:, 2] = np.nan
    shared = (10, 5, 50, 30)
    assert frame_boxes(keypoints, (48, 64), 3, 0.0) == [shared] * 3
    # the union box of the actors in each frame; frame 2 the shared one
    assert frame_boxes(keypoints, (48, 64), 3, 0.0, per_frame=True) == [
        (10, 10, 30, 30), (40, 5, 50, 25), shared]
    assert frame_boxes(None, (48, 64), 2, per_frame=True) == [
        (0, 0, 64, 48)] * 2


def test_fit_in_tile_pads_to_keep_the_aspect_ratio():
    tall = np.full((40, 10, 3), 200, dtype=np.uint8)  # h 40, w 10
    # scale min(20 / 40, 20 / 10) = 0.5: 20 x 5, columns (20 - 5) // 2 = 7
    # to 11, black around
    tile = fit_in_tile(tall, 20, 20, 'pad')
    assert tile.shape == (20, 20, 3) and tile.dtype == np.uint8
    assert (tile[:, 7:12] == 200).all()
    assert (tile[:, :7] == 0).all() and (tile[:, 12:] == 0).all()
    # a wide crop: 5 rows (7 to 11) of 20 columns
    wide = fit_in_tile(np.full((10, 40, 3), 90, np.uint8), 20, 20, 'pad')
    assert (wide[7:12] == 90).all()
    assert (wide[:7] == 0).all() and (wide[12:] == 0).all()
    # the odd pixel of the margin goes right: 21 - 5 = 16 -> 8 left
    odd = fit_in_tile(tall, 20, 21, 'pad')
    assert (odd[:, 8:13] == 200).all() and (odd[:, 13:] == 0).all()
    # a tile of the crop's own aspect ratio is filled
    assert (fit_in_tile(tall, 8, 2, 'pad') == 200).all()
    # stretch: the whole tile
    assert (fit_in_tile(tall, 20, 20, 'stretch') == 200).all()
    with pytest.raises(ValueError, match='fit must be one of'):
        fit_in_tile(tall, 20, 20, 'crop')


def test_tile_frames_pastes_padded_tiles_left_to_right():
    crops = [np.full((40, 10, 3), v, np.uint8) for v in (50, 100)]
    strip = tile_frames(crops, (20, 41))
    # tiles of 41 // 2 = 20 columns; content at columns 7..11 of each
    assert strip.shape == (20, 41, 3)
    assert (strip[:, 7:12] == 50).all() and (strip[:, 27:32] == 100).all()
    content = np.zeros(41, bool)
    content[7:12] = content[27:32] = True
    assert (strip[:, ~content] == 0).all()


def test_tile_frames_order_size_and_leftover_columns():
    crops = [
        np.full((5, 9, 3), value, dtype=np.uint8) for value in (10, 20, 30)
    ]
    crops[1] = np.full((40, 2, 3), 20, dtype=np.uint8)  # any crop size
    strip = tile_frames(crops, (6, 11), 'stretch')
    assert strip.shape == (6, 11, 3) and strip.dtype == np.uint8
    # tiles are 11 // 3 = 3 columns wide, in the given order
    for i, value in enumerate((10, 20, 30)):
        assert (strip[:, 3 * i:3 * i + 3] == value).all()
    assert (strip[:, 9:] == 0).all()


# ------------------------------------------------------------- from video
@pytest.mark.parametrize('io_backend', BACKENDS)
def test_strip_over_the_whole_clip(colour_video, frame_colour, io_backend):
    out = BuildFrameStrip(num_frames=3,
                          strip_size=(32, 96),
                          io_backend=io_backend)(sample(colour_video))
    strip = out['frame_strip']
    assert strip.shape == (32, 96, 3) and strip.dtype == np.uint8
    assert_tiles_show_frames(strip, [2, 6, 10], frame_colour)


@pytest.mark.parametrize('io_backend', BACKENDS)
def test_strip_over_the_sampled_window(colour_video, frame_colour, io_backend):
    results = sample(colour_video, frame_inds=np.array([5, 6, 7, 9, 10]))
    strip = BuildFrameStrip(num_frames=4,
                            strip_size=(20, 90),
                            io_backend=io_backend)(results)['frame_strip']
    assert strip.shape == (20, 90, 3)
    # window 5..10: 6 frames in 4 segments of 1.5 frames, centres
    # 0.75, 2.25, 3.75, 5.25 -> frames 5, 7, 8, 10
    assert_tiles_show_frames(strip, [5, 7, 8, 10], frame_colour)
    assert (strip[:, 88:] == 0).all()  # 90 - 4 * 22 leftover columns


def test_whole_clip_strip_ignores_the_sampled_window(colour_video,
                                                     frame_colour):
    info = sample(colour_video, frame_inds=np.array([5, 6, 7, 9, 10]))
    transform = BuildFrameStrip(num_frames=3, strip_size=(32, 96))
    strip = whole_clip_strip(transform, info)
    # the whole 12-frame clip, as without frame_inds; the window 5..10
    # would give frames 6, 8, 9
    assert_tiles_show_frames(strip, [2, 6, 10], frame_colour)
    np.testing.assert_array_equal(
        strip, transform(sample(colour_video))['frame_strip'])
    # the data info is left as it was
    assert set(info) == {'frame_dir', 'video_path', 'total_frames',
                         'frame_inds'}


def test_strip_frames_lie_in_the_uniform_sample_frames_window(
        colour_video, frame_colour):
    np.random.seed(3)
    results = UniformSampleFrames(clip_len=8)(sample(colour_video,
                                                     start_index=0))
    inds = results['frame_inds']
    strip = BuildFrameStrip(num_frames=3,
                            strip_size=(16, 48))(results)['frame_strip']
    expected = strip_frame_indices(3, inds.min(), inds.max())
    assert_tiles_show_frames(strip, expected, frame_colour)


def test_frame_inds_past_the_video_end_are_clamped(colour_video, frame_colour):
    results = sample(colour_video,
                     frame_inds=np.array([8, 30]),
                     total_frames=31)
    strip = BuildFrameStrip(num_frames=2,
                            strip_size=(16, 32))(results)['frame_strip']
    # window 8..11 (video end): centres of 2 segments of 2 frames
    assert_tiles_show_frames(strip, [9, 11], frame_colour)


def paint_person(frame, t):
    x0, y0, x1, y1 = WHITE_BOX
    frame[y0:y1, x0:x1] = 255


def white_fraction(image):
    return float((image.min(axis=-1) > 200).mean())


@pytest.mark.parametrize('io_backend', BACKENDS)
def test_tiles_are_cropped_to_the_person(tmp_path, write_video, io_backend):
    path = write_video(str(tmp_path / 'person.mp4'), paint=paint_person)
    keypoint_2d = np.zeros((2, 12, 4, 2), dtype=np.float32)
    keypoint_2d[0, :] = [[22, 12], [33, 37], [28, 20], [25, 30]]
    keypoint_2d[0, :, 3] = np.nan  # a missing joint
    results = sample(path, keypoint_2d=keypoint_2d, img_shape=(48, 64))
    build = BuildFrameStrip(num_frames=3,
                            strip_size=(32, 96),
                            io_backend=io_backend)

    strip = build(results)['frame_strip']
    # box (20, 9, 35, 40): 31 rows x 15 columns, all white but the top
    # row. Padded (the default): scaled by min(32 / 31, 32 / 15) to 32 x
    # 15 (round(15.48)), columns (32 - 15) // 2 = 8 to 22 of each tile
    for i in range(3):
        tile = strip[:, 32 * i:32 * (i + 1)]
        assert white_fraction(tile[:, 8:23]) > 0.9
        assert (tile[:, :8] == 0).all() and (tile[:, 23:] == 0).all()
    # stretched: the 15 columns fill the 32 (the person ~2x wider)
    stretched = BuildFrameStrip(num_frames=3, strip_size=(32, 96),
                                io_backend=io_backend, tile_fit='stretch')
    for i in range(3):
        tile = stretched(results)['frame_strip'][:, 32 * i:32 * (i + 1)]
        assert white_fraction(tile) > 0.8
    # without keypoints the whole frame is shown: mostly not white
    uncropped = build(sample(path))['frame_strip']
    assert white_fraction(uncropped) < 0.3


def test_keypoints_follow_a_downscaled_video(tmp_path, write_video):
    path = write_video(str(tmp_path / 'person.mp4'), paint=paint_person)
    keypoint_2d = np.zeros((1, 12, 3, 2), dtype=np.float32)
    # annotated at twice the video size
    keypoint_2d[0, :] = np.array([[22, 12], [33, 37], [28, 20]]) * 2
    results = sample(path,
                     keypoint_2d=keypoint_2d,
                     original_shape=(96, 128),
                     img_shape=(96, 128))
    strip = BuildFrameStrip(num_frames=2, strip_size=(32, 64),
                            tile_fit='stretch')(results)['frame_strip']
    assert white_fraction(strip) > 0.8


def test_short_keypoints_use_the_nearest_frame(tmp_path, write_video):
    path = write_video(str(tmp_path / 'person.mp4'), paint=paint_person)
    keypoint_2d = np.zeros((1, 2, 2, 2), dtype=np.float32)  # 2 of 12
    keypoint_2d[0, 1] = [[22, 12], [33, 37]]  # frame 1 -> frames >= 1
    strip = BuildFrameStrip(num_frames=2, strip_size=(32, 64),
                            tile_fit='stretch')(sample(
                                path, keypoint_2d=keypoint_2d))['frame_strip']
    assert white_fraction(strip) > 0.8


# ---------------------------------------------------- the release layout
def test_release_layout_defaults():
    build = BuildFrameStrip(layout='release')
    assert build.strip_size == (480, 480)  # the release's square canvas
    assert (build.layout, build.tile_fit) == ('release', 'pad')
    assert BuildFrameStrip().strip_size == (224, 1120)
    assert BuildFrameStrip(layout='release',
                           strip_size=(96, 96)).strip_size == (96, 96)
    assert "layout='release', tile_fit='pad'" in repr(build)


@pytest.mark.parametrize('io_backend', BACKENDS)
def test_release_layout_frames_and_canvas(colour_video, frame_colour,
                                          io_backend):
    build = BuildFrameStrip(num_frames=5, strip_size=(40, 40),
                            layout='release', tile_fit='stretch',
                            io_backend=io_backend)
    strip = build(sample(colour_video))['frame_strip']
    # 12 frames: k = 12 // 5 = 2, frames 0, 2, 4, 6, 8, as 8 x 40 tiles
    assert strip.shape == (40, 40, 3)
    assert_tiles_show_frames(strip, [0, 2, 4, 6, 8], frame_colour)
    # within a sampled window 3..9 (7 frames): k = 1, frames 3..7
    window = build(sample(colour_video, frame_inds=np.array([3, 5, 9])))
    assert_tiles_show_frames(window['frame_strip'], [3, 4, 5, 6, 7],
                             frame_colour)


def paint_walking_person(frame, t):
    """A 6 x 20 white person that moves 4 pixels right per frame."""
    frame[10:30, 4 * t:4 * t + 6] = 255


def walking_keypoints(num_frames=12):
    """(1, T, 2, 2) corner keypoints of :func:`paint_walking_person`."""
    keypoint_2d = np.zeros((1, num_frames, 2, 2), dtype=np.float32)
    for t in range(num_frames):
        keypoint_2d[0, t] = [[4 * t + 0.5, 10.5], [4 * t + 5.5, 29.5]]
    return keypoint_2d


def test_release_layout_crops_each_frame_to_its_actors(tmp_path,
                                                       write_video):
    path = write_video(str(tmp_path / 'walk.mp4'),
                       paint=paint_walking_person)
    results = sample(path, keypoint_2d=walking_keypoints())
    # frames 0, 4, 8 (k = 4): the person's own box in each, margin 0
    release = BuildFrameStrip(num_frames=3, strip_size=(40, 24),
                              layout='release', crop_margin=0,
                              tile_fit='stretch')(results)['frame_strip']
    for i in range(3):
        assert white_fraction(release[:, 8 * i:8 * (i + 1)]) > 0.8
    # the tiles layout shares one box over the frames: the person is a
    # narrow part of a wide crop in each tile
    tiles = BuildFrameStrip(num_frames=3, strip_size=(40, 24),
                            crop_margin=0,
                            tile_fit='stretch')(results)['frame_strip']
    for i in range(3):
        assert white_fraction(tiles[:, 8 * i:8 * (i + 1)]) < 0.4


def test_backends_agree(colour_video):
    strips = [
        BuildFrameStrip(num_frames=5, strip_size=(16, 80), io_backend=backend)(
            sample(colour_video))['frame_strip'].astype(int)
        for backend in BACKENDS
    ]
    assert np.abs(strips[0] - strips[1]).max() <= 2


# ------------------------------------------------------ precomputed strip
def test_precomputed_strip_is_read_as_rgb_and_resized(tmp_path):
    image = np.zeros((16, 48, 3), dtype=np.uint8)
    image[:, :24] = (255, 0, 0)  # RGB red
    image[:, 24:] = (0, 0, 255)  # RGB blue
    path = str(tmp_path / 'strip.png')
    cv2.imwrite(path, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    results = dict(frame_dir='a', strip_path=path, video_path='unused')

    strip = BuildFrameStrip(num_frames=2,
                            strip_size=(32, 96))(results)['frame_strip']
    assert strip.shape == (32, 96, 3) and strip.dtype == np.uint8
    np.testing.assert_array_equal(strip[:, :40].reshape(-1, 3).max(0),
                                  [255, 0, 0])
    np.testing.assert_array_equal(strip[:, 56:].reshape(-1, 3).max(0),
                                  [0, 0, 255])
    same_size = BuildFrameStrip(num_frames=2,
                                strip_size=(16, 48))(results)['frame_strip']
    np.testing.assert_array_equal(same_size, image)


# ----------------------------------------------------------------- errors
def test_no_path_names_the_sample():
    with pytest.raises(KeyError, match='S042.*strip_path.*video_path'):
        BuildFrameStrip()(dict(frame_dir='S042', total_frames=3))


@pytest.mark.parametrize('io_backend', BACKENDS)
def test_missing_video_names_sample_and_path(tmp_path, io_backend):
    path = str(tmp_path / 'nowhere.mp4')
    with pytest.raises(RuntimeError) as error:
        BuildFrameStrip(io_backend=io_backend)(sample(path))
    assert 'S001C001P001R001A001' in str(error.value)
    assert path in str(error.value)
    assert 'not found' in str(error.value)


@pytest.mark.parametrize('io_backend', BACKENDS)
def test_corrupt_video_names_sample_and_path(tmp_path, io_backend):
    path = tmp_path / 'corrupt.mp4'
    path.write_bytes(b'not a video' * 100)
    with pytest.raises(RuntimeError) as error:
        BuildFrameStrip(io_backend=io_backend)(sample(str(path)))
    assert 'S001C001P001R001A001' in str(error.value)
    assert str(path) in str(error.value)


def test_corrupt_strip_image_names_sample_and_path(tmp_path):
    path = tmp_path / 'strip.jpg'
    path.write_bytes(b'not an image')
    with pytest.raises(RuntimeError, match='S7.*strip.jpg'):
        BuildFrameStrip()(dict(frame_dir='S7', strip_path=str(path)))


@pytest.mark.parametrize('kwargs', [
    dict(layout='grid'),
    dict(tile_fit='crop'),
    dict(num_frames=0),
    dict(num_frames=5, strip_size=(8, 4)),
    dict(crop_margin=-0.1),
    dict(io_backend='pyav-typo'),
])
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        BuildFrameStrip(**kwargs)

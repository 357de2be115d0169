import numpy as np
import pytest
from mmaction.datasets.transforms import PreNormalize3D, UniformSampleFrames

from mmcl_plugin.datasets.transforms import (BuildFrameStrip,
                                             PreNormalize3DWithFrameMap)
from mmcl_plugin.datasets.transforms.frame_map_normalize import kept_frames
from mmcl_plugin.datasets.transforms.frame_strip import (strip_frame_indices,
                                                         video_frame_indices)
from strip_checks import assert_tiles_show_frames


def skeleton(present, num_joints=25, seed=0):
    """(M, T, V, 3) random keypoints, person m all-zero where
    ``present[m][t]`` is False."""
    present = np.asarray(present, dtype=bool)
    rng = np.random.default_rng(seed)
    keypoint = rng.normal(size=present.shape + (num_joints, 3))
    return (keypoint * present[..., None, None]).astype(np.float32)


def normalise(transform, keypoint, **extra):
    results = dict(keypoint=keypoint.copy(), total_frames=keypoint.shape[1],
                   frame_dir='S001C001P001R001A001')
    results.update(extra)
    return transform(results)


@pytest.mark.parametrize('present, expected', [
    ([[1, 1, 1, 1]], [0, 1, 2, 3]),
    ([[0, 1, 0, 1, 1, 0]], [1, 3, 4]),
    # two persons: the one present in more frames is the main body
    ([[0, 0, 1, 1, 0], [1, 1, 1, 1, 0]], [0, 1, 2, 3]),
    # a tie keeps person 0
    ([[1, 1, 0, 0], [0, 0, 1, 1]], [0, 1]),
])
def test_kept_frames_mirror_prenormalize3d(present, expected):
    keypoint = skeleton(present)
    np.testing.assert_array_equal(kept_frames(keypoint), expected)
    reference = normalise(PreNormalize3D(), keypoint)
    assert reference['keypoint'].shape[1] == len(expected)


def test_all_zero_sample_keeps_every_frame():
    keypoint = np.zeros((2, 5, 25, 3), np.float32)
    np.testing.assert_array_equal(kept_frames(keypoint), np.arange(5))
    out = normalise(PreNormalize3DWithFrameMap(), keypoint)
    np.testing.assert_array_equal(out['video_frame_map'], np.arange(5))


def test_output_equals_prenormalize3d_plus_the_map():
    keypoint = skeleton([[0, 1, 1, 0, 1, 1, 1, 0], [0, 1, 1, 1, 0, 0, 0, 0]])
    reference = normalise(PreNormalize3D(), keypoint)
    out = normalise(PreNormalize3DWithFrameMap(), keypoint)
    np.testing.assert_array_equal(out['keypoint'], reference['keypoint'])
    assert out['total_frames'] == reference['total_frames'] == 5
    np.testing.assert_array_equal(out['video_frame_map'], [1, 2, 4, 5, 6])
    assert out['video_frame_map'].dtype == np.int64


def test_an_earlier_map_is_composed():
    keypoint = skeleton([[1, 0, 1, 1]])
    out = normalise(PreNormalize3DWithFrameMap(), keypoint,
                    video_frame_map=np.array([10, 11, 13, 17]))
    np.testing.assert_array_equal(out['video_frame_map'], [10, 13, 17])


def test_a_different_upstream_rule_is_reported(monkeypatch):
    import mmcl_plugin.datasets.transforms.frame_map_normalize as module
    monkeypatch.setattr(module, 'kept_frames',
                        lambda keypoint: np.arange(keypoint.shape[1]))
    with pytest.raises(RuntimeError, match='S001C001P001R001A001.*kept 2'):
        normalise(PreNormalize3DWithFrameMap(), skeleton([[0, 1, 0, 1]]))


def test_video_frame_indices():
    frame_map = np.array([2, 3, 5, 8])
    inds, start = video_frame_indices(np.array([1, 2, 3]), 0, frame_map)
    np.testing.assert_array_equal(inds, [3, 5, 8])
    assert start == 0
    # start_index removed before mapping, out-of-range indices clamped
    inds, _ = video_frame_indices(np.array([1, 2, 9]), 1, frame_map)
    np.testing.assert_array_equal(inds, [2, 3, 8])
    # nothing sampled: the whole kept clip
    inds, _ = video_frame_indices(None, 0, frame_map)
    np.testing.assert_array_equal(inds, frame_map)
    # no map: unchanged
    inds, start = video_frame_indices(np.array([4]), 1, None)
    np.testing.assert_array_equal(inds, [4])
    assert start == 1


def test_strip_shows_the_video_frames_of_the_sampled_clip(
        colour_video, frame_colour):
    """Frames 0-3 of the 12-frame video have no body: the normaliser drops
    them, so skeleton frame t is video frame t + 4, and the strip must
    follow the video frames, not the shortened skeleton timeline."""
    present = [[0] * 4 + [1] * 8]
    results = dict(keypoint=skeleton(present), total_frames=12,
                   frame_dir='S001C001P001R001A001', video_path=colour_video,
                   start_index=0)
    results = PreNormalize3DWithFrameMap()(results)
    np.testing.assert_array_equal(results['video_frame_map'], range(4, 12))
    results = UniformSampleFrames(clip_len=4, test_mode=True)(results)
    skeleton_inds = results['frame_inds']
    assert skeleton_inds.max() <= 7
    strip = BuildFrameStrip(num_frames=2,
                            strip_size=(16, 32))(results)['frame_strip']
    video_inds = skeleton_inds + 4
    expected = strip_frame_indices(2, video_inds.min(), video_inds.max())
    assert expected.min() >= 4  # the unmapped window would start earlier
    assert_tiles_show_frames(strip, expected, frame_colour)

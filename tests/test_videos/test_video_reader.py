"""Bad videos: each problem named with the file, decodable frames kept."""
import os

import numpy as np
import pytest
from pose_videos import (corrupt_frame, solid_video, truncate_after_frame,
                         write_mjpg, write_phone_portrait, write_vfr)

from mmcl_tools.pose import PoseBackend
from mmcl_tools.videos import (NoPersonError, VideoError, VideoInfo,
                               extract_video, iter_frames)


def frames_and_info(path, **kwargs):
    info = VideoInfo(path)
    frames = list(iter_frames(path, info, **kwargs))
    return frames, info


def numbered_video(path, count=8):
    """MJPG video whose frame t is the grey level 25 t."""
    return write_mjpg(str(path), [
        np.full((48, 64, 3), 25 * t, np.uint8) for t in range(count)
    ])


def test_good_video(tmp_path):
    frames, info = frames_and_info(numbered_video(tmp_path / 'ok.avi'))
    assert len(frames) == 8 and info.notes == [] and info.fps == 25
    assert info.shape == (48, 64) and frames[0].dtype == np.uint8
    assert [int(f.mean()) for f in frames] == pytest.approx(
        [25 * t for t in range(8)], abs=3)


@pytest.mark.parametrize('content, message', [
    (b'', 'the file is empty'),
    (b'this is no video at all' * 10, 'not a readable video'),
])
def test_unreadable_files_are_named(tmp_path, content, message):
    path = tmp_path / 'clip one.mp4'
    path.write_bytes(content)
    with pytest.raises(VideoError, match=message) as info:
        frames_and_info(str(path))
    assert str(path) in str(info.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(VideoError, match='cannot read') as info:
        frames_and_info(str(tmp_path / 'gone.mp4'))
    assert 'gone.mp4' in str(info.value)


def test_corrupt_frame_in_the_middle_keeps_the_others(tmp_path):
    path = numbered_video(tmp_path / 'bad.avi')
    corrupt_frame(path, 4)
    frames, info = frames_and_info(path)
    levels = [int(round(f.mean() / 25)) for f in frames]
    assert levels == [0, 1, 2, 3, 5, 6, 7]
    assert any('1 corrupt packet' in note for note in info.notes)
    assert not info.variable_frame_rate  # one dropped frame is not VFR


def test_truncated_video_keeps_what_decodes(tmp_path):
    path = numbered_video(tmp_path / 'cut.avi')
    truncate_after_frame(path, 5)
    frames, info = frames_and_info(path)
    assert len(frames) == 5
    assert any('of the 8 frames the container declares' in note
               for note in info.notes)


def test_variable_frame_rate_is_noted(tmp_path):
    times = [0, 33, 66, 100, 300, 333, 600, 633, 666]
    frames, info = frames_and_info(write_vfr(str(tmp_path / 'vfr.mp4'),
                                             times))
    assert len(frames) == 9 and info.variable_frame_rate
    assert info.timestamps == pytest.approx([t / 1000 for t in times])
    assert info.fps == pytest.approx(8 / 0.666)
    assert any('variable frame rate' in note for note in info.notes)
    _, steady = frames_and_info(write_vfr(str(tmp_path / 'cfr.mp4'),
                                          [40 * k for k in range(9)]))
    assert not steady.variable_frame_rate and steady.notes == []


def test_phone_portrait_comes_upright(tmp_path):
    """Stored landscape 64 x 48 with a white band on the left, tagged to
    be shown turned clockwise: decoded as 48 x 64 (portrait) with the
    band on top."""
    frame = np.zeros((48, 64, 3), np.uint8)
    frame[:, :16] = 255
    path = write_phone_portrait(str(tmp_path / 'phone.mp4'), [frame] * 3)
    frames, info = frames_and_info(path)
    assert info.shape == (64, 48) and frames[0].shape == (64, 48, 3)
    rows = frames[0][..., 0].mean(1)
    assert rows[:14].min() > 200 and rows[18:].max() < 50
    assert any('rotated by -90 degrees' in note for note in info.notes)


def test_max_frames_is_not_truncation(tmp_path):
    frames, info = frames_and_info(numbered_video(tmp_path / 'ok.avi'),
                                   max_frames=3)
    assert len(frames) == 3 and info.notes == []


class Nobody(PoseBackend):
    layout = 'blazepose33'

    def __call__(self, frame):
        return []


def test_no_person_in_any_frame_is_named(tmp_path):
    path = solid_video(str(tmp_path / 'empty room.avi'))
    with pytest.raises(NoPersonError, match='no person found in any of its '
                       '4 frames') as info:
        extract_video(path, Nobody())
    assert 'empty room.avi' in str(info.value)
    os.remove(path)

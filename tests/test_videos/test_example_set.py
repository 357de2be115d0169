"""mmcl_tools.videos.example_set (tools/data/videos/make_example_set.py):
clips cut into class folders plus held-out clips, spread over each
video, scaled down, kept on a rerun, other settings refused. On made-up
videos (the real ones: tests/test_videos/test_own_videos_path.py)."""
import importlib.util
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from pose_videos import write_mjpg

from mmcl_tools.videos.example_set import (SETTINGS_FILE, clip_starts,
                                           make_example_set, scaled)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def numbered_video(path: str, num_frames: int, shape=(60, 200)) -> str:
    """Frame t is black with a white stripe at x = 4 t .. 4 t + 3 (its
    number, readable after compression and scaling)."""
    frames = []
    for t in range(num_frames):
        frame = np.zeros(shape + (3, ), np.uint8)
        frame[:, 4 * t:4 * t + 4] = 255
        frames.append(frame)
    return write_mjpg(path, frames, fps=20.0)


def frame_numbers(path: str, width: int = 200):
    """The numbers of a clip's frames (:func:`numbered_video`) and the
    shape of its frames."""
    video = cv2.VideoCapture(path)
    numbers, shape = [], None
    while True:
        ok, frame = video.read()
        if not ok:
            break
        column = frame.mean((0, 2))
        scale = width / frame.shape[1]
        centre = (column * np.arange(len(column))).sum() / column.sum()
        numbers.append(int(round(((centre + 0.5) * scale - 2) / 4)))
        shape = frame.shape
    video.release()
    return numbers, shape


def test_clip_starts_spread_over_the_video():
    assert clip_starts(72, 32, 5) == [0, 10, 20, 30, 40]
    assert clip_starts(32, 32, 3) == [0, 0, 0]
    assert clip_starts(100, 10, 1) == [0]
    with pytest.raises(ValueError, match='fewer than a clip of 40'):
        clip_starts(30, 40, 2)
    with pytest.raises(ValueError):
        clip_starts(30, 10, 0)


def test_scaled_keeps_even_sides_and_small_frames():
    frame = np.zeros((1080, 1920, 3), np.uint8)
    assert scaled(frame, 640).shape == (360, 640, 3)
    assert scaled(frame, None) is frame
    small = np.zeros((241, 427, 3), np.uint8)
    assert scaled(small, 640) is small
    assert scaled(np.zeros((101, 301, 3), np.uint8), 100).shape[:2] == (34,
                                                                       100)


def test_clips_held_out_rerun_and_settings(tmp_path):
    source = tmp_path / 'src'
    source.mkdir()
    numbered_video(str(source / 'a.avi'), 40)
    numbered_video(str(source / 'b.avi'), 20)
    out = tmp_path / 'set'
    sources = [('run', 'a.avi'), ('jump', 'b.avi')]
    example = make_example_set(str(source), str(out), clips_per_class=2,
                               clip_frames=10, max_side=100,
                               sources=sources)
    assert example.written == 6
    assert sorted(os.listdir(out / 'videos')) == ['jump', 'run']
    assert example.clips['run'] == [
        str(out / 'videos' / 'run' / f'run_{i}.mp4') for i in range(2)]
    assert example.held_out['jump'] == str(out / 'held_out' / 'jump.mp4')
    # a.avi (40 frames): clips at 0, 15, 30; b.avi (20): 0, 5, 10
    for path, first in ((example.clips['run'][1], 15),
                        (example.held_out['run'], 30),
                        (example.clips['jump'][1], 5)):
        numbers, shape = frame_numbers(path)
        assert numbers == list(range(first, first + 10)), path
        assert shape == (30, 100, 3)
    assert not [n for n in os.listdir(out / 'videos' / 'run')
                if n.startswith('.')]  # no temporary files left
    # a rerun keeps what is there; other settings are refused
    assert make_example_set(str(source), str(out), 2, 10, 100,
                            sources).written == 0
    with pytest.raises(ValueError, match=SETTINGS_FILE):
        make_example_set(str(source), str(out), 3, 10, 100, sources)
    assert json.loads((out / SETTINGS_FILE).read_text())['clip_frames'] == 10


def test_errors_name_the_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.mp4'):
        make_example_set(str(tmp_path), str(tmp_path / 'out'),
                         sources=[('x', 'nothing.mp4')])
    numbered_video(str(tmp_path / 'short.avi'), 5)
    with pytest.raises(ValueError, match='fewer than a clip'):
        make_example_set(str(tmp_path), str(tmp_path / 'out2'),
                         clip_frames=10, sources=[('x', 'short.avi')])
    with pytest.raises(ValueError, match='clips_per_class'):
        make_example_set(str(tmp_path), str(tmp_path / 'out3'),
                         clips_per_class=1, sources=[('x', 'short.avi')])


def test_command_line(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'make_example_set',
        osp.join(REPO, 'tools', 'data', 'videos', 'make_example_set.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main([str(tmp_path), str(tmp_path / 'out')]) == 2
    assert 'demo_skeleton.mp4' in capsys.readouterr().err

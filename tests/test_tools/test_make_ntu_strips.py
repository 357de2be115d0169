"""tools/data/ntu/make_ntu_strips.py: the command line over the strips
library — outputs, failures, resume, --split, --strict, workers."""
import importlib.util
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
from strip_videos import (annotation, person_keypoints, read_rgb,
                          shown_white_fraction, tile_colours, write_ann_file,
                          write_video)
from tool_runs import REPO, run_tool

TOOL = osp.join(REPO, 'tools', 'data', 'ntu', 'make_ntu_strips.py')

GOOD = ['S001C001P001R001A001', 'S001C002P002R001A002',
        'S002C001P003R002A003']
NO_VIDEO = 'S001C003P001R001A004'
BROKEN = 'S002C002P001R001A005'  # a file that is no video
SPLIT = dict(xsub_train=[GOOD[0], NO_VIDEO, BROKEN],
             xsub_val=[GOOD[1], GOOD[2]])
STRIP = ['--num-frames', '5', '--strip-size', '24', '120']


def load_tool():
    spec = importlib.util.spec_from_file_location('make_ntu_strips', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = load_tool()


@pytest.fixture
def data(tmp_path):
    videos = tmp_path / 'nturgb+d_rgb'
    videos.mkdir()
    annotations = []
    for name in GOOD + [NO_VIDEO, BROKEN]:
        if name in GOOD:
            write_video(str(videos / f'{name}_rgb.avi'), person=True)
        annotations.append(annotation(name, person_keypoints()))
    (videos / f'{BROKEN}_rgb.avi').write_bytes(b'RIFF' + b'\0' * 400)
    ann_file = write_ann_file(str(tmp_path / 'ntu60_3d.pkl'), annotations,
                              SPLIT)
    return ann_file, str(videos), tmp_path / 'strips'


def run_main(*argv):
    """The exit status of the tool's main() run in this process."""
    with pytest.raises(SystemExit) as stop:
        tool.main([str(a) for a in argv])
    return stop.value.code


def strip_files(out):
    return {p.name: p.read_bytes() for p in sorted(out.glob('*.jpg'))}


def test_command_line_lists_failures_and_exits_1(data):
    ann_file, videos, out = data
    result = run_tool([sys.executable, TOOL, ann_file, videos, '-o', out,
                       '--workers', '2', *STRIP], REPO, returncode=1)
    assert f'5 samples -> {out}: 3 written, 0 already done, 2 failed' \
        in result.stdout
    missing = osp.join(videos, f'{NO_VIDEO}_rgb.avi')
    assert f'  FAILED {NO_VIDEO}: video not found: {missing}' \
        in result.stdout
    assert f"  FAILED {BROKEN}: cannot read the video of sample " \
        f"'{BROKEN}'" in result.stdout
    assert '5/5' in result.stderr  # the progress bar
    lines = (out / 'failures.txt').read_text().splitlines()
    assert [line.split('\t')[0] for line in lines] == [NO_VIDEO, BROKEN]
    assert lines[0] == f'{NO_VIDEO}\tvideo not found: {missing}'

    assert sorted(strip_files(out)) == [f'{n}.jpg' for n in GOOD]
    for name in GOOD:
        strip = read_rgb(out / f'{name}.jpg')
        assert strip.shape == (24, 120, 3)
        assert shown_white_fraction(strip) > 0.85  # cropped to the person
    settings = json.loads((out / 'strip_settings.json').read_text())
    assert settings == dict(
        strip=dict(type='BuildFrameStrip', num_frames=5,
                   strip_size=[24, 120], crop_margin=0.1,
                   keypoint_key='keypoint_2d', io_backend='decord',
                   layout='tiles', tile_fit='pad',
                   box_key='person_boxes'),
        ext='.jpg', jpeg_quality=95, png_compression=3)

    # the same strips, byte for byte, from one in-process worker
    serial = out.parent / 'serial'
    assert run_main(ann_file, videos, '-o', serial, '--workers', '0',
                    *STRIP) == 1
    assert strip_files(serial) == strip_files(out)


def test_resume_writes_nothing_then_redoes_damage(data, capsys):
    ann_file, videos, out = data
    args = [ann_file, videos, '-o', out, *STRIP]
    assert run_main(*args) == 1
    first = strip_files(out)
    capsys.readouterr()

    assert run_main(*args) == 1
    assert '0 written, 3 already done, 2 failed' in capsys.readouterr().out
    assert strip_files(out) == first

    os.remove(out / f'{GOOD[0]}.jpg')
    (out / f'{GOOD[1]}.jpg').write_bytes(first[f'{GOOD[1]}.jpg'][:100])
    (out / f'.{GOOD[2]}.jpg.a1b2c3d4.tmp').write_bytes(b'partial')
    write_video(osp.join(videos, f'{NO_VIDEO}_rgb.avi'))  # found later
    assert run_main(*args) == 1
    printed = capsys.readouterr().out
    assert ('3 written, 1 already done, 1 failed; 1 written over an '
            'incomplete or wrong-size image; 1 temporary files of an '
            'interrupted run removed') in printed
    assert f'FAILED {NO_VIDEO}' not in printed
    assert {k: v for k, v in strip_files(out).items()
            if k != f'{NO_VIDEO}.jpg'} == first
    assert not list(out.glob('.*.tmp'))
    # the failures file lists this run's failures only
    assert (out / 'failures.txt').read_text().startswith(f'{BROKEN}\t')


def test_split_does_only_its_samples(data, capsys):
    ann_file, videos, out = data
    assert run_main(ann_file, videos, '-o', out, '--split', 'xsub_val',
                    *STRIP) == 0
    assert sorted(strip_files(out)) == [f'{GOOD[1]}.jpg', f'{GOOD[2]}.jpg']
    assert '2 samples (split xsub_val)' in capsys.readouterr().out
    assert (out / 'failures.txt').read_text() == ''
    assert run_main(ann_file, videos, '-o', out, '--split', 'xset_val',
                    *STRIP) == 2
    assert "splits ['xset_val'] are not in" in capsys.readouterr().err


def test_strict_stops_naming_the_sample(data, capsys):
    ann_file, videos, out = data
    assert run_main(ann_file, videos, '-o', out, '--split', 'xsub_train',
                    '--strict', *STRIP) == 2
    err = capsys.readouterr().err
    assert f'error: {NO_VIDEO}: video not found' in err
    assert '--strict' in err


def test_video_pattern_option(data, tmp_path, capsys):
    ann_file, _, out = data
    renamed = tmp_path / 'renamed' / 'setup1'
    renamed.mkdir(parents=True)
    write_video(str(renamed / f'rgb_{GOOD[0]}.avi'))
    assert run_main(ann_file, renamed.parent, '-o', out, '--split',
                    'xsub_train', '--video-pattern', 'setup1/rgb_{name}.avi',
                    '--ext', '.png', *STRIP) == 1
    assert sorted(p.name for p in out.glob('*.png')) == [f'{GOOD[0]}.png']
    # no rectangle in this video: each cropped tile is its frame's solid
    # colour; 20 frames in 5 segments, centres 2, 6, 10, 14, 18
    strip = read_rgb(out / f'{GOOD[0]}.png')
    assert tile_colours(strip, 5) == [2, 6, 10, 14, 18]
    assert run_main(ann_file, renamed.parent, '-o', out,
                    '--video-pattern', 'rgb.avi', *STRIP) == 2
    assert 'no {name} or {filename} field' in capsys.readouterr().err


def test_other_settings_into_the_same_directory_stop(data, capsys):
    ann_file, videos, out = data
    assert run_main(ann_file, videos, '-o', out, '--split', 'xsub_val',
                    *STRIP) == 0
    assert run_main(ann_file, videos, '-o', out, '--split', 'xsub_val',
                    '--crop-margin', '0.3', *STRIP) == 2
    assert 'crop_margin: 0.1 there, 0.3 now' in capsys.readouterr().err


def test_release_layout_and_no_mixing_of_layouts(data, capsys):
    ann_file, videos, out = data
    assert run_main(ann_file, videos, '-o', out, '--split', 'xsub_val',
                    *STRIP) == 0
    # the release layout into a directory of tiles strips stops
    assert run_main(ann_file, videos, '-o', out, '--split', 'xsub_val',
                    '--layout', 'release', '--num-frames', '5') == 2
    err = capsys.readouterr().err
    assert "layout: 'tiles' there, 'release' now" in err
    assert 'strip_size: [24, 120] there, [480, 480] now' in err
    # on its own: the release's 480 x 480 canvas, five 96 x 480 tiles of
    # frames 0, 4, 8, 12, 16 (20 frames, k = 4)
    release = out.parent / 'release'
    assert run_main(ann_file, videos, '-o', release, '--split', 'xsub_val',
                    '--layout', 'release', '--tile-fit', 'stretch') == 0
    strip = read_rgb(release / f'{GOOD[1]}.jpg')
    assert strip.shape == (480, 480, 3)
    assert shown_white_fraction(strip) > 0.85  # each tile: the person
    recorded = json.loads((release / 'strip_settings.json').read_text())
    assert recorded['strip']['layout'] == 'release'
    assert recorded['strip']['strip_size'] == [480, 480]


def test_a_directory_of_an_earlier_version_is_resumed(data, capsys):
    """strip_settings.json of earlier versions (flat keys, 'backend') is
    read as it is: the same settings resume, others stop. Those versions
    made the tiles layout and stretched the crops to their tiles."""
    ann_file, videos, out = data
    out.mkdir()
    legacy = dict(num_frames=5, strip_size=[24, 120], crop_margin=0.1,
                  keypoint_key='keypoint_2d', backend='decord', ext='.jpg',
                  jpeg_quality=95, png_compression=3)
    (out / 'strip_settings.json').write_text(json.dumps(legacy))
    # today's default pads the crops: not the strips there
    assert run_main(ann_file, videos, '-o', out, '--split', 'xsub_val',
                    *STRIP) == 2
    assert "tile_fit: 'stretch' there, 'pad' now" in capsys.readouterr().err
    assert run_main(ann_file, videos, '-o', out, '--split', 'xsub_val',
                    '--tile-fit', 'stretch', *STRIP) == 0
    assert sorted(strip_files(out)) == [f'{GOOD[1]}.jpg', f'{GOOD[2]}.jpg']
    assert json.loads((out / 'strip_settings.json').read_text()) == legacy
    assert run_main(ann_file, videos, '-o', out, '--split', 'xsub_val',
                    '--tile-fit', 'stretch', '--backend', 'opencv',
                    *STRIP) == 2
    assert "io_backend: 'decord' there, 'opencv' now" in \
        capsys.readouterr().err
    (out / 'strip_settings.json').write_text('{"num_frames": 5}')
    assert run_main(ann_file, videos, '-o', out, *STRIP) == 2
    assert 'is not a strip settings file' in capsys.readouterr().err


def test_a_pickle_without_2d_keypoints_is_refused(tmp_path, capsys):
    ann_file = write_ann_file(str(tmp_path / 'ntu60_3d.pkl'),
                              [annotation(GOOD[0])])
    write_video(str(tmp_path / f'{GOOD[0]}_rgb.avi'))
    out = tmp_path / 'strips'
    assert run_main(ann_file, tmp_path, '-o', out, *STRIP) == 2
    assert "has 'keypoint_2d'" in capsys.readouterr().err
    # uncropped whole-frame strips on request
    assert run_main(ann_file, tmp_path, '-o', out,
                    '--allow-missing-keypoints', *STRIP) == 0
    assert read_rgb(out / f'{GOOD[0]}.jpg').shape == (24, 120, 3)


def test_strips_from_the_ntu_converter_output(tmp_path):
    """The converter's key, image size and pixel convention are what the
    tool reads: the tiles land on the person it placed."""
    from ntu_writer import one_actor_frames, skeleton_text

    from mmcl_tools.converters.ntu import skeleton_to_annotation
    name = GOOD[0]
    ann = skeleton_to_annotation(
        skeleton_text(one_actor_frames(20), '\r\n').encode(),
        f'{name}.skeleton')
    assert ann['keypoint_2d'].shape == (1, 20, 25, 2)
    ann_file = write_ann_file(str(tmp_path / 'ntu60_3d.pkl'), [ann])
    # a 16:9 video at 1/30 of 1920x1080, the person's box painted white
    scale = 1920 / 64
    points = ann['keypoint_2d'].reshape(-1, 2) / scale
    x0, y0 = np.floor(points.min(0)).astype(int)
    x1, y1 = np.ceil(points.max(0)).astype(int)
    write_video(str(tmp_path / f'{name}_rgb.avi'), person=True,
                shape=(36, 64), box=(x0, y0, x1, y1))
    out = tmp_path / 'strips'
    assert run_main(ann_file, tmp_path, '-o', out, *STRIP) == 0
    strip = read_rgb(out / f'{name}.jpg')
    # a 5 x 16 px box: the 10 % margin, whole-pixel rounding and the
    # codecs' blur at its edges leave about half of what each tile shows
    # white; the uncropped frame would be 3 % white
    assert shown_white_fraction(strip) > 0.4

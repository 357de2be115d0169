"""mmcl_tools.strips: offline frame strips equal to
BuildFrameStrip's, decoded by seeking, resumable, parallel,
failure-tolerant."""
import json
import os

import cv2
import decord
import numpy as np
import pytest

from mmcl_tools.strips import (StripError, StripSettings, check_settings_file,
                               is_complete_strip, load_annotations,
                               locked_out_dir, make_strips, make_tasks,
                               strip_runner)
from mmcl_plugin.datasets import BuildFrameStrip, MMCLPoseDataset
from mmcl_plugin.datasets.transforms.frame_strip import strip_frame_indices

from strip_videos import (NUM_VIDEO_FRAMES, annotation,  # noqa: E402
                          person_keypoints, read_rgb, shown_white_fraction,
                          tile_colours, whole_frame_keypoints,
                          write_ann_file, write_video)

NAMES = ['S001C001P001R001A001', 'S001C002P002R001A002',
         'S002C001P003R002A003']
SMALL = dict(num_frames=5, strip_size=(24, 120))  # five 24 x 24 tiles


def make_samples(root, names=NAMES, person=False, **ann_kwargs):
    """Videos ``<root>/videos/<name>_rgb.avi`` and their annotations."""
    os.makedirs(root / 'videos', exist_ok=True)
    annotations = []
    for name in names:
        write_video(str(root / 'videos' / f'{name}_rgb.avi'), person=person)
        keypoint_2d = person_keypoints() if person else \
            whole_frame_keypoints()
        annotations.append(annotation(name, keypoint_2d, **ann_kwargs))
    return annotations


def tasks_for(root, annotations, ext='.jpg'):
    return make_tasks(annotations, str(root / 'videos'), str(root / 'out'),
                      ext=ext)


def outputs(root):
    """{file name: bytes} of the strip images."""
    out = root / 'out'
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())
            if not p.name.startswith('.')}


# ------------------------------------------------------- strip contents
@pytest.mark.parametrize('backend', ['decord', 'opencv'])
def test_strip_size_and_tiles_in_time_order(tmp_path, backend):
    annotations = make_samples(tmp_path, NAMES[:1])
    short = annotation(NAMES[1], whole_frame_keypoints(12), total_frames=12)
    write_video(str(tmp_path / 'videos' / f'{NAMES[1]}_rgb.avi'))
    settings = StripSettings(strip=dict(SMALL, io_backend=backend),
                             ext='.png')
    report = make_strips(tasks_for(tmp_path, annotations + [short], '.png'),
                         settings, workers=0)
    assert (report.written, report.failures) == (2, [])

    strip = read_rgb(tmp_path / 'out' / f'{NAMES[0]}.png')
    assert strip.shape == (24, 120, 3)
    # 20 frames in 5 segments of 4: centres 2, 6, 10, 14, 18
    assert tile_colours(strip, 5) == [2, 6, 10, 14, 18]
    # the annotation's 12 frames bound the window: 12 / 5 = 2.4-frame
    # segments, centres 1.2, 3.6, 6, 8.4, 10.8
    assert tile_colours(read_rgb(tmp_path / 'out' / f'{NAMES[1]}.png'),
                        5) == [1, 3, 6, 8, 10]


def test_leftover_columns_stay_black(tmp_path):
    annotations = make_samples(tmp_path, NAMES[:1])
    settings = StripSettings(strip=dict(num_frames=3, strip_size=(20, 64)),
                             ext='.png')
    make_strips(tasks_for(tmp_path, annotations, '.png'), settings, workers=0)
    strip = read_rgb(tmp_path / 'out' / f'{NAMES[0]}.png')
    assert strip.shape == (20, 64, 3)
    assert tile_colours(strip, 3) == list(strip_frame_indices(3, 0, 19))
    assert (strip[:, 63:] == 0).all()  # 64 - 3 * 21 columns


def test_tiles_are_cropped_to_the_person(tmp_path):
    annotations = make_samples(tmp_path, NAMES[:1], person=True)
    make_strips(tasks_for(tmp_path, annotations), StripSettings(strip=SMALL),
                workers=0)
    strip = read_rgb(tmp_path / 'out' / f'{NAMES[0]}.jpg')
    # box (20, 7, 44, 41) around the (20, 8, 44, 40) rectangle: each tile
    # shows it nearly all white (only the top and bottom rows are not),
    # 24 x 34 padded to 17 x 24 in the middle of the 24 x 24 tile
    for i in range(5):
        tile = strip[:, 24 * i:24 * (i + 1)]
        assert shown_white_fraction(tile) > 0.85
        assert tile[:, :2].max() < 40 and tile[:, -2:].max() < 40
    # the same video uncropped: the rectangle is a quarter of the frame
    uncropped = annotation(NAMES[0], whole_frame_keypoints())
    os.remove(tmp_path / 'out' / f'{NAMES[0]}.jpg')
    make_strips(tasks_for(tmp_path, [uncropped]), StripSettings(strip=SMALL),
                workers=0)
    whole = read_rgb(tmp_path / 'out' / f'{NAMES[0]}.jpg')
    assert 0.15 < shown_white_fraction(whole) < 0.4


def pose_dataset(tmp_path, ann_file, **roots):
    return MMCLPoseDataset(
        ann_file=ann_file,
        pipeline=[dict(type='BuildFrameStrip', **SMALL)],
        split='all',
        num_joints=25,
        **roots)


@pytest.mark.parametrize('ext', ['.png', '.jpg'])
def test_precomputed_strips_equal_the_online_strips(tmp_path, ext):
    annotations = make_samples(tmp_path, person=True)
    annotations[1]['keypoint_2d'][0, :, :, 0] += 300  # another box
    ann_file = write_ann_file(str(tmp_path / 'ann.pkl'), annotations)
    report = make_strips(tasks_for(tmp_path, annotations, ext),
                         StripSettings(strip=SMALL, ext=ext), workers=0)
    assert report.written == 3

    online = pose_dataset(tmp_path, ann_file,
                          video_root=str(tmp_path / 'videos'),
                          video_suffix='_rgb.avi')
    offline = pose_dataset(tmp_path, ann_file,
                           strip_root=str(tmp_path / 'out'),
                           strip_suffix=ext)
    for i in range(3):
        from_video = online[i]['frame_strip']
        from_file = offline[i]['frame_strip']
        assert from_file.shape == from_video.shape == (24, 120, 3)
        if ext == '.png':
            np.testing.assert_array_equal(from_file, from_video)
        else:
            # JPEG (quality 95) is lossy; its 4:2:0 chroma blurs the sharp
            # white/colour edges of these tiny strips most
            error = np.abs(from_file.astype(int) - from_video)
            assert error.mean() < 4 and np.median(error) <= 2
    assert not np.array_equal(online[0]['frame_strip'],
                              online[1]['frame_strip'])


# ----------------------------------------------------- decoding by seeking
def test_opencv_decodes_only_the_chosen_frames(tmp_path, monkeypatch):
    annotations = make_samples(tmp_path, NAMES[:1])
    real_capture = cv2.VideoCapture
    calls = dict(seek=[], read=0)

    class CountingCapture:

        def __init__(self, path):
            self.capture = real_capture(path)

        def set(self, prop, value):
            if prop == cv2.CAP_PROP_POS_FRAMES:
                calls['seek'].append(int(value))
            return self.capture.set(prop, value)

        def read(self):
            calls['read'] += 1
            return self.capture.read()

        def __getattr__(self, name):
            return getattr(self.capture, name)

    monkeypatch.setattr(cv2, 'VideoCapture', CountingCapture)
    make_strips(tasks_for(tmp_path, annotations),
                StripSettings(strip=dict(SMALL, io_backend='opencv')),
                workers=0)
    # one seek and one read per strip frame: frames 0, 1, 3, ... are
    # never read
    assert calls == dict(seek=[2, 6, 10, 14, 18], read=5)


def test_decord_decodes_only_the_chosen_frames(tmp_path, monkeypatch):
    annotations = make_samples(tmp_path, NAMES[:1])
    requested = []
    real_get_batch = decord.VideoReader.get_batch

    def spy_get_batch(self, indices):
        requested.append(list(indices))
        return real_get_batch(self, indices)

    def no_full_decode(self, *args, **kwargs):
        raise AssertionError('the whole video was read')

    monkeypatch.setattr(decord.VideoReader, 'get_batch', spy_get_batch)
    monkeypatch.setattr(decord.VideoReader, '__getitem__', no_full_decode)
    monkeypatch.setattr(decord.VideoReader, 'next', no_full_decode)
    make_strips(tasks_for(tmp_path, annotations),
                StripSettings(strip=dict(SMALL, io_backend='decord')),
                workers=0)
    assert requested == [[2, 6, 10, 14, 18]]


# ------------------------------------------------------------- resuming
def test_resume_skips_done_and_redoes_damaged_outputs(tmp_path):
    annotations = make_samples(tmp_path)
    tasks = tasks_for(tmp_path, annotations)
    settings = StripSettings(strip=SMALL)
    assert make_strips(tasks, settings, workers=0).written == 3
    first = outputs(tmp_path)
    mtimes = {n: os.stat(tmp_path / 'out' / n).st_mtime_ns for n in first}

    again = make_strips(tasks, settings, workers=0)
    assert (again.written, again.done, again.failures) == (0, 3, [])
    assert outputs(tmp_path) == first
    assert {n: os.stat(tmp_path / 'out' / n).st_mtime_ns
            for n in first} == mtimes

    out = tmp_path / 'out'
    os.remove(out / f'{NAMES[0]}.jpg')
    truncated = out / f'{NAMES[1]}.jpg'
    truncated.write_bytes(first[truncated.name][:len(first[truncated.name])
                                                // 2])
    stale = out / f'.{NAMES[2]}.jpg.k3j_x9q2.tmp'  # a killed run's
    stale.write_bytes(b'partial')
    foreign = out / '.notes.txt.abcdefgh.tmp'  # not one of ours: kept
    foreign.write_bytes(b'keep')

    redo = make_strips(tasks, settings, workers=0)
    assert (redo.written, redo.replaced, redo.done) == (2, 1, 1)
    assert redo.removed_temp_files == 1
    assert not stale.exists() and foreign.exists()
    assert outputs(tmp_path) == first  # deterministic
    assert '1 written over an incomplete' in redo.summary()


def test_wrong_size_output_is_redone(tmp_path):
    annotations = make_samples(tmp_path, NAMES[:1])
    out = tmp_path / 'out'
    out.mkdir()
    cv2.imwrite(str(out / f'{NAMES[0]}.jpg'),
                np.zeros((10, 10, 3), np.uint8))
    report = make_strips(tasks_for(tmp_path, annotations),
                         StripSettings(strip=SMALL), workers=0)
    assert (report.written, report.replaced) == (1, 1)
    assert read_rgb(out / f'{NAMES[0]}.jpg').shape == (24, 120, 3)


def test_settings_file_refuses_other_settings(tmp_path):
    out = str(tmp_path / 'out')
    os.makedirs(out)
    check_settings_file(out, StripSettings(strip=SMALL))
    check_settings_file(out,
                        StripSettings(strip=SMALL, require_keypoints=False))
    with pytest.raises(ValueError, match=r'crop_margin: 0\.1 there, 0\.2 now'):
        check_settings_file(out,
                            StripSettings(strip=dict(SMALL, crop_margin=0.2)))


def test_settings_hold_the_full_transform_config(tmp_path):
    settings = StripSettings(strip=dict(type='BuildFrameStrip', **SMALL),
                             ext='PNG')
    assert settings.strip == dict(type='BuildFrameStrip', num_frames=5,
                                  strip_size=(24, 120), crop_margin=0.1,
                                  keypoint_key='keypoint_2d',
                                  io_backend='decord', layout='tiles',
                                  tile_fit='pad', box_key='person_boxes')
    assert settings.ext == '.png' and settings.strip_size == (24, 120)
    assert repr(settings.transform()) == repr(BuildFrameStrip(**SMALL))
    out = tmp_path / 'out'
    out.mkdir()
    check_settings_file(str(out), settings)
    recorded = json.loads((out / 'strip_settings.json').read_text())
    assert recorded == settings.identity()
    assert recorded['strip']['strip_size'] == [24, 120]
    # a transform argument an older file does not have
    del recorded['strip']['crop_margin']
    (out / 'strip_settings.json').write_text(json.dumps(recorded))
    with pytest.raises(ValueError,
                       match=r'crop_margin: \(not recorded\) there, 0\.1'):
        check_settings_file(str(out), settings)
    (out / 'strip_settings.json').write_text('{"strip": ')
    with pytest.raises(ValueError, match='strip_settings.json is not valid'):
        check_settings_file(str(out), settings)


def test_settings_before_layouts_were_stretched_tiles(tmp_path):
    """A settings file written before ``layout`` / ``tile_fit`` existed
    holds strips of the tiles layout stretched to their tiles."""
    out = tmp_path / 'out'
    out.mkdir()
    stretched = StripSettings(strip=dict(SMALL, tile_fit='stretch'))
    check_settings_file(str(out), stretched)
    recorded = json.loads((out / 'strip_settings.json').read_text())
    del recorded['strip']['layout'], recorded['strip']['tile_fit']
    del recorded['strip']['box_key']  # before person boxes, too
    (out / 'strip_settings.json').write_text(json.dumps(recorded))
    check_settings_file(str(out), stretched)  # the same strips
    with pytest.raises(ValueError, match="box_key: 'person_boxes' there, "
                       'None'):
        check_settings_file(str(out), StripSettings(
            strip=dict(SMALL, tile_fit='stretch', box_key=None)))
    with pytest.raises(ValueError, match="tile_fit: 'stretch' there, 'pad'"):
        check_settings_file(str(out), StripSettings(strip=SMALL))
    with pytest.raises(ValueError, match="layout: 'tiles' there, 'release'"):
        check_settings_file(str(out), StripSettings(
            strip=dict(SMALL, layout='release', tile_fit='stretch')))


def test_a_second_run_cannot_use_a_locked_directory(tmp_path):
    with locked_out_dir(str(tmp_path / 'out')):
        # flock locks are per open file: a second open in this process
        # conflicts like another process would
        with pytest.raises(RuntimeError, match='another run'):
            with locked_out_dir(str(tmp_path / 'out')):
                pass
    with locked_out_dir(str(tmp_path / 'out')):  # released
        pass


# ------------------------------------------------------------- parallel
def test_workers_write_the_same_bytes(tmp_path):
    annotations = make_samples(tmp_path, person=True)
    settings = StripSettings(strip=SMALL)
    make_strips(tasks_for(tmp_path, annotations), settings, workers=1)
    one = outputs(tmp_path)
    for name in one:
        os.remove(tmp_path / 'out' / name)
    report = make_strips(tasks_for(tmp_path, annotations), settings,
                         workers=2)
    assert report.written == 3 and outputs(tmp_path) == one
    assert len(one) == 3


@pytest.mark.timeout(60)
def test_workers_start_after_opencv_ran_its_threads_here(tmp_path):
    """A forked worker cannot change OpenCV's thread count once this
    process had OpenCV's thread pool running (it waited forever): the
    count is set before the fork and restored afterwards."""
    threads = cv2.getNumThreads()
    cv2.setNumThreads(2)
    try:
        # large enough for OpenCV to run it on its thread pool
        cv2.cvtColor(np.zeros((480, 480, 3), np.uint8), cv2.COLOR_BGR2RGB)
        annotations = make_samples(tmp_path, names=NAMES[:1], person=True)
        report = make_strips(tasks_for(tmp_path, annotations),
                             StripSettings(strip=SMALL), workers=1)
        assert report.written == 1
        assert cv2.getNumThreads() == 2
    finally:
        cv2.setNumThreads(threads)


def crash_on(name):
    real_build = strip_runner.build_strip

    def build(task, settings):
        if task.name == name:
            os._exit(3)  # as a segfaulting decoder would
        return real_build(task, settings)

    return build


def die_once_while_writing(tmp_path, name, after_writing):
    """A write_strip whose first attempt for ``name`` kills its worker,
    mid-write (a temporary file left) or after writing (result lost)."""
    real_write = strip_runner.write_strip
    marker = tmp_path / f'{name}.attempted'

    def write(path, strip, settings):
        first = not marker.exists() and name in path
        if first:
            marker.touch()  # a worker killed before this retries cleanly
        if first and after_writing:
            real_write(path, strip, settings)
            os._exit(3)
        if first:
            with strip_runner.atomic_write(path) as f:
                f.write(b'partial')
                os._exit(3)
        real_write(path, strip, settings)

    return write


def test_a_crashing_worker_is_pinned_on_its_sample(tmp_path, monkeypatch):
    annotations = make_samples(tmp_path)
    make_strips(tasks_for(tmp_path, annotations), StripSettings(strip=SMALL),
                workers=0)
    clean = outputs(tmp_path)
    for name in clean:
        os.remove(tmp_path / 'out' / name)
    # the workers are forked, so they see the patched functions
    monkeypatch.setattr(strip_runner, 'build_strip', crash_on(NAMES[1]))
    report = make_strips(tasks_for(tmp_path, annotations),
                         StripSettings(strip=SMALL), workers=2)
    assert (report.written, report.done) == (2, 0)
    assert report.failures == [(NAMES[1], strip_runner.WORKER_DIED)]
    assert outputs(tmp_path) == {n: clean[n] for n in (f'{NAMES[0]}.jpg',
                                                       f'{NAMES[2]}.jpg')}


@pytest.mark.parametrize('after_writing', [False, True])
def test_workers_killed_while_writing(tmp_path, monkeypatch, after_writing):
    annotations = make_samples(tmp_path)
    monkeypatch.setattr(
        strip_runner, 'write_strip',
        die_once_while_writing(tmp_path, NAMES[2], after_writing))
    report = make_strips(tasks_for(tmp_path, annotations),
                         StripSettings(strip=SMALL), workers=2)
    # the retry succeeds; a strip the killed worker wrote but could not
    # report counts as written, its temporary file is removed
    assert (report.written, report.done, report.failures) == (3, 0, [])
    assert sorted(os.listdir(tmp_path / 'out')) == [f'{n}.jpg' for n in NAMES]
    assert is_complete_strip(str(tmp_path / 'out' / f'{NAMES[2]}.jpg'),
                                    SMALL['strip_size'])


# ------------------------------------------------------------- failures
def test_failures_are_named_and_the_run_goes_on(tmp_path):
    annotations = make_samples(tmp_path)
    os.remove(tmp_path / 'videos' / f'{NAMES[0]}_rgb.avi')
    (tmp_path / 'videos' / f'{NAMES[1]}_rgb.avi').write_bytes(b'garbage' * 50)
    annotations.append(annotation('S003C001P001R001A004'))  # no 2-D points
    write_video(str(tmp_path / 'videos' / 'S003C001P001R001A004_rgb.avi'))
    progress = []

    class Bar:

        def __init__(self, total):
            progress.append(total)

        def update(self, n):
            progress.append(n)

        def set_postfix_str(self, text, refresh=True):
            pass

        def close(self):
            progress.append('closed')

    report = make_strips(tasks_for(tmp_path, annotations),
                         StripSettings(strip=SMALL), workers=0, progress=Bar)
    assert report.written == 1
    assert progress == [4, 1, 1, 1, 1, 'closed']
    reasons = dict(report.failures)
    assert [name for name, _ in report.failures] == sorted(
        [NAMES[0], NAMES[1], 'S003C001P001R001A004'])
    missing = str(tmp_path / 'videos' / f'{NAMES[0]}_rgb.avi')
    assert reasons[NAMES[0]] == f'video not found: {missing}'
    assert reasons[NAMES[1]].startswith(
        f"cannot read the video of sample '{NAMES[1]}'")
    assert f'{NAMES[1]}_rgb.avi' in reasons[NAMES[1]]
    assert reasons['S003C001P001R001A004'] == \
        "the annotation has no 'keypoint_2d'"
    assert outputs(tmp_path) == {
        f'{NAMES[2]}.jpg': (tmp_path / 'out' / f'{NAMES[2]}.jpg').read_bytes()
    }

    # without require_keypoints the sample gets whole-frame tiles, as
    # BuildFrameStrip makes them online
    lenient = make_strips(tasks_for(tmp_path, annotations),
                          StripSettings(strip=SMALL, require_keypoints=False),
                          workers=0)
    assert lenient.written == 1 and len(lenient.failures) == 2


def test_a_damaged_output_whose_video_fails_is_removed(tmp_path):
    annotations = make_samples(tmp_path, NAMES[:1])
    out = tmp_path / 'out'
    out.mkdir()
    (out / f'{NAMES[0]}.jpg').write_bytes(b'\xff\xd8cut short')
    os.remove(tmp_path / 'videos' / f'{NAMES[0]}_rgb.avi')
    report = make_strips(tasks_for(tmp_path, annotations),
                         StripSettings(strip=SMALL), workers=0)
    assert report.failures[0][0] == NAMES[0]
    assert not (out / f'{NAMES[0]}.jpg').exists()


@pytest.mark.parametrize('workers', [0, 2])
def test_strict_stops_at_the_first_failure(tmp_path, workers):
    annotations = make_samples(tmp_path)
    os.remove(tmp_path / 'videos' / f'{NAMES[0]}_rgb.avi')
    with pytest.raises(StripError, match=f'^{NAMES[0]}: video not found'):
        make_strips(tasks_for(tmp_path, annotations),
                    StripSettings(strip=SMALL),
                    workers=workers, strict=True)


# ------------------------------------------------------- tasks, options
def test_tasks_follow_the_video_pattern_and_splits(tmp_path):
    annotations = [annotation(n, whole_frame_keypoints()) for n in NAMES]
    ann_file = write_ann_file(
        str(tmp_path / 'ann.pkl'), annotations,
        dict(xsub_train=NAMES[:2], xsub_val=NAMES[2:]))
    assert [a['frame_dir'] for a in load_annotations(ann_file)] == NAMES
    val = load_annotations(ann_file, ['xsub_val'])
    assert [a['frame_dir'] for a in val] == NAMES[2:]
    with pytest.raises(KeyError, match='xview_val.*xsub_train'):
        load_annotations(ann_file, ['xview_val'])

    task, = make_tasks(val, '/videos', '/strips', 'rgb/{name}.mp4', 'PNG')
    assert task.video_path == f'/videos/rgb/{NAMES[2]}.mp4'
    assert task.out_path == f'/strips/{NAMES[2]}.png'
    assert task.keypoint_shape == (1080, 1920)
    assert task.total_frames == NUM_VIDEO_FRAMES
    for pattern in ['{name', 'fixed.avi', '{name}_{camera}.avi']:
        with pytest.raises(ValueError, match='pattern'):
            make_tasks(val, '/videos', '/strips', pattern)


def test_repeated_sample_names_are_refused(tmp_path):
    ann_file = write_ann_file(str(tmp_path / 'ann.pkl'),
                              [annotation(NAMES[0]), annotation(NAMES[0])])
    with pytest.raises(ValueError, match=NAMES[0]):
        load_annotations(ann_file)


@pytest.mark.parametrize('kwargs, message', [
    (dict(strip=dict(num_frames=0)), 'num_frames'),
    (dict(strip=dict(strip_size=(24, 3))), 'smaller than num_frames'),
    (dict(strip=dict(crop_margin=-1)), 'crop_margin'),
    (dict(strip=dict(io_backend='ffmpeg')), 'io_backend'),
    (dict(strip=dict(type='Resize')), "type='Resize'"),
    (dict(strip=dict(frames=5)), 'frames'),
    (dict(ext='.bmp'), 'image format'),
    (dict(jpeg_quality=101), 'jpeg_quality'),
])
def test_invalid_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        StripSettings(**kwargs)


def test_a_file_without_its_trailer_counts_as_cut_short(
        tmp_path, monkeypatch):
    path = tmp_path / 'strip.jpg'
    ok, data = cv2.imencode('.jpg', np.zeros((24, 120, 3), np.uint8))
    path.write_bytes(data.tobytes())
    assert is_complete_strip(str(path), (24, 120))
    assert not is_complete_strip(str(path), (24, 100))
    # some libjpeg builds return an image for a file cut short; the
    # missing end-of-image marker still tells
    monkeypatch.setattr(cv2, 'imdecode',
                        lambda *args: np.zeros((24, 120, 3), np.uint8))
    path.write_bytes(data.tobytes()[:-2])
    assert not is_complete_strip(str(path), (24, 120))
    assert not is_complete_strip(str(tmp_path / 'absent.jpg'),
                                        (24, 120))

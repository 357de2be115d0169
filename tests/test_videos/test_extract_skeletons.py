"""tools/data/videos/extract_skeletons.py on short cuts of the real clips:
the pickle, failures named, resume, kill, shards, strict, settings, very
large and portrait videos."""
import contextlib
import io
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from pose_videos import (read_frames, real_video, solid_video, write_cut,
                         write_mjpg)

from mmcl_plugin.utils import load_pickle
from mmcl_tools.videos import extraction_run
from mmcl_tools.videos.cli import main
from mmcl_tools.videos.extraction_run import (ExtractSettings, merge_results,
                                              result_path, run_extraction,
                                              shard_of, work_dir_for)
from mmcl_tools.videos.video_list import load_video_list

pytestmark = pytest.mark.real_data
FRAMES = 3


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    """Class folders (a space, a non-ASCII name, the same file name in
    two classes) holding 3-frame cuts of the real clips, one broken file
    and one video without a person."""
    root = tmp_path_factory.mktemp('own videos')
    for folder in ('hand shake', 'ball game', 'überkreuz'):
        (root / folder).mkdir()
    write_cut(real_video('demo_skeleton.mp4'),
              str(root / 'hand shake' / 'clip.avi'), FRAMES, scale=0.5)
    write_cut(real_video('test_video_structuralize.mp4'),
              str(root / 'ball game' / 'clip.avi'), FRAMES)
    write_cut(real_video('demo.mp4'), str(root / 'überkreuz' / 'clip.avi'),
              FRAMES)
    (root / 'ball game' / 'broken.avi').write_bytes(b'not a video' * 50)
    solid_video(str(root / 'überkreuz' / 'empty room.avi'))
    return root


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture(scope='module')
def first_run(dataset, tmp_path_factory):
    """The tool run once over the dataset with two workers."""
    out = tmp_path_factory.mktemp('out') / 'own.pkl'
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), \
            contextlib.redirect_stderr(io.StringIO()), \
            pytest.raises(SystemExit) as info:
        main([str(dataset), '-o', str(out), '--workers', '2',
              '--val-ratio', '0.5', '--seed', '1'])
    return out, info.value.code, stdout.getvalue()


def test_pickle_content(first_run, dataset):
    out, code, stdout = first_run
    assert code == 1  # two videos failed
    data = load_pickle(str(out))
    assert data['classes'] == ['ball game', 'hand shake', 'überkreuz']
    assert (out.parent / 'classes.txt').read_text(
        encoding='utf-8').splitlines() == data['classes']
    by_name = {a['frame_dir']: a for a in data['annotations']}
    assert sorted(by_name) == ['ball game__clip', 'hand shake__clip',
                               'überkreuz__clip']
    # the split names videos by filename, as mmaction2's PoseDataset
    # selects them when the annotations have one
    assert sorted(sum(data['split'].values(), [])) == sorted(
        a['filename'] for a in data['annotations'])
    shapes = {'hand shake__clip': (540, 960), 'ball game__clip': (240, 426),
              'überkreuz__clip': (256, 340)}
    for name, ann in by_name.items():
        m = ann['keypoint'].shape[0]
        assert 1 <= m <= 2
        assert ann['keypoint'].shape == (m, FRAMES, 17, 2)
        assert ann['keypoint_score'].shape == (m, FRAMES, 17)
        assert ann['person_boxes'].shape == (m, FRAMES, 4)
        for key in ('keypoint', 'keypoint_score', 'person_boxes'):
            assert ann[key].dtype == np.float32
        assert ann['total_frames'] == FRAMES
        assert ann['img_shape'] == ann['original_shape'] == shapes[name]
        assert ann['filename'] == name.replace('__', '/') + '.avi'
        assert ann['label'] == data['classes'].index(name.split('__')[0])
        assert ann['fps'] == pytest.approx(25)
        height, width = ann['img_shape']
        # in the video's own pixels (the close-up's cut-off legs are
        # placed below the frame, some with a high score: 87 % inside)
        kpt = ann['keypoint'][ann['keypoint_score'] > 0.5]
        inside = (kpt >= -0.05 * width).all(-1) & \
            (kpt[:, 0] <= 1.05 * width) & (kpt[:, 1] <= 1.05 * height)
        assert len(kpt) > 10 and \
            inside.mean() > (0.75 if name == 'überkreuz__clip' else 0.95)
    assert by_name['hand shake__clip']['keypoint'].shape[0] == 2


def test_mmaction_pose_dataset_reads_it(first_run):
    """The pickle through mmaction2's PoseDataset and a COCO-17 2-D
    pipeline, every split."""
    from mmaction.registry import DATASETS
    out, _, _ = first_run
    data = load_pickle(str(out))
    pipeline = [
        dict(type='PreNormalize2D'),
        dict(type='GenSkeFeat', dataset='coco', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=4),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    for split, names in data['split'].items():
        dataset = DATASETS.build(
            dict(type='PoseDataset', ann_file=str(out), pipeline=pipeline,
                 split=split))
        assert len(dataset) == len(names)
        for i in range(len(dataset)):
            sample = dataset[i]
            assert tuple(sample['inputs'].shape) == (1, 2, 4, 17, 3)
            assert int(sample['data_samples'].gt_label) == \
                dataset.get_data_info(i)['label']


def test_failures_are_named(first_run):
    _, _, stdout = first_run
    assert 'FAILED ball game__broken' in stdout and 'broken.avi: not a ' \
        'readable video' in stdout
    assert 'FAILED überkreuz__empty room' in stdout and \
        'no person found in any of its 4 frames' in stdout
    assert 'missing from the pickle (2)' in stdout


def test_rerun_resumes(first_run, dataset, capsys):
    out, _, _ = first_run
    work = work_dir_for(str(out))
    samples, _ = load_video_list(str(dataset))
    done = {s.frame_dir: result_path(work, s) for s in samples
            if osp.isfile(result_path(work, s))}
    assert len(done) == 3
    mtimes = {k: os.stat(p).st_mtime_ns for k, p in done.items()}
    # one result lost, and a temporary file a killed run left behind
    os.remove(done['ball game__clip'])
    stale = osp.join(osp.dirname(done['ball game__clip']),
                     '.x.pkl.abcdefgh.tmp')
    open(stale, 'wb').write(b'half')
    code, stdout, _ = run_cli(capsys, dataset, '-o', out, '--val-ratio',
                              '0.5', '--seed', '1')
    assert code == 1
    assert 'written 1, already done 2, failed 2' in stdout
    assert not osp.exists(stale)
    for name in ('hand shake__clip', 'überkreuz__clip'):
        assert os.stat(done[name]).st_mtime_ns == mtimes[name]
    assert len(load_pickle(str(out))['annotations']) == 3


def test_merged_labels_are_the_current_lists(first_run, dataset, tmp_path):
    """A class added before the others renumbers them: merging the kept
    result files gives this run's labels and names, not the stored ones."""
    import dataclasses
    out, _, _ = first_run
    samples, classes = load_video_list(str(dataset))
    done = [s for s in samples
            if osp.isfile(result_path(work_dir_for(str(out)), s))]
    stored = {a['frame_dir']: a['label']
              for a in load_pickle(str(out))['annotations']}
    shifted = [dataclasses.replace(s, label=s.label + 1) for s in done]
    target = tmp_path / out.name
    shutil.copytree(work_dir_for(str(out)), work_dir_for(str(target)))
    data, missing = merge_results(shifted, ['aaa'] + list(classes),
                                  str(target))
    assert missing == []
    assert data['classes'][0] == 'aaa'
    for sample, annotation in zip(shifted, data['annotations']):
        assert annotation['label'] == sample.label
        assert annotation['label'] == stored[sample.frame_dir] + 1
        assert annotation['filename'] == sample.filename


def test_other_settings_are_refused(first_run, dataset, capsys):
    out, _, _ = first_run
    code, _, err = run_cli(capsys, dataset, '-o', out, '--layout', 'ntu25')
    assert code == 2 and 'other settings' in err and "'layout'" in err


def test_kill_mid_run_loses_nothing(dataset, tmp_path, monkeypatch):
    samples, _ = load_video_list(str(dataset))
    samples = [s for s in samples if s.frame_dir.endswith('clip')]
    out = str(tmp_path / 'own.pkl')
    real = extraction_run.extract_video
    calls = []

    def killed_after_one(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt  # the run is killed on the 2nd video
        calls.append(1)
        return real(*args, **kwargs)

    settings = ExtractSettings(max_frames=2)
    monkeypatch.setattr(extraction_run, 'extract_video', killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        run_extraction(samples, out, settings)
    monkeypatch.setattr(extraction_run, 'extract_video', real)
    report = run_extraction(samples, out, settings)
    assert (report.written, report.done, report.failures) == (2, 1, [])


def test_unexpected_errors_fail_only_their_video(dataset, tmp_path,
                                                 monkeypatch):
    samples, _ = load_video_list(str(dataset))
    sample = [s for s in samples if s.frame_dir == 'hand shake__clip'][0]

    def crash(*args, **kwargs):
        raise ZeroDivisionError('inside the decoder')

    monkeypatch.setattr(extraction_run, 'extract_video', crash)
    name, status, reason, _ = extraction_run.extract_sample(
        sample, str(tmp_path / 'r.pkl'), ExtractSettings())
    assert (name, status) == ('hand shake__clip', 'failed')
    assert reason == f'{sample.path}: ZeroDivisionError: inside the decoder'
    assert not (tmp_path / 'r.pkl').exists()


def test_strict_stops_at_the_first_failure(dataset, tmp_path, capsys):
    code, _, err = run_cli(capsys, dataset, '-o', tmp_path / 'o.pkl',
                           '--strict', '--max-frames', '1')
    assert code == 2 and 'ball game__broken' in err
    assert not (tmp_path / 'o.pkl').exists()


def test_shards_merge_when_all_are_done(dataset, tmp_path, capsys,
                                        monkeypatch):
    videos = tmp_path / 'videos'
    shutil.copytree(dataset, videos)
    os.remove(videos / 'ball game' / 'broken.avi')
    os.remove(videos / 'überkreuz' / 'empty room.avi')
    out = tmp_path / 'own.pkl'
    args = (videos, '-o', out, '--max-frames', '1', '--layout', 'ntu25')
    monkeypatch.setenv('WORLD_SIZE', '2')
    monkeypatch.setenv('RANK', '1')
    code, stdout, _ = run_cli(capsys, *args)
    assert code == 0 and 'shard 1 of 2: written 1' in stdout
    assert not out.exists()
    code, stdout, _ = run_cli(capsys, *args, '--shard', '0')
    assert code == 0 and 'shard 0 of 2: written 2' in stdout
    data = load_pickle(str(out))
    assert len(data['annotations']) == 3
    for ann in data['annotations']:
        m = ann['keypoint'].shape[0]
        assert ann['keypoint'].shape == (m, 1, 25, 3)
        assert ann['keypoint_2d'].shape == (m, 1, 25, 2)
        assert ann['joint_score'].shape == (m, 1, 25)
        assert 'keypoint_score' not in ann
    # NTU-layout skeletons through mmaction2's 3-D pipeline
    from mmaction.registry import DATASETS
    pipeline = [
        dict(type='PreNormalize3D'),
        dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=2),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    assert data['split'] == {'train': sorted(
        a['filename'] for a in data['annotations'])}  # 1 video a class
    dataset = DATASETS.build(
        dict(type='PoseDataset', ann_file=str(out), pipeline=pipeline,
             split='train'))
    assert tuple(dataset[0]['inputs'].shape) == (1, 2, 2, 25, 3)


def test_start_up_errors(dataset, tmp_path, capsys):
    code, _, err = run_cli(capsys, dataset, '-o', tmp_path / 'o.pkl',
                           '--backend', 'mmpose', '--layout', 'ntu25')
    assert code == 2 and "backend 'mmpose' gives 'coco17'" in err
    code, _, err = run_cli(capsys, dataset, '-o', tmp_path / 'o.pkl',
                           '--backend', 'mmpose')
    assert code == 2 and 'the mmpose backend needs' in err
    code, _, err = run_cli(capsys, dataset, '-o', tmp_path / 'o.pkl',
                           '--backend', 'openpose')
    assert code == 2 and "unknown --backend 'openpose'" in err
    (tmp_path / 'in' / 'sit').mkdir(parents=True)
    code, _, err = run_cli(capsys, tmp_path / 'in', '-o', tmp_path / 'o.pkl')
    assert code == 2 and "without videos: 'sit'" in err
    assert not (tmp_path / 'o.pkl').exists()
    # nothing was extracted: other settings are welcome on the next run
    assert not (tmp_path / 'o.work' / 'settings.json').exists()


def test_shard_from_the_environment(monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'SLURM_PROCID', 'SLURM_NTASKS'):
        monkeypatch.delenv(key, raising=False)
    assert shard_of() == (0, 1)
    monkeypatch.setenv('SLURM_PROCID', '2')
    monkeypatch.setenv('SLURM_NTASKS', '4')
    assert shard_of() == (2, 4)
    assert shard_of(1, 3) == (1, 3)
    with pytest.raises(ValueError, match='shard 4 of 4'):
        shard_of(4)


def test_very_large_and_portrait_videos(tmp_path):
    """A 4K upscale gives the 1080p keypoints times 2 (the frame is
    downscaled for the models, the coordinates are the video's); a
    portrait crop keeps its upright shape."""
    from mmcl_tools.pose import build_pose_backend
    from mmcl_tools.videos import extract_video
    src = real_video('demo_skeleton.mp4')
    backend = build_pose_backend('blazepose')
    frames = read_frames(src, 1)
    hd = write_mjpg(str(tmp_path / 'hd.avi'), frames)
    uhd = write_cut(src, str(tmp_path / 'uhd.avi'), 1, scale=2.0)
    small = extract_video(hd, backend)
    large = extract_video(uhd, backend)
    assert large['img_shape'] == (2160, 3840)
    order = np.argsort(small['keypoint'][:, 0, 0, 0])
    order_large = np.argsort(large['keypoint'][:, 0, 0, 0])
    height = np.ptp(small['keypoint'][order, 0, :, 1], axis=-1)
    error = np.abs(large['keypoint'][order_large, 0] / 2 -
                   small['keypoint'][order, 0]).mean((-1, -2))
    assert (error < 0.02 * height).all(), (error, height)
    portrait = write_cut(src, str(tmp_path / 'portrait.avi'), 1,
                         crop=(880, 0, 1360, 1080))
    ann = extract_video(portrait, backend)
    assert ann['img_shape'] == (1080, 480)
    best = ann['keypoint_score'][:, 0].mean(-1).argmax()
    kpt = ann['keypoint'][best, 0]
    assert 0 <= kpt[:, 0].min() and kpt[:, 0].max() <= 480
    assert np.ptp(kpt[:, 1]) > 400  # a whole standing person

import os
import os.path as osp
import zipfile

import numpy as np
import pytest
from ntu_writer import (one_actor_frames, skeleton_text, standing_body,
                        wide_body, write_skeleton)

from mmcl_tools.converters.ntu import (NTU60_XSUB_TRAIN_SUBJECTS,
                                       NTU120_XSUB_TRAIN_SUBJECTS,
                                       NTUFormatError, benchmark_split,
                                       convert_ntu, parse_missing_list,
                                       parse_name, parse_skeleton,
                                       skeleton_to_annotation)


def annotation_of(frames, name='S001C001P001R001A001', **kwargs):
    raw = skeleton_text(frames, '\r\n').encode()
    return skeleton_to_annotation(raw, name + '.skeleton', **kwargs)


def test_parsed_values_equal_the_written_ones_with_crlf_and_empty_frames():
    frames = one_actor_frames(6, empty=(2, 3))
    ann = annotation_of(frames, 'S002C003P004R001A013')
    assert ann['frame_dir'] == 'S002C003P004R001A013'
    assert ann['label'] == 12
    assert ann['img_shape'] == (1080, 1920)
    assert ann['total_frames'] == 6
    assert ann['keypoint'].shape == (1, 6, 25, 3)
    assert ann['keypoint'].dtype == np.float32
    assert ann['keypoint_2d'].shape == (1, 6, 25, 2)
    for t, bodies in enumerate(frames):
        if not bodies:  # frames without a body stay, as zeros
            assert not ann['keypoint'][0, t].any()
            continue
        rows = bodies[0][1]
        np.testing.assert_allclose(ann['keypoint'][0, t], rows[:, :3],
                                   atol=1e-6)
        np.testing.assert_allclose(ann['keypoint_2d'][0, t], rows[:, 5:7],
                                   atol=1e-3)


def test_a_label_needs_an_official_name_unless_not_required():
    frames = one_actor_frames(4)
    with pytest.raises(ValueError):
        annotation_of(frames, 'my_recording')
    unlabelled = annotation_of(frames, 'my_recording', require_label=False)
    labelled = annotation_of(frames, 'S001C001P001R001A023',
                             require_label=False)
    assert 'label' not in unlabelled and labelled['label'] == 22
    assert unlabelled['frame_dir'] == 'my_recording'
    np.testing.assert_array_equal(unlabelled['keypoint'],
                                  labelled['keypoint'])


def test_drop_empty_frames():
    ann = annotation_of(one_actor_frames(6, empty=(0, 4)),
                        drop_empty_frames=True)
    assert ann['total_frames'] == 4
    assert ann['keypoint'].shape == (1, 4, 25, 3)
    assert ann['keypoint'][0].any(axis=(1, 2)).all()


def test_two_actors_ordered_by_motion():
    rng = np.random.default_rng(1)
    still = [standing_body(rng, -1.0, motion=0.0) for _ in range(20)]
    moving = [standing_body(rng, 1.0, motion=0.3) for _ in range(20)]
    frames = [[('1', still[t]), ('2', moving[t])] for t in range(20)]
    ann = annotation_of(frames)
    assert ann['keypoint'].shape == (2, 20, 25, 3)
    # the most moving body is actor 1
    np.testing.assert_allclose(ann['keypoint'][0, 5], moving[5][:, :3],
                               atol=1e-6)
    np.testing.assert_allclose(ann['keypoint'][1, 5], still[5][:, :3],
                               atol=1e-6)


def test_noisy_bodies_are_dropped_and_at_most_two_actors_kept():
    rng = np.random.default_rng(2)
    frames = []
    for t in range(30):
        bodies = [('person_a', standing_body(rng, -1.0, 0.2)),
                  ('person_b', standing_body(rng, 1.0, 0.1)),
                  ('table', wide_body(rng))]  # spread: wider than tall
        if t < 5:  # a short-lived ghost: 5 frames <= 11
            bodies.append(('ghost', standing_body(rng, 0.0, 1.0)))
        frames.append(bodies)
    ann = annotation_of(frames)
    assert ann['keypoint'].shape[0] == 2
    kept = sorted(ann['keypoint'][:, 10].tolist())
    expected = sorted(frames[10][i][1][:, :3].astype(np.float32).tolist()
                      for i in (0, 1))
    assert kept == expected  # person_a and person_b, not the noise


def test_a_body_whose_id_changes_midway_stays_one_actor():
    rng = np.random.default_rng(3)
    frames = [[('first' if t < 15 else 'second', standing_body(rng))]
              for t in range(30)]
    ann = annotation_of(frames)
    assert ann['keypoint'].shape == (1, 30, 25, 3)
    assert ann['keypoint'][0].any(axis=(1, 2)).all()


@pytest.mark.parametrize('mutate, message', [
    (lambda lines: lines[:40], 'line 41: unexpected end of file'),
    (lambda lines: lines[:5] + ['1 2 3'] + lines[6:],
     'line 6: expected 12 joint fields, got 3'),
    (lambda lines: lines[:5] + [lines[5].replace('0.', 'x.', 1)] +
     lines[6:], 'line 6: joint 2: could not convert'),
    (lambda lines: ['three'] + lines[1:], 'line 1: expected a frame count'),
    (lambda lines: lines + ['junk'], 'unexpected content after the last'),
    (lambda lines: lines[:5] + [lines[5].replace(
        lines[5].split()[0], 'nan', 1)] + lines[6:],
     'line 6: x, y, z are not all finite'),
])
def test_malformed_files_name_the_file_and_line(mutate, message):
    lines = skeleton_text(one_actor_frames(3)).splitlines()
    raw = '\r\n'.join(mutate(lines)).encode()
    with pytest.raises(NTUFormatError) as error:
        parse_skeleton(raw, 'S001C001P001R001A001.skeleton')
    assert 'S001C001P001R001A001.skeleton' in str(error.value)
    assert message in str(error.value)


def test_wrong_joint_count_and_no_body_are_errors():
    text = skeleton_text(one_actor_frames(2), joint_count={1: 20})
    with pytest.raises(NTUFormatError,
                       match='line 32: expected 25 joints, got 20'):
        parse_skeleton(text.encode(), 'x.skeleton')
    with pytest.raises(NTUFormatError, match='no body in any of its 3'):
        annotation_of(one_actor_frames(3, empty=(0, 1, 2)))


def test_names_and_official_splits():
    assert parse_name('S017C002P040R002A060.skeleton') == dict(
        setup=17, camera=2, subject=40, replication=2, action=60)
    with pytest.raises(NTUFormatError, match='expected a name like'):
        parse_name('S01C002P040R002A060')
    names = [f'S001C00{c}P{p:03d}R001A001' for c in (1, 2, 3)
             for p in (1, 3)]
    split = benchmark_split(names, 'ntu60')
    # performer 1 trains, 3 validates; camera 1 validates in cross-view
    assert split['xsub_train'] == [n for n in names if 'P001' in n]
    assert split['xsub_val'] == [n for n in names if 'P003' in n]
    assert split['xview_val'] == [n for n in names if 'C001' in n]
    assert sorted(split['xview_train']) == sorted(
        n for n in names if 'C001' not in n)
    assert len(NTU60_XSUB_TRAIN_SUBJECTS) == 20
    assert len(NTU120_XSUB_TRAIN_SUBJECTS) == 53
    names = [f'S{s:03d}C001P045R001A100' for s in (18, 19)]
    split = benchmark_split(names, 'ntu120')
    assert split['xset_train'] == [names[0]] and split['xset_val'] == [
        names[1]]
    assert split['xsub_train'] == names  # performer 45 trains in NTU120


def test_missing_list_parsing():
    text = ('Samples with missing skeletons\r\n\r\nS001C002P005R002A008\r\n'
            'S001C002P006R001A008.skeleton\n')
    assert parse_missing_list(text) == {'S001C002P005R002A008',
                                        'S001C002P006R001A008'}


def make_dataset(folder):
    """Five files: 3 good NTU60 ones, one NTU120-only, one missing, one
    truncated."""
    folder.mkdir()
    names = ['S001C001P001R001A001', 'S001C002P003R001A002',
             'S002C003P002R002A060']
    for i, name in enumerate(names):
        write_skeleton(str(folder / f'{name}.skeleton'),
                       one_actor_frames(4 + i, seed=i))
    write_skeleton(str(folder / 'S018C001P045R001A061.skeleton'),
                   one_actor_frames(3))
    write_skeleton(str(folder / 'S001C001P001R001A005.skeleton'),
                   one_actor_frames(3, empty=(0, 1, 2)))
    text = skeleton_text(one_actor_frames(3), '\r\n')
    (folder / 'S001C001P002R001A003.skeleton').write_text(text[:500])
    return names


def test_convert_folder_reports_failures_and_skips(tmp_path):
    names = make_dataset(tmp_path / 'ntu')
    content, failures, skipped = convert_ntu(
        [str(tmp_path / 'ntu')], 'ntu60', missing={'S001C001P001R001A005'})
    assert [a['frame_dir'] for a in content['annotations']] == names
    assert skipped == dict(missing=['S001C001P001R001A005'],
                           other_benchmark=['S018C001P045R001A061'])
    assert len(failures) == 1
    # cut mid-line: the last, partial joint line is the one named
    assert failures[0].startswith(
        'S001C001P002R001A003.skeleton line 8: expected 12 joint fields')
    # performers 1 and 2 train, 3 validates; camera 1 validates
    assert content['split']['xsub_train'] == [names[0], names[2]]
    assert content['split']['xsub_val'] == [names[1]]
    assert content['split']['xview_val'] == [names[0]]
    with pytest.raises(NTUFormatError, match='S001C001P002R001A003'):
        convert_ntu([str(tmp_path / 'ntu')], 'ntu60', strict=True,
                    missing={'S001C001P001R001A005'})


def test_zip_and_workers_give_the_same_result(tmp_path):
    make_dataset(tmp_path / 'ntu')
    archive = tmp_path / 'nturgbd_skeletons_s001_to_s017.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        for path in sorted((tmp_path / 'ntu').iterdir()):
            z.write(path, f'nturgb+d_skeletons/{path.name}')
    reference = convert_ntu([str(tmp_path / 'ntu')], 'ntu120')
    for sources, workers in (([str(archive)], 1), ([str(archive)], 2),
                             ([str(tmp_path / 'ntu')], 2)):
        content, failures, skipped = convert_ntu(sources, 'ntu120',
                                                 workers=workers,
                                                 chunksize=1)
        assert failures == reference[1] and skipped == reference[2]
        assert content['split'] == reference[0]['split']
        for a, b in zip(content['annotations'], reference[0]['annotations']):
            assert a['frame_dir'] == b['frame_dir']
            np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    # ntu120 keeps A061 of setup 18; the empty file fails without a list
    names = [a['frame_dir'] for a in reference[0]['annotations']]
    assert 'S018C001P045R001A061' in names
    assert any('no body' in f and 'S001C001P001R001A005' in f
               for f in reference[1])


def test_a_file_that_kills_its_worker_is_a_named_failure(tmp_path,
                                                       monkeypatch):
    from mmcl_tools.converters import ntu
    make_dataset(tmp_path / 'ntu')
    reference = convert_ntu([str(tmp_path / 'ntu')], 'ntu120')
    victim = reference[0]['annotations'][1]['frame_dir']
    real = ntu.skeleton_to_annotation

    def crash_on_victim(raw, file_name, *args):
        if file_name.startswith(victim):
            os._exit(3)  # as a parser killed for memory would
        return real(raw, file_name, *args)

    # the workers are forked, so they see the patched function
    monkeypatch.setattr(ntu, 'skeleton_to_annotation', crash_on_victim)
    content, failures, _ = convert_ntu([str(tmp_path / 'ntu')], 'ntu120',
                                       workers=2, chunksize=2)
    assert f'{victim}.skeleton: {ntu.WORKER_DIED}' in failures
    assert len(failures) == len(reference[1]) + 1
    assert [a['frame_dir'] for a in content['annotations']] == [
        a['frame_dir'] for a in reference[0]['annotations']
        if a['frame_dir'] != victim
    ]


def test_duplicates_across_sources_are_reported(tmp_path):
    make_dataset(tmp_path / 'ntu')
    _, failures, _ = convert_ntu(
        [str(tmp_path / 'ntu'), str(tmp_path / 'ntu')], 'ntu60',
        missing={'S001C001P001R001A005'})
    assert sum('duplicate sample' in f for f in failures) == 3
    assert osp.isdir(tmp_path / 'ntu')

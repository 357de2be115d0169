import os.path as osp
import pickle

import numpy as np
import pytest
import torch

from mmcl_plugin.datasets import MMCLPoseDataset

TRAIN = [
    'S001C001P001R001A001', 'S001C001P002R001A002', 'S001C001P003R001A003'
]
VAL = ['S002C001P001R001A001']
TEXT_DIM = 32


def annotation(name, label, num_joints=25, num_frames=12):
    rng = np.random.default_rng(label)
    keypoint_2d = np.zeros((2, num_frames, num_joints, 2), np.float32)
    keypoint_2d[0] = rng.uniform([10, 8], [50, 40],
                                 size=(num_frames, num_joints, 2))
    return dict(frame_dir=name,
                label=label,
                total_frames=num_frames,
                img_shape=(48, 64),
                original_shape=(48, 64),
                keypoint=rng.normal(size=(2, num_frames, num_joints,
                                          3)).astype(np.float32),
                keypoint_2d=keypoint_2d)


def write_annotations(path, annotations, split):
    with open(path, 'wb') as f:
        pickle.dump(dict(split=split, annotations=annotations), f)
    return str(path)


@pytest.fixture
def data_root(tmp_path, write_video):
    """ann.pkl (3 train + 1 val samples) and every sample's files."""
    names = TRAIN + VAL
    write_annotations(tmp_path / 'ann.pkl',
                      [annotation(name, i) for i, name in enumerate(names)],
                      dict(train=TRAIN, val=VAL))
    for folder in ('videos', 'text', 'strip_features'):
        (tmp_path / folder).mkdir()
    for i, name in enumerate(names):
        write_video(str(tmp_path / 'videos' / f'{name}.mp4'))
        np.save(str(tmp_path / 'text' / f'{name}.npy'),
                np.ones((3 + i, TEXT_DIM), np.float16))
        np.save(str(tmp_path / 'strip_features' / f'{name}.npy'),
                np.ones(16, np.float32))
    return tmp_path


def build(root, split='train', pipeline=(), **kwargs):
    return MMCLPoseDataset(ann_file=str(root / 'ann.pkl'),
                           pipeline=list(pipeline),
                           split=split,
                           **kwargs)


def roots(root):
    return dict(video_root=str(root / 'videos'),
                text_feature_root=str(root / 'text'),
                strip_feature_root=str(root / 'strip_features'))


def test_files_are_joined_by_frame_dir(data_root):
    dataset = build(data_root, **roots(data_root))
    assert len(dataset) == 3
    for i, name in enumerate(TRAIN):
        info = dataset.get_data_info(i)
        assert info['frame_dir'] == name
        assert info['video_path'] == osp.join(data_root, 'videos',
                                              name + '.mp4')
        assert info['text_feature_path'] == osp.join(data_root, 'text',
                                                     name + '.npy')
        assert info['strip_feature_path'] == osp.join(data_root,
                                                      'strip_features',
                                                      name + '.npy')
        assert 'strip_path' not in info


def test_split_filtering(data_root):
    dataset = build(data_root, split='val', **roots(data_root))
    assert [dataset.get_data_info(0)['frame_dir']] == VAL


def test_without_roots_no_paths_are_added(data_root):
    info = build(data_root, num_joints=25).get_data_info(0)
    for key in ('video_path', 'strip_path', 'text_feature_path',
                'strip_feature_path'):
        assert key not in info


def test_suffix_and_strip_root(data_root):
    (data_root / 'strips').mkdir()
    for name in TRAIN:
        (data_root / 'strips' / f'{name}_strip.png').write_bytes(b'')
    info = build(data_root,
                 strip_root=str(data_root / 'strips'),
                 strip_suffix='_strip.png').get_data_info(1)
    assert info['strip_path'] == osp.join(data_root, 'strips',
                                          TRAIN[1] + '_strip.png')


def test_missing_files_are_listed(data_root):
    (data_root / 'videos' / f'{TRAIN[0]}.mp4').unlink()
    (data_root / 'text' / f'{TRAIN[2]}.npy').unlink()
    with pytest.raises(FileNotFoundError) as error:
        build(data_root, **roots(data_root))
    message = str(error.value)
    assert '1 without video' in message
    assert '1 without text_feature' in message
    assert 'strip_feature' not in message
    assert TRAIN[0] in message and TRAIN[2] in message
    assert TRAIN[1] not in message
    assert osp.join(data_root, 'videos', TRAIN[0] + '.mp4') in message
    assert str(data_root / 'ann.pkl') in message


def test_only_the_split_needs_its_files(data_root):
    (data_root / 'text' / f'{VAL[0]}.npy').unlink()
    assert len(build(data_root, **roots(data_root))) == 3
    with pytest.raises(FileNotFoundError, match=VAL[0]):
        build(data_root, split='val', **roots(data_root))


def test_missing_files_message_lists_ten(tmp_path):
    names = [f'S{i:03d}' for i in range(13)]
    ann_file = write_annotations(tmp_path / 'ann.pkl',
                                 [annotation(n, 0) for n in names],
                                 dict(train=names))
    with pytest.raises(FileNotFoundError) as error:
        MMCLPoseDataset(ann_file, [],
                        split='train',
                        text_feature_root=str(tmp_path / 'absent'))
    message = str(error.value)
    assert '13 without text_feature' in message
    assert 'S009' in message and 'S010' not in message
    assert '3 more' in message


def test_wrong_joint_count_names_the_sample(tmp_path):
    ann_file = write_annotations(
        tmp_path / 'ann.pkl',
        [annotation('good', 0),
         annotation('bad', 1, num_joints=20)], dict(train=['good', 'bad']))
    with pytest.raises(ValueError) as error:
        MMCLPoseDataset(ann_file, [], split='train', num_joints=25)
    message = str(error.value)
    assert "bad: keypoint has 20 joints, expected 25" in message
    assert 'good' not in message and ann_file in message
    # without num_joints any joint count is accepted
    assert len(MMCLPoseDataset(ann_file, [], split='train')) == 2


def test_non_finite_keypoints_name_the_sample(tmp_path):
    bad = annotation('nan_sample', 1)
    bad['keypoint'][0, 3, 4] = [np.nan, np.inf, 1.0]
    bad['keypoint'][1, 0, 0, 0] = -np.inf
    ann_file = write_annotations(tmp_path / 'ann.pkl',
                                 [annotation('good', 0), bad],
                                 dict(train=['good', 'nan_sample']))
    with pytest.raises(ValueError) as error:
        MMCLPoseDataset(ann_file, [], split='train', num_joints=25)
    message = str(error.value)
    assert 'nan_sample: keypoint contains NaN/inf at 3 values' in message
    assert ann_file in message
    dataset = MMCLPoseDataset(ann_file, [],
                              split='train',
                              check_keypoints=False)
    assert len(dataset) == 2


def test_keypoint_must_be_4d(tmp_path):
    bad = annotation('flat', 0)
    bad['keypoint'] = bad['keypoint'][0]
    ann_file = write_annotations(tmp_path / 'ann.pkl', [bad],
                                 dict(train=['flat']))
    with pytest.raises(ValueError, match='flat: keypoint has shape'):
        MMCLPoseDataset(ann_file, [], split='train')


class _Payload:

    def __reduce__(self):
        return (open, ('ran', 'w'))


def test_annotation_pickles_are_read_without_running_code(
        tmp_path, monkeypatch):
    from mmcl_plugin.utils import TRUST_ENV, UntrustedPickleError
    monkeypatch.delenv(TRUST_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    evil = annotation('evil', 0)
    evil['note'] = _Payload()
    ann_file = write_annotations(tmp_path / 'ann.pkl', [evil],
                                 dict(train=['evil']))
    with pytest.raises(UntrustedPickleError) as error:
        MMCLPoseDataset(ann_file, [], split='train')
    assert ann_file in str(error.value) and 'io.open' in str(error.value)
    assert not (tmp_path / 'ran').exists()
    # the data of an untampered file, split by split
    ann_file = write_annotations(
        tmp_path / 'ann.pkl', [annotation('a', 0), annotation('b', 1)],
        dict(train=['a'], val=['b']))
    dataset = MMCLPoseDataset(ann_file, [], split='val')
    assert len(dataset) == 1 and dataset.get_data_info(0)['frame_dir'] == 'b'
    assert dataset.get_data_info(0)['keypoint'].dtype == np.float32
    with pytest.raises(ValueError, match="ann.pkl: no split 'test'; it has "
                       r"\['train', 'val'\]"):
        MMCLPoseDataset(ann_file, [], split='test')


def test_training_pipeline_end_to_end(data_root):
    pipeline = [
        dict(type='UniformSampleFrames', clip_len=8),
        dict(type='PoseDecode'),
        dict(type='BuildFrameStrip', num_frames=3, strip_size=(32, 96)),
        dict(type='LoadTextFeature'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackMMCLInputs', meta_keys=('frame_dir', )),
    ]
    dataset = build(data_root,
                    pipeline=pipeline,
                    num_joints=25,
                    video_root=str(data_root / 'videos'),
                    text_feature_root=str(data_root / 'text'))
    for index in range(len(dataset)):
        packed = dataset[index]
        sample = packed['data_samples']
        assert packed['inputs'].shape == (1, 2, 8, 25, 3)
        assert packed['inputs'].dtype == torch.float32
        assert sample.frame_strip.shape == (3, 32, 96)
        assert sample.frame_strip.dtype == torch.uint8
        assert sample.frame_strip.float().mean() > 50  # decoded, not black
        assert sample.text_feature.shape == (1, 3 + index, TEXT_DIM)
        assert sample.text_feature.dtype == torch.float32
        assert sample.text_mask.shape == (1, 3 + index)
        assert bool(sample.text_mask.all())
        assert 'strip_feature' not in sample
        assert sample.gt_label.item() == index
        assert sample.metainfo['frame_dir'] == TRAIN[index]


def test_mmcl_steps_extend_a_skeleton_pipeline(data_root):
    """`mmcl_steps` (how an MMCL config extends its baseline's pipeline)
    give the same samples as the MMCL pipeline written in full."""
    skeleton = [
        dict(type='PreNormalize3D'),
        dict(type='UniformSampleFrames', clip_len=8),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs', meta_keys=('frame_dir', )),
    ]
    mmcl_steps = [
        dict(type='BuildFrameStrip', num_frames=3, strip_size=(32, 96)),
        dict(type='LoadTextFeature'),
    ]
    full = [dict(type='PreNormalize3DWithFrameMap')] + skeleton[1:3] + \
        mmcl_steps + [skeleton[3],
                      dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))]
    media = dict(num_joints=25, video_root=str(data_root / 'videos'),
                 text_feature_root=str(data_root / 'text'))
    extended = build(data_root, pipeline=skeleton, mmcl_steps=mmcl_steps,
                     **media)
    written = build(data_root, pipeline=full, **media)
    assert [type(t).__name__ for t in extended.pipeline.transforms] == [
        step['type'] for step in full]
    assert extended.mmcl_steps == mmcl_steps
    for index in range(len(extended)):
        np.random.seed(index)  # the same clip sampled
        a = extended[index]
        np.random.seed(index)
        b = written[index]
        torch.testing.assert_close(a['inputs'], b['inputs'])
        for field in ('frame_strip', 'text_feature', 'text_mask'):
            torch.testing.assert_close(a['data_samples'].get(field),
                                       b['data_samples'].get(field))
    # without mmcl_steps the pipeline is the skeleton one
    plain = build(data_root, pipeline=skeleton, **media)
    assert type(plain.pipeline.transforms[-1]).__name__ == 'PackActionInputs'

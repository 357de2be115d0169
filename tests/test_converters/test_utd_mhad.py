import zipfile

import numpy as np
import pytest
from scipy.io import savemat

from mmcl_tools.converters.kinect_v1 import KINECT_V1_JOINTS
from mmcl_tools.converters.utd_mhad import (UTD_MHAD_JOINTS,
                                            UTDMHADFormatError,
                                            convert_utd_mhad, parse_name)


def write_mat(path, frames, seed):
    d_skel = np.random.default_rng(seed).normal(size=(20, 3, frames))
    savemat(str(path), dict(d_skel=d_skel))
    return d_skel


def make_folder(tmp_path):
    folder = tmp_path / 'Skeleton'
    folder.mkdir()
    written = {}
    for i, (a, s, t) in enumerate([(1, 1, 1), (27, 2, 4), (3, 8, 2)]):
        name = f'a{a}_s{s}_t{t}'
        written[name] = (a - 1, write_mat(folder / f'{name}_skeleton.mat',
                                          10 + i, i))
    return folder, written


def test_values_labels_layout_and_split(tmp_path):
    folder, written = make_folder(tmp_path)
    content, failures = convert_utd_mhad([str(folder)], layout='kinect_v1')
    assert failures == []
    by_name = {a['frame_dir']: a for a in content['annotations']}
    assert set(by_name) == set(written)
    head = UTD_MHAD_JOINTS.index('head')
    left_hand = UTD_MHAD_JOINTS.index('left_hand')
    for name, (label, d_skel) in written.items():
        ann = by_name[name]
        assert ann['label'] == label
        assert ann['keypoint'].shape == (1, d_skel.shape[2], 20, 3)
        # joints come back in Kinect SDK order
        np.testing.assert_allclose(
            ann['keypoint'][0, :, KINECT_V1_JOINTS.index('head')],
            d_skel[head].T, atol=1e-6)
        np.testing.assert_allclose(
            ann['keypoint'][0, :, KINECT_V1_JOINTS.index('left_hand')],
            d_skel[left_hand].T, atol=1e-6)
    assert content['split']['train'] == ['a1_s1_t1']
    assert content['split']['val'] == ['a27_s2_t4', 'a3_s8_t2']
    assert len(content['split']['all']) == 3
    ntu, _ = convert_utd_mhad([str(folder)])
    ann = ntu['annotations'][0]
    assert ann['keypoint'].shape[2] == 25
    # NTU joint 4 (head)
    np.testing.assert_allclose(ann['keypoint'][0, :, 3],
                               written['a1_s1_t1'][1][head].T, atol=1e-6)


def test_zip_workers_and_failures(tmp_path):
    folder, _ = make_folder(tmp_path)
    (folder / 'a2_s1_t1_skeleton.mat').write_bytes(b'not a mat file')
    savemat(str(folder / 'a4_s1_t1_skeleton.mat'),
            dict(d_skel=np.zeros((25, 3, 5))))
    savemat(str(folder / 'a5_s1_t1_skeleton.mat'), dict(skel=np.zeros(3)))
    (folder / 'a99_s1_t1_skeleton.mat').write_bytes(b'')
    archive = tmp_path / 'Skeleton.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        for path in sorted(folder.iterdir()):
            z.write(path, f'Skeleton/{path.name}')
    ref, ref_failures = convert_utd_mhad([str(folder)])
    content, failures = convert_utd_mhad([str(archive)], workers=2,
                                         chunksize=1)
    assert failures == ref_failures
    assert [a['frame_dir'] for a in content['annotations']] == \
        [a['frame_dir'] for a in ref['annotations']] == \
        ['a1_s1_t1', 'a27_s2_t4', 'a3_s8_t2']
    messages = '\n'.join(failures)
    assert 'a2_s1_t1_skeleton.mat: not a readable MATLAB file' in messages
    assert 'a4_s1_t1_skeleton.mat: d_skel has shape (25, 3, 5)' in messages
    assert "a5_s1_t1_skeleton.mat: no variable d_skel (found ['skel'])" \
        in messages
    assert 'a99_s1_t1_skeleton.mat: action 99 is not in 1..27' in messages
    with pytest.raises(UTDMHADFormatError, match='a2_s1_t1'):
        convert_utd_mhad([str(folder)], strict=True)


def test_parse_name():
    assert parse_name('a12_s3_t4_skeleton.mat') == dict(action=12,
                                                        subject=3, trial=4)
    with pytest.raises(UTDMHADFormatError, match='expected a name like'):
        parse_name('a12_s3_skeleton.mat')

import numpy as np
import pytest
from scipy.io import savemat

from mmcl_tools.converters.sysu import (SYSUFormatError, convert_sysu,
                                        parse_path)


def skeleton(frames, seed):
    return np.random.default_rng(seed).normal(size=(frames, 20, 3)).round(4)


def test_text_and_mat_files_in_label_folders(tmp_path):
    root = tmp_path / 'sysu'
    a = skeleton(6, 0)
    (root / 'a01' / 's03').mkdir(parents=True)
    # one frame per line of 60 numbers
    np.savetxt(root / 'a01' / 's03' / 'skeleton.txt', a.reshape(6, 60))
    b = skeleton(4, 1)
    (root / 'a12' / 's25').mkdir(parents=True)
    savemat(str(root / 'a12' / 's25' / 'skeleton.mat'),
            dict(S=b.transpose(1, 2, 0)))  # (20, 3, T)
    c = skeleton(3, 2)
    # one joint per line, comma separated, in a flat name
    np.savetxt(root / 'a05_s21_t2.txt', c.reshape(-1, 3), delimiter=',')
    content, failures = convert_sysu([str(root)], layout='kinect_v1')
    assert failures == []
    by_name = {x['frame_dir']: x for x in content['annotations']}
    assert sorted(by_name) == ['a01_s03', 'a05_s21_t02', 'a12_s25']
    for name, values, label in (('a01_s03', a, 0), ('a12_s25', b, 11),
                                ('a05_s21_t02', c, 4)):
        np.testing.assert_allclose(by_name[name]['keypoint'][0], values,
                                   atol=1e-5)
        assert by_name[name]['label'] == label
    assert content['split']['train'] == ['a01_s03']
    assert content['split']['val'] == ['a05_s21_t02', 'a12_s25']
    ntu, _ = convert_sysu([str(root)], workers=2, chunksize=1)
    assert ntu['annotations'][0]['keypoint'].shape == (1, 6, 25, 3)


def test_failures_name_the_file(tmp_path):
    root = tmp_path / 'sysu'
    root.mkdir()
    np.savetxt(root / 'a01_s01.txt', np.zeros((2, 59)))
    (root / 'a02_s01.txt').write_text('1 2 x')
    np.savetxt(root / 'a13_s01.txt', np.zeros((1, 60)))
    np.savetxt(root / 'readme.txt', np.zeros((1, 60)))
    savemat(str(root / 'a03_s01.mat'), dict(A=np.zeros((5, 20, 3)),
                                            B=np.zeros((5, 20, 3))))
    content, failures = convert_sysu([str(root)])
    assert content['annotations'] == []
    text = '\n'.join(failures)
    assert 'a01_s01.txt: 118 numbers, not a positive multiple of 60' in text
    assert 'a02_s01.txt: could not convert' in text
    assert 'a13_s01.txt: action 13 is not in 1..12' in text
    assert 'readme.txt: the path does not match the name pattern' in text
    assert "a03_s01.mat: expected one 3-D numeric variable, found ['A', " \
        "'B']" in text
    content, failures = convert_sysu([str(root)], mat_key='B')
    assert [x['frame_dir'] for x in content['annotations']] == ['a03_s01']
    with pytest.raises(SYSUFormatError, match='a01_s01.txt'):
        convert_sysu([str(root)], strict=True)


def test_custom_name_pattern():
    pattern = r'(?P<subject>\d+)-(?P<action>\d+)'
    assert parse_path('video/7-12/skel.txt', pattern) == ('a12_s07', 12, 7)

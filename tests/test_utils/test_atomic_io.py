import json
import os
import os.path as osp
import pickle

import numpy as np
import pytest

from mmcl_plugin.utils import (atomic_path, atomic_write, dump_json_atomic,
                               dump_pickle_atomic, save_npy_atomic,
                               write_text_atomic)
from mmcl_plugin.utils.atomic_io import TEMP_NAME


def test_writes_land_complete_and_leave_no_temporary_files(tmp_path):
    target = tmp_path / 'sub' / 'ann.pkl'
    dump_pickle_atomic({'a': [1, 2]}, str(target))
    with open(target, 'rb') as f:
        assert pickle.load(f) == {'a': [1, 2]}
    array = np.arange(6, dtype=np.float16).reshape(2, 3)
    save_npy_atomic(array, str(tmp_path / 'x.npy'))
    np.testing.assert_array_equal(np.load(tmp_path / 'x.npy'), array)
    assert sorted(os.listdir(tmp_path)) == ['sub', 'x.npy']
    assert os.listdir(tmp_path / 'sub') == ['ann.pkl']


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / 'ann.pkl'
    dump_pickle_atomic('old', str(target))
    with pytest.raises(RuntimeError):
        with atomic_write(str(target)) as f:
            f.write(b'partial')
            raise RuntimeError('killed')
    with open(target, 'rb') as f:
        assert pickle.load(f) == 'old'
    assert os.listdir(tmp_path) == ['ann.pkl']


def test_json_and_text_round_trip_as_utf8(tmp_path):
    report = {'zeta': 1, 'alpha': ['wave', 'tr\u00e8s'], 'top1': 0.5}
    dump_json_atomic(report, str(tmp_path / 'r.json'), sort_keys=True)
    raw = (tmp_path / 'r.json').read_bytes().decode('utf-8')
    assert json.loads(raw) == report
    assert 'tr\u00e8s' in raw  # non-ASCII kept, not escaped
    assert raw.index('"alpha"') < raw.index('"zeta"')
    write_text_atomic('a,b\n1,2\n', str(tmp_path / 'sub' / 't.csv'))
    assert (tmp_path / 'sub' / 't.csv').read_text() == 'a,b\n1,2\n'
    assert sorted(os.listdir(tmp_path)) == ['r.json', 'sub']


def test_atomic_path_for_writers_that_take_a_path(tmp_path):
    target = tmp_path / 'sub' / 'clip.mp4'
    with atomic_path(str(target), suffix='.mp4') as tmp:
        # beside the target, with the suffix a writer may need
        assert osp.dirname(tmp) == str(target.parent)
        assert osp.basename(tmp).startswith('.clip.mp4.')
        assert tmp.endswith('.tmp.mp4') and osp.exists(tmp)
        assert not target.exists()
        with open(tmp, 'wb') as f:
            f.write(b'video')
    assert target.read_bytes() == b'video'
    with pytest.raises(RuntimeError):
        with atomic_path(str(target)) as tmp:
            with open(tmp, 'wb') as f:
                f.write(b'partial')
            raise RuntimeError('the writer failed')
    assert target.read_bytes() == b'video'
    assert os.listdir(target.parent) == ['clip.mp4']


def test_temporary_names_and_replacing_an_existing_file(tmp_path):
    target = tmp_path / 'model.onnx'
    target.write_bytes(b'old')
    with atomic_path(str(target)) as tmp:
        # the names the resume-time clean-ups look for
        assert TEMP_NAME.match(osp.basename(tmp))['base'] == 'model.onnx'
        with open(tmp, 'wb') as f:
            f.write(b'new')
    assert target.read_bytes() == b'new'
    assert os.listdir(tmp_path) == ['model.onnx']

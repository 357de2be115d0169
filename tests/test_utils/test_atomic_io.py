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


@pytest.fixture(params=[0o022, 0o027], ids=['umask022', 'umask027'])
def umask(request):
    """Run the test under this umask; the mode a new file must get."""
    previous = os.umask(request.param)
    yield 0o666 & ~request.param
    os.umask(previous)


def mode(path) -> int:
    return os.stat(path).st_mode & 0o777


def test_every_writer_gives_the_umask_mode(tmp_path, umask):
    # mkstemp would give 0600: unreadable for the group on shared clusters
    dump_pickle_atomic([1], str(tmp_path / 'a.pkl'))
    save_npy_atomic(np.zeros(2), str(tmp_path / 'a.npy'))
    write_text_atomic('x', str(tmp_path / 'a.txt'))
    dump_json_atomic({}, str(tmp_path / 'a.json'))
    with atomic_write(str(tmp_path / 'a.bin')) as f:
        f.write(b'x')
    with atomic_path(str(tmp_path / 'b.bin'), sync_directory=True) as tmp:
        assert mode(tmp) == umask  # also while being written
        with open(tmp, 'wb') as f:
            f.write(b'y')
    with open(tmp_path / 'plain.txt', 'w') as f:  # what open() gives
        f.write('z')
    for name in ('a.pkl', 'a.npy', 'a.txt', 'a.json', 'a.bin', 'b.bin',
                 'plain.txt'):
        assert mode(tmp_path / name) == umask, name
    assert (tmp_path / 'b.bin').read_bytes() == b'y'


def test_atomic_path_renames_on_success_and_cleans_up_on_failure(tmp_path):
    target = tmp_path / 'model.onnx'
    target.write_bytes(b'old')
    with pytest.raises(RuntimeError):
        with atomic_path(str(target)) as tmp:
            assert TEMP_NAME.match(os.path.basename(tmp))['base'] == \
                'model.onnx'
            with open(tmp, 'wb') as f:
                f.write(b'half')
            raise RuntimeError('killed')
    assert target.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['model.onnx']
    with atomic_path(str(target)) as tmp:
        with open(tmp, 'wb') as f:
            f.write(b'new')
    assert target.read_bytes() == b'new'
    assert os.listdir(tmp_path) == ['model.onnx']

"""The weights-only checkpoint loader: real mmengine checkpoints load,
code and foreign types are refused by name, the opt-in works."""
import io
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
from toy_training import make_runner

from mmcl_plugin.engine.checkpoint_loading import (CHECKPOINT_SAFE_GLOBALS,
                                                   load_checkpoint_file,
                                                   load_from_local,
                                                   safe_checkpoint_loading)
from mmcl_plugin.utils import TRUST_ENV, UntrustedPickleError


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """epoch_2.pth of a real mmengine run (message hub, optimizer, best
    score, RNG states)."""
    work_dir = tmp_path_factory.mktemp('toy')
    make_runner(str(work_dir), 2).train()
    return str(work_dir / 'epoch_2.pth')


@pytest.fixture
def untrusted(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)


def test_mmengines_own_loader_refuses_mmengine_checkpoints(checkpoint):
    # why the loader exists: torch >= 2.6 loads weights-only by default
    # and mmengine 0.10 does not allow its own message hub
    code = ('from mmengine.runner.checkpoint import _load_checkpoint\n'
            f'_load_checkpoint({checkpoint!r}, map_location="cpu")')
    env = {k: v for k, v in os.environ.items() if k != TRUST_ENV}
    result = subprocess.run([sys.executable, '-c', code],
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode != 0, 'mmengine loads its checkpoints again'
    assert 'HistoryBuffer' in result.stderr


def test_the_loader_is_mmengines_only_inside_the_block(checkpoint):
    mmengines = CheckpointLoader._get_checkpoint_loader(checkpoint)
    assert mmengines is not load_from_local  # no process-wide override
    with safe_checkpoint_loading():
        with safe_checkpoint_loading():  # blocks nest
            assert CheckpointLoader._get_checkpoint_loader(checkpoint) is \
                load_from_local
        assert CheckpointLoader._get_checkpoint_loader(checkpoint) is \
            load_from_local
    assert CheckpointLoader._get_checkpoint_loader(checkpoint) is mmengines
    with pytest.raises(ValueError):
        with safe_checkpoint_loading():
            raise ValueError('inside')
    assert CheckpointLoader._get_checkpoint_loader(checkpoint) is mmengines


def test_real_checkpoints_load_weights_only(checkpoint, untrusted):
    with safe_checkpoint_loading():  # what SafeRunner's resume / load_from
        loaded = _load_checkpoint(checkpoint, map_location='cpu')
    assert load_checkpoint_file(checkpoint)['meta'] == loaded['meta']
    hub = loaded['message_hub']
    assert isinstance(hub['log_scalars']['train/loss'], HistoryBuffer)
    assert hub['log_scalars']['train/lr'].current() == pytest.approx(0.1)
    assert hub['log_scalars']['train/loss'].mean() > 0
    assert isinstance(hub['runtime_info']['best_score'], float)
    assert loaded['meta']['epoch'] == 2
    assert set(loaded['state_dict']) == {'fc.weight', 'fc.bias'}
    assert loaded['optimizer']['state'][0]['momentum_buffer'].shape == (2, 4)
    numpy_state = loaded['rng_state']['ranks'][0]['numpy']
    assert numpy_state[1].dtype == np.uint32


def test_the_allow_list_covers_exactly_the_checkpoints_globals(checkpoint):
    with torch.serialization.safe_globals(CHECKPOINT_SAFE_GLOBALS):
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(
            checkpoint)
    assert unsafe == []
    outside_defaults = set(
        torch.serialization.get_unsafe_globals_in_checkpoint(checkpoint))
    assert outside_defaults == {
        'mmengine.logging.history_buffer.HistoryBuffer', 'builtins.getattr',
        'numpy.core.multiarray._reconstruct', 'numpy.ndarray', 'numpy.dtype',
        'numpy.core.multiarray.scalar'
    }


class _Payload:

    def __init__(self, reduce):
        self._reduce = reduce

    def __reduce__(self):
        return self._reduce


def evil_checkpoint(path, payload):
    torch.save(dict(state_dict=dict(w=torch.ones(2)), meta=dict(x=payload)),
               str(path))
    return str(path)


@pytest.mark.parametrize('name, offending', [
    ('open', 'io.open'),
    ('system', 'posix.system'),
    ('getattr', "getattr(HistoryBuffer, '__init__')"),
    ('custom', 'test_checkpoint_loading._Payload'),
    ('object_array', 'numpy.dtypes.ObjectDType'),
])
def test_code_and_foreign_types_are_refused_by_name(tmp_path, untrusted, name,
                                                    offending):
    marker = str(tmp_path / 'ran')
    payload = dict(
        open=lambda: _Payload((open, (marker, 'w'))),
        system=lambda: _Payload((os.system, (f'touch {marker}', ))),
        getattr=lambda: _Payload((getattr, (HistoryBuffer, '__init__'))),
        custom=lambda: _Payload((_Payload, ((), ))),
        object_array=lambda: np.array([None, 'x'], dtype=object),
    )[name]()
    path = evil_checkpoint(tmp_path / 'evil.pth', payload)
    with pytest.raises(UntrustedPickleError) as error:
        load_checkpoint_file(path)
    message = str(error.value)
    assert path in message and offending in message, message
    assert TRUST_ENV in message and '--trust-pickles' in message
    assert not osp.exists(marker)


def test_trusted_checkpoints_load_fully(tmp_path, monkeypatch):
    marker = str(tmp_path / 'ran')
    path = evil_checkpoint(tmp_path / 'mine.pth',
                           _Payload((open, (marker, 'w'))))
    monkeypatch.setenv(TRUST_ENV, '1')
    loaded = load_from_local(path)
    loaded['meta']['x'].close()
    assert osp.exists(marker)


def test_unreadable_checkpoints_name_the_file(tmp_path, checkpoint, untrusted):
    with open(checkpoint, 'rb') as f:
        data = f.read()
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match='cut.pth: cannot read'):
        load_from_local(str(cut))
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint')
    with pytest.raises(RuntimeError, match='garbage.pth: cannot read'):
        load_from_local(str(garbage))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_from_local(str(tmp_path / 'missing.pth'))
    # a legacy (non-zip) torch.save file of plain tensors still loads
    legacy = io.BytesIO()
    torch.save(dict(w=torch.ones(1)),
               legacy,
               _use_new_zipfile_serialization=False)
    (tmp_path / 'legacy.pth').write_bytes(legacy.getvalue())
    assert load_from_local(str(tmp_path / 'legacy.pth'))['w'].item() == 1

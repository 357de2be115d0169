"""The restricted unpickler of user-supplied pickles (annotations, score
dumps): plain data round-trips, code does not run, the opt-in works."""
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

from mmcl_plugin.utils import (TRUST_ENV, UntrustedPickleError, load_pickle,
                               pickles_trusted, trust_pickles)


class _Payload:
    """Creates a marker file when unpickled (stands for any code)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


class _Custom:
    """A class of the test module: not plain data."""


def dump(obj, path, protocol=pickle.HIGHEST_PROTOCOL):
    with open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=protocol)
    return str(path)


@pytest.fixture
def untrusted(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)


@pytest.mark.parametrize('protocol', [2, 4, 5])
def test_annotations_and_score_dumps_round_trip(tmp_path, untrusted, protocol):
    annotations = dict(split=dict(train=['S001'], val=[]),
                       annotations=[
                           dict(frame_dir='S001',
                                label=3,
                                img_shape=(1080, 1920),
                                total_frames=2,
                                keypoint=np.arange(24,
                                                   dtype=np.float32).reshape(
                                                       1, 2, 4, 3),
                                keypoint_score=np.ones((1, 2, 4), np.float16),
                                tags={'a', 'b'},
                                frozen=frozenset([1]),
                                raw=b'\x00\xff',
                                blob=bytearray(b'ab'),
                                z=1 + 2j,
                                none=None,
                                names=np.array(['x', 'yz']),
                                flag=np.bool_(True),
                                count=np.int64(7))
                       ])
    loaded = load_pickle(dump(annotations, tmp_path / 'a.pkl', protocol))
    ann, original = loaded['annotations'][0], annotations['annotations'][0]
    assert loaded['split'] == annotations['split']
    for key, value in original.items():
        if isinstance(value, np.ndarray):
            assert ann[key].dtype == value.dtype
            np.testing.assert_array_equal(ann[key], value)
        else:
            assert ann[key] == value and type(ann[key]) is type(value), key

    scores = [
        OrderedDict(pred_score=torch.tensor([0.25, 0.75]),
                    gt_label=torch.tensor([1]),
                    half=torch.ones(3, dtype=torch.float16)[1:])
    ]
    sample = load_pickle(dump(scores, tmp_path / 's.pkl', protocol))[0]
    assert isinstance(sample, OrderedDict)
    assert torch.equal(sample['pred_score'], scores[0]['pred_score'])
    assert sample['gt_label'].dtype == torch.int64
    assert torch.equal(sample['half'], torch.ones(2, dtype=torch.float16))


@pytest.mark.parametrize('payload, offending', [
    ('open', 'io.open'),
    ('custom', '_Custom'),
    ('object_array', 'numpy.dtype(object)'),
    ('os_system', '.system'),
])
def test_code_and_foreign_types_are_refused(tmp_path, untrusted, payload,
                                            offending):
    marker = tmp_path / 'ran'
    obj = dict(
        open=lambda: [1, _Payload(str(marker))],
        custom=lambda: dict(a=_Custom()),
        object_array=lambda: np.array([1, 'a', None], dtype=object),
        os_system=lambda: _OsSystem(),
    )[payload]()
    path = dump(obj, tmp_path / 'evil.pkl', protocol=2)
    with pytest.raises(UntrustedPickleError) as error:
        load_pickle(path)
    message = str(error.value)
    assert path in message and offending in message
    assert TRUST_ENV in message and '--trust-pickles' in message
    assert error.value.path == path
    assert not marker.exists()
    # survives the trip back from a worker process
    assert str(pickle.loads(pickle.dumps(error.value))) == message


class _OsSystem:

    def __reduce__(self):
        return (os.system, ('true', ))


def test_trusted_files_load_fully(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    marker = tmp_path / 'ran'
    path = dump([_Payload(str(marker))], tmp_path / 'mine.pkl')
    assert not pickles_trusted()
    trust_pickles()  # what --trust-pickles does
    assert os.environ[TRUST_ENV] == '1' and pickles_trusted()
    loaded = load_pickle(path)
    loaded[0].close()
    assert marker.exists()  # full unpickling ran the payload
    for value, trusted in (('true', True), ('YES', True), ('0', False),
                           ('', False)):
        monkeypatch.setenv(TRUST_ENV, value)
        assert pickles_trusted() is trusted


def test_tensor_storages_are_read_weights_only(tmp_path, untrusted):
    # a plain-pickled tensor carries a nested torch.save blob, which torch
    # itself would load with full unpickling
    import io

    from mmcl_plugin.utils.safe_pickle import _load_storage_bytes
    buffer = io.BytesIO()
    torch.save(_Payload(str(tmp_path / 'ran')), buffer)
    with pytest.raises(pickle.UnpicklingError, match='not plain data'):
        _load_storage_bytes(buffer.getvalue())
    assert not (tmp_path / 'ran').exists()

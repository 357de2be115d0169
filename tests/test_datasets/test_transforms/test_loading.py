import numpy as np
import pytest

from mmcl_plugin.datasets.transforms import LoadStripFeature, LoadTextFeature

SAMPLE = 'S001C002P003R001A010'


def text_results(path):
    return dict(frame_dir=SAMPLE, text_feature_path=str(path))


def strip_results(path):
    return dict(frame_dir=SAMPLE, strip_feature_path=str(path))


def save(path, array):
    np.save(str(path), array)
    return path


# ------------------------------------------------------------------- text
def test_text_feature_is_float32_tokens(tmp_path):
    feature = np.random.default_rng(0).normal(size=(7, 16))
    path = save(tmp_path / 'a.npy', feature.astype(np.float16))
    out = LoadTextFeature()(text_results(path))['text_feature']
    assert out.shape == (7, 16) and out.dtype == np.float32
    np.testing.assert_allclose(out, feature.astype(np.float16))


def test_text_vector_becomes_one_token(tmp_path):
    path = save(tmp_path / 'a.npy', np.arange(5, dtype=np.float64))
    out = LoadTextFeature()(text_results(path))['text_feature']
    assert out.shape == (1, 5) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0], np.arange(5))


def test_text_feature_from_npz(tmp_path):
    path = tmp_path / 'a.npz'
    np.savez(str(path), feature=np.ones((3, 4)), other=np.zeros(2))
    out = LoadTextFeature()(text_results(path))['text_feature']
    assert out.shape == (3, 4) and out.dtype == np.float32


def test_npz_without_feature_key(tmp_path):
    path = tmp_path / 'a.npz'
    np.savez(str(path), tokens=np.ones((3, 4)))
    with pytest.raises(ValueError, match=f"{SAMPLE}.*'feature'"):
        LoadTextFeature()(text_results(path))


def test_missing_text_feature_names_sample_and_path(tmp_path):
    path = tmp_path / 'nowhere.npy'
    with pytest.raises(FileNotFoundError) as error:
        LoadTextFeature()(text_results(path))
    assert SAMPLE in str(error.value) and str(path) in str(error.value)


def test_text_feature_with_nan(tmp_path):
    feature = np.ones((4, 3), dtype=np.float32)
    feature[1, 2] = np.nan
    feature[3, 0] = np.inf
    path = save(tmp_path / 'a.npy', feature)
    with pytest.raises(ValueError) as error:
        LoadTextFeature()(text_results(path))
    message = str(error.value)
    assert SAMPLE in message and str(path) in message
    assert 'NaN/inf at 2 values' in message


@pytest.mark.parametrize('shape,problem', [
    ((0, 8), 'no token'),
    ((3, 0), 'empty'),
    ((2, 3, 4), 'expected (L, D)'),
    ((), 'expected (L, D)'),
])
def test_text_feature_with_bad_shape(tmp_path, shape, problem):
    path = save(tmp_path / 'a.npy', np.ones(shape, dtype=np.float32))
    with pytest.raises(ValueError) as error:
        LoadTextFeature()(text_results(path))
    assert SAMPLE in str(error.value) and problem in str(error.value)


def test_unreadable_text_feature(tmp_path):
    path = tmp_path / 'a.npy'
    path.write_bytes(b'garbage')
    with pytest.raises(ValueError, match=SAMPLE):
        LoadTextFeature()(text_results(path))


def test_text_feature_path_not_set():
    with pytest.raises(KeyError, match=f'{SAMPLE}.*text_feature_path'):
        LoadTextFeature()(dict(frame_dir=SAMPLE))


# ------------------------------------------------------------------ strip
def test_strip_feature_is_a_float32_vector(tmp_path):
    path = save(tmp_path / 'a.npy', np.arange(6, dtype=np.float16))
    out = LoadStripFeature()(strip_results(path))['strip_feature']
    assert out.shape == (6, ) and out.dtype == np.float32
    np.testing.assert_array_equal(out, np.arange(6))


def test_strip_feature_with_batch_dim_of_one(tmp_path):
    path = save(tmp_path / 'a.npy', np.ones((1, 6), dtype=np.float32))
    out = LoadStripFeature()(strip_results(path))['strip_feature']
    assert out.shape == (6, )


@pytest.mark.parametrize('array,problem', [
    (np.ones((2, 6)), 'expected (D, )'),
    (np.ones((0, )), 'empty'),
    (np.array([1.0, np.nan, np.nan]), 'NaN/inf at 2 values'),
])
def test_bad_strip_feature(tmp_path, array, problem):
    path = save(tmp_path / 'a.npy', array)
    with pytest.raises(ValueError) as error:
        LoadStripFeature()(strip_results(path))
    message = str(error.value)
    assert SAMPLE in message and str(path) in message
    assert problem in message


def test_missing_strip_feature(tmp_path):
    path = tmp_path / 'nowhere.npy'
    with pytest.raises(FileNotFoundError, match=SAMPLE):
        LoadStripFeature()(strip_results(path))
    with pytest.raises(KeyError, match='strip_feature_path'):
        LoadStripFeature()(dict(frame_dir=SAMPLE))

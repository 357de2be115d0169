"""Every family of written files gets the mode a plain ``open()`` gives
under the current umask (0644 under 022, 0640 under 027), not
``mkstemp``'s 0600. Training checkpoints and ``last_checkpoint`` are
checked in tests/test_engine/test_safe_checkpoint_hook.py."""
import os

import numpy as np
import pytest
import torch


@pytest.fixture(params=[0o022, 0o027], ids=['umask022', 'umask027'])
def umask(request):
    """Run under this umask; yields the mode new files must get."""
    previous = os.umask(request.param)
    yield 0o666 & ~request.param
    os.umask(previous)


def modes(root) -> dict:
    """{relative path: permission bits} of every file under ``root``."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = os.stat(path).st_mode & 0o777
    return found


def test_pickles_arrays_text_and_json(tmp_path, umask):
    from mmcl_plugin.utils import (atomic_path, atomic_write,
                                   dump_json_atomic, dump_pickle_atomic,
                                   save_npy_atomic, write_text_atomic)
    dump_pickle_atomic([1], str(tmp_path / 'a.pkl'))  # converters' output
    save_npy_atomic(np.zeros(2), str(tmp_path / 'a.npy'))
    write_text_atomic('x', str(tmp_path / 'a.txt'))
    dump_json_atomic({}, str(tmp_path / 'a.json'))
    with atomic_write(str(tmp_path / 'a.bin')) as f:
        f.write(b'x')
    with atomic_path(str(tmp_path / 'b.bin'), sync_directory=True) as tmp:
        assert os.stat(tmp).st_mode & 0o777 == umask  # while written too
        with open(tmp, 'wb') as f:
            f.write(b'y')
    with open(tmp_path / 'plain.txt', 'w') as f:  # what open() gives
        f.write('z')
    assert set(modes(tmp_path).values()) == {umask}
    assert len(modes(tmp_path)) == 7
    assert (tmp_path / 'b.bin').read_bytes() == b'y'


def test_frame_strips(tmp_path, umask):
    from mmcl_tools.strips import StripSettings
    from mmcl_tools.strips.strip_runner import write_strip
    strip = np.zeros((8, 40, 3), np.uint8)
    write_strip(
        str(tmp_path / 'S001.png'), strip,
        StripSettings(strip=dict(num_frames=5, strip_size=(8, 40)),
                      ext='.png'))
    assert modes(tmp_path) == {'S001.png': umask}


def test_text_feature_cache_shards(tmp_path, umask):
    from mmcl_plugin.text_cache.cache_format import CacheMeta
    from mmcl_tools.mllm.cache_writer import (PromptFeatures,
                                              TextFeatureCacheWriter)
    meta = CacheMeta(identity=dict(model='m', prompts=['q']),
                     storage_dtype='float16',
                     hidden_size=4,
                     shard_size=2,
                     pool='mean')
    writer = TextFeatureCacheWriter(str(tmp_path), meta, ['a', 'b'])
    writer.write_meta()
    features = PromptFeatures('yes', np.ones((2, 4), np.float32))
    writer.write_shard(writer.shards[0], {
        'a': [features],
        'b': [features]
    }, {})
    assert writer.write_index()
    written = modes(tmp_path)
    assert any(name.endswith('.safetensors') for name in written)
    assert len(written) >= 4  # meta, shard data, shard record, index
    assert set(written.values()) == {umask}, written


def test_deployed_checkpoints_onnx_dumps_and_figures(tmp_path, umask):
    import onnx
    from onnx import TensorProto, helper

    from mmcl_tools.deploy.inference_model import save_checkpoint_atomic
    from mmcl_tools.deploy.onnx_export import save_onnx_atomic
    from mmcl_tools.evaluation.plotting import plot_confusion_matrix
    from mmcl_tools.evaluation.score_dumps import save_score_dump
    save_checkpoint_atomic(dict(state_dict=dict(w=torch.ones(2))),
                           str(tmp_path / 'deployed.pth'))
    graph = helper.make_graph(
        [helper.make_node('Identity', ['x'], ['y'])], 'g',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1])])
    save_onnx_atomic(helper.make_model(graph), str(tmp_path / 'model.onnx'))
    assert onnx.load(str(tmp_path / 'model.onnx')).graph.node[0].op_type \
        == 'Identity'
    save_score_dump(np.eye(2), np.arange(2), str(tmp_path / 'scores.pkl'))
    plot_confusion_matrix(np.eye(2), ['a', 'b'], str(tmp_path / 'cm.png'))
    assert modes(tmp_path) == {
        'deployed.pth': umask,
        'model.onnx': umask,
        'scores.pkl': umask,
        'cm.png': umask
    }


def test_demo_dataset(tmp_path, umask):
    # videos through atomic_path(suffix='.mp4'), features, pickle, README
    from mmcl_tools.demo import make_demo_dataset
    make_demo_dataset(str(tmp_path), seed=0, num_train=1, num_val=1,
                      progress=False)
    written = modes(tmp_path)
    assert {'demo_ntu25.pkl', 'label_map.txt', 'README.md'} <= set(written)
    assert sum(name.startswith('videos') for name in written) == 2
    assert set(written.values()) == {umask}, written

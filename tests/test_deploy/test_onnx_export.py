"""ONNX export of the deployed model, its parity with PyTorch, and the
skeleton-file inference helpers."""
import os.path as osp
import pickle

import numpy as np
import onnx
import pytest
import torch
from mmaction.registry import MODELS

from mmcl_tools.deploy.onnx_export import (deployment_metadata, export_onnx,
                                           onnx_metadata, onnx_parity,
                                           ort_session,
                                           read_deployment_metadata, run_onnx,
                                           save_onnx_atomic)
from mmcl_tools.deploy.skeleton_inference import (SkeletonClassifier,
                                                  average_clips, clip_shape,
                                                  input_spec,
                                                  load_skeleton_sample,
                                                  prepare_clips, topk_classes)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
from ntu_writer import one_actor_frames, skeleton_text  # noqa: E402
from numerics import gcn_terms, rounding_bound  # noqa: E402

#: the tiny model's depth: 3 units of at most 16 channels
TINY_TERMS = gcn_terms(max_channels=16, units=3)

TINY = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='CTRGCN',
        graph_cfg=dict(layout='nturgb+d', mode='spatial'),
        base_channels=8,
        num_stages=3,
        inflate_stages=(2, ),
        down_stages=(2, )),
    cls_head=dict(type='GCNHead', num_classes=7, in_channels=16))
PIPELINE = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=8, num_clips=3,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]


@pytest.fixture(scope='module')
def tiny_model():
    torch.manual_seed(0)
    model = MODELS.build(TINY)
    model.init_weights()
    # non-trivial BN statistics, so that a wrong BN export would show
    for module in model.modules():
        if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
    return model.eval()


@pytest.fixture(scope='module')
def exported(tiny_model):
    shape = clip_shape(input_spec(PIPELINE, tiny_model.backbone))
    metadata = deployment_metadata(PIPELINE, 'prob',
                                   [f'c{i}' for i in range(7)], shape)
    return export_onnx(tiny_model, shape, metadata), shape


def test_input_spec_from_pipeline(tiny_model):
    spec = input_spec(PIPELINE, tiny_model.backbone)
    assert spec == dict(num_clips=3, clip_len=8, num_person=2,
                        num_joints=25, in_channels=3)
    assert clip_shape(spec) == (2, 8, 25, 3)
    with pytest.raises(ValueError, match='UniformSampleFrames'):
        input_spec(PIPELINE[:2], tiny_model.backbone)


def test_onnx_matches_pytorch_for_every_batch_size(tiny_model, exported,
                                                   tmp_path):
    proto, shape = exported
    graph_input = proto.graph.input[0]
    assert graph_input.name == 'skeleton'
    dims = graph_input.type.tensor_type.shape.dim
    assert dims[0].dim_param  # dynamic batch
    assert [d.dim_value for d in dims[1:]] == list(shape)
    path = str(tmp_path / 'tiny.onnx')
    save_onnx_atomic(proto, path)
    onnx.checker.check_model(path)
    session = ort_session(path, num_threads=1)
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((n, ) + shape).astype(np.float32)
               for n in (1, 4, 7)]
    diff, scale = onnx_parity(session, tiny_model, batches)
    # float32 on both sides (onnxruntime's kernels vs torch's): within
    # rounding over the tiny net's depth, relative to the largest logit
    assert diff <= rounding_bound(None, TINY_TERMS, torch.float32,
                                  scale=scale)
    logits = run_onnx(session, batches[2])
    assert logits.shape == (7, 7)
    assert np.abs(logits).max() > 1e-3  # not a degenerate graph
    meta = read_deployment_metadata(onnx_metadata(session), path)
    assert meta['test_pipeline'][2]['clip_len'] == 8
    assert meta['average_clips'] == 'prob'
    assert meta['class_names'][3] == 'c3'
    assert meta['clip_shape'] == shape


def test_missing_metadata_is_reported(tiny_model, tmp_path):
    with pytest.raises(ValueError, match=r'm\.onnx: no .*mmcl\.test_pipeline'):
        read_deployment_metadata({}, 'm.onnx')


def test_skeleton_file_through_the_pipeline(tiny_model, tmp_path):
    path = tmp_path / 'S001C001P001R001A023.skeleton'
    path.write_text(skeleton_text(one_actor_frames(20, seed=1)))
    annotation = load_skeleton_sample(str(path))
    assert annotation['label'] == 22  # A023 hand waving
    assert annotation['keypoint'].shape == (1, 20, 25, 3)
    clips = prepare_clips(annotation, PIPELINE)
    assert clips.shape == (3, 2, 8, 25, 3) and clips.dtype == np.float32
    # a renamed file: the same skeleton, without a label
    renamed = tmp_path / 'my_recording.skeleton'
    renamed.write_bytes(path.read_bytes())
    unnamed = load_skeleton_sample(str(renamed))
    assert 'label' not in unnamed and unnamed['frame_dir'] == 'my_recording'
    np.testing.assert_array_equal(unnamed['keypoint'], annotation['keypoint'])
    (tmp_path / 'empty.skeleton').write_text('2\n0\n0\n')
    with pytest.raises(ValueError, match='empty.skeleton: no body'):
        load_skeleton_sample(str(tmp_path / 'empty.skeleton'))
    # one actor: the second person is padding
    assert np.all(clips[:, 1] == 0) and np.abs(clips[:, 0]).max() > 0

    with torch.no_grad():
        logits = SkeletonClassifier(tiny_model)(
            torch.from_numpy(clips)).numpy()
    scores = average_clips(logits, 'prob')
    logits = logits.astype(np.float64)  # average_clips works in float64
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    # the same float64 softmax and mean: 7 classes + 3 clips of terms
    np.testing.assert_allclose(scores, probs.mean(0), rtol=10 * 2.**-52)
    assert scores.sum() == pytest.approx(1.0)
    top = topk_classes(scores, [f'c{i}' for i in range(7)], 5)
    assert len(top) == 5
    assert [t[2] for t in top] == sorted((t[2] for t in top), reverse=True)
    assert top[0][0] == int(scores.argmax())


def test_pickle_samples_are_selected_by_name_or_index(tmp_path):
    keypoint = np.zeros((1, 10, 25, 3), np.float32)
    annotations = [
        dict(frame_dir=f's{i}', label=i, total_frames=10, keypoint=keypoint)
        for i in range(3)
    ]
    path = str(tmp_path / 'set.pkl')
    with open(path, 'wb') as f:
        pickle.dump(dict(split={}, annotations=annotations), f)
    assert load_skeleton_sample(path, 's2')['label'] == 2
    assert load_skeleton_sample(path, '1')['frame_dir'] == 's1'
    with pytest.raises(ValueError, match='set.pkl holds 3 samples'):
        load_skeleton_sample(path)
    with pytest.raises(ValueError, match="no sample with frame_dir 'x'"):
        load_skeleton_sample(path, 'x')
    with pytest.raises(ValueError, match='index 5 is outside'):
        load_skeleton_sample(path, '5')
    bad = str(tmp_path / 'bad.pkl')
    with open(bad, 'wb') as f:
        pickle.dump(dict(frame_dir='b', total_frames=2,
                         keypoint=np.full((1, 2, 25, 3), np.nan)), f)
    with pytest.raises(ValueError, match='bad.pkl: keypoint must be a finite'):
        load_skeleton_sample(bad)


def test_average_clips_modes():
    logits = np.array([[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(average_clips(logits, 'score'), [0.5, 1.5])
    p = np.exp([1.0, 0.0]) / np.exp([1.0, 0.0]).sum()
    q = np.exp([0.0, 3.0]) / np.exp([0.0, 3.0]).sum()
    np.testing.assert_allclose(average_clips(logits, 'prob'), (p + q) / 2)
    with pytest.raises(ValueError):
        average_clips(logits, 'max')

"""What score dumps hold (probabilities or raw logits), the official score
files, alignment by name, and ``tools/test.py --dump-kind``."""
import argparse
import importlib.util
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmaction.registry import METRICS, MODELS
from mmengine.config import Config

from test_ensemble import write_dump

from mmcl_plugin.evaluation import AVERAGE_CLIPS
from mmcl_tools.evaluation import (align_by_name, check_same_samples,
                                   load_score_dump, save_score_dump)

pytestmark = pytest.mark.numerics

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LOGITS = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 1.0]])
PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3]])


def write_list(path, scores, labels, kind=None, names=None):
    return write_dump(path, scores, labels, names, kind=kind)


def test_recorded_and_inferred_kinds(tmp_path):
    assert load_score_dump(write_list(tmp_path / 'a.pkl', LOGITS, [0, 1],
                                      'logits')).kind == 'logits'
    # recorded wins over what the values look like
    assert load_score_dump(write_list(tmp_path / 'b.pkl', PROBS, [0, 1],
                                      'logits')).kind == 'logits'
    # not recorded (older dumps): rows summing to 1 are probabilities
    assert load_score_dump(write_list(tmp_path / 'c.pkl', PROBS,
                                      [0, 1])).kind == 'probs'
    assert load_score_dump(write_list(tmp_path / 'd.pkl', LOGITS,
                                      [0, 1])).kind == 'logits'
    with pytest.raises(ValueError, match=r"e\.pkl: sample 0: score_kind "
                       "'scores' is not one of"):
        load_score_dump(write_list(tmp_path / 'e.pkl', LOGITS, [0, 1],
                                   'scores'))
    mixed = write_list(tmp_path / 'f.pkl', LOGITS, [0, 1], 'logits')
    with open(mixed, 'rb') as f:
        samples = pickle.load(f)
    samples[1]['score_kind'] = 'probs'
    with open(mixed, 'wb') as f:
        pickle.dump(samples, f)
    with pytest.raises(ValueError, match=r'f\.pkl: samples disagree'):
        load_score_dump(mixed)
    path = str(tmp_path / 'saved.pkl')
    save_score_dump(LOGITS, [0, 1], path, kind='logits')
    assert load_score_dump(path).kind == 'logits'


def test_official_score_files(tmp_path):
    """``{name: logits}`` as the official CTR-GCN / MMCL code saves them;
    labels from the NTU names (action 59 -> class 58)."""
    scores = {
        'S001C001P003R001A059': np.arange(60, dtype=np.float32),
        'S001C001P003R001A001': -np.arange(60, dtype=np.float32),
    }
    path = tmp_path / 'NTU120_XSub_J.pkl'
    with open(path, 'wb') as f:
        pickle.dump(scores, f)
    dump = load_score_dump(str(path))
    assert dump.kind == 'logits'
    assert dump.labels.tolist() == [58, 0]
    assert dump.names == list(scores)
    np.testing.assert_array_equal(dump.scores[1], -np.arange(60))
    with open(tmp_path / 'ucla.pkl', 'wb') as f:
        pickle.dump({'a001_s01_e00_v01': np.zeros(10)}, f)
    with pytest.raises(ValueError, match=r"ucla\.pkl: sample 0 is named "
                       "'a001_s01_e00_v01'.*NTU sample names"):
        load_score_dump(str(tmp_path / 'ucla.pkl'))
    with open(tmp_path / 'few.pkl', 'wb') as f:
        pickle.dump({'S001C001P003R001A120': np.zeros(60)}, f)
    with pytest.raises(ValueError, match='action 120 needs more than the 60'):
        load_score_dump(str(tmp_path / 'few.pkl'))


def test_dumps_are_aligned_by_name(tmp_path):
    names = ['S001C001P001R001A001', 'S001C001P001R001A002']
    ours = load_score_dump(write_list(tmp_path / 'ours.pkl', LOGITS, [0, 1],
                                      'logits', names))
    official = {names[1]: LOGITS[1] * 2, names[0]: LOGITS[0] * 2}
    with open(tmp_path / 'hd.pkl', 'wb') as f:
        pickle.dump(official, f)
    theirs = load_score_dump(str(tmp_path / 'hd.pkl'))
    with pytest.raises(ValueError):
        check_same_samples([ours, theirs])
    aligned = align_by_name([ours, theirs])
    check_same_samples(aligned)
    assert aligned[1].names == names
    np.testing.assert_array_equal(aligned[1].scores, LOGITS * 2)
    assert aligned[1].labels.tolist() == [0, 1]
    # other samples are not aligned (and then refused)
    other = load_score_dump(write_list(tmp_path / 'o.pkl', LOGITS, [0, 1],
                                       'logits', ['x', 'y']))
    assert align_by_name([ours, other])[1] is other


def test_dump_metric_records_the_kind(tmp_path):
    path = str(tmp_path / 'dump.pkl')
    metric = METRICS.build(
        dict(type='DumpScores', out_file_path=path, score_kind='logits'))
    metric.process({}, [
        dict(pred_score=torch.tensor(s), gt_label=torch.tensor([y]))
        for s, y in zip(LOGITS, [0, 1])
    ])
    metric.evaluate(2)
    with open(path, 'rb') as f:
        assert [s['score_kind'] for s in pickle.load(f)] == ['logits'] * 2
    dump = load_score_dump(path)
    assert dump.kind == 'logits'
    np.testing.assert_allclose(dump.scores, LOGITS)
    with pytest.raises(ValueError, match='score_kind must be one of'):
        METRICS.build(dict(type='DumpScores', out_file_path=path,
                           score_kind='softmax'))


def test_score_averaging_gives_the_raw_logits_of_the_clips():
    """``average_clips='score'`` (what --dump-kind logits sets): the
    dumped score is the mean of the clips' raw logits."""
    model = MODELS.build(
        dict(
            type='RecognizerGCN',
            backbone=dict(
                type='STGCN',
                graph_cfg=dict(layout='nturgb+d', mode='spatial'),
                base_channels=8,
                num_stages=2),
            cls_head=dict(
                type='GCNHead', num_classes=4, in_channels=8,
                average_clips=AVERAGE_CLIPS['logits'])))
    model.eval()
    torch.manual_seed(0)
    inputs = torch.randn(1, 2, 2, 8, 25, 3)  # one sample, two clips
    from mmaction.structures import ActionDataSample
    with torch.no_grad():
        raw, _ = model.extract_feat(inputs, stage='head')  # (2, 4)
        pred = model.predict(inputs, [ActionDataSample()])[0].pred_score
    torch.testing.assert_close(pred, raw.mean(0))
    assert not torch.allclose(pred, raw.softmax(1).mean(0))


def load_test_tool():
    spec = importlib.util.spec_from_file_location(
        'tool_test', osp.join(REPO, 'tools', 'test.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tool_args(**kwargs):
    values = dict(config='c.py', checkpoint='x.pth', work_dir='w', dump=None,
                  dump_kind='probs', cfg_options=None, launcher='none')
    values.update(kwargs)
    return argparse.Namespace(**values)


def test_test_tool_dump_kind_sets_the_head_and_the_metric():
    tool = load_test_tool()

    def config():
        return Config(dict(
            model=dict(cls_head=dict(type='GCNHead', average_clips='prob')),
            test_evaluator=dict(type='AccMetric')))

    cfg = tool.merge_args(config(), tool_args(dump='s.pkl',
                                              dump_kind='logits'))
    assert cfg.model.cls_head.average_clips == 'score'
    assert cfg.test_evaluator[1] == dict(
        type='DumpScores', out_file_path='s.pkl', score_kind='logits')
    cfg = tool.merge_args(config(), tool_args(dump='s.pkl'))
    assert cfg.model.cls_head.average_clips == 'prob'
    assert cfg.test_evaluator[1]['score_kind'] == 'probs'
    with pytest.raises(ValueError, match='--dump-kind needs --dump'):
        tool.merge_args(config(), tool_args(dump_kind='logits'))
    with pytest.raises(ValueError, match="needs 'score'"):
        tool.merge_args(
            config(),
            tool_args(dump='s.pkl', dump_kind='logits',
                      cfg_options={'model.cls_head.average_clips': 'prob'}))

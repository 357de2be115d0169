"""Transfer metrics through a class mapping, and FRM refinement at test
time."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from mmcl_tools.evaluation import (format_transfer_report, load_class_mapping,
                                   predict_scores, transfer_report)
from numerics import assert_same_log_probs, gcn_terms

pytestmark = pytest.mark.numerics

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
UTD = osp.join(REPO, 'configs', 'transfer', 'utd_mhad_to_ntu120.json')


def transfer_case():
    """4 UTD-MHAD samples scored by an NTU120 model (see the test)."""
    scores = np.zeros((4, 120))
    scores[0, 22] = 5.0  # wave: hand waving first
    scores[1, [3, 40, 22]] = [6.0, 5.5, 5.0]  # wave: 3rd, behind unmapped
    scores[2, 79] = 1.0  # squat: 7th behind 6 classes, one of them mapped
    scores[2, [22, 30, 31, 32, 33, 34]] = 2.0
    scores[3, 0] = 9.0  # swipe left: not mapped
    return scores, np.array([2, 2, 26, 0])


def test_report_by_hand():
    mapping = load_class_mapping(UTD)
    scores, labels = transfer_case()
    report = transfer_report(scores, labels, mapping)
    assert report['overall'] == dict(top1=pytest.approx(1 / 3),
                                     top5=pytest.approx(2 / 3),
                                     num_samples=3)
    assert report['num_unmapped'] == 1 and not report['restricted']
    rows = {r['source_name']: r for r in report['per_class']}
    assert rows['wave'] == dict(source_id=2, source_name='wave',
                                target_id=22, target_name='hand waving',
                                num_samples=2, top1=0.5, top5=1.0)
    assert rows['squat']['top1'] == 0.0 and rows['squat']['top5'] == 0.0
    assert rows['arm cross']['num_samples'] == 0
    assert rows['arm cross']['top1'] is None
    text = format_transfer_report(report)
    assert 'wave' in text and '-> 22 hand waving' in text
    assert '33.33' in text and '1 samples of unmapped' in text


def test_restricted_ranking_by_hand():
    mapping = load_class_mapping(UTD)
    scores, labels = transfer_case()
    report = transfer_report(scores, labels, mapping, restrict=True)
    # sample 1: only mapped classes compete -> first; sample 2: behind 22
    assert report['overall']['top1'] == pytest.approx(2 / 3)
    assert report['overall']['top5'] == 1.0
    assert report['restricted']


def test_report_errors():
    mapping = load_class_mapping(UTD)
    with pytest.raises(ValueError, match='label space of ntu120'):
        transfer_report(np.zeros((2, 60)), np.array([2, 2]), mapping)
    with pytest.raises(ValueError, match='none of the 2 samples'):
        transfer_report(np.zeros((2, 120)), np.array([0, 1]), mapping)


MMCL = dict(
    type='MMCLRecognizer',
    backbone=dict(type='CTRGCN', graph_cfg=dict(layout='nturgb+d',
                                                mode='spatial'),
                  base_channels=8, num_stages=2, inflate_stages=(2, ),
                  down_stages=(2, )),
    cls_head=dict(type='GCNHead', num_classes=5, in_channels=16),
    frm_head=dict(type='FRMHead', text_channels=6, hidden_channels=4),
    data_preprocessor=dict(type='MMCLDataPreprocessor'))


def test_prediction_with_and_without_refinement():
    torch.manual_seed(0)
    model = MODELS.build(MMCL)
    model.init_weights()
    model.eval()
    with torch.no_grad():
        model.frm_head.class_matrices.copy_(
            torch.tensor([[1.0, 2.0, 0.5, 1.0, 3.0],
                          [2.0, 1.0, 1.0, 0.2, 1.0]]))
        model.cls_head.fc.weight.normal_(0, 1)
    inputs = torch.randn(3, 2, 2, 8, 25, 3)  # (N, clips, M, T, V, C)
    text = torch.randn(3, 1, 4, 6)  # (N, P, L, D)
    masks = torch.ones(3, 1, 4, dtype=torch.bool)
    masks[1, 0, 2:] = False
    plain = predict_scores(model, inputs)
    samples = [ActionDataSample().set_gt_label(0) for _ in range(3)]
    with torch.no_grad():
        reference = model.test_step(dict(inputs=list(inputs),
                                         data_samples=samples))
    with torch.no_grad():  # (N, clips, classes)
        logits = model.cls_head(model.backbone(
            inputs.reshape((6, ) + inputs.shape[2:]))).view(3, 2, 5)
    # probabilities of two float32 evaluations (other batchings) of the
    # 2-unit, 16-channel net: compared as log-probabilities
    assert_same_log_probs(plain, torch.stack([s.pred_score
                                              for s in reference]),
                          float(logits.abs().max()),
                          gcn_terms(max_channels=16, units=2))

    refined = predict_scores(model, inputs, text, masks, refine=True)
    with torch.no_grad():
        pooled = torch.stack([text[0, 0].mean(0), text[1, 0, :2].mean(0),
                              text[2, 0].mean(0)])
        w = model.frm_head.weight_fc(model.frm_head.unify(pooled)).softmax(1)
        factor = w @ model.frm_head.class_matrices  # (3, 5)
        expected = (logits * factor[:, None]).softmax(-1).mean(1)
    # S_R = S_M x factor: Phi's 6 + 4 terms more, on S_R's scale
    assert_same_log_probs(refined, expected,
                          float((logits * factor[:, None]).abs().max()),
                          gcn_terms(max_channels=16, units=2) + 10)
    assert not torch.allclose(refined, plain)


def test_refinement_needs_frm_and_text():
    model = MODELS.build(dict(MMCL, frm_head=None)).eval()
    inputs = torch.randn(1, 1, 2, 8, 25, 3)
    with pytest.raises(ValueError, match='frm_head'):
        predict_scores(model, inputs, torch.randn(1, 1, 1, 6), refine=True)
    model = MODELS.build(MMCL).eval()
    with pytest.raises(ValueError, match='text features'):
        predict_scores(model, inputs, refine=True)

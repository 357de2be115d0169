"""Top-k, per-class, mean-class accuracy and confusion matrices."""
import contextlib
import io
import os.path as osp
import pickle
import runpy
import sys

import mmaction
import numpy as np
import pytest
import torch
from mmaction.evaluation.functional import top_k_accuracy

from mmcl_tools.evaluation import load_score_dump
from mmcl_tools.evaluation import (accuracy_report, confusion_matrix,
                                   mean_class_accuracy, per_class_accuracy,
                                   topk_accuracy, topk_hits)

#: mmaction2's score-fusion / accuracy report tool, as installed.
REPORT_ACCURACY = osp.join(
    osp.dirname(mmaction.__file__), '.mim', 'tools', 'analysis_tools',
    'report_accuracy.py')

SCORES = np.array([
    [0.6, 0.3, 0.1, 0.0],  # label 0: rank 1
    [0.5, 0.4, 0.1, 0.0],  # label 1: rank 2
    [0.2, 0.3, 0.1, 0.4],  # label 2: rank 4
    [0.3, 0.6, 0.1, 0.0],  # label 0: rank 2
])
LABELS = np.array([0, 1, 2, 0])


def test_topk_by_hand():
    np.testing.assert_array_equal(topk_hits(SCORES, LABELS, 1),
                                  [True, False, False, False])
    np.testing.assert_array_equal(topk_hits(SCORES, LABELS, 2),
                                  [True, True, False, True])
    assert topk_accuracy(SCORES, LABELS, 1) == 0.25
    assert topk_accuracy(SCORES, LABELS, 2) == 0.75
    assert topk_accuracy(SCORES, LABELS, 5) == 1.0  # k >= C


def test_topk_agrees_with_mmaction2_without_ties():
    rng = np.random.default_rng(0)
    scores = rng.random((50, 12))
    labels = rng.integers(0, 12, 50)
    expected = top_k_accuracy(scores, labels, (1, 5))
    assert [topk_accuracy(scores, labels, k) for k in (1, 5)] == \
        pytest.approx(expected)


def test_ties_fall_as_in_mmaction2_and_nan_is_refused():
    # integer scores: many ties; hits must average to mmaction2's top-k
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 3, (200, 6)).astype(np.float64)
    labels = rng.integers(0, 6, 200)
    for k in (1, 2, 5):
        expected = top_k_accuracy(scores, labels, (k, ))[0]
        assert topk_hits(scores, labels, k).mean() == expected
        assert topk_accuracy(scores, labels, k) == expected
    # argsort puts the last of equal scores last: label 1 of [0, 0, 0] is
    # not the top-1, but is in the top-2
    assert not topk_hits(np.zeros((1, 3)), np.array([1]), 1)[0]
    assert topk_hits(np.zeros((1, 3)), np.array([1]), 2)[0]
    with pytest.raises(ValueError, match='NaN'):
        topk_hits(np.array([[np.nan, 0.0]]), np.array([0]), 1)
    with pytest.raises(ValueError, match='labels must be in 0..3'):
        topk_hits(SCORES, np.array([0, 1, 2, 4]), 1)
    with pytest.raises(ValueError, match=r'\(N, C\)'):
        topk_hits(np.zeros(3), np.zeros(3, int), 1)


def test_confusion_and_per_class_by_hand():
    cm = confusion_matrix(SCORES.argmax(1), LABELS, 4)
    expected = np.zeros((4, 4), int)
    expected[0, 0] = expected[1, 0] = expected[2, 3] = expected[0, 1] = 1
    np.testing.assert_array_equal(cm, expected)
    assert per_class_accuracy(SCORES, LABELS) == {0: 0.5, 1: 0.0, 2: 0.0}
    assert per_class_accuracy(SCORES, LABELS, k=2) == {0: 1.0, 1: 1.0,
                                                       2: 0.0}
    with pytest.raises(ValueError, match='labels must be in 0..2'):
        confusion_matrix(np.array([0]), np.array([3]), 3)


def test_mean_class_counts_classes_only_predicted():
    # class 3 is predicted (sample 2) but never true: mmaction2 averages
    # over classes 0..3 with 0 for class 3 -> (0.5 + 0 + 0 + 0) / 4; the
    # mean over the true classes only would be 0.5 / 3
    assert mean_class_accuracy(SCORES, LABELS) == pytest.approx(0.5 / 4)
    report = accuracy_report(SCORES, LABELS)
    assert report == dict(top1=0.25, top5=1.0,
                          mean_class=pytest.approx(0.5 / 4), num_samples=4)


def mmaction_report(dump_path):
    """Run mmaction2's report_accuracy.py on one dump; its three numbers."""
    out = io.StringIO()
    argv = sys.argv
    sys.argv = [REPORT_ACCURACY, '--preds', dump_path, '--coefficients', '1']
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(REPORT_ACCURACY, run_name='__main__')
    finally:
        sys.argv = argv
    values = {}
    for line in out.getvalue().splitlines():
        name, value = line.rsplit(':', 1)
        values[name.strip()] = float(value)
    return (values['Mean Class Accuracy'], values['Top 1 Accuracy'],
            values['Top 5 Accuracy'])


@pytest.mark.parametrize('seed', [0, 1])
def test_dump_gives_mmaction2_report_accuracy_numbers(tmp_path, seed):
    # a test dump as mmaction2's DumpResults writes it (torch tensors);
    # class 7 never occurs as a label but is predicted for some samples
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 7, 60)
    scores = rng.random((60, 8)).astype(np.float32)
    scores[:6, 7] = 2.0
    path = str(tmp_path / 'scores.pkl')
    with open(path, 'wb') as f:
        pickle.dump([
            dict(pred_score=torch.from_numpy(s), gt_label=torch.tensor([l]))
            for s, l in zip(scores, labels)
        ], f)
    dump = load_score_dump(path)
    ours = accuracy_report(dump.scores, dump.labels)
    mean_class, top1, top5 = mmaction_report(path)
    assert round(ours['mean_class'], 4) == mean_class
    assert round(ours['top1'], 4) == top1
    assert round(ours['top5'], 4) == top5
    # the old rule (classes with labels only) gives another mean-class here
    label_only = np.mean(list(per_class_accuracy(scores, labels).values()))
    assert round(label_only, 4) != mean_class

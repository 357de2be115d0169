"""Top-k, per-class, mean-class accuracy and confusion matrices."""
import numpy as np
import pytest
from mmaction.evaluation.functional import top_k_accuracy

from mmcl_plugin.evaluation import (accuracy_report, confusion_matrix,
                                    mean_class_accuracy, per_class_accuracy,
                                    topk_accuracy, topk_hits)

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


def test_ties_never_help_and_nan_is_refused():
    assert not topk_hits(np.zeros((1, 3)), np.array([1]), 1)[0]
    assert topk_hits(np.array([[1.0, 1.0, 0.0]]), np.array([1]), 2)[0]
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


def test_mean_class_ignores_classes_only_predicted():
    # class 3 is predicted but never true: mean over classes 0, 1, 2 only
    assert mean_class_accuracy(SCORES, LABELS) == pytest.approx(0.5 / 3)
    report = accuracy_report(SCORES, LABELS)
    assert report == dict(top1=0.25, top5=1.0,
                          mean_class=pytest.approx(0.5 / 3), num_samples=4)

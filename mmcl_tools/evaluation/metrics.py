"""Classification metrics on per-sample score matrices, as mmaction2
defines them.

Shapes: N samples, C classes; ``scores`` is (N, C) (probabilities or
logits: only the ranking matters), ``labels`` (N, ) int class ids.

Reported figures come from mmaction2's own ``top_k_accuracy`` and
``mean_class_accuracy`` (``mmaction.evaluation``), the functions of its
``AccMetric`` and of ``tools/analysis_tools/report_accuracy.py``, so a
score dump gives the same numbers here as there:

- top-k: a sample is a hit when its label is among the last k entries of
  ``np.argsort(scores)`` (ties fall as ``argsort`` orders them);
- mean-class: the top-1 (argmax) accuracy of every class that occurs among
  the labels *or the predictions*, averaged; a class that is only
  predicted counts as 0.

Per-sample hits (:func:`topk_hits`) follow the same ``argsort`` rule, so
their mean is mmaction2's top-k; :func:`per_class_accuracy` averages them
over the samples of each label class.
"""
from typing import Dict, Sequence

import numpy as np
from mmaction.evaluation import mean_class_accuracy as mmaction_mean_class
from mmaction.evaluation import top_k_accuracy


def check_scores_labels(scores: np.ndarray, labels: np.ndarray) -> None:
    """Raise a ValueError unless scores are (N, C) and labels (N, ) in range.

    Args:
        scores (np.ndarray): (N, C) scores.
        labels (np.ndarray): (N, ) class ids.
    """
    if scores.ndim != 2:
        raise ValueError(f'scores must be (N, C), got shape {scores.shape}')
    if labels.shape != (scores.shape[0], ):
        raise ValueError(f'labels must be ({scores.shape[0]}, ), got shape '
                         f'{labels.shape}')
    if np.isnan(scores).any():
        # NaN compares False with everything: it would look like a top-1 hit
        raise ValueError('scores contain NaN')
    if labels.size and (labels.min() < 0 or labels.max() >= scores.shape[1]):
        raise ValueError(f'labels must be in 0..{scores.shape[1] - 1}, got '
                         f'{labels.min()}..{labels.max()}')


def topk_hits(scores: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Whether each sample's label is among its ``k`` best scores.

    The ``k`` best are the last ``k`` of ``np.argsort(scores)``, as in
    mmaction2's ``top_k_accuracy``.

    Args:
        scores (np.ndarray): (N, C) scores.
        labels (np.ndarray): (N, ) class ids.
        k (int): k >= 1; k >= C makes every sample a hit.

    Returns:
        np.ndarray: (N, ) bool.
    """
    scores, labels = np.asarray(scores), np.asarray(labels)
    check_scores_labels(scores, labels)
    if k < 1:
        raise ValueError(f'k must be >= 1, got {k}')
    best = np.argsort(scores, axis=1)[:, -k:]
    return (best == labels[:, None]).any(axis=1)


def topk_accuracy(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """mmaction2's ``top_k_accuracy`` for one k (inputs checked first)."""
    scores, labels = np.asarray(scores), np.asarray(labels)
    check_scores_labels(scores, labels)
    if k < 1:
        raise ValueError(f'k must be >= 1, got {k}')
    if labels.size == 0:
        raise ValueError('no samples to compute an accuracy on')
    return float(top_k_accuracy(scores, labels, (k, ))[0])


def confusion_matrix(predictions: np.ndarray, labels: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class).

    Args:
        predictions (np.ndarray): (N, ) predicted class ids.
        labels (np.ndarray): (N, ) true class ids.
        num_classes (int): C.

    Returns:
        np.ndarray: (C, C) int64; row = true class, column = prediction.
    """
    predictions = np.asarray(predictions, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    if predictions.shape != labels.shape:
        raise ValueError(f'{predictions.shape} predictions for '
                         f'{labels.shape} labels')
    for name, values in (('predictions', predictions), ('labels', labels)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f'{name} must be in 0..{num_classes - 1}')
    return np.bincount(
        labels * num_classes + predictions,
        minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_accuracy(scores: np.ndarray, labels: np.ndarray,
                       k: int = 1) -> Dict[int, float]:
    """Top-k accuracy of each class that occurs in ``labels``.

    Returns:
        dict[int, float]: class id -> accuracy over its samples.
    """
    hits = topk_hits(scores, labels, k)
    labels = np.asarray(labels)
    return {
        int(c): float(hits[labels == c].mean())
        for c in np.unique(labels)
    }


def mean_class_accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """mmaction2's ``mean_class_accuracy`` (inputs checked first).

    Classes only predicted, never true, count as 0 (see the module doc).
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels, dtype=np.int64)
    check_scores_labels(scores, labels)
    if labels.size == 0:
        raise ValueError('no samples to compute an accuracy on')
    return float(mmaction_mean_class(scores, labels))


def accuracy_report(scores: np.ndarray,
                    labels: np.ndarray,
                    topk: Sequence[int] = (1, 5)) -> Dict[str, float]:
    """Top-k accuracies and the mean-class accuracy, as mmaction2's
    ``report_accuracy.py`` computes them.

    Returns:
        dict[str, float]: ``top1``, ``top5`` (one key per k) and
        ``mean_class``, all fractions in [0, 1], plus ``num_samples``.
    """
    report = {f'top{k}': topk_accuracy(scores, labels, k) for k in topk}
    report['mean_class'] = mean_class_accuracy(scores, labels)
    report['num_samples'] = int(len(labels))
    return report

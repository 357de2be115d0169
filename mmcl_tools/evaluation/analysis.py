"""Per-class and fine-grained analysis of a model against a baseline.

The "fine-grained" report follows the MMCL paper's analysis of similar
actions (writing vs playing with phone, wear vs take off a shoe): the class
pairs the *baseline* confuses most, and for each pair the accuracies of
both classes and the confusions in both directions, for the baseline and
for the compared (MMCL) model. The confusion of a pair (a, b) is
``cm[a, b] / n_a + cm[b, a] / n_b``: rates, so that a class with many
samples does not dominate.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .metrics import confusion_matrix


def row_normalize(cm: np.ndarray) -> np.ndarray:
    """Confusion counts to rates per true class (rows without samples: 0)."""
    totals = cm.sum(axis=1, keepdims=True).astype(np.float64)
    return np.divide(cm, totals, out=np.zeros(cm.shape), where=totals > 0)


def most_confused_pairs(cm: np.ndarray,
                        top: int = 10) -> List[Tuple[int, int, float]]:
    """The class pairs with the largest mutual confusion.

    Args:
        cm (np.ndarray): (C, C) confusion counts, row = true class.
        top (int): How many pairs. Defaults to 10.

    Returns:
        list[tuple[int, int, float]]: (a, b, rate a->b + rate b->a) with
        a < b, largest first (ties: lower ids first); pairs never confused
        are left out.
    """
    rates = row_normalize(cm)
    mutual = np.triu(rates + rates.T, k=1)
    a, b = np.nonzero(mutual > 0)
    order = sorted(zip(a.tolist(), b.tolist()),
                   key=lambda p: (-mutual[p], p[0], p[1]))
    return [(i, j, float(mutual[i, j])) for i, j in order[:top]]


def pair_stats(cm: np.ndarray, a: int, b: int) -> Dict[str, Optional[float]]:
    """Accuracies of classes a and b and their confusion rates.

    Returns:
        dict: ``acc_a``, ``acc_b`` (top-1 of each class), ``a_as_b``,
        ``b_as_a`` (fraction of a predicted as b and vice versa); None for
        a class without samples.
    """
    rates = row_normalize(cm)
    has = cm.sum(axis=1) > 0
    return dict(
        acc_a=float(rates[a, a]) if has[a] else None,
        acc_b=float(rates[b, b]) if has[b] else None,
        a_as_b=float(rates[a, b]) if has[a] else None,
        b_as_a=float(rates[b, a]) if has[b] else None)


def fine_grained_report(labels: np.ndarray,
                        baseline_pred: np.ndarray,
                        model_pred: Optional[np.ndarray],
                        class_names: Sequence[str],
                        top: int = 10) -> List[Dict]:
    """The baseline's most confused pairs and how the model changes them.

    Args:
        labels (np.ndarray): (N, ) true class ids.
        baseline_pred (np.ndarray): (N, ) top-1 predictions of the
            baseline (the model itself when there is no baseline).
        model_pred (np.ndarray, optional): (N, ) top-1 predictions of the
            compared model, same samples.
        class_names (Sequence[str]): Names, index = class id.
        top (int): Number of pairs. Defaults to 10.

    Returns:
        list[dict]: Per pair: ``class_a``, ``class_b``, ``name_a``,
        ``name_b``, ``confusion`` (baseline's mutual rate), ``baseline``
        (:func:`pair_stats`) and, with a model, ``model`` and
        ``confusion_model``.
    """
    num_classes = len(class_names)
    base_cm = confusion_matrix(baseline_pred, labels, num_classes)
    model_cm = None if model_pred is None else confusion_matrix(
        model_pred, labels, num_classes)
    rows = []
    for a, b, rate in most_confused_pairs(base_cm, top):
        row = dict(
            class_a=a,
            class_b=b,
            name_a=class_names[a],
            name_b=class_names[b],
            confusion=rate,
            baseline=pair_stats(base_cm, a, b))
        if model_cm is not None:
            model_rates = row_normalize(model_cm)
            row['model'] = pair_stats(model_cm, a, b)
            row['confusion_model'] = float(model_rates[a, b] +
                                           model_rates[b, a])
        rows.append(row)
    return rows


def format_fine_grained_markdown(rows: List[Dict],
                                 baseline_name: str = 'baseline',
                                 model_name: str = 'MMCL') -> str:
    """A Markdown table of :func:`fine_grained_report` (percent).

    With a compared model every cell reads ``baseline -> model``.
    """

    def pct(value):
        return '-' if value is None else f'{100 * value:.1f}'

    with_model = bool(rows) and 'model' in rows[0]

    def cell(row, key):
        if not with_model:
            return pct(row['baseline'][key])
        return f'{pct(row["baseline"][key])} → {pct(row["model"][key])}'

    title = (f'{baseline_name} → {model_name}' if with_model else
             baseline_name)
    lines = [
        f'| class A | class B | acc A % ({title}) | acc B % | '
        'A as B % | B as A % |', '| --- | --- | --- | --- | --- | --- |'
    ]
    for row in rows:
        lines.append(
            f'| {row["class_a"]} {row["name_a"]} | {row["class_b"]} '
            f'{row["name_b"]} | {cell(row, "acc_a")} | {cell(row, "acc_b")} '
            f'| {cell(row, "a_as_b")} | {cell(row, "b_as_a")} |')
    if not rows:
        lines.append('| (no confused pair) | | | | | |')
    return '\n'.join(lines)

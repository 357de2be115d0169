"""Zero-shot transfer metrics: a model's scores in its own (target) label
space, evaluated on another dataset through a class mapping.

Only the samples of mapped source classes count. Their label becomes the
mapped target class; top-k is taken over all target classes, or, with
``restrict=True``, over the mapped target classes only (the other scores
are set to -inf), which asks "which of these few actions is it".
"""
from typing import Dict, List, Sequence

import numpy as np

from .class_mapping import ClassMapping, restrict_scores
from .metrics import topk_accuracy, topk_hits


def transfer_report(scores: np.ndarray,
                    source_labels: np.ndarray,
                    mapping: ClassMapping,
                    restrict: bool = False,
                    topk: Sequence[int] = (1, 5)) -> Dict:
    """Overall and per-class top-k of a transferred model.

    Args:
        scores (np.ndarray): (N, C_target) scores of the N source samples.
        source_labels (np.ndarray): (N, ) source class ids.
        mapping (ClassMapping): Source -> target classes.
        restrict (bool): Rank only the mapped target classes.
            Defaults to False.
        topk (Sequence[int]): The k of the accuracies. Defaults to (1, 5).

    Returns:
        dict: ``overall`` (``top1``, ``top5``, ..., ``num_samples``),
        ``num_unmapped`` (samples of unmapped source classes, ignored),
        ``restricted`` and ``per_class``: one dict per pair of the table
        (``source_id``, ``source_name``, ``target_id``, ``target_name``,
        ``num_samples``, ``top1``, ... ; accuracies None without samples).
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] != len(mapping.target_names):
        raise ValueError(
            f'scores of shape {scores.shape} are not in the label space of '
            f'{mapping.target} ({len(mapping.target_names)} classes)')
    source_labels = np.asarray(source_labels, dtype=np.int64)
    targets, mapped = mapping.map_labels(source_labels)
    if not mapped.any():
        raise ValueError(f'none of the {len(source_labels)} samples belongs '
                         f'to a class mapped by {mapping.path or "the table"}')
    scores = scores[mapped]
    if restrict:
        scores = restrict_scores(scores, mapping.target_ids)
    targets, sources = targets[mapped], source_labels[mapped]
    hits = {k: topk_hits(scores, targets, k) for k in topk}
    overall = {f'top{k}': topk_accuracy(scores, targets, k) for k in topk}
    overall['num_samples'] = int(mapped.sum())
    per_class: List[Dict] = []
    for source_id, target_id in mapping.pairs:
        mask = sources == source_id
        row = dict(
            source_id=source_id,
            source_name=mapping.source_names[source_id],
            target_id=target_id,
            target_name=mapping.target_names[target_id],
            num_samples=int(mask.sum()))
        for k, h in hits.items():
            row[f'top{k}'] = float(h[mask].mean()) if mask.any() else None
        per_class.append(row)
    return dict(
        overall=overall,
        num_unmapped=int((~mapped).sum()),
        restricted=bool(restrict),
        per_class=per_class)


def format_transfer_report(report: Dict) -> str:
    """A plain-text table of :func:`transfer_report`'s result (percent)."""
    ks = [key for key in report['overall'] if key.startswith('top')]

    def pct(value):
        return '-' if value is None else f'{100 * value:.2f}'

    header = f'{"source class":<34}{"-> target class":<40}{"n":>6}' + ''.join(
        f'{k:>8}' for k in ks)
    lines = [header, '-' * len(header)]
    for row in report['per_class']:
        lines.append(
            f'{row["source_name"][:33]:<34}'
            f'{("-> " + str(row["target_id"]) + " " + row["target_name"])[:39]:<40}'  # noqa: E501
            f'{row["num_samples"]:>6}' + ''.join(
                f'{pct(row[k]):>8}' for k in ks))
    overall = report['overall']
    lines.append('-' * len(header))
    lines.append(f'{"overall":<74}{overall["num_samples"]:>6}' + ''.join(
        f'{pct(overall[k]):>8}' for k in ks))
    note = ('scores restricted to the mapped classes' if report['restricted']
            else 'ranked among all target classes')
    lines.append(f'({note}; {report["num_unmapped"]} samples of unmapped '
                 'classes ignored)')
    return '\n'.join(lines)

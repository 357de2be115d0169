"""Multi-stream score fusion (joint, bone, joint motion, bone motion, ...).

The fused score of a sample is ``sum_s w_s * S_s`` over the streams s,
where S_s are the streams' probabilities (``fuse='probs'``: logits are
turned into probabilities first) or their raw logits (``fuse='logits'``,
as the official CTR-GCN / MMCL ensembles do). Weights are given, taken
from a named preset (:data:`ENSEMBLE_PRESETS`), or searched on a
*held-out* split: every weight vector on a grid of the simplex
(non-negative, summing to 1, multiples of ``step``) is tried and the one
with the best top-1 accuracy is kept. Only the ratios of the weights
matter for top-k, so the simplex covers every distinct fusion of the grid.
Searching on the test split itself reports an optimistic accuracy and is
only done when asked for explicitly.
"""
import dataclasses
import itertools
from typing import Callable, Dict, Iterable, Optional, Sequence, Tuple

import numpy as np

from mmcl_tools.evaluation.score_dumps import ScoreDump
from .metrics import topk_accuracy

#: What the streams' scores are fused as.
FUSE_MODES = ('probs', 'logits')


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) scores (numerically stable)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def scores_to_fuse(dump: ScoreDump, fuse: str) -> np.ndarray:
    """One stream's (N, C) scores as the fusion takes them.

    Args:
        dump (ScoreDump): The stream, with its ``kind``.
        fuse (str): 'probs' (logits go through a softmax) or 'logits'.

    Raises:
        ValueError: ``fuse='logits'`` with a dump of probabilities
            (clip-averaged probabilities do not give the logits back),
            naming the file.
    """
    if fuse not in FUSE_MODES:
        raise ValueError(f'fuse must be one of {FUSE_MODES}, got {fuse!r}')
    if fuse == 'probs':
        return softmax(dump.scores) if dump.kind == 'logits' else dump.scores
    if dump.kind != 'logits':
        raise ValueError(
            f'{dump.path} holds probabilities, but the fusion is of raw '
            f'logits: dump them with tools/test.py --dump-kind logits (or '
            f'fuse probabilities with --fuse probs)')
    return dump.scores


@dataclasses.dataclass(frozen=True)
class EnsemblePreset:
    """A published fusion: its streams, weights and score kind.

    Attributes:
        streams (tuple[str]): Stream names, in the order of ``weights``.
        weights (tuple[float]): One weight per stream.
        fuse (str): What is fused, 'logits' or 'probs'.
        num_classes (int): Classes of the benchmark.
        source (str): Where the values come from.
    """

    streams: Tuple[str, ...]
    weights: Tuple[float, ...]
    fuse: str
    num_classes: int
    source: str

    def __post_init__(self) -> None:
        if len(self.streams) != len(self.weights):
            raise ValueError(f'{len(self.weights)} weights for '
                             f'{len(self.streams)} streams')
        if self.fuse not in FUSE_MODES:
            raise ValueError(f'fuse must be one of {FUSE_MODES}')


#: Fusions of published results, by name.
ENSEMBLE_PRESETS: Dict[str, EnsemblePreset] = {
    # The paper's NTU120 X-Sub 90.3 %: four CTR-GCN streams trained with
    # MMCL and two HD-GCN streams (joint, bone), raw logits.
    'mmcl-ntu120-xsub':
    EnsemblePreset(
        streams=('J', 'B', 'JM', 'BM', 'HDJ', 'HDB'),
        weights=(2.361693262051476, 4.35402786600752, 3.6038236890242237,
                 1.0158095311333564, 3.0574845840597544, 5.0),
        fuse='logits',
        num_classes=120,
        source='MMCL release (github liujf69/MMCL-Action), '
        'Ensemble/ensemble.py, benchmark NTU120XSub'),
}


def fuse_scores(streams: Sequence[np.ndarray],
                weights: Sequence[float]) -> np.ndarray:
    """Weighted sum of the streams' scores.

    Args:
        streams (Sequence[np.ndarray]): S arrays of shape (N, C).
        weights (Sequence[float]): S non-negative weights, not all 0.

    Returns:
        np.ndarray: (N, C) fused scores.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if len(streams) != len(weights):
        raise ValueError(f'{len(weights)} weights for {len(streams)} '
                         'streams')
    if (weights < 0).any() or not weights.any() or \
            not np.isfinite(weights).all():
        raise ValueError(f'weights must be finite, >= 0 and not all 0, got '
                         f'{weights.tolist()}')
    shapes = {s.shape for s in streams}
    if len(shapes) != 1:
        raise ValueError(f'streams have different shapes {sorted(shapes)}')
    return np.tensordot(weights, np.stack(streams), axes=1)


def simplex_grid(num_streams: int, step: float) -> np.ndarray:
    """Every weight vector of ``num_streams`` multiples of ``step`` that
    sum to 1.

    Args:
        num_streams (int): S >= 1.
        step (float): Grid step; 1 / step must be an integer.

    Returns:
        np.ndarray: (P, S) weights, P = C(1/step + S - 1, S - 1).
    """
    if num_streams < 1:
        raise ValueError('need at least one stream')
    units = round(1 / step) if step > 0 else 0
    if units < 1 or abs(units * step - 1) > 1e-9:
        raise ValueError(f'1 / step must be a positive integer, got step '
                         f'{step}')
    # stars and bars: S - 1 cut positions among units + S - 1 slots
    grid = []
    for cuts in itertools.combinations(
            range(units + num_streams - 1), num_streams - 1):
        bounds = (-1, ) + cuts + (units + num_streams - 1, )
        grid.append([bounds[i + 1] - bounds[i] - 1
                     for i in range(num_streams)])
    return np.asarray(grid, dtype=np.float64) / units


def search_weights(streams: Sequence[np.ndarray],
                   labels: np.ndarray,
                   step: float = 0.1,
                   progress: Optional[Callable[[Iterable], Iterable]] = None
                   ) -> Tuple[np.ndarray, float]:
    """The grid weights with the best fused top-1 accuracy.

    Ties go to the weights closest to uniform (the least tuned fusion).

    Args:
        streams (Sequence[np.ndarray]): S (N, C) score arrays of the
            held-out split.
        labels (np.ndarray): (N, ) class ids.
        step (float): Grid step of :func:`simplex_grid`. Defaults to 0.1.
        progress (callable, optional): Wraps the grid iterable (e.g.
            ``tqdm``).

    Returns:
        tuple[np.ndarray, float]: (S, ) weights summing to 1 and their
        top-1 accuracy.
    """
    stacked = np.stack(streams).astype(np.float32)  # (S, N, C)
    labels = np.asarray(labels)
    if labels.shape != (stacked.shape[1], ):
        raise ValueError(f'{labels.shape} labels for {stacked.shape[1]} '
                         'samples')
    grid = simplex_grid(len(streams), step)
    uniform = np.full(len(streams), 1 / len(streams))
    best, best_key = None, None
    rows = progress(grid) if progress is not None else grid
    for weights in rows:
        fused = np.tensordot(weights.astype(np.float32), stacked, axes=1)
        accuracy = topk_accuracy(fused, labels, 1)
        key = (accuracy, -float(np.linalg.norm(weights - uniform)))
        if best_key is None or key > best_key:
            best, best_key = weights, key
    return best, best_key[0]

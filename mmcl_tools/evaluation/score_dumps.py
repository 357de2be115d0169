"""Per-sample score dumps of ``tools/test.py --dump``.

A dump is mmengine's ``DumpResults`` output: a pickled list with one dict
per test sample (an ``ActionDataSample`` as a dict) holding ``pred_score``
(C, ) and ``gt_label`` ((1, ) tensor or int), and usually ``frame_dir``.
mmaction2 1.0's ``pred_scores['item']`` / ``gt_labels['item']`` spelling is
read too. ``tools/test.py`` also records in every sample what the scores
are, ``score_kind`` 'probs' (clip-averaged softmax, mmaction2's default)
or 'logits' (clip-averaged raw class scores); in a dump without it the
kind is inferred (rows of non-negative values summing to 1 are
probabilities).

The score files of the official CTR-GCN / MMCL / HD-GCN code are read
too: a pickled dict ``{sample name: (C, ) raw logits}`` in test order,
whose labels come from the NTU sample names (``...A<action>``), as the
MMCL release's ``Ensemble/ensemble.py`` takes them.

Every problem is reported with the file and the sample index.
"""
import pickle
import re
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from mmcl_plugin.evaluation.score_dump_metric import (SCORE_KIND_KEY,
                                                      SCORE_KINDS)
from mmcl_plugin.utils import (UntrustedPickleError, dump_pickle_atomic,
                               load_pickle)

#: An NTU sample name ends with the action: ``S001C001P001R001A059``.
_NTU_ACTION = re.compile(r'A(\d{3})$')


class ScoreDump(NamedTuple):
    """Scores of one stream on one test set.

    Attributes:
        path (str): The file it was read from (for messages).
        scores (np.ndarray): (N, C) float64 scores.
        labels (np.ndarray): (N, ) int64 ground-truth class ids.
        names (list[str], optional): ``frame_dir`` of every sample when
            every sample has one.
        kind (str): 'probs' or 'logits' (see :data:`SCORE_KINDS`).
    """
    path: str
    scores: np.ndarray
    labels: np.ndarray
    names: Optional[List[str]]
    kind: str = 'probs'


def looks_like_probabilities(scores: np.ndarray) -> bool:
    """Whether every row of (N, C) scores is a probability distribution."""
    return bool((scores >= 0).all()) and bool(
        np.allclose(scores.sum(axis=1), 1.0, atol=1e-3))


def to_numpy(value: Any) -> np.ndarray:
    """A tensor, array, number or list as a NumPy array (on the CPU)."""
    if hasattr(value, 'detach'):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _field(sample: Dict, keys: Sequence[str], path: str, index: int) -> Any:
    """The first of ``keys`` present in ``sample`` (``a.b`` = nested)."""
    for key in keys:
        node = sample
        for part in key.split('.'):
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            return node
    raise ValueError(f'{path}: sample {index} has none of {list(keys)} '
                     f'(keys: {sorted(sample)[:10]})')


def _score_row(score: Any, first: Optional[np.ndarray],
               where: str) -> np.ndarray:
    """One sample's (C, ) scores as float64, checked against the first
    sample's; ``where`` (file and sample) starts every error message."""
    score = to_numpy(score)
    if score.ndim != 1:
        raise ValueError(f'{where}: pred_score has shape {score.shape}, '
                         'expected (num_classes, )')
    if first is not None and score.shape != first.shape:
        raise ValueError(f'{where} has {score.shape[0]} class scores, '
                         f'sample 0 has {first.shape[0]}')
    if not np.isfinite(score).all():
        raise ValueError(f'{where}: pred_score is not all finite')
    return score.astype(np.float64)


def parse_score_dump(samples: Sequence[Dict], path: str) -> ScoreDump:
    """Turn the dicts of a dump into a :class:`ScoreDump`.

    Args:
        samples (Sequence[dict]): The unpickled list.
        path (str): Its file name, for error messages.

    Returns:
        ScoreDump: The stacked scores and labels.
    """
    if isinstance(samples, dict):
        return parse_official_scores(samples, path)
    if not isinstance(samples, (list, tuple)):
        raise ValueError(f'{path}: expected a list of per-sample dicts (or '
                         f'the official {{name: scores}} dict), got '
                         f'{type(samples).__name__}')
    if not samples:
        raise ValueError(f'{path}: the dump holds no sample')
    scores, labels, names, kinds = [], [], [], set()
    for index, sample in enumerate(samples):
        if not isinstance(sample, dict):
            raise ValueError(f'{path}: sample {index} is a '
                             f'{type(sample).__name__}, not a dict')
        score = _score_row(
            _field(sample, ('pred_score', 'pred_scores.item'), path, index),
            scores[0] if scores else None, f'{path}: sample {index}')
        label = to_numpy(
            _field(sample, ('gt_label', 'gt_labels.item'), path, index))
        if label.size != 1:
            raise ValueError(f'{path}: sample {index}: gt_label has shape '
                             f'{label.shape}, expected one class id')
        label = int(label.reshape(()))
        if not 0 <= label < score.shape[0]:
            raise ValueError(f'{path}: sample {index}: gt_label {label} is '
                             f'outside 0..{score.shape[0] - 1}')
        kind = sample.get(SCORE_KIND_KEY)
        if kind is not None and kind not in SCORE_KINDS:
            raise ValueError(f'{path}: sample {index}: {SCORE_KIND_KEY} '
                             f'{kind!r} is not one of {SCORE_KINDS}')
        kinds.add(kind)
        scores.append(score)
        labels.append(label)
        names.append(sample.get('frame_dir'))
    if len(kinds) > 1:
        raise ValueError(f'{path}: samples disagree on {SCORE_KIND_KEY} '
                         f'({sorted(map(str, kinds))})')
    scores = np.stack(scores)
    kind = kinds.pop()
    if kind is None:
        kind = 'probs' if looks_like_probabilities(scores) else 'logits'
    return ScoreDump(
        path=path,
        scores=scores,
        labels=np.asarray(labels, dtype=np.int64),
        names=[str(n) for n in names] if all(
            n is not None for n in names) else None,
        kind=kind)


def parse_official_scores(scores: Dict, path: str) -> ScoreDump:
    """An official score file: ``{NTU sample name: (C, ) raw logits}``.

    Args:
        scores (dict): The unpickled dict, in test order.
        path (str): Its file name, for error messages.

    Returns:
        ScoreDump: Kind 'logits', labels from the names' action ids.
    """
    if not scores:
        raise ValueError(f'{path}: the score file holds no sample')
    rows, labels, names = [], [], []
    for index, (name, score) in enumerate(scores.items()):
        name = str(name)
        match = _NTU_ACTION.search(name)
        if match is None:
            raise ValueError(
                f'{path}: sample {index} is named {name!r}; the labels of '
                f'an official {{name: scores}} file come from NTU sample '
                f'names ending in A<action>, e.g. S001C001P001R001A001')
        score = _score_row(score, rows[0] if rows else None,
                           f'{path}: sample {index} ({name})')
        label = int(match.group(1)) - 1
        if not 0 <= label < score.shape[0]:
            raise ValueError(f'{path}: sample {index} ({name}): action '
                             f'{label + 1} needs more than the '
                             f'{score.shape[0]} classes of the scores')
        rows.append(score)
        labels.append(label)
        names.append(name)
    return ScoreDump(
        path=path,
        scores=np.stack(rows),
        labels=np.asarray(labels, dtype=np.int64),
        names=names,
        kind='logits')


def load_score_dump(path: str) -> ScoreDump:
    """Read a ``tools/test.py --dump`` pickle.

    Args:
        path (str): The ``.pkl`` file.

    Returns:
        ScoreDump: Its scores, labels and sample names.
    """
    try:
        samples = load_pickle(path)
    except UntrustedPickleError:
        raise  # names the file, the refused global and the opt-in
    except (OSError, pickle.UnpicklingError, EOFError) as error:
        raise ValueError(f'{path}: cannot read the score dump ({error})'
                         ) from None
    return parse_score_dump(samples, path)


def align_by_name(dumps: Sequence[ScoreDump]) -> List[ScoreDump]:
    """Put every dump's samples in the first dump's order, by name.

    Dumps of the same named samples in another order (e.g. the official
    score files beside ``tools/test.py`` dumps) are reordered; anything
    else (no names, other or repeated names) is returned as it is, for
    :func:`check_same_samples` to judge.
    """
    if not dumps or dumps[0].names is None:
        return list(dumps)
    ref = dumps[0].names
    position = {name: i for i, name in enumerate(ref)}
    aligned = [dumps[0]]
    for dump in dumps[1:]:
        if dump.names is None or dump.names == ref or \
                len(position) != len(ref) or \
                len(set(dump.names)) != len(dump.names) or \
                set(dump.names) != set(ref):
            aligned.append(dump)
            continue
        order = np.argsort([position[name] for name in dump.names])
        aligned.append(
            dump._replace(
                scores=dump.scores[order],
                labels=dump.labels[order],
                names=[dump.names[i] for i in order]))
    return aligned


def check_same_samples(dumps: Sequence[ScoreDump]) -> None:
    """Refuse dumps that are not of the same samples in the same order.

    The first dump is the reference: every other must have as many
    samples, the same class count, the same label per sample and, where
    both have them, the same sample names.

    Raises:
        ValueError: Naming the disagreeing file and the first differing
            sample.
    """
    if not dumps:
        raise ValueError('no score dump given')
    ref = dumps[0]
    for dump in dumps[1:]:
        if len(dump.labels) != len(ref.labels):
            raise ValueError(
                f'{dump.path} has {len(dump.labels)} samples but '
                f'{ref.path} has {len(ref.labels)}: the dumps must be of '
                'the same test set')
        if dump.scores.shape[1] != ref.scores.shape[1]:
            raise ValueError(
                f'{dump.path} has {dump.scores.shape[1]} classes but '
                f'{ref.path} has {ref.scores.shape[1]}')
        differ = np.nonzero(dump.labels != ref.labels)[0]
        if differ.size:
            i = int(differ[0])
            raise ValueError(
                f'{dump.path}: labels disagree with {ref.path} at '
                f'{differ.size} samples (first: sample {i}, label '
                f'{dump.labels[i]} vs {ref.labels[i]}); the dumps must list '
                'the same samples in the same order')
        if dump.names is not None and ref.names is not None:
            for i, (a, b) in enumerate(zip(dump.names, ref.names)):
                if a != b:
                    raise ValueError(
                        f'{dump.path}: sample {i} is {a!r} but it is {b!r} '
                        f'in {ref.path}; the dumps must list the same '
                        'samples in the same order')


def save_score_dump(scores: np.ndarray,
                    labels: np.ndarray,
                    path: str,
                    names: Optional[Sequence[str]] = None,
                    extra: Optional[Dict[str, Sequence]] = None,
                    kind: Optional[str] = None) -> None:
    """Write scores in the dump format (atomically), e.g. fused scores.

    Args:
        scores (np.ndarray): (N, C) scores.
        labels (np.ndarray): (N, ) class ids.
        path (str): Output ``.pkl``.
        names (Sequence[str], optional): ``frame_dir`` of each sample.
        extra (dict[str, Sequence], optional): More per-sample fields.
        kind (str, optional): 'probs' or 'logits', recorded per sample.
    """
    if kind is not None and kind not in SCORE_KINDS:
        raise ValueError(f'kind must be one of {SCORE_KINDS}, got {kind!r}')
    samples = []
    for i, (score, label) in enumerate(zip(scores, labels)):
        sample = dict(
            pred_score=np.asarray(score, dtype=np.float32),
            gt_label=np.asarray([label], dtype=np.int64))
        if kind is not None:
            sample[SCORE_KIND_KEY] = kind
        if names is not None:
            sample['frame_dir'] = names[i]
        for key, values in (extra or {}).items():
            sample[key] = values[i]
        samples.append(sample)
    dump_pickle_atomic(samples, path)

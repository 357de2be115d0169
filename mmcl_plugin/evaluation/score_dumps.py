"""Per-sample score dumps of ``tools/test.py --dump``.

A dump is mmengine's ``DumpResults`` output: a pickled list with one dict
per test sample (an ``ActionDataSample`` as a dict) holding ``pred_score``
(C, ) and ``gt_label`` ((1, ) tensor or int), and usually ``frame_dir``.
mmaction2 1.0's ``pred_scores['item']`` / ``gt_labels['item']`` spelling is
read too. Every problem is reported with the file and the sample index.
"""
import pickle
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from ..utils import UntrustedPickleError, dump_pickle_atomic, load_pickle


class ScoreDump(NamedTuple):
    """Scores of one stream on one test set.

    Attributes:
        path (str): The file it was read from (for messages).
        scores (np.ndarray): (N, C) float64 scores.
        labels (np.ndarray): (N, ) int64 ground-truth class ids.
        names (list[str], optional): ``frame_dir`` of every sample when
            every sample has one.
    """
    path: str
    scores: np.ndarray
    labels: np.ndarray
    names: Optional[List[str]]


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


def parse_score_dump(samples: Sequence[Dict], path: str) -> ScoreDump:
    """Turn the dicts of a dump into a :class:`ScoreDump`.

    Args:
        samples (Sequence[dict]): The unpickled list.
        path (str): Its file name, for error messages.

    Returns:
        ScoreDump: The stacked scores and labels.
    """
    if not isinstance(samples, (list, tuple)):
        raise ValueError(f'{path}: expected a list of per-sample dicts, got '
                         f'{type(samples).__name__}')
    if not samples:
        raise ValueError(f'{path}: the dump holds no sample')
    scores, labels, names = [], [], []
    for index, sample in enumerate(samples):
        if not isinstance(sample, dict):
            raise ValueError(f'{path}: sample {index} is a '
                             f'{type(sample).__name__}, not a dict')
        score = to_numpy(
            _field(sample, ('pred_score', 'pred_scores.item'), path, index))
        label = to_numpy(
            _field(sample, ('gt_label', 'gt_labels.item'), path, index))
        if score.ndim != 1:
            raise ValueError(f'{path}: sample {index}: pred_score has shape '
                             f'{score.shape}, expected (num_classes, )')
        if scores and score.shape != scores[0].shape:
            raise ValueError(f'{path}: sample {index} has {score.shape[0]} '
                             f'class scores, sample 0 has '
                             f'{scores[0].shape[0]}')
        if not np.isfinite(score).all():
            raise ValueError(f'{path}: sample {index}: pred_score is not '
                             'all finite')
        if label.size != 1:
            raise ValueError(f'{path}: sample {index}: gt_label has shape '
                             f'{label.shape}, expected one class id')
        label = int(label.reshape(()))
        if not 0 <= label < score.shape[0]:
            raise ValueError(f'{path}: sample {index}: gt_label {label} is '
                             f'outside 0..{score.shape[0] - 1}')
        scores.append(score.astype(np.float64))
        labels.append(label)
        names.append(sample.get('frame_dir'))
    return ScoreDump(
        path=path,
        scores=np.stack(scores),
        labels=np.asarray(labels, dtype=np.int64),
        names=[str(n) for n in names] if all(
            n is not None for n in names) else None)


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
                    extra: Optional[Dict[str, Sequence]] = None) -> None:
    """Write scores in the dump format (atomically), e.g. fused scores.

    Args:
        scores (np.ndarray): (N, C) scores.
        labels (np.ndarray): (N, ) class ids.
        path (str): Output ``.pkl``.
        names (Sequence[str], optional): ``frame_dir`` of each sample.
        extra (dict[str, Sequence], optional): More per-sample fields.
    """
    samples = []
    for i, (score, label) in enumerate(zip(scores, labels)):
        sample = dict(
            pred_score=np.asarray(score, dtype=np.float32),
            gt_label=np.asarray([label], dtype=np.int64))
        if names is not None:
            sample['frame_dir'] = names[i]
        for key, values in (extra or {}).items():
            sample[key] = values[i]
        samples.append(sample)
    dump_pickle_atomic(samples, path)

"""Class-mapping tables for zero-shot transfer between datasets.

A table (``configs/transfer/*.json``) says which class of the *source*
dataset (the one evaluated on, e.g. UTD-MHAD) is which class of the
*target* label space (the one the model was trained on, e.g. NTU120)::

    {"source": "utd_mhad", "target": "ntu120",
     "pairs": [{"source_id": 2, "source_name": "wave",
                "target_id": 22, "target_name": "hand waving"}, ...],
     "excluded": [{"source_name": "...", "reason": "..."}]}

Ids are 0-based. ``source`` / ``target`` are dataset keys of
:data:`~.class_names.DATASET_CLASSES` or class-name files (one name per
line, relative to the table). Both names of every pair are checked against
those lists, so a wrong id cannot go unnoticed. ``excluded`` (optional)
documents the source classes left out and why.
"""
import json
import os.path as osp
from typing import Dict, NamedTuple, Optional, Tuple

import numpy as np

from .class_names import DATASET_CLASSES, get_class_names


class ClassMapping(NamedTuple):
    """A validated class-mapping table.

    Attributes:
        source (str): Source dataset key (or names file).
        target (str): Target dataset key (or names file).
        pairs (tuple[tuple[int, int], ...]): (source id, target id) in the
            table's order.
        source_names (tuple[str, ...]): All source class names.
        target_names (tuple[str, ...]): All target class names.
        path (str): The table's file ('' when built in code).
    """
    source: str
    target: str
    pairs: Tuple[Tuple[int, int], ...]
    source_names: Tuple[str, ...]
    target_names: Tuple[str, ...]
    path: str = ''

    @property
    def source_to_target(self) -> Dict[int, int]:
        """Source id -> target id."""
        return dict(self.pairs)

    @property
    def target_ids(self) -> Tuple[int, ...]:
        """The distinct target ids of the table, sorted."""
        return tuple(sorted({t for _, t in self.pairs}))

    def map_labels(self, labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Target ids of source labels.

        Args:
            labels (np.ndarray): (N, ) source class ids.

        Returns:
            tuple[np.ndarray, np.ndarray]: (N, ) int64 target ids (-1 where
            unmapped) and the (N, ) bool mask of mapped samples.
        """
        labels = np.asarray(labels, dtype=np.int64)
        lookup = np.full(len(self.source_names), -1, dtype=np.int64)
        for source_id, target_id in self.pairs:
            lookup[source_id] = target_id
        if labels.size and (labels.min() < 0
                            or labels.max() >= len(lookup)):
            raise ValueError(
                f'source labels must be in 0..{len(lookup) - 1} '
                f'({self.source}), got {labels.min()}..{labels.max()}')
        targets = lookup[labels]
        return targets, targets >= 0


def _resolve_names(spec: str, table_path: str) -> Tuple[str, ...]:
    """Class names of a table's ``source`` / ``target`` entry."""
    if spec in DATASET_CLASSES:
        return DATASET_CLASSES[spec]
    path = spec if osp.isabs(spec) else osp.join(
        osp.dirname(osp.abspath(table_path)), spec)
    if not osp.isfile(path):
        raise ValueError(f'{table_path}: {spec!r} is neither a dataset of '
                         f'{sorted(DATASET_CLASSES)} nor a class-name file')
    return get_class_names(path)


def build_class_mapping(table: Dict, path: str = '') -> ClassMapping:
    """Validate a parsed table (see the module doc).

    Args:
        table (dict): The table.
        path (str): Its file, for messages and relative name files.

    Returns:
        ClassMapping: The checked mapping.
    """
    where = path or 'class mapping'
    for key in ('source', 'target', 'pairs'):
        if key not in table:
            raise ValueError(f'{where}: missing {key!r}')
    source_names = _resolve_names(table['source'], path)
    target_names = _resolve_names(table['target'], path)
    if not table['pairs']:
        raise ValueError(f'{where}: no pairs')
    pairs, seen = [], {}
    for index, pair in enumerate(table['pairs']):
        here = f'{where}: pair {index}'
        for key in ('source_id', 'target_id'):
            if not isinstance(pair.get(key), int) or isinstance(
                    pair.get(key), bool):
                raise ValueError(f'{here}: {key} must be an integer, got '
                                 f'{pair.get(key)!r}')
        source_id, target_id = pair['source_id'], pair['target_id']
        for side, class_id, names in (('source', source_id, source_names),
                                      ('target', target_id, target_names)):
            if not 0 <= class_id < len(names):
                raise ValueError(f'{here}: {side}_id {class_id} is outside '
                                 f'0..{len(names) - 1}')
            given = pair.get(f'{side}_name')
            if given is not None and given != names[class_id]:
                raise ValueError(
                    f'{here}: {side}_name {given!r} is not class '
                    f'{class_id} of {table[side]} ({names[class_id]!r})')
        if source_id in seen:
            raise ValueError(f'{here}: source class {source_id} is already '
                             f'mapped by pair {seen[source_id]}')
        seen[source_id] = index
        pairs.append((source_id, target_id))
    return ClassMapping(table['source'], table['target'], tuple(pairs),
                        tuple(source_names), tuple(target_names), path)


def load_class_mapping(path: str) -> ClassMapping:
    """Read and validate a class-mapping table (JSON).

    Args:
        path (str): The ``.json`` table.

    Returns:
        ClassMapping: The checked mapping.
    """
    try:
        with open(path, encoding='utf-8') as f:
            table = json.load(f)
    except json.JSONDecodeError as error:
        raise ValueError(f'{path}: not valid JSON ({error})') from None
    if not isinstance(table, dict):
        raise ValueError(f'{path}: expected a JSON object')
    return build_class_mapping(table, path)


def restrict_scores(scores: np.ndarray,
                    class_ids: Optional[Tuple[int, ...]]) -> np.ndarray:
    """Keep only some classes' scores; the others become -inf.

    Args:
        scores (np.ndarray): (N, C) scores.
        class_ids (tuple[int, ...], optional): The classes to keep; None
            keeps all.

    Returns:
        np.ndarray: (N, C) float64 copy.
    """
    scores = np.array(scores, dtype=np.float64)
    if class_ids is None:
        return scores
    keep = np.zeros(scores.shape[1], dtype=bool)
    keep[list(class_ids)] = True
    scores[:, ~keep] = -np.inf
    return scores

from .batch_norm import (count_batch, fold_batch_norm, grouped_batch_norm,
                         sliced_batch_norm, uses_running_stats)
from .hierarchical_graph import HIERARCHY_GROUPS, HierarchicalGraph, bfs_groups

__all__ = [
    'grouped_batch_norm', 'sliced_batch_norm', 'count_batch',
    'fold_batch_norm', 'uses_running_stats',
    'HierarchicalGraph', 'HIERARCHY_GROUPS', 'bfs_groups'
]

from .batch_norm import (count_batch, fold_batch_norm, grouped_batch_norm,
                         sliced_batch_norm, uses_running_stats)
from .graph_layouts import (CTRGCN_NTU_INWARD_1BASED, CTRGCN_NTU_LAYOUT,
                            CTRGCN_NWUCLA_INWARD_1BASED, CTRGCN_NWUCLA_LAYOUT,
                            GRAPH_LAYOUTS, resolve_layout)
from .hierarchical_graph import HIERARCHY_GROUPS, HierarchicalGraph, bfs_groups

__all__ = [
    'grouped_batch_norm', 'sliced_batch_norm', 'count_batch',
    'fold_batch_norm', 'uses_running_stats', 'HierarchicalGraph',
    'HIERARCHY_GROUPS', 'bfs_groups', 'CTRGCN_NTU_INWARD_1BASED',
    'CTRGCN_NTU_LAYOUT', 'CTRGCN_NWUCLA_INWARD_1BASED', 'CTRGCN_NWUCLA_LAYOUT',
    'GRAPH_LAYOUTS', 'resolve_layout'
]

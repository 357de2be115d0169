from .graph_layouts import (CTRGCN_NTU_INWARD_1BASED, CTRGCN_NTU_LAYOUT,
                            CTRGCN_NWUCLA_INWARD_1BASED, CTRGCN_NWUCLA_LAYOUT,
                            GRAPH_LAYOUTS, resolve_layout)

__all__ = [
    'CTRGCN_NTU_INWARD_1BASED', 'CTRGCN_NTU_LAYOUT',
    'CTRGCN_NWUCLA_INWARD_1BASED', 'CTRGCN_NWUCLA_LAYOUT', 'GRAPH_LAYOUTS',
    'resolve_layout'
]

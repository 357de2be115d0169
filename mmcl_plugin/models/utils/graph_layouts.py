"""Skeleton graph layouts selectable by name.

mmaction2's ``Graph`` knows the layouts 'nturgb+d', 'openpose' and 'coco'
and otherwise takes a dict (``num_node``, ``inward`` (child, parent) pairs,
``center``). This module names the graphs of the official CTR-GCN code
(Chen et al., ICCV 2021, github.com/Uason-Chen/CTR-GCN), so that configs
can write ``graph_cfg=dict(layout='ctrgcn_ntu', mode='spatial')``:

- ``'ctrgcn_ntu'``: ``graph/ntu_rgb_d.py``. It differs from mmaction2's
  'nturgb+d' at the hands: the official chains hand tip -> thumb -> hand
  (22 -> 23 -> 8, 24 -> 25 -> 12, 1-based) where mmaction2 links tip and
  thumb to the hand directly. The official bone pairs
  (``feeders/bone_pairs.py``) are these edges plus joint 21 paired with
  itself, so the layout's ``center`` is joint 21 (index 20).
- ``'ctrgcn_nwucla'``: ``graph/ucla.py``. Spine (2) points to the
  shoulder centre (3), hip (1) to the spine, where this plugin's
  ``NWUCLA_LAYOUT`` (and mmaction2-style layouts) root the graph at the
  spine. The official bones (``feeders/feeder_ucla.py``) pair joint 3 with
  itself, so ``center`` is joint 3 (index 2).

With mode ``'spatial'`` mmaction2's ``Graph`` computes identity,
normalised inward and normalised outward adjacency exactly as the official
``graph/tools.py`` ``get_spatial_graph`` does.
"""
import copy
from typing import Dict, Union

#: Official CTR-GCN NTU graph: inward edges, 1-based (child, parent).
CTRGCN_NTU_INWARD_1BASED = ((1, 2), (2, 21), (3, 21), (4, 3), (5, 21),
                            (6, 5), (7, 6), (8, 7), (9, 21), (10, 9),
                            (11, 10), (12, 11), (13, 1), (14, 13), (15, 14),
                            (16, 15), (17, 1), (18, 17), (19, 18), (20, 19),
                            (22, 23), (23, 8), (24, 25), (25, 12))
#: Official CTR-GCN NW-UCLA graph: inward edges, 1-based (child, parent).
CTRGCN_NWUCLA_INWARD_1BASED = ((1, 2), (2, 3), (4, 3), (5, 3), (6, 5),
                               (7, 6), (8, 7), (9, 3), (10, 9), (11, 10),
                               (12, 11), (13, 1), (14, 13), (15, 14),
                               (16, 15), (17, 1), (18, 17), (19, 18),
                               (20, 19))

#: Layout dicts for mmaction2's ``Graph`` (``inward`` 0-based, a list, as
#: ``Graph`` concatenates it with a list).
CTRGCN_NTU_LAYOUT = dict(
    num_node=25,
    inward=[(i - 1, j - 1) for i, j in CTRGCN_NTU_INWARD_1BASED],
    center=20)
CTRGCN_NWUCLA_LAYOUT = dict(
    num_node=20,
    inward=[(i - 1, j - 1) for i, j in CTRGCN_NWUCLA_INWARD_1BASED],
    center=2)

#: Named layouts of this plugin.
GRAPH_LAYOUTS: Dict[str, Dict] = {
    'ctrgcn_ntu': CTRGCN_NTU_LAYOUT,
    'ctrgcn_nwucla': CTRGCN_NWUCLA_LAYOUT,
}
#: Names mmaction2's ``Graph`` resolves itself.
MMACTION_LAYOUTS = ('nturgb+d', 'openpose', 'coco')


def resolve_layout(layout: Union[str, Dict]) -> Union[str, Dict]:
    """A layout name of this plugin as its dict; anything else unchanged.

    Args:
        layout (str or dict): A name of :data:`GRAPH_LAYOUTS`, one of
            mmaction2's names, or a layout dict.

    Returns:
        str or dict: What mmaction2's ``Graph`` accepts (a copy for named
        layouts, so callers cannot alter the registry).

    Raises:
        ValueError: For an unknown name.
    """
    if isinstance(layout, dict) or layout in MMACTION_LAYOUTS:
        return layout
    if layout in GRAPH_LAYOUTS:
        return copy.deepcopy(GRAPH_LAYOUTS[layout])
    raise ValueError(
        f'unknown graph layout {layout!r}; expected a layout dict, one of '
        f"mmaction2's {MMACTION_LAYOUTS} or one of {tuple(GRAPH_LAYOUTS)}")

"""Named graph layouts: the official CTR-GCN graphs."""
import mmcl_plugin  # noqa: F401  (compat fixes before mmaction.models)

import numpy as np
import pytest
from mmaction.models.utils import Graph

from mmcl_plugin.models.utils import (CTRGCN_NTU_LAYOUT, CTRGCN_NWUCLA_LAYOUT,
                                      GRAPH_LAYOUTS, resolve_layout)

# The edge lists of the official code, written out here (1-based):
# github.com/Uason-Chen/CTR-GCN graph/ntu_rgb_d.py and graph/ucla.py.
OFFICIAL_NTU = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6),
                (8, 7), (9, 21), (10, 9), (11, 10), (12, 11), (13, 1),
                (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18),
                (20, 19), (22, 23), (23, 8), (24, 25), (25, 12)]
OFFICIAL_UCLA = [(1, 2), (2, 3), (4, 3), (5, 3), (6, 5), (7, 6), (8, 7),
                 (9, 3), (10, 9), (11, 10), (12, 11), (13, 1), (14, 13),
                 (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19)]


def official_spatial_graph(num_node, inward_1based):
    """The official graph/tools.py get_spatial_graph, written out: I,
    inward and outward adjacency (A[j, i] = 1 for an edge i -> j), each
    column divided by its sum."""
    inward = [(i - 1, j - 1) for i, j in inward_1based]

    def adjacency(edges):
        a = np.zeros((num_node, num_node))
        for i, j in edges:
            a[j, i] = 1
        column_sums = a.sum(axis=0)
        return a / np.where(column_sums > 0, column_sums, 1)

    return np.stack([
        np.eye(num_node),
        adjacency(inward),
        adjacency([(j, i) for i, j in inward])
    ])


@pytest.mark.parametrize('name,num_node,edges', [
    ('ctrgcn_ntu', 25, OFFICIAL_NTU),
    ('ctrgcn_nwucla', 20, OFFICIAL_UCLA),
])
def test_named_layout_gives_the_official_graph(name, num_node, edges):
    graph = Graph(layout=resolve_layout(name), mode='spatial')
    np.testing.assert_allclose(graph.A,
                               official_spatial_graph(num_node, edges),
                               atol=1e-12)


def test_official_ntu_graph_differs_from_mmaction_at_the_hands():
    official = Graph(layout=resolve_layout('ctrgcn_ntu')).A
    mmaction = Graph(layout='nturgb+d').A
    differs = np.argwhere(np.abs(official - mmaction).max(axis=0) > 0)
    # only hand (8, 12), hand tip (22, 24) and thumb (23, 25) joints
    assert set(differs.ravel()) <= {7, 11, 21, 22, 23, 24}
    assert len(differs)


def test_centres_are_the_official_self_paired_bone_joints():
    assert CTRGCN_NTU_LAYOUT['center'] == 20  # joint 21 pairs with itself
    assert CTRGCN_NWUCLA_LAYOUT['center'] == 2  # joint 3
    assert set(GRAPH_LAYOUTS) == {'ctrgcn_ntu', 'ctrgcn_nwucla'}


def test_resolve_layout():
    assert resolve_layout('nturgb+d') == 'nturgb+d'
    custom = dict(num_node=2, inward=[(0, 1)], center=1)
    assert resolve_layout(custom) is custom
    copy = resolve_layout('ctrgcn_ntu')
    copy['inward'].clear()  # the registry is not altered
    assert len(resolve_layout('ctrgcn_ntu')['inward']) == 24
    with pytest.raises(ValueError, match="unknown graph layout 'ntu'"):
        resolve_layout('ntu')

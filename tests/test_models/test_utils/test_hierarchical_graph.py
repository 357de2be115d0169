"""HD-GCN's hierarchically decomposed graph."""
import numpy as np
import pytest

from mmcl_tools.converters.nwucla import NWUCLA_LAYOUT
from mmcl_plugin.models.utils import (HIERARCHY_GROUPS, HierarchicalGraph,
                                      bfs_groups)


#: The groups typed again from the official ``get_groups`` (1-based), so a
#: slip in either table shows.
NTU_COM_1 = [[1], [2, 13, 17], [14, 18, 21], [3, 5, 9, 15, 19],
             [4, 6, 10, 16, 20], [7, 11], [8, 12, 22, 23, 24, 25]]
NTU_COM_21 = [[21], [2, 3, 5, 9], [4, 6, 10, 1], [7, 11, 13, 17],
              [8, 12, 14, 18], [22, 23, 24, 25, 15, 19], [16, 20]]


@pytest.mark.parametrize('layout,com', [(layout, com)
                                        for layout in HIERARCHY_GROUPS
                                        for com in HIERARCHY_GROUPS[layout]])
def test_groups_partition_the_joints_and_layers_join_neighbours(layout, com):
    graph = HierarchicalGraph(layout, com)
    V = graph.num_node
    assert sorted(j for group in graph.groups for j in group) == \
        list(range(V))
    assert graph.groups[0] == [com - 1]
    assert len(graph.layers) == len(graph.groups) - 1
    for i, layer in enumerate(graph.layers):
        assert layer == graph.groups[i] + graph.groups[i + 1]
    assert graph.A.shape == (len(graph.layers), 3, V, V)


def test_official_ntu_tables():
    assert HierarchicalGraph('nturgb+d', 1).groups == \
        [[j - 1 for j in g] for g in NTU_COM_1]
    assert HierarchicalGraph('nturgb+d', 21).groups == \
        [[j - 1 for j in g] for g in NTU_COM_21]
    assert [len(g) for g in HierarchicalGraph('nturgb+d', 2).groups] == \
        [1, 2, 5, 5, 4, 4, 4]


@pytest.mark.parametrize('com', [1, 2, 3])
def test_nw_ucla_groups_are_the_hop_layers_from_the_com(com):
    """The groups read from the official compiled code are the BFS layers
    of the NW-UCLA skeleton from the CoM."""
    graph = HierarchicalGraph('nw-ucla', com)
    bfs = bfs_groups(20, NWUCLA_LAYOUT['inward'], com - 1)
    assert [sorted(g) for g in graph.groups] == bfs
    assert len(graph.layers) == {1: 6, 2: 5, 3: 6}[com]


def test_subsets_of_a_small_hierarchy():
    # 0 is the centre; 1, 2 one hop away; 3 two hops
    graph = HierarchicalGraph(dict(num_node=4, groups=[[0], [1, 2], [3]]))
    A = graph.A
    assert A.shape == (2, 3, 4, 4)
    # layer 0: identity on joints 0, 1, 2
    np.testing.assert_array_equal(A[0, 0], np.diag([1, 1, 1, 0]))
    # forward (centrifugal): 1 and 2 receive joint 0, column 0 sums to 1
    expected = np.zeros((4, 4))
    expected[1, 0] = expected[2, 0] = 0.5
    np.testing.assert_array_equal(A[0, 1], expected)
    # reverse (centripetal): 0 receives 1 and 2, each column sums to 1
    expected = np.zeros((4, 4))
    expected[0, 1] = expected[0, 2] = 1
    np.testing.assert_array_equal(A[0, 2], expected)
    # layer 1: 3 receives the mean of 1 and 2; 1 and 2 receive 3
    expected = np.zeros((4, 4))
    expected[3, 1] = expected[3, 2] = 1
    np.testing.assert_array_equal(A[1, 1], expected)
    expected = np.zeros((4, 4))
    expected[1, 3] = expected[2, 3] = 0.5
    np.testing.assert_array_equal(A[1, 2], expected)


def test_forward_and_reverse_are_column_normalised_transposes():
    graph = HierarchicalGraph('nturgb+d', 2)
    for i, (inner, outer) in enumerate(zip(graph.groups[:-1],
                                           graph.groups[1:])):
        forward, reverse = graph.A[i, 1], graph.A[i, 2]
        np.testing.assert_allclose(forward[:, inner].sum(0), 1)
        np.testing.assert_allclose(reverse[:, outer].sum(0), 1)
        np.testing.assert_array_equal(forward > 0, (reverse > 0).T)
        assert forward.sum() == pytest.approx(len(inner))


def test_bad_layouts_are_reported():
    with pytest.raises(ValueError, match=r"CoM variants \[1, 2, 21\], got "
                       r"com=3"):
        HierarchicalGraph('nturgb+d', 3)
    with pytest.raises(ValueError, match='unknown hierarchical layout'):
        HierarchicalGraph('coco')
    with pytest.raises(ValueError, match='every joint 0..3 exactly once'):
        HierarchicalGraph(dict(num_node=4, groups=[[0], [1, 2], [2]]))
    with pytest.raises(ValueError, match=r"needs \['groups'\]"):
        HierarchicalGraph(dict(num_node=4))
    with pytest.raises(ValueError, match=r'joints \[2\] are not connected'):
        bfs_groups(3, [(0, 1)], 0)

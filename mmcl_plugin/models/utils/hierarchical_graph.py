"""The hierarchically decomposed graph of HD-GCN (Lee et al., ICCV 2023).

The joints are split into groups by their graph distance from a
centre-of-mass (CoM) joint: group 0 is the CoM, group g the joints g edges
away (with a few anatomical adjustments, e.g. NTU's hand tips join the
hands' group). Hierarchy layer l (l = 0 .. G - 2) joins groups l and l + 1
with three subsets:

- identity: self-links of the joints of groups l and l + 1 (not
  normalised);
- forward (centrifugal): every joint of group l to every joint of group
  l + 1, column-normalised (a joint of group l + 1 receives the mean of
  group l);
- reverse (centripetal): every joint of group l + 1 to every joint of
  group l, column-normalised.

Entry (u, v) of a subset weighs source joint v's contribution to target
joint u (``out[u] = sum_v A[u, v] x[v]``), as in mmaction2's ``Graph``.

Groups (1-based joint numbers of each dataset's documentation):

- NTU RGB+D (25 joints), CoM 1 (spine base), 2 (spine middle), 21 (spine
  at the shoulders): ``get_groups`` of the official HD-GCN code
  (``graph/tools.py`` of github.com/Jho-Yonsei/HD-GCN, copied in the MMCL
  release's ``zero_shot/graph/tools_HD.py``).
- NW-UCLA (20 Kinect v1 joints: 1 hip centre, 2 spine, 3 shoulder centre,
  4 head, 5-8 left arm, 9-12 right arm, 13-16 left leg, 17-20 right leg),
  CoM 1 (hip centre), 2 (spine; the official UCLA default), 3 (shoulder
  centre): these groups are not in the published source; they are read
  from the official repository's compiled ``graph/__pycache__/
  tools.cpython-36.pyc`` (its ``get_groups(dataset='UCLA')`` branch, used
  by the compiled ``ucla_hierarchy.py`` with ``num_node = 20``). They are
  the breadth-first layers of the NW-UCLA skeleton from the CoM, which
  :func:`bfs_groups` reproduces (tested).
"""
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np

#: Official groups, 1-based: {layout: {CoM: groups}}.
HIERARCHY_GROUPS: Dict[str, Dict[int, Tuple[Tuple[int, ...], ...]]] = {
    'nturgb+d': {
        1: ((1, ), (2, 13, 17), (14, 18, 21), (3, 5, 9, 15, 19),
            (4, 6, 10, 16, 20), (7, 11), (8, 12, 22, 23, 24, 25)),
        2: ((2, ), (1, 21), (13, 17, 3, 5, 9), (14, 18, 4, 6, 10),
            (15, 19, 7, 11), (16, 20, 8, 12), (22, 23, 24, 25)),
        21: ((21, ), (2, 3, 5, 9), (4, 6, 10, 1), (7, 11, 13, 17),
             (8, 12, 14, 18), (22, 23, 24, 25, 15, 19), (16, 20)),
    },
    'nw-ucla': {
        1: ((1, ), (2, 13, 17), (3, 14, 18), (4, 5, 9, 15, 19),
            (6, 10, 16, 20), (7, 11), (8, 12)),
        2: ((2, ), (1, 3), (4, 5, 9, 13, 17), (6, 10, 14, 18),
            (7, 11, 15, 19), (8, 12, 16, 20)),
        3: ((3, ), (2, 4, 5, 9), (1, 6, 10), (7, 11, 13, 17),
            (8, 12, 14, 18), (15, 19), (16, 20)),
    },
}

#: Number of joints of the built-in layouts.
NUM_NODES = {'nturgb+d': 25, 'nw-ucla': 20}


def bfs_groups(num_node: int, edges: Sequence[Tuple[int, int]],
               center: int) -> List[List[int]]:
    """Joints grouped by their hop distance from ``center`` (0-based).

    Args:
        num_node (int): Number of joints.
        edges (Sequence[tuple[int, int]]): Undirected bones, 0-based.
        center (int): The CoM joint.

    Returns:
        list[list[int]]: Group g holds the joints g hops away, sorted.
    """
    neighbours: List[List[int]] = [[] for _ in range(num_node)]
    for i, j in edges:
        neighbours[i].append(j)
        neighbours[j].append(i)
    depth = {center: 0}
    frontier = [center]
    while frontier:
        nxt = []
        for joint in frontier:
            for other in neighbours[joint]:
                if other not in depth:
                    depth[other] = depth[joint] + 1
                    nxt.append(other)
        frontier = nxt
    if len(depth) != num_node:
        raise ValueError(f'joints {sorted(set(range(num_node)) - set(depth))}'
                         f' are not connected to the centre {center}')
    groups: List[List[int]] = [[] for _ in range(max(depth.values()) + 1)]
    for joint, d in depth.items():
        groups[d].append(joint)
    return [sorted(group) for group in groups]


class HierarchicalGraph:
    """Hierarchically decomposed graph of HD-GCN.

    Args:
        layout (str or dict): ``'nturgb+d'`` or ``'nw-ucla'`` (the groups
            of :data:`HIERARCHY_GROUPS`), or a dict with ``num_node`` and
            ``groups`` (0-based joint lists, CoM group first) for another
            skeleton. Defaults to ``'nturgb+d'``.
        com (int): The CoM joint, 1-based as in the paper (NTU: 1, 2 or
            21; NW-UCLA: 1, 2 or 3). Ignored for dict layouts. Defaults to
            21 (the official NTU default).

    Attributes:
        num_node (int): Joints V.
        groups (list[list[int]]): G groups, 0-based.
        layers (list[list[int]]): The G - 1 hierarchy layers: joints of
            groups l and l + 1.
        A (np.ndarray): Adjacency of shape (G - 1, 3, V, V): identity,
            forward, reverse subset of every layer.
    """

    def __init__(self,
                 layout: Union[str, Dict] = 'nturgb+d',
                 com: int = 21) -> None:
        if isinstance(layout, dict):
            missing = {'num_node', 'groups'} - set(layout)
            if missing:
                raise ValueError(f'a hierarchical layout dict needs '
                                 f'{sorted(missing)}')
            self.num_node = int(layout['num_node'])
            groups = [list(map(int, group)) for group in layout['groups']]
        elif layout in HIERARCHY_GROUPS:
            options = HIERARCHY_GROUPS[layout]
            if com not in options:
                raise ValueError(f'layout {layout!r} has the CoM variants '
                                 f'{sorted(options)}, got com={com}')
            self.num_node = NUM_NODES[layout]
            groups = [[j - 1 for j in group] for group in options[com]]
        else:
            raise ValueError(f'unknown hierarchical layout {layout!r}, '
                             f'expected one of {sorted(HIERARCHY_GROUPS)} '
                             'or a dict')
        joints = sorted(j for group in groups for j in group)
        if joints != list(range(self.num_node)):
            raise ValueError(
                f'the groups must hold every joint 0..{self.num_node - 1} '
                f'exactly once, got {groups}')
        if len(groups) < 2:
            raise ValueError('a hierarchy needs at least two groups')
        self.layout = layout
        self.com = com
        self.groups = groups
        self.layers = [groups[i] + groups[i + 1]
                       for i in range(len(groups) - 1)]
        self.A = self._adjacency()

    def _adjacency(self) -> np.ndarray:
        V = self.num_node
        A = np.zeros((len(self.layers), 3, V, V))
        for i, (inner, outer) in enumerate(zip(self.groups[:-1],
                                               self.groups[1:])):
            for joint in inner + outer:
                A[i, 0, joint, joint] = 1
            # forward: sources in the inner group, each column (source)
            # spread evenly over its targets
            for target in outer:
                A[i, 1, target, inner] = 1. / len(outer)
            for target in inner:
                A[i, 2, target, outer] = 1. / len(inner)
        return A

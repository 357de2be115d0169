"""Tests of the HD-GCN backbone."""
import mmcl_plugin  # noqa: F401  (compat fixes before mmaction.models)

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS

from mmcl_plugin.models.backbones import HDGCN
from mmcl_plugin.models.backbones.hdgcn import GroupedEdgeConv, HDGraphConv
from mmcl_plugin.models.utils import HierarchicalGraph


pytestmark = [pytest.mark.usefixtures('single_thread'), pytest.mark.numerics]
# float64 tests: torch's float64 assert_close tolerances (1e-7) lie >= 1e4 x
# above the rounding of these <= 1e4-term sums (eps 2.2e-16) and >= 1e4 x
# below any real discrepancy; the k-nearest choice of the edge convolution
# cannot flip on a near-tie there as it can in float32


def build(**kwargs) -> HDGCN:
    kwargs.setdefault('graph_cfg', dict(layout='nturgb+d', com=1))
    model = HDGCN(**kwargs)
    model.init_weights()
    return model


@pytest.mark.parametrize('layout,com,V,M,L', [('nturgb+d', 1, 25, 2, 6),
                                              ('nturgb+d', 2, 25, 2, 6),
                                              ('nturgb+d', 21, 25, 2, 6),
                                              ('nw-ucla', 2, 20, 1, 5)])
def test_output_shape_and_layout(layout, com, V, M, L):
    torch.manual_seed(0)
    model = build(graph_cfg=dict(layout=layout, com=com), num_person=M,
                  base_channels=16).eval()
    with torch.no_grad():
        out = model(torch.randn(2, M, 16, V, 3))
    assert out.shape == (2, M, 64, 4, V)
    assert model.out_channels == 64
    assert model.units[0].gcn.A.shape == (L, 3, V, V)
    assert model.units[0].gcn.attention is None
    assert all(u.gcn.attention is not None for u in model.units[1:])
    assert model.units[0].residual is None
    assert [u.tcn.branches[-1][0].stride[0] for u in model.units] == \
        [1, 1, 1, 1, 2, 1, 1, 2, 1, 1]
    torch.testing.assert_close(
        model.units[3].gcn.A.detach(),
        torch.tensor(HierarchicalGraph(layout, com).A,
                     dtype=torch.get_default_dtype()))


def _naive_edge_conv(edge: GroupedEdgeConv, x: torch.Tensor) -> torch.Tensor:
    """Per sample and group: k nearest by explicit distances, then the
    group's weights; eval BN."""
    N, G, c, P = x.shape
    out = torch.empty(N, G, c, P)
    weight = edge.conv.weight.view(G, c, 2 * c)
    bn = edge.bn
    for n in range(N):
        for g in range(G):
            f = x[n, g].t()  # (P, c)
            dist = ((f[:, None] - f[None]) ** 2).sum(-1)
            index = dist.topk(edge.k, largest=False).indices  # (P, k)
            feat = torch.cat([f[index] - f[:, None], f[:, None].expand(
                P, edge.k, c)], -1)  # (P, k, 2c)
            y = feat @ weight[g].t()  # (P, k, c)
            sl = slice(g * c, (g + 1) * c)
            y = (y - bn.running_mean[sl]) / torch.sqrt(
                bn.running_var[sl] + bn.eps) * bn.weight[sl] + bn.bias[sl]
            out[n, g] = F.leaky_relu(y, 0.2).amax(1).t()
    return out


@pytest.mark.float64
def test_grouped_edge_conv_equals_a_per_group_edge_conv():
    torch.manual_seed(0)
    edge = GroupedEdgeConv(4, 3, k=3).eval()
    with torch.no_grad():
        edge.bn.running_mean.uniform_(-1, 1)
        edge.bn.weight.uniform_(0.5, 1.5)
    x = torch.randn(2, 3, 4, 7)
    torch.testing.assert_close(edge(x), _naive_edge_conv(edge, x))


def _naive_layer_features(gcn: HDGraphConv, x: torch.Tensor) -> list:
    """Layer by layer: reduce, subset-wise aggregation and 1x1 conv."""
    L, K, c = gcn.num_layers, gcn.num_subsets, gcn.branch_channels
    reduced = gcn.reduce(x)
    feats = []
    for i in range(L):
        r = reduced[:, i * c:(i + 1) * c]
        for k in range(K):
            z = torch.einsum('nctv,uv->nctu', r, gcn.A[i, k])
            j = (i * K + k) * c
            feats.append(F.conv2d(z, gcn.subset_conv.weight[j:j + c],
                                  gcn.subset_conv.bias[j:j + c]))
    return feats


@pytest.mark.float64
def test_graph_conv_subsets_and_their_bn_statistics_in_training():
    torch.manual_seed(0)
    graph = HierarchicalGraph(dict(num_node=6, groups=[[0], [1, 2], [3, 4],
                                                       [5]]))
    A = torch.tensor(graph.A, dtype=torch.get_default_dtype())
    A = A + 0.1 * torch.rand(A.shape)
    gcn = HDGraphConv(8, 16, A, graph.layers, attention=True, edge_k=2)
    reference_bn = nn.BatchNorm2d(gcn.subset_bn.num_features)
    x = torch.randn(3, 8, 5, 6)
    out = gcn(x)
    assert out.shape == (3, 16, 5, 6)
    expected = reference_bn(torch.cat(_naive_layer_features(gcn, x), 1))
    assert gcn.subset_bn.num_batches_tracked == 1
    torch.testing.assert_close(gcn.subset_bn.running_mean,
                               reference_bn.running_mean)
    torch.testing.assert_close(gcn.subset_bn.running_var,
                               reference_bn.running_var)
    assert expected.abs().max() > 0.5
    out.pow(2).sum().backward()
    for name in ('A', 'reduce.0.weight', 'subset_conv.weight',
                 'edge.conv.weight', 'attention.aggregate.weight',
                 'attention.edge.conv.weight', 'attention.reduce.0.weight'):
        param = dict(gcn.named_parameters())[name]
        assert param.grad is not None and param.grad.abs().sum() > 0, name


@pytest.mark.float64
def test_attention_weights_are_per_layer_and_channel():
    torch.manual_seed(0)
    gcn = build(base_channels=16).units[2].gcn.eval()
    pooled = torch.randn(2, gcn.num_layers, 16, 25)
    weights = gcn.attention(pooled)
    assert weights.shape == (2, 6, 16)
    assert weights.min() > 0 and weights.max() < 1
    # layer l is summarised by the mean over its own joints (groups l and
    # l + 1): layer 0's features at other joints do not matter
    layer0 = HierarchicalGraph('nturgb+d', 1).layers[0]
    other = [j for j in range(25) if j not in layer0]
    changed = pooled.clone()
    changed[:, 0, :, other] += 5
    torch.testing.assert_close(gcn.attention(changed), weights)
    changed = pooled.clone()
    changed[:, 0, :, layer0] += 5
    assert not torch.allclose(gcn.attention(changed), weights)


def test_init_weights_follow_the_official_code():
    model = build()
    gcn = model.units[5].gcn  # 128 channels, c = 32
    assert gcn.subset_conv.weight.std().item() == pytest.approx(
        (2. / 32)**0.5, rel=0.05)
    assert gcn.reduce[0].weight.std().item() == pytest.approx(
        (2. / 32)**0.5, rel=0.05)
    assert torch.all(gcn.bn.weight == 1e-6)
    assert torch.all(gcn.subset_bn.weight == 1)
    tcn_bn = model.units[5].tcn.branches[0][1].weight
    assert 0 < tcn_bn.std().item() < 0.05 and abs(tcn_bn.mean() - 1) < 0.02
    assert gcn.attention.aggregate.weight.abs().sum() > 0


def test_gradients_reach_the_first_unit_and_the_input_bn():
    torch.manual_seed(0)
    model = build(base_channels=8, num_person=1)
    model(torch.randn(2, 1, 8, 25, 3)).pow(2).mean().backward()
    assert model.units[0].gcn.A.grad.abs().sum() > 0
    assert model.units[0].gcn.edge.conv.weight.grad.abs().sum() > 0
    assert model.data_bn.weight.grad.abs().sum() > 0


def test_errors_registry_and_parameter_count():
    with pytest.raises(ValueError, match='out_channels=30 must be divisible'
                       ' by the 4 branches'):
        HDGraphConv(8, 30, torch.rand(2, 3, 5, 5), [[0, 1], [1, 2]])
    model = MODELS.build(dict(type='HDGCN', graph_cfg=dict(
        layout='nw-ucla', com=1), num_person=1))
    assert isinstance(model, HDGCN)
    with pytest.raises(ValueError, match=r'HDGCN expects \(M, V, C\) = '
                       r'\(1, 20, 3\)'):
        model(torch.randn(1, 1, 8, 25, 3))
    recognizer = MODELS.build(dict(
        type='RecognizerGCN',
        backbone=dict(type='HDGCN', graph_cfg=dict(layout='nturgb+d',
                                                   com=1)),
        cls_head=dict(type='GCNHead', num_classes=60, in_channels=256)))
    # the official CoM-1 model: 1,659,980 parameters with a 60-class fc
    assert sum(p.numel() for p in recognizer.parameters()) == 1659980

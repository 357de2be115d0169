"""Tests of the CTRS-GCN backbone (MMCL release)."""
import mmcl_plugin  # noqa: F401  (compat fixes before mmaction.models)

import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS

from mmcl_plugin.models.backbones import CTRSGCN
from mmcl_plugin.models.backbones.ctrsgcn import NormalizedAdjacencyGC


from numerics import assert_within_rounding  # noqa: E402

pytestmark = [pytest.mark.usefixtures('single_thread'), pytest.mark.numerics]
# float64 tests: torch's float64 assert_close tolerances (1e-7) lie >= 1e4 x
# above the rounding of these <= 1e4-term sums (eps 2.2e-16) and >= 1e4 x
# below any real discrepancy (a wrong subset, sign or BN statistic: >= 1e-3)


def build(**kwargs) -> CTRSGCN:
    model = CTRSGCN(**kwargs)
    model.init_weights()
    return model


@pytest.mark.parametrize('V,M', [(25, 2), (20, 1)])
def test_output_shape_widths_and_strides(V, M):
    model = build(num_joints=V, num_person=M, base_channels=16).eval()
    with torch.no_grad():
        out = model(torch.randn(2, M, 16, V, 3))
    assert out.shape == (2, M, 64, 4, V)
    assert model.out_channels == 64
    assert [u.gcn.out_channels for u in model.units] == \
        [16] * 4 + [32] * 3 + [64] * 3
    assert [u.tcn[0].stride[0] for u in model.units] == \
        [1, 1, 1, 1, 2, 1, 1, 2, 1, 1]
    assert model.units[0].residual is None
    assert isinstance(model.units[1].residual, nn.Identity)
    assert model.units[4].tcn[0].kernel_size == (5, 1)
    assert model.data_bn.num_features == M * V * 3


def test_adjacencies_start_as_identities_and_are_normalised_per_column():
    model = build()
    gcn = model.units[2].gcn
    assert gcn.A.shape == (3, 25, 25) and gcn.A.requires_grad
    torch.testing.assert_close(gcn.A.detach(), torch.eye(25).repeat(3, 1, 1))
    with torch.no_grad():
        gcn.A.uniform_(-1, 1)
    norms = gcn.adjacency().norm(dim=1)
    torch.testing.assert_close(norms, torch.ones(3, 25), atol=1e-3, rtol=0)
    fixed = build(adaptive=False).units[0].gcn
    assert not any(p is fixed.A for p in fixed.parameters())
    assert fixed.adjacency() is fixed.A  # the release does not normalise


@pytest.mark.float64
@pytest.mark.parametrize('C_in,C_out', [(3, 16), (8, 16), (16, 16)])
@pytest.mark.parametrize('training', [True, False])
def test_batched_gcn_equals_the_sum_of_subset_convolutions(C_in, C_out,
                                                           training):
    """Both forward paths (joints mixed first for K * C_in <= C_out, the
    subset loop otherwise) and the folded eval BN give the release's
    sum_k conv_k(x @ norm(A)_k)."""
    torch.manual_seed(0)
    gcn = NormalizedAdjacencyGC(C_in, C_out, 3, 6)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for param in gcn.parameters():
            param.add_(0.3 * torch.randn(param.shape, generator=g))
        gcn.bn.running_mean.uniform_(-1, 1)
        gcn.bn.running_var.uniform_(0.5, 2)
    reference = NormalizedAdjacencyGC(C_in, C_out, 3, 6)
    reference.load_state_dict(gcn.state_dict())
    gcn.train(training), reference.train(training)
    x = torch.randn(4, C_in, 5, 6)
    A = reference.A / (reference.A.norm(dim=1, keepdim=True) + 1e-4)
    expected = sum(conv(torch.einsum('nctv,vw->nctw', x, A[k]))
                   for k, conv in enumerate(reference.convs))
    expected = torch.relu(reference.bn(expected) + reference.down(x))
    out = gcn(x)
    assert expected.abs().max() > 0.5
    torch.testing.assert_close(out, expected)
    out.pow(2).sum().backward()
    expected.pow(2).sum().backward()
    # a gradient sums over every output (N * C_out * T * V terms), scaled
    # by the largest gradient of the two compared
    scale = max(float(reference.A.grad.abs().max()),
                float(reference.convs[2].weight.grad.abs().max()))
    assert_within_rounding(gcn.A.grad, reference.A.grad, terms=out.numel(),
                           scale=scale, msg='A')
    assert_within_rounding(gcn.convs[2].weight.grad,
                           reference.convs[2].weight.grad,
                           terms=out.numel(), scale=scale, msg='convs.2')
    torch.testing.assert_close(gcn.bn.running_var,
                               reference.bn.running_var)


def test_init_weights_follow_the_release():
    model = build()
    gcn = model.units[5].gcn  # 128 -> 128, K = 3
    std = gcn.convs[0].weight.std().item()
    assert std == pytest.approx((2. / (128 * 128 * 3))**0.5, rel=0.05)
    assert torch.all(gcn.convs[0].bias == 0)
    assert torch.all(gcn.bn.weight == 1e-6)
    assert torch.all(model.units[5].tcn[1].weight == 1)
    assert model.units[5].tcn[0].weight.std().item() == pytest.approx(
        (2. / (128 * 5))**0.5, rel=0.05)


def test_gradients_reach_the_adjacencies_and_the_input_bn():
    torch.manual_seed(0)
    model = build(base_channels=8, num_person=1)
    model(torch.randn(2, 1, 8, 25, 3)).pow(2).mean().backward()
    for unit in model.units:
        assert unit.gcn.A.grad.abs().sum() > 0
    assert model.data_bn.weight.grad.abs().sum() > 0


def test_input_check_and_registry():
    model = MODELS.build(dict(type='CTRSGCN', num_joints=20, num_person=1))
    assert isinstance(model, CTRSGCN)
    with pytest.raises(ValueError, match=r'CTRSGCN expects \(M, V, C\) = '
                       r'\(1, 20, 3\)'):
        model(torch.randn(1, 1, 8, 25, 3))
    recognizer = MODELS.build(dict(
        type='RecognizerGCN', backbone=dict(type='CTRSGCN'),
        cls_head=dict(type='GCNHead', num_classes=60, in_channels=256)))
    recognizer.eval()
    with torch.no_grad():
        scores = recognizer(torch.randn(2, 1, 2, 16, 25, 3), mode='tensor',
                            stage='head')
    assert scores.shape == (2, 60)
    count = sum(p.numel() for p in recognizer.parameters())
    # the release's model: 2,092,902 parameters with a 60-class fc
    assert count == 2092902

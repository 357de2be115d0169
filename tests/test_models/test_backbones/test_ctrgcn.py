"""Tests of the CTR-GCN backbone."""
import mmcl_plugin  # noqa: F401  (compat fixes before mmaction.models)

import pytest
import torch
import torch.nn as nn
from mmaction.models.utils import Graph
from mmaction.registry import MODELS

from mmcl_plugin.models.backbones import CTRGCN
from mmcl_plugin.models.backbones.ctrgcn import (CTRGC, CTRGCBlock,
                                                 MultiScaleTCN)

from numerics import assert_within_rounding  # noqa: E402

pytestmark = [pytest.mark.usefixtures('single_thread'), pytest.mark.numerics]
# float64 tests: torch's float64 assert_close tolerances (1e-7) lie >= 1e4 x
# above the rounding of these <= 1e4-term sums (eps 2.2e-16) and >= 1e4 x
# below any real discrepancy (a wrong subset, sign or BN statistic: >= 1e-3)

NTU = dict(layout='nturgb+d', mode='spatial')
COCO = dict(layout='coco', mode='spatial')


def build(**kwargs) -> CTRGCN:
    kwargs.setdefault('graph_cfg', NTU)
    model = CTRGCN(**kwargs)
    model.init_weights()
    return model


@pytest.mark.parametrize('graph_cfg,V,C', [(NTU, 25, 3), (COCO, 17, 2)])
@pytest.mark.parametrize('M', [1, 2])
def test_output_shape(graph_cfg, V, C, M):
    torch.manual_seed(0)
    model = build(graph_cfg=graph_cfg, in_channels=C, num_person=M).eval()
    with torch.no_grad():
        out = model(torch.randn(1, M, 64, V, C))
    assert out.shape == (1, M, 256, 16, V)
    assert model.out_channels == 256


def test_widths_strides_and_residuals():
    model = build()
    widths = [unit.gcn.bn.num_features for unit in model.units]
    assert widths == [64, 64, 64, 64, 128, 128, 128, 256, 256, 256]
    strides = [
        unit.tcn.branches[-1][0].stride[0] for unit in model.units
    ]
    assert strides == [1, 1, 1, 1, 2, 1, 1, 2, 1, 1]
    assert model.units[0].residual is None
    assert isinstance(model.units[1].residual, nn.Identity)
    assert isinstance(model.units[4].residual, nn.Sequential)
    # input BN over M * V * C channels
    assert model.data_bn.num_features == 2 * 25 * 3
    # three subsets (identity, inward, outward), A of shape (3, V, V)
    assert all(len(unit.gcn.convs) == 3 for unit in model.units)
    assert model.units[0].gcn.A.shape == (3, 25, 25)


def test_non_default_base_channels():
    model = build(base_channels=32, num_person=1).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 1, 16, 25, 3))
    assert out.shape == (1, 1, 128, 4, 25)
    assert model.out_channels == 128


@pytest.mark.parametrize('in_channels,rel', [(3, 8), (9, 8), (64, 8),
                                             (128, 16), (256, 32),
                                             (16, 2), (2, 8), (6, 8)])
def test_relation_width(in_channels, rel):
    gc = CTRGC(in_channels, 64)
    assert gc.rel_channels == rel
    assert gc.conv1.out_channels == gc.conv2.out_channels == rel
    assert gc.conv4.in_channels == rel
    assert gc.conv3.out_channels == gc.conv4.out_channels == 64


def test_relation_widths_in_backbone():
    model = build(in_channels=9)
    rels = [unit.gcn.convs[0].rel_channels for unit in model.units]
    # inputs of the units: 9, 64 x 4, 128 x 3, 256 x 2
    assert rels == [8, 8, 8, 8, 8, 16, 16, 16, 32, 32]


def test_alpha_zero_and_topology_initialised_from_graph():
    model = build()
    A = torch.tensor(Graph(**NTU).A, dtype=torch.get_default_dtype())
    alphas = [m.alpha for m in model.modules() if isinstance(m, CTRGCBlock)]
    assert len(alphas) == 10
    assert all(alpha.item() == 0 and alpha.requires_grad for alpha in alphas)
    for unit in model.units:
        torch.testing.assert_close(unit.gcn.A.detach(), A)
        assert unit.gcn.A.requires_grad
    fixed = build(adaptive=False)
    assert not any(p is fixed.units[0].gcn.A for p in fixed.parameters())


@pytest.mark.float64
def test_zero_alpha_equals_plain_graph_conv():
    torch.manual_seed(0)
    V, C_in, C_out = 4, 3, 8
    A = torch.rand(3, V, V)
    block = CTRGCBlock(C_in, C_out, A).eval()
    x = torch.randn(2, C_in, 5, V)
    with torch.no_grad():
        expected = 0
        for k, gc in enumerate(block.convs):
            w = gc.conv3.weight[:, :, 0, 0]
            feat = torch.einsum('oc,nctv->notv', w, x)
            feat = feat + gc.conv3.bias.view(1, -1, 1, 1)
            # out[n, c, t, u] = sum_v A[u, v] * feat[n, c, t, v]
            expected = expected + torch.einsum('uv,nctv->nctu', A[k], feat)
        expected = torch.relu(block.bn(expected) + block.down(x))
        out = block(x)
        torch.testing.assert_close(out, expected)
        # a non-zero alpha brings in the channel-wise refinement
        block.alpha.fill_(1.)
        assert not torch.allclose(block(x), expected)


def _randomise(module: nn.Module, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in module.parameters():
            param.add_(0.3 * torch.randn(param.shape, generator=g))


@pytest.mark.float64
@pytest.mark.parametrize('C_in,C_out', [(3, 16), (16, 16), (32, 16)])
def test_batched_block_equals_sum_of_subset_convs(C_in, C_out):
    """The batched forward is the paper's sum of per-subset CTR-GCs, in
    training (batch statistics, running statistics, gradients) too."""
    torch.manual_seed(0)
    block = CTRGCBlock(C_in, C_out, torch.rand(3, 6, 6))
    _randomise(block)
    reference = CTRGCBlock(C_in, C_out, torch.rand(3, 6, 6))
    reference.load_state_dict(block.state_dict())

    def per_subset(x):
        out = sum(conv(x, reference.A[k], reference.alpha)
                  for k, conv in enumerate(reference.convs))
        return torch.relu(reference.bn(out) + reference.down(x))

    x = torch.randn(4, C_in, 7, 6)
    out, expected = block(x), per_subset(x)
    assert expected.abs().max() > 0.5
    torch.testing.assert_close(out, expected)
    out.pow(2).sum().backward()
    expected.pow(2).sum().backward()
    grads = dict(reference.named_parameters())
    # a gradient sums over every output (N * C_out * T * V terms); scale:
    # the largest gradient of the block, the magnitude of the summed terms
    scale = max(float(p.grad.abs().max()) for p in grads.values())
    for name, param in block.named_parameters():
        assert_within_rounding(param.grad, grads[name].grad,
                               terms=out.numel(), scale=scale, msg=name)
    if C_in != C_out:
        # the residual conv's bias feeds a training-mode BN, which removes
        # it: its exact gradient is zero, only rounding is left
        assert_within_rounding(grads['down.0.bias'].grad,
                               torch.zeros(C_out), terms=out.numel(),
                               scale=scale, msg='down.0.bias')
    torch.testing.assert_close(block.bn.running_mean,
                               reference.bn.running_mean)
    block.eval(), reference.eval()
    with torch.no_grad():
        torch.testing.assert_close(block(x), per_subset(x))


@pytest.mark.float64
@pytest.mark.parametrize('stride', [1, 2])
@pytest.mark.parametrize('out_relu', [False, True])
def test_multi_scale_tcn_equals_its_branches(stride, out_relu):
    torch.manual_seed(0)
    tcn = MultiScaleTCN(16, 16, stride=stride, out_relu=out_relu)
    _randomise(tcn)
    reference = MultiScaleTCN(16, 16, stride=stride)
    reference.load_state_dict(tcn.state_dict())
    x = torch.randn(3, 16, 9, 5)
    out = tcn(x)
    expected = torch.cat([branch(x) for branch in reference.branches], 1)
    if out_relu:
        expected = torch.relu(expected)
        assert (out == 0).any()
    else:
        assert (out < 0).any()
    assert out.shape == (3, 16, 5 if stride == 2 else 9, 5)
    torch.testing.assert_close(out, expected)
    # the one-call BN of the branch heads updated every head's BN
    for fused, ref in zip(tcn.branches[:-1], reference.branches[:-1]):
        torch.testing.assert_close(fused[1].running_var,
                                   ref[1].running_var)
        assert fused[1].num_batches_tracked == 1


def test_tcn_relu_option():
    model = build(tcn_relu=True, base_channels=8, num_person=1).eval()
    assert all(unit.tcn.out_relu for unit in model.units)
    assert not build().units[0].tcn.out_relu
    plain = build(base_channels=8, num_person=1).eval()
    plain.load_state_dict(model.state_dict())
    x = torch.randn(1, 1, 8, 25, 3)
    with torch.no_grad():
        assert not torch.allclose(model(x), plain(x))


def test_gradients_reach_first_unit_and_data_bn():
    torch.manual_seed(0)
    model = build(num_person=2)
    model.train()
    out = model(torch.randn(2, 2, 8, 25, 3))
    out.pow(2).mean().backward()
    first = model.units[0]
    for name, param in first.named_parameters():
        if name == 'gcn.alpha':
            continue  # zero refinement weight: dL/dalpha may vanish
        assert param.grad is not None, name
    assert first.gcn.convs[0].conv3.weight.grad.abs().sum() > 0
    assert first.gcn.convs[0].conv1.weight.grad is not None
    assert model.data_bn.weight.grad is not None
    assert model.data_bn.weight.grad.abs().sum() > 0


def test_input_checks():
    model = build(num_person=2)
    with pytest.raises(ValueError):
        model(torch.randn(1, 1, 8, 25, 3))
    with pytest.raises(ValueError):
        model(torch.randn(1, 2, 8, 25, 2))


def test_custom_layout_and_dropout():
    layout = dict(num_node=5, inward=[(1, 0), (2, 1), (3, 1), (4, 1)],
                  center=1)
    model = build(graph_cfg=dict(layout=layout, mode='spatial'),
                  num_person=1, dropout=0.5).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 1, 12, 5, 3))
    assert out.shape == (2, 1, 256, 3, 5)


def test_init_weights():
    model = build()
    for unit in model.units:
        assert torch.all(unit.gcn.bn.weight == 1e-6)
        assert torch.all(unit.tcn.branches[0][1].weight == 1)
        assert torch.all(unit.gcn.convs[0].conv1.bias == 0)
    assert torch.all(model.data_bn.weight == 1)


def test_build_from_registry_and_recognizer():
    backbone = MODELS.build(dict(type='CTRGCN', graph_cfg=NTU))
    assert isinstance(backbone, CTRGCN)

    torch.manual_seed(0)
    recognizer = MODELS.build(
        dict(
            type='RecognizerGCN',
            backbone=dict(type='CTRGCN', graph_cfg=NTU),
            cls_head=dict(type='GCNHead', num_classes=60, in_channels=256)))
    recognizer.init_weights()
    recognizer.eval()
    # (N, num_clips, M, T, V, C)
    inputs = torch.randn(3, 1, 2, 16, 25, 3)
    with torch.no_grad():
        feats = recognizer(inputs, mode='tensor')
        scores = recognizer(inputs, mode='tensor', stage='head')
    assert feats.shape == (3, 2, 256, 4, 25)
    assert scores.shape == (3, 60)


def test_parameter_count_is_plausible():
    model = CTRGCN(graph_cfg=NTU)
    fc = nn.Linear(model.out_channels, 60)
    count = sum(p.numel() for p in model.parameters())
    count += sum(p.numel() for p in fc.parameters())
    print(f'CTR-GCN (NTU, 60 classes) parameters: {count}')
    assert 1.3e6 <= count <= 1.6e6

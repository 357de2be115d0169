"""CTR-GCN options of the official recipe: named graphs, initialisation."""
import mmcl_plugin  # noqa: F401  (compat fixes before mmaction.models)

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmaction.models.utils import Graph

from mmcl_plugin.models.backbones import CTRGCN
from mmcl_plugin.models.backbones.ctrgcn import MultiScaleTCN
from mmcl_plugin.models.utils import CTRGCN_NTU_LAYOUT


def build(**kwargs) -> CTRGCN:
    kwargs.setdefault('graph_cfg', dict(layout='ctrgcn_ntu', mode='spatial'))
    torch.manual_seed(0)
    model = CTRGCN(**kwargs)
    model.init_weights()
    return model


def tcn_bn_weights(model):
    return torch.cat([
        m.weight.detach() for tcn in model.modules()
        if isinstance(tcn, MultiScaleTCN) for m in tcn.modules()
        if isinstance(m, nn.BatchNorm2d)
    ])


def test_named_layout_builds_the_official_graph():
    model = build(num_stages=2, inflate_stages=(), down_stages=())
    expected = Graph(layout=CTRGCN_NTU_LAYOUT, mode='spatial').A
    np.testing.assert_allclose(model.units[0].gcn.A.detach().numpy(),
                               expected, atol=1e-7)
    with pytest.raises(ValueError, match='unknown graph layout'):
        CTRGCN(graph_cfg=dict(layout='ctrgcn-ntu'))


def test_official_init_scheme():
    model = build(init_scheme='official')
    weights = tcn_bn_weights(model)
    # every TCN BN ~ N(1, 0.02): 7 BNs of width C / 4 per unit (two
    # dilated branches with 2 each, the max-pool branch 2, the 1x1 one 1)
    assert weights.numel() == 7 * (4 * 64 + 3 * 128 + 3 * 256) // 4
    assert abs(weights.mean().item() - 1) < 0.005
    assert 0.017 < weights.std().item() < 0.023
    # the other BNs keep the default scheme
    for unit in model.units:
        assert torch.all(unit.gcn.bn.weight == 1e-6)
        if isinstance(unit.residual, nn.Sequential):
            assert torch.all(unit.residual[1].weight == 1)
        for bn in (m for m in unit.tcn.modules()
                   if isinstance(m, nn.BatchNorm2d)):
            assert torch.all(bn.bias == 0)
    assert torch.all(model.data_bn.weight == 1)


def test_default_init_scheme_keeps_unit_bn_weights():
    assert torch.all(tcn_bn_weights(build()) == 1)
    with pytest.raises(ValueError, match="init_scheme must be one of"):
        CTRGCN(graph_cfg=dict(layout='nturgb+d'), init_scheme='paper')

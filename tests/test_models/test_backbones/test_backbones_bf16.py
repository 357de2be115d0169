"""The GCN backbones under bf16 autocast (the AMP configs' setting)."""
import mmcl_plugin  # noqa: F401  (compat fixes before mmaction.models)

import pytest
import torch
from mmaction.registry import MODELS

pytestmark = [pytest.mark.usefixtures('single_thread'), pytest.mark.numerics]

BACKBONES = [
    dict(type='CTRGCN', graph_cfg=dict(layout='nturgb+d', mode='spatial')),
    dict(type='CTRGCN', tcn_relu=True,
         graph_cfg=dict(layout='nturgb+d', mode='spatial')),
    dict(type='CTRSGCN'),
    dict(type='HDGCN', graph_cfg=dict(layout='nturgb+d', com=21)),
]


@pytest.mark.parametrize('backbone', BACKBONES,
                         ids=['ctrgcn', 'ctrgcn-pyskl', 'ctrsgcn', 'hdgcn'])
def test_bf16_autocast_trains_and_stays_close_to_fp32(backbone):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='RecognizerGCN', backbone=dict(backbone, base_channels=16),
        cls_head=dict(type='GCNHead', num_classes=10, in_channels=64)))
    model.init_weights()
    x = torch.randn(2, 2, 16, 25, 3)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        logits = model.cls_head(model.backbone(x))
    assert logits.dtype == torch.bfloat16
    logits.float().pow(2).sum().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    model.eval()
    with torch.no_grad():
        reference = model.cls_head(model.backbone(x))
        with torch.autocast('cpu', dtype=torch.bfloat16):
            low = model.cls_head(model.backbone(x)).float()
    scale = reference.abs().max()
    assert scale > 0.05
    # each of the 11 layers (10 units and the head) rounds its output to
    # bf16 (2**-9 relative): 11 x 2**-9 = 2.1 %, 3 % with the input's
    assert (low - reference).abs().max() <= 0.03 * scale

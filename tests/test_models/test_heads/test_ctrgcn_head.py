"""CTRGCNHead: GCNHead with the official classifier initialisation."""
import mmcl_plugin  # noqa: F401  (compat fixes before mmaction.models)

import math

import pytest
import torch
from mmaction.registry import MODELS

pytestmark = pytest.mark.numerics


def test_official_classifier_init():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(type='CTRGCNHead', num_classes=60, in_channels=256))
    head.init_weights()
    weight, bias = head.fc.weight.detach(), head.fc.bias.detach()
    # N(0, sqrt(2 / 60)) = N(0, 0.183); mmaction2's GCNHead: N(0, 0.01)
    assert abs(weight.std().item() - math.sqrt(2 / 60)) < 0.01
    assert abs(weight.mean().item()) < 0.01
    # nn.Linear's default bias U(-1/16, 1/16), not zero
    assert bias.abs().max().item() <= 1 / 16
    assert bias.abs().max().item() > 0.03


@pytest.mark.float64  # two orders of the same sums: float64 rounding only
def test_forward_is_gcnhead_and_init_cfg_is_refused():
    head = MODELS.build(
        dict(type='CTRGCNHead', num_classes=5, in_channels=8))
    features = torch.randn(2, 2, 8, 4, 3)  # (N, M, C, T, V)
    expected = head.fc(features.mean(dim=(3, 4)).mean(dim=1))
    torch.testing.assert_close(head(features), expected)
    with pytest.raises(TypeError, match='fixed initialisation'):
        MODELS.build(
            dict(type='CTRGCNHead', num_classes=5, in_channels=8,
                 init_cfg=dict(type='Normal', std=0.01)))

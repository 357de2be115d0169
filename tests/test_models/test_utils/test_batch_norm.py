"""BatchNorm helpers: grouped, sliced and folded BNs."""
import pytest
import torch
import torch.nn as nn

from mmcl_plugin.models.backbones.ctrgcn import TemporalConvBN
from mmcl_plugin.models.utils import (count_batch, fold_batch_norm,
                                      grouped_batch_norm, sliced_batch_norm,
                                      uses_running_stats)

# Every comparison here runs in float64 (the module's tests are all
# float64): torch's float64 assert_close tolerances (1e-7) lie >= 1e4 x above
# the rounding of these <= 1e3-term sums and far below a wrong statistic.
pytestmark = [pytest.mark.float64, pytest.mark.numerics]


def _norms(sizes, **kwargs):
    torch.manual_seed(0)
    norms = [nn.BatchNorm2d(c, **kwargs) for c in sizes]
    for bn in norms:
        with torch.no_grad():
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-1, 1)
    return norms


def _copies(norms):
    copies = [nn.BatchNorm2d(bn.num_features, momentum=bn.momentum,
                             track_running_stats=bn.track_running_stats)
              for bn in norms]
    for bn, copy in zip(norms, copies):
        copy.load_state_dict(bn.state_dict())
    return copies


@pytest.mark.parametrize('kwargs', [{}, dict(momentum=None),
                                    dict(track_running_stats=False)])
def test_equals_bn_per_group_in_train_and_eval(kwargs):
    sizes = [3, 5, 2]
    norms = _norms(sizes, **kwargs)
    reference = _copies(norms)
    x = 3 * torch.randn(4, 10, 6, 5) + 1
    for step in range(2):
        out = grouped_batch_norm(x, norms)
        expected = torch.cat(
            [bn(part) for bn, part in zip(reference, x.split(sizes, 1))], 1)
        torch.testing.assert_close(out, expected)
    for bn, ref in zip(norms, reference):
        if bn.track_running_stats:
            torch.testing.assert_close(bn.running_mean, ref.running_mean)
            torch.testing.assert_close(bn.running_var, ref.running_var)
            assert bn.num_batches_tracked == ref.num_batches_tracked == 2
            assert not torch.allclose(bn.running_mean, torch.zeros(1))
    for bn in norms + reference:
        bn.eval()
    torch.testing.assert_close(
        grouped_batch_norm(x, norms),
        torch.cat([bn(p) for bn, p in zip(reference, x.split(sizes, 1))],
                  1))


def test_gradients_and_channel_check():
    norms = _norms([2, 2])
    x = torch.randn(3, 4, 5, requires_grad=True)
    grouped_batch_norm(x, norms).pow(3).sum().backward()
    assert norms[1].weight.grad.abs().sum() > 0 and x.grad is not None
    with pytest.raises(ValueError, match='4 BN channels for an input of 5'):
        grouped_batch_norm(torch.randn(2, 5, 3), norms)


@pytest.mark.parametrize('momentum', [0.1, None])
def test_slices_equal_the_whole_bn(momentum):
    torch.manual_seed(0)
    bn = _norms([7], momentum=momentum)[0]
    reference = _copies([bn])[0]
    x = 2 * torch.randn(3, 7, 4, 5) - 1
    for step in range(2):
        count_batch(bn)
        out = torch.cat([sliced_batch_norm(x[:, :3], bn, 0, 3),
                         sliced_batch_norm(x[:, 3:], bn, 3, 7)], 1)
        torch.testing.assert_close(out, reference(x))
    torch.testing.assert_close(bn.running_mean, reference.running_mean)
    torch.testing.assert_close(bn.running_var, reference.running_var)
    assert bn.num_batches_tracked == 2
    bn.eval(), reference.eval()
    count_batch(bn)
    assert bn.num_batches_tracked == 2
    torch.testing.assert_close(sliced_batch_norm(x[:, 3:], bn, 3, 7),
                               reference(x)[:, 3:])
    with pytest.raises(ValueError, match='channels 0:3 of the BN for an '
                       'input of 4'):
        sliced_batch_norm(x[:, :4], bn, 0, 3)


def test_folded_conv_bn_and_temporal_conv_bn_in_eval():
    torch.manual_seed(0)
    block = TemporalConvBN(6, 8, kernel_size=5, stride=2)
    bn = block[1]
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
    x = torch.randn(2, 6, 9, 4)
    assert uses_running_stats(bn) is False  # training
    block.eval()
    assert uses_running_stats(bn)
    expected = bn(block[0](x))
    torch.testing.assert_close(block(x), expected)
    weight, bias = fold_batch_norm(block[0].weight, None, bn)
    folded = torch.nn.functional.conv2d(x, weight, bias, (2, 1), (2, 0))
    torch.testing.assert_close(
        folded, expected - bn.weight.view(1, -1, 1, 1) * block[0].bias.view(
            1, -1, 1, 1) / torch.sqrt(bn.running_var + bn.eps).view(
                1, -1, 1, 1))
    # training uses batch statistics, not the folded map
    block.train()
    out = block(x)
    torch.testing.assert_close(out.mean((0, 2, 3)), bn.bias)

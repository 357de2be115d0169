"""grouped_batch_norm: several BNs over channel groups in one call."""
import pytest
import torch
import torch.nn as nn

from mmcl_plugin.models.utils import grouped_batch_norm


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

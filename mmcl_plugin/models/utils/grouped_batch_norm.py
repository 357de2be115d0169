"""Several BatchNorms applied to consecutive channel groups in one call."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


def grouped_batch_norm(x: torch.Tensor,
                       norms: Sequence[nn.BatchNorm2d]) -> torch.Tensor:
    """Apply ``norms`` to consecutive channel groups of ``x`` in one call.

    Equal to ``torch.cat([bn(part) for bn, part in zip(norms,
    x.split(sizes, 1))], 1)``, running statistics included: per-channel
    statistics do not depend on the grouping, and in training the updated
    running mean / var are copied back into every BN and their
    ``num_batches_tracked`` incremented. BNs that differ in mode, momentum
    or eps, use a cumulative average (``momentum=None``) or do not track
    running statistics are applied one by one.

    Args:
        x (torch.Tensor): Features of shape (N, C, ...), C the sum of the
            BNs' ``num_features``.
        norms (Sequence[nn.BatchNorm2d]): The BNs, in channel order.

    Returns:
        torch.Tensor: The normalised features, shaped like ``x``.
    """
    sizes = [bn.num_features for bn in norms]
    if sum(sizes) != x.size(1):
        raise ValueError(f'{sum(sizes)} BN channels for an input of '
                         f'{x.size(1)} channels')
    first = norms[0]
    uniform = all(
        bn.training == first.training and bn.momentum == first.momentum
        and bn.eps == first.eps and bn.track_running_stats and bn.affine
        for bn in norms) and first.momentum is not None
    if not uniform:
        return torch.cat(
            [bn(part) for bn, part in zip(norms, x.split(sizes, 1))], 1)
    training = first.training
    running_mean = torch.cat([bn.running_mean for bn in norms])
    running_var = torch.cat([bn.running_var for bn in norms])
    out = F.batch_norm(x, running_mean, running_var,
                       torch.cat([bn.weight for bn in norms]),
                       torch.cat([bn.bias for bn in norms]), training,
                       first.momentum, first.eps)
    if training:
        with torch.no_grad():
            for bn, mean, var in zip(norms, running_mean.split(sizes),
                                     running_var.split(sizes)):
                bn.running_mean.copy_(mean)
                bn.running_var.copy_(var)
                bn.num_batches_tracked.add_(1)
    return out

"""BatchNorm over channel groups: several BNs in one call, or one BN's
channel slice."""
from typing import Optional, Sequence, Tuple

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


def sliced_batch_norm(x: torch.Tensor, bn: nn.BatchNorm2d, start: int,
                      stop: int) -> torch.Tensor:
    """Apply channels ``start:stop`` of ``bn`` to ``x``.

    ``torch.cat([sliced_batch_norm(part, bn, ...) for the consecutive
    slices], 1)`` equals ``bn`` on the whole tensor, running statistics
    included (they are updated in place through views), except for
    ``num_batches_tracked``: the caller increments it once per pass over
    all slices, before the first (see :func:`count_batch`).

    Args:
        x (torch.Tensor): Features of shape (N, stop - start, ...).
        bn (nn.BatchNorm2d): The BN of all channels.
        start (int): First channel.
        stop (int): One past the last channel.

    Returns:
        torch.Tensor: The normalised features, shaped like ``x``.
    """
    if x.size(1) != stop - start:
        raise ValueError(f'channels {start}:{stop} of the BN for an input '
                         f'of {x.size(1)} channels')
    momentum = 0.
    if bn.training and bn.track_running_stats:
        momentum = bn.momentum if bn.momentum is not None else \
            1. / float(bn.num_batches_tracked)
    use_batch_stats = bn.training or bn.running_mean is None

    def part(t):
        return None if t is None else t[start:stop]

    return F.batch_norm(x, part(bn.running_mean), part(bn.running_var),
                        part(bn.weight), part(bn.bias), use_batch_stats,
                        momentum, bn.eps)


def count_batch(bn: nn.BatchNorm2d) -> None:
    """Increment ``num_batches_tracked`` as ``bn.forward`` would."""
    if bn.training and bn.track_running_stats:
        bn.num_batches_tracked.add_(1)


def uses_running_stats(bn: nn.modules.batchnorm._BatchNorm) -> bool:
    """Whether ``bn`` normalises with its running statistics (an affine
    map that can be folded into a neighbouring linear layer)."""
    return not bn.training and bn.running_mean is not None


def fold_batch_norm(weight: torch.Tensor, bias: Optional[torch.Tensor],
                    bn: nn.modules.batchnorm._BatchNorm
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of ``bn(conv(x))`` as one convolution.

    Only valid while ``bn`` uses its running statistics
    (:func:`uses_running_stats`).

    Args:
        weight (torch.Tensor): Convolution weight (C_out, ...).
        bias (torch.Tensor, optional): Convolution bias (C_out).
        bn (nn.BatchNorm2d): The BN after the convolution.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: Folded weight and bias.
    """
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight
    shift = -bn.running_mean if bias is None else bias - bn.running_mean
    shift = shift * scale
    if bn.bias is not None:
        shift = shift + bn.bias
    return weight * scale.view((-1, ) + (1, ) * (weight.dim() - 1)), shift

"""The MMCL release's CTRS-GCN checkpoint layout, built from its description.

:func:`official_state_dict` makes a random, calibrated state dict with the
names and shapes ``zero_shot/model/ctrsgcn.py`` saves: ``data_bn``; units
``l1`` .. ``l10`` with ``gcn1.PA`` (K, V, V), ``gcn1.conv_d.{k}`` (1x1
convs), ``gcn1.bn``, ``gcn1.down`` when the width changes, ``tcn1.conv``
(5 x 1) / ``tcn1.bn``, ``residual.conv/bn`` when the shape changes; ``fc``.
:func:`official_forward` computes that model's logits with
``torch.nn.functional`` on those tensors (input (N, C, T, V, M)).
"""
from collections import OrderedDict
from typing import Dict

import torch
from functional_reference import Ops, add_bn, add_conv, calibrate
from official_ctrgcn import UNITS, forward_units, gcn_output

NUM_SUBSETS = 3
KERNEL = 5


def official_state_dict(num_class: int = 10, num_point: int = 25,
                        num_person: int = 2, in_channels: int = 3,
                        seed: int = 0) -> 'OrderedDict':
    """A random, calibrated CTRS-GCN state dict in the release's layout."""
    g = torch.Generator().manual_seed(seed)
    sd: Dict[str, torch.Tensor] = OrderedDict()
    add_bn(sd, 'data_bn', num_person * in_channels * num_point, g)
    for index, (c_in, c_out, stride, residual) in enumerate(UNITS, 1):
        if index == 1:
            c_in = in_channels
        p = f'l{index}'
        # learnt adjacencies: identities plus a perturbation
        sd[f'{p}.gcn1.PA'] = torch.eye(num_point) + 0.2 * torch.rand(
            NUM_SUBSETS, num_point, num_point, generator=g)
        for k in range(NUM_SUBSETS):
            add_conv(sd, f'{p}.gcn1.conv_d.{k}', c_out, c_in, g)
        if c_in != c_out:
            add_conv(sd, f'{p}.gcn1.down.0', c_out, c_in, g)
            add_bn(sd, f'{p}.gcn1.down.1', c_out, g)
        add_bn(sd, f'{p}.gcn1.bn', c_out, g)
        add_conv(sd, f'{p}.tcn1.conv', c_out, c_out, g, KERNEL)
        add_bn(sd, f'{p}.tcn1.bn', c_out, g)
        if residual and (c_in != c_out or stride != 1):
            add_conv(sd, f'{p}.residual.conv', c_out, c_in, g)
            add_bn(sd, f'{p}.residual.bn', c_out, g)
    sd['fc.weight'] = torch.randn(num_class, 256, generator=g) * 0.1
    sd['fc.bias'] = torch.randn(num_class, generator=g) * 0.1
    calibrate(sd, _forward, (4, in_channels, 16, num_point, num_person), g)
    return sd


def _gcn(ops: Ops, x: torch.Tensor, p: str, c_in: int,
         c_out: int) -> torch.Tensor:
    N, C, T, V = x.shape
    A = ops.sd[f'{p}.gcn1.PA']
    A = A / (torch.norm(A, 2, dim=1, keepdim=True) + 1e-4)
    y = 0
    for k in range(NUM_SUBSETS):
        mixed = torch.matmul(x.reshape(N, C * T, V), A[k]).view(N, C, T, V)
        y = y + ops.conv(mixed, f'{p}.gcn1.conv_d.{k}')
    return gcn_output(ops, y, x, f'{p}.gcn1', c_in, c_out)


def _unit(ops: Ops, x: torch.Tensor, index: int, c_in: int, c_out: int,
          stride: int) -> torch.Tensor:
    p = f'l{index}'
    g = _gcn(ops, x, p, c_in, c_out)
    return ops.bn(ops.conv(g, f'{p}.tcn1.conv', stride, (KERNEL - 1) // 2),
                  f'{p}.tcn1.bn')


def _forward(ops: Ops, x: torch.Tensor) -> torch.Tensor:
    return forward_units(ops, x, UNITS, _unit)


@torch.no_grad()
def official_forward(sd, x: torch.Tensor) -> torch.Tensor:
    """Logits of the release's model (eval) on (N, C, T, V, M) input."""
    return _forward(Ops(sd), x)

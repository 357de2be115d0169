"""The official CTR-GCN checkpoint layout, built from its description.

:func:`official_state_dict` makes a random state dict with the parameter
names and shapes the official CTR-GCN ``Model`` (and MMCL's, which adds
its FRM / FAM tensors) saves: ``data_bn``, units ``l1`` .. ``l10`` (each
``gcn1`` with ``convs.k.conv1..4``, ``PA``, ``alpha``, ``bn``, ``down`` when
the width changes; ``tcn1.branches``: two dilated branches (1x1 conv, BN,
ReLU, TemporalConv(conv, bn)), a max-pool branch (1x1 conv, BN, ReLU, pool,
BN) and a 1x1 branch (conv, BN); ``residual.conv/bn`` when the shape
changes) and ``fc``; its BN statistics are calibrated (see
``functional_reference``). :func:`official_forward` computes that model's
logits with plain ``torch.nn.functional`` calls on those tensors, in the
official input layout (N, C, T, V, M), independently of the plugin's
modules.
"""
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from functional_reference import Ops, add_bn, add_conv, calibrate

#: (in, out, stride, residual) of l1..l10 for base width 64.
UNITS: List[Tuple[int, int, int, bool]] = [
    (3, 64, 1, False), (64, 64, 1, True), (64, 64, 1, True),
    (64, 64, 1, True), (64, 128, 2, True), (128, 128, 1, True),
    (128, 128, 1, True), (128, 256, 2, True), (256, 256, 1, True),
    (256, 256, 1, True)
]
DILATIONS = (1, 2)
KERNEL = 5
NUM_SUBSETS = 3


def _rel(in_channels: int) -> int:
    return 8 if in_channels in (3, 9) else in_channels // 8


def add_ms_tcn(sd: Dict, p: str, c: int, g: torch.Generator,
               separate_bias: bool = False) -> None:
    """Tensors of a multi-scale TCN ``p`` (CTR-GCN / HD-GCN layout).

    With ``separate_bias`` (HD-GCN) the dilated convolutions have no bias
    of their own but a ``branches.b.3.bias`` of shape (1, C, 1, 1).
    """
    branch = c // (len(DILATIONS) + 2)
    for b in range(len(DILATIONS)):
        q = f'{p}.branches.{b}'
        add_conv(sd, q + '.0', branch, c, g)
        add_bn(sd, q + '.1', branch, g)
        add_conv(sd, q + '.3.conv', branch, branch, g, KERNEL,
                 bias=not separate_bias)
        if separate_bias:
            sd[q + '.3.bias'] = 0.1 * torch.randn(1, branch, 1, 1,
                                                  generator=g)
        add_bn(sd, q + '.3.bn', branch, g)
    q = f'{p}.branches.{len(DILATIONS)}'
    add_conv(sd, q + '.0', branch, c, g)
    add_bn(sd, q + '.1', branch, g)
    add_bn(sd, q + '.4', branch, g)
    q = f'{p}.branches.{len(DILATIONS) + 1}'
    add_conv(sd, q + '.0', branch, c, g)
    add_bn(sd, q + '.1', branch, g)


def ms_tcn(ops: Ops, g: torch.Tensor, p: str, stride: int) -> torch.Tensor:
    """The multi-scale TCN ``p`` on (N, C, T, V) features."""
    outs = []
    for b, d in enumerate(DILATIONS):
        q = f'{p}.branches.{b}'
        h = F.relu(ops.bn(ops.conv(g, q + '.0'), q + '.1'))
        pad = (KERNEL + (KERNEL - 1) * (d - 1) - 1) // 2
        h = ops.conv(h, q + '.3.conv', stride, pad, d)
        if q + '.3.bias' in ops.sd:
            h = h + ops.sd[q + '.3.bias']
        outs.append(ops.bn(h, q + '.3.bn'))
    q = f'{p}.branches.{len(DILATIONS)}'
    h = F.relu(ops.bn(ops.conv(g, q + '.0'), q + '.1'))
    h = F.max_pool2d(h, (3, 1), (stride, 1), (1, 0))
    outs.append(ops.bn(h, q + '.4'))
    q = f'{p}.branches.{len(DILATIONS) + 1}'
    outs.append(ops.bn(ops.conv(g, q + '.0', stride), q + '.1'))
    return torch.cat(outs, dim=1)


def unit_residual(ops: Ops, x: torch.Tensor, p: str, c_in: int, c_out: int,
                  stride: int, residual: bool):
    """The residual of unit ``p``: 0, identity or conv + BN."""
    if not residual:
        return 0
    if c_in == c_out and stride == 1:
        return x
    return ops.bn(ops.conv(x, f'{p}.residual.conv', stride),
                  f'{p}.residual.bn')


def gcn_output(ops: Ops, y: torch.Tensor, x: torch.Tensor, p: str,
               c_in: int, c_out: int) -> torch.Tensor:
    """``relu(bn(y) + down(x))`` of the graph convolution ``p`` (``down``:
    identity, or 1x1 conv + BN when the width changes)."""
    y = ops.bn(y, f'{p}.bn')
    if c_in != c_out:
        return F.relu(y + ops.bn(ops.conv(x, f'{p}.down.0'), f'{p}.down.1'))
    return F.relu(y + x)


def data_bn(ops: Ops, x: torch.Tensor) -> torch.Tensor:
    """(N, C, T, V, M) -> normalised (N * M, C, T, V)."""
    N, C, T, V, M = x.shape
    x = x.permute(0, 4, 3, 1, 2).reshape(N, M * V * C, T)
    x = ops.bn(x, 'data_bn')
    return x.view(N, M, V, C, T).permute(0, 1, 3, 4, 2).reshape(
        N * M, C, T, V)


def pool_and_classify(ops: Ops, x: torch.Tensor, N: int, M: int,
                      fc: str = 'fc') -> torch.Tensor:
    """Mean over T, V and M, then the classifier ``fc``."""
    x = x.view(N, M, x.size(1), -1).mean(3).mean(1)
    return ops.linear(x, fc)


def forward_units(ops: Ops, x: torch.Tensor, units, body) -> torch.Tensor:
    """Input BN, units ``l1``.. (``relu(body + residual)``), pooling, fc.

    ``body(ops, x, index, c_in, c_out, stride)`` computes unit ``l{index}``
    without its residual.
    """
    N, C, T, V, M = x.shape
    x = data_bn(ops, x)
    for index, (c_in, c_out, stride, residual) in enumerate(units, 1):
        if index == 1:
            c_in = C
        x = F.relu(
            body(ops, x, index, c_in, c_out, stride) +
            unit_residual(ops, x, f'l{index}', c_in, c_out, stride,
                          residual))
    return pool_and_classify(ops, x, N, M)


def official_state_dict(num_class: int = 10, num_point: int = 25,
                        num_person: int = 2, in_channels: int = 3,
                        seed: int = 0, mmcl: bool = False,
                        text_channels: int = 6) -> 'OrderedDict':
    """A random, calibrated state dict in the official layout.

    With ``mmcl``, MMCL's extra tensors are added: ``mlp`` (FRM text MLP
    to 2 weights), ``PosMatrix`` / ``NegMatrix`` (num_class each) and a
    few stand-ins of its ``inception_v3.*`` / ``FAM_Aligh.*`` tensors.
    """
    g = torch.Generator().manual_seed(seed)
    sd: Dict[str, torch.Tensor] = OrderedDict()
    add_bn(sd, 'data_bn', num_person * in_channels * num_point, g)
    for index, (c_in, c_out, stride, residual) in enumerate(UNITS, 1):
        if index == 1:
            c_in = in_channels
        p = f'l{index}'
        for k in range(NUM_SUBSETS):
            q = f'{p}.gcn1.convs.{k}'
            r = _rel(c_in)
            add_conv(sd, q + '.conv1', r, c_in, g)
            add_conv(sd, q + '.conv2', r, c_in, g)
            add_conv(sd, q + '.conv3', c_out, c_in, g)
            add_conv(sd, q + '.conv4', c_out, r, g)
        if c_in != c_out:
            add_conv(sd, f'{p}.gcn1.down.0', c_out, c_in, g)
            add_bn(sd, f'{p}.gcn1.down.1', c_out, g)
        sd[f'{p}.gcn1.PA'] = torch.rand(NUM_SUBSETS, num_point, num_point,
                                        generator=g) / num_point
        sd[f'{p}.gcn1.alpha'] = torch.tensor([0.3])
        add_bn(sd, f'{p}.gcn1.bn', c_out, g)
        add_ms_tcn(sd, f'{p}.tcn1', c_out, g)
        if residual and (c_in != c_out or stride != 1):
            add_conv(sd, f'{p}.residual.conv', c_out, c_in, g)
            add_bn(sd, f'{p}.residual.bn', c_out, g)
    sd['fc.weight'] = torch.randn(num_class, 256, generator=g) * 0.1
    sd['fc.bias'] = torch.randn(num_class, generator=g) * 0.1
    calibrate(sd, _forward, (4, in_channels, 16, num_point, num_person), g)
    if mmcl:
        sd['mlp.0.weight'] = torch.randn(64, text_channels, generator=g)
        sd['mlp.0.bias'] = torch.randn(64, generator=g)
        sd['mlp.2.weight'] = torch.randn(2, 64, generator=g)
        sd['mlp.2.bias'] = torch.randn(2, generator=g)
        sd['PosMatrix'] = 1 + 0.5 * torch.randn(num_class, generator=g)
        sd['NegMatrix'] = 1 + 0.5 * torch.randn(num_class, generator=g)
        sd['inception_v3.Conv2d_1a_3x3.conv.weight'] = torch.randn(
            32, 3, 3, 3, generator=g)
        sd['inception_v3.fc.weight'] = torch.randn(1000, 2048, generator=g)
        sd['FAM_Aligh.mlp.0.weight'] = torch.randn(256, 1000, generator=g)
        sd['FAM_Aligh.mlp.2.weight'] = torch.randn(256, 256, generator=g)
    return sd


def _gcn(ops: Ops, x: torch.Tensor, p: str, c_in: int,
         c_out: int) -> torch.Tensor:
    A, alpha = ops.sd[f'{p}.gcn1.PA'], ops.sd[f'{p}.gcn1.alpha']
    y = 0
    for k in range(NUM_SUBSETS):
        q = f'{p}.gcn1.convs.{k}'
        x1 = ops.conv(x, q + '.conv1').mean(-2)  # (N, R, V)
        x2 = ops.conv(x, q + '.conv2').mean(-2)
        x3 = ops.conv(x, q + '.conv3')
        relation = torch.tanh(x1.unsqueeze(-1) - x2.unsqueeze(-2))
        topology = ops.conv(relation, q + '.conv4') * alpha + A[k]
        y = y + torch.einsum('ncuv,nctv->nctu', topology, x3)
    return gcn_output(ops, y, x, f'{p}.gcn1', c_in, c_out)


def _unit(ops: Ops, x: torch.Tensor, index: int, c_in: int, c_out: int,
          stride: int) -> torch.Tensor:
    p = f'l{index}'
    return ms_tcn(ops, _gcn(ops, x, p, c_in, c_out), f'{p}.tcn1', stride)


def _forward(ops: Ops, x: torch.Tensor) -> torch.Tensor:
    return forward_units(ops, x, UNITS, _unit)


@torch.no_grad()
def official_forward(sd, x: torch.Tensor) -> torch.Tensor:
    """Logits of the official model (eval mode) on (N, C, T, V, M) input."""
    return _forward(Ops(sd), x)


@torch.no_grad()
def official_refined(sd, logits: torch.Tensor,
                     text: torch.Tensor) -> torch.Tensor:
    """MMCL's FRM on logits with (N, D) text features."""
    h = F.relu(F.linear(text, sd['mlp.0.weight'], sd['mlp.0.bias']))
    w = torch.softmax(F.linear(h, sd['mlp.2.weight'], sd['mlp.2.bias']), 1)
    return (w[:, :1] * sd['PosMatrix'] * logits +
            w[:, 1:] * sd['NegMatrix'] * logits)

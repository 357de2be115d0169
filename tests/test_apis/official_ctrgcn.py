"""The official CTR-GCN checkpoint layout, built from its description.

:func:`official_state_dict` makes a random state dict with the parameter
names and shapes the official CTR-GCN ``Model`` (and MMCL's, which adds
its FRM / FAM tensors) saves: ``data_bn``, units ``l1`` .. ``l10`` (each
``gcn1`` with ``convs.k.conv1..4``, ``PA``, ``alpha``, ``bn``, ``down`` when
the width changes; ``tcn1.branches``: two dilated branches (1x1 conv, BN,
ReLU, TemporalConv(conv, bn)), a max-pool branch (1x1 conv, BN, ReLU, pool,
BN) and a 1x1 branch (conv, BN); ``residual.conv/bn`` when the shape
changes) and ``fc``. :func:`official_forward` computes that model's logits
with plain ``torch.nn.functional`` calls on those tensors, in the official
input layout (N, C, T, V, M), independently of the plugin's modules.
"""
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F

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


def _conv(sd, name, out_c, in_c, kt, g):
    sd[name + '.weight'] = torch.randn(out_c, in_c, kt, 1, generator=g) * (
        2.0 / (in_c * kt))**0.5
    sd[name + '.bias'] = torch.randn(out_c, generator=g) * 0.1


def _bn(sd, name, c, g):
    sd[name + '.weight'] = 1 + 0.2 * torch.randn(c, generator=g)
    sd[name + '.bias'] = 0.1 * torch.randn(c, generator=g)
    sd[name + '.running_mean'] = 0.1 * torch.randn(c, generator=g)
    sd[name + '.running_var'] = 0.5 + torch.rand(c, generator=g)
    sd[name + '.num_batches_tracked'] = torch.tensor(100)


def official_state_dict(num_class: int = 10, num_point: int = 25,
                        num_person: int = 2, in_channels: int = 3,
                        seed: int = 0, mmcl: bool = False,
                        text_channels: int = 6) -> 'OrderedDict':
    """A random state dict in the official layout (see the module doc).

    With ``mmcl``, MMCL's extra tensors are added: ``mlp`` (FRM text MLP
    to 2 weights), ``PosMatrix`` / ``NegMatrix`` (num_class each) and a
    few stand-ins of its ``inception_v3.*`` / ``FAM_Aligh.*`` tensors.
    """
    g = torch.Generator().manual_seed(seed)
    sd: Dict[str, torch.Tensor] = OrderedDict()
    _bn(sd, 'data_bn', num_person * in_channels * num_point, g)
    for index, (c_in, c_out, stride, residual) in enumerate(UNITS, 1):
        if index == 1:
            c_in = in_channels
        p = f'l{index}'
        for k in range(NUM_SUBSETS):
            q = f'{p}.gcn1.convs.{k}'
            r = _rel(c_in)
            _conv(sd, q + '.conv1', r, c_in, 1, g)
            _conv(sd, q + '.conv2', r, c_in, 1, g)
            _conv(sd, q + '.conv3', c_out, c_in, 1, g)
            _conv(sd, q + '.conv4', c_out, r, 1, g)
        if c_in != c_out:
            _conv(sd, f'{p}.gcn1.down.0', c_out, c_in, 1, g)
            _bn(sd, f'{p}.gcn1.down.1', c_out, g)
        sd[f'{p}.gcn1.PA'] = torch.rand(NUM_SUBSETS, num_point, num_point,
                                        generator=g) / num_point
        sd[f'{p}.gcn1.alpha'] = torch.tensor([0.3])
        _bn(sd, f'{p}.gcn1.bn', c_out, g)
        branch = c_out // (len(DILATIONS) + 2)
        for b in range(len(DILATIONS)):
            q = f'{p}.tcn1.branches.{b}'
            _conv(sd, q + '.0', branch, c_out, 1, g)
            _bn(sd, q + '.1', branch, g)
            _conv(sd, q + '.3.conv', branch, branch, KERNEL, g)
            _bn(sd, q + '.3.bn', branch, g)
        q = f'{p}.tcn1.branches.{len(DILATIONS)}'
        _conv(sd, q + '.0', branch, c_out, 1, g)
        _bn(sd, q + '.1', branch, g)
        _bn(sd, q + '.4', branch, g)
        q = f'{p}.tcn1.branches.{len(DILATIONS) + 1}'
        _conv(sd, q + '.0', branch, c_out, 1, g)
        _bn(sd, q + '.1', branch, g)
        if residual and (c_in != c_out or stride != 1):
            _conv(sd, f'{p}.residual.conv', c_out, c_in, 1, g)
            _bn(sd, f'{p}.residual.bn', c_out, g)
    sd['fc.weight'] = torch.randn(num_class, 256, generator=g) * 0.1
    sd['fc.bias'] = torch.randn(num_class, generator=g) * 0.1
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


def _f_conv(x, sd, name, stride=1, pad=0, dilation=1):
    return F.conv2d(x, sd[name + '.weight'], sd[name + '.bias'],
                    stride=(stride, 1), padding=(pad, 0),
                    dilation=(dilation, 1))


def _f_bn(x, sd, name):
    return F.batch_norm(x, sd[name + '.running_mean'],
                        sd[name + '.running_var'], sd[name + '.weight'],
                        sd[name + '.bias'], False, 0.0, 1e-5)


def _f_unit(x, sd, p, c_in, c_out, stride, residual):
    A, alpha = sd[f'{p}.gcn1.PA'], sd[f'{p}.gcn1.alpha']
    y = 0
    for k in range(NUM_SUBSETS):
        q = f'{p}.gcn1.convs.{k}'
        x1 = _f_conv(x, sd, q + '.conv1').mean(-2)  # (N, R, V)
        x2 = _f_conv(x, sd, q + '.conv2').mean(-2)
        x3 = _f_conv(x, sd, q + '.conv3')
        relation = torch.tanh(x1.unsqueeze(-1) - x2.unsqueeze(-2))
        topology = _f_conv(relation, sd, q + '.conv4') * alpha + A[k]
        y = y + torch.einsum('ncuv,nctv->nctu', topology, x3)
    y = _f_bn(y, sd, f'{p}.gcn1.bn')
    if c_in != c_out:
        y = y + _f_bn(_f_conv(x, sd, f'{p}.gcn1.down.0'), sd,
                      f'{p}.gcn1.down.1')
    else:
        y = y + x
    g = F.relu(y)
    outs = []
    for b, d in enumerate(DILATIONS):
        q = f'{p}.tcn1.branches.{b}'
        h = F.relu(_f_bn(_f_conv(g, sd, q + '.0'), sd, q + '.1'))
        pad = (KERNEL + (KERNEL - 1) * (d - 1) - 1) // 2
        outs.append(_f_bn(_f_conv(h, sd, q + '.3.conv', stride, pad, d), sd,
                          q + '.3.bn'))
    q = f'{p}.tcn1.branches.{len(DILATIONS)}'
    h = F.relu(_f_bn(_f_conv(g, sd, q + '.0'), sd, q + '.1'))
    h = F.max_pool2d(h, (3, 1), (stride, 1), (1, 0))
    outs.append(_f_bn(h, sd, q + '.4'))
    q = f'{p}.tcn1.branches.{len(DILATIONS) + 1}'
    outs.append(_f_bn(_f_conv(g, sd, q + '.0', stride), sd, q + '.1'))
    t = torch.cat(outs, dim=1)
    if not residual:
        res = 0
    elif c_in == c_out and stride == 1:
        res = x
    else:
        res = _f_bn(_f_conv(x, sd, f'{p}.residual.conv', stride), sd,
                    f'{p}.residual.bn')
    return F.relu(t + res)


@torch.no_grad()
def official_forward(sd, x: torch.Tensor) -> torch.Tensor:
    """Logits of the official model (eval mode) on (N, C, T, V, M) input."""
    N, C, T, V, M = x.shape
    x = x.permute(0, 4, 3, 1, 2).reshape(N, M * V * C, T)
    x = F.batch_norm(x, sd['data_bn.running_mean'],
                     sd['data_bn.running_var'], sd['data_bn.weight'],
                     sd['data_bn.bias'], False, 0.0, 1e-5)
    x = x.view(N, M, V, C, T).permute(0, 1, 3, 4, 2).reshape(N * M, C, T, V)
    for index, (c_in, c_out, stride, residual) in enumerate(UNITS, 1):
        if index == 1:
            c_in = C
        x = _f_unit(x, sd, f'l{index}', c_in, c_out, stride, residual)
    x = x.view(N, M, x.size(1), -1).mean(3).mean(1)
    return F.linear(x, sd['fc.weight'], sd['fc.bias'])


@torch.no_grad()
def official_refined(sd, logits: torch.Tensor,
                     text: torch.Tensor) -> torch.Tensor:
    """MMCL's FRM on logits with (N, D) text features."""
    h = F.relu(F.linear(text, sd['mlp.0.weight'], sd['mlp.0.bias']))
    w = torch.softmax(F.linear(h, sd['mlp.2.weight'], sd['mlp.2.bias']), 1)
    return (w[:, :1] * sd['PosMatrix'] * logits +
            w[:, 1:] * sd['NegMatrix'] * logits)

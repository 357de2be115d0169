"""pyskl's STGCN++ and CTR-GCN checkpoint layouts, built from their
description.

pyskl (github kennymckormick/pyskl) saves mmcv checkpoints (``meta``,
``state_dict``) of a ``RecognizerGCN``: ``backbone.*`` and
``cls_head.fc_cls.*``.

- STGCN++ (``STGCN`` with ``gcn_adaptive='init'``, ``gcn_with_res=True``,
  ``tcn_type='mstcn'``): ``backbone.data_bn`` over V * C channels;
  ``backbone.gcn.{i}`` blocks with ``gcn`` (``A`` (K, V, V), ``conv`` to
  K * C_out channels, ``bn``, ``down``), ``tcn`` (six branches of
  ``ms_cfg`` (3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1', the first
  with the remainder channels; ``transform`` BN, ReLU, 1x1 conv; ``bn``)
  and ``residual`` (``conv``, ``bn``).
- CTR-GCN: ``backbone.A`` (the graph), ``backbone.data_bn`` over
  M * V * C channels, ``backbone.net.{i}`` with ``gcn1`` (``convs.{k}.
  conv1..4``, ``A``, ``alpha``, ``bn``, ``down``), ``tcn1`` (CTR-GCN's
  branches; its output goes through a ReLU) and ``residual``. Its CTR-GC
  aggregates with the transposed topology (``einsum('ncuv,nctu->nctv')``)
  and uses 8 relation channels for inputs up to 16 channels.

:func:`stgcnpp_forward` and :func:`ctrgcn_forward` compute the logits
with ``torch.nn.functional`` on those tensors (input (N, M, T, V, C)).
"""
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from functional_reference import Ops, add_bn, add_conv, calibrate
import official_ctrgcn
from official_ctrgcn import (UNITS, gcn_output, ms_tcn, pool_and_classify,
                             unit_residual)

MS_CFG = [(3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1']
NUM_SUBSETS = 3


def _stages(in_channels: int, base: int) -> List[Tuple[int, int, int,
                                                       bool]]:
    """(in, out, stride, residual) of pyskl's STGCN blocks."""
    stages = []
    if in_channels != base:
        stages.append((in_channels, base, 1, False))
    width = base
    for i in range(2, 11):
        out = width * (2 if i in (5, 8) else 1)
        stages.append((width, out, 2 if i in (5, 8) else 1, True))
        width = out
    return stages


def _temporal_conv(ops, x, name, stride, kernel, dilation):
    pad = (kernel + (kernel - 1) * (dilation - 1) - 1) // 2
    return ops.conv(x, name + '.conv', stride, pad, dilation)


def stgcnpp_state_dict(num_class: int = 10, num_point: int = 25,
                       in_channels: int = 3, base: int = 64,
                       seed: int = 0) -> 'OrderedDict':
    """A random, calibrated pyskl STGCN++ state dict (keys with
    ``backbone.`` / ``cls_head.`` prefixes)."""
    g = torch.Generator().manual_seed(seed)
    sd: Dict[str, torch.Tensor] = OrderedDict()
    add_bn(sd, 'backbone.data_bn', in_channels * num_point, g)
    for i, (c_in, c_out, stride, residual) in enumerate(
            _stages(in_channels, base)):
        p = f'backbone.gcn.{i}'
        sd[f'{p}.gcn.A'] = torch.rand(NUM_SUBSETS, num_point, num_point,
                                      generator=g) / 5
        add_conv(sd, f'{p}.gcn.conv', NUM_SUBSETS * c_out, c_in, g)
        add_bn(sd, f'{p}.gcn.bn', c_out, g)
        if c_in != c_out:
            add_conv(sd, f'{p}.gcn.down.0', c_out, c_in, g)
            add_bn(sd, f'{p}.gcn.down.1', c_out, g)
        mid = c_out // len(MS_CFG)
        rem = c_out - mid * (len(MS_CFG) - 1)
        for b, cfg in enumerate(MS_CFG):
            bc = rem if b == 0 else mid
            q = f'{p}.tcn.branches.{b}'
            if cfg == '1x1':
                add_conv(sd, q, bc, c_out, g)
                continue
            add_conv(sd, q + '.0', bc, c_out, g)
            add_bn(sd, q + '.1', bc, g)
            if cfg[0] != 'max':
                add_conv(sd, q + '.3.conv', bc, bc, g, cfg[0])
        add_bn(sd, f'{p}.tcn.transform.0', c_out, g)
        add_conv(sd, f'{p}.tcn.transform.2', c_out, c_out, g)
        add_bn(sd, f'{p}.tcn.bn', c_out, g)
        if residual and (c_in != c_out or stride != 1):
            add_conv(sd, f'{p}.residual.conv', c_out, c_in, g)
            add_bn(sd, f'{p}.residual.bn', c_out, g)
    sd['cls_head.fc_cls.weight'] = torch.randn(num_class, 4 * base,
                                               generator=g) * 0.1
    sd['cls_head.fc_cls.bias'] = torch.randn(num_class, generator=g) * 0.1
    calibrate(sd, lambda ops, x: _stgcnpp(ops, x, in_channels, base),
              (4, 2, 16, num_point, in_channels), g)
    return sd


def _stgcnpp(ops: Ops, x: torch.Tensor, in_channels: int,
             base: int) -> torch.Tensor:
    N, M, T, V, C = x.shape
    x = x.permute(0, 1, 3, 4, 2).reshape(N * M, V * C, T)
    x = ops.bn(x, 'backbone.data_bn')
    x = x.view(N, M, V, C, T).permute(0, 1, 3, 4, 2).reshape(
        N * M, C, T, V)
    for i, (c_in, c_out, stride, residual) in enumerate(
            _stages(in_channels, base)):
        p = f'backbone.gcn.{i}'
        res = unit_residual(ops, x, p, c_in, c_out, stride, residual)
        # unit_gcn: 'pre' conv, einsum with A, BN + own residual, ReLU
        A = ops.sd[f'{p}.gcn.A']
        n, _, t, v = x.shape
        y = ops.conv(x, f'{p}.gcn.conv').view(n, NUM_SUBSETS, c_out, t, v)
        y = torch.einsum('nkctv,kvw->nctw', y, A)
        y = gcn_output(ops, y, x, f'{p}.gcn', c_in, c_out)
        # mstcn
        outs = []
        for b, cfg in enumerate(MS_CFG):
            q = f'{p}.tcn.branches.{b}'
            if cfg == '1x1':
                outs.append(ops.conv(y, q, stride))
                continue
            h = F.relu(ops.bn(ops.conv(y, q + '.0'), q + '.1'))
            if cfg[0] == 'max':
                outs.append(F.max_pool2d(h, (3, 1), (stride, 1), (1, 0)))
            else:
                outs.append(_temporal_conv(ops, h, q + '.3', stride, cfg[0],
                                           cfg[1]))
        h = torch.cat(outs, 1)
        h = ops.conv(F.relu(ops.bn(h, f'{p}.tcn.transform.0')),
                     f'{p}.tcn.transform.2')
        h = ops.bn(h, f'{p}.tcn.bn')
        x = F.relu(h + res)
    return pool_and_classify(ops, x, N, M, 'cls_head.fc_cls')


def ctrgcn_state_dict(num_class: int = 10, num_point: int = 25,
                      num_person: int = 2, in_channels: int = 3,
                      seed: int = 0) -> 'OrderedDict':
    """A random, calibrated pyskl CTR-GCN state dict.

    The tensors of the official layout (same shapes: both use 8 relation
    channels for 3-channel inputs), renamed, plus pyskl's ``backbone.A``;
    the BN statistics are calibrated again for pyskl's forward.
    """
    official = official_ctrgcn.official_state_dict(
        num_class, num_point, num_person, in_channels, seed)
    g = torch.Generator().manual_seed(seed + 1)
    sd: Dict[str, torch.Tensor] = OrderedDict()
    sd['backbone.A'] = torch.rand(NUM_SUBSETS, num_point, num_point,
                                  generator=g)
    for key, value in official.items():
        if key.startswith('fc.'):
            key = 'cls_head.fc_cls.' + key[3:]
        elif key.startswith('data_bn.'):
            key = 'backbone.' + key
        else:
            unit, rest = key.split('.', 1)
            key = f'backbone.net.{int(unit[1:]) - 1}.' + rest.replace(
                'gcn1.PA', 'gcn1.A')
        sd[key] = value
    calibrate(sd, _ctrgcn, (4, num_person, 16, num_point, in_channels), g)
    return sd


def _ctrgcn(ops: Ops, x: torch.Tensor) -> torch.Tensor:
    N, M, T, V, C = x.shape
    x = x.permute(0, 1, 3, 4, 2).reshape(N, M * V * C, T)
    x = ops.bn(x, 'backbone.data_bn')
    x = x.view(N, M, V, C, T).permute(0, 1, 3, 4, 2).reshape(
        N * M, C, T, V)
    for i, (c_in, c_out, stride, residual) in enumerate(UNITS):
        if i == 0:
            c_in = C
        p = f'backbone.net.{i}'
        A, alpha = ops.sd[f'{p}.gcn1.A'], ops.sd[f'{p}.gcn1.alpha']
        y = 0
        for k in range(NUM_SUBSETS):
            q = f'{p}.gcn1.convs.{k}'
            x1 = ops.conv(x, q + '.conv1').mean(-2)
            x2 = ops.conv(x, q + '.conv2').mean(-2)
            x3 = ops.conv(x, q + '.conv3')
            rel = torch.tanh(x1.unsqueeze(-1) - x2.unsqueeze(-2))
            topology = ops.conv(rel, q + '.conv4') * alpha + A[k]
            y = y + torch.einsum('ncuv,nctu->nctv', topology, x3)
        y = gcn_output(ops, y, x, f'{p}.gcn1', c_in, c_out)
        t = F.relu(ms_tcn(ops, y, f'{p}.tcn1', stride))
        x = F.relu(t + unit_residual(ops, x, p, c_in, c_out, stride,
                                     residual))
    return pool_and_classify(ops, x, N, M, 'cls_head.fc_cls')


@torch.no_grad()
def stgcnpp_forward(sd, x: torch.Tensor, in_channels: int = 3,
                    base: int = 64) -> torch.Tensor:
    """Logits of pyskl's STGCN++ (eval) on (N, M, T, V, C) input."""
    return _stgcnpp(Ops(sd), x, in_channels, base)


@torch.no_grad()
def ctrgcn_forward(sd, x: torch.Tensor) -> torch.Tensor:
    """Logits of pyskl's CTR-GCN (eval) on (N, M, T, V, C) input."""
    return _ctrgcn(Ops(sd), x)

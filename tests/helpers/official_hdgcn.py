"""The official HD-GCN checkpoint layout, built from its description.

:func:`official_state_dict` makes a random, calibrated state dict with the
names and shapes HD-GCN's ``Model`` (``model/HDGCN.py``; the MMCL
release's ``zero_shot/model/hdgcn.py``) saves: ``data_bn``; units ``l1`` ..
``l10``, each ``gcn1`` with ``PA`` (L, K, V, V), per layer l a reduction
``conv_down.{l}`` (1x1 conv, BN), per subset ``conv.{l}.{k}`` (1x1 conv,
BN) and an EdgeConv ``conv.{l}.{K}.conv`` (1x1 conv without bias, BN),
the copy ``conv_d.*`` of the last layer's ``conv.{L-1}.*`` the official
module keeps, an AHA ``aha`` (``conv_down``, ``edge_conv.conv``,
``aggregate``) from unit 2 on, ``bn``, ``down`` when the width changes;
``tcn1``: CTR-GCN's multi-scale TCN whose dilated convolutions carry a
separate (1, C, 1, 1) ``bias``; ``residual.conv/bn`` when the shape
changes; ``fc``. :func:`official_forward` computes that model's logits
with ``torch.nn.functional`` on those tensors (input (N, C, T, V, M));
``layers`` are the joints of every hierarchy layer (AHA), from the
hierarchy groups.
"""
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn.functional as F
from functional_reference import Ops, add_bn, add_conv, calibrate
from official_ctrgcn import add_ms_tcn, forward_units, gcn_output, ms_tcn

NUM_SUBSETS = 3


def units(base: int = 64) -> List[Tuple[int, int, int, bool]]:
    """(in, out, stride, residual) of l1..l10 (in of l1 is set later)."""
    widths = [base] * 4 + [2 * base] * 3 + [4 * base] * 3
    out, prev = [], None
    for index, width in enumerate(widths, 1):
        out.append((prev or 3, width, 2 if index in (5, 8) else 1,
                    index != 1))
        prev = width
    return out


def layers_of(groups: Sequence[Sequence[int]]) -> List[List[int]]:
    """0-based joints of every layer from 1-based groups."""
    groups = [[j - 1 for j in group] for group in groups]
    return [groups[i] + groups[i + 1] for i in range(len(groups) - 1)]


def _edge_params(sd, name, c, g):
    add_conv(sd, name + '.conv.0', c, 2 * c, g, bias=False)
    add_bn(sd, name + '.conv.1', c, g)


def official_state_dict(layers: Sequence[Sequence[int]],
                        num_class: int = 10, num_point: int = 25,
                        num_person: int = 2, in_channels: int = 3,
                        base: int = 64, seed: int = 0) -> 'OrderedDict':
    """A random, calibrated HD-GCN state dict in the official layout."""
    g = torch.Generator().manual_seed(seed)
    L, K = len(layers), NUM_SUBSETS
    sd: Dict[str, torch.Tensor] = OrderedDict()
    add_bn(sd, 'data_bn', num_person * in_channels * num_point, g)
    for index, (c_in, c_out, stride, residual) in enumerate(units(base), 1):
        if index == 1:
            c_in = in_channels
        p = f'l{index}.gcn1'
        c = c_out // (K + 1)
        sd[f'{p}.PA'] = torch.rand(L, K, num_point, num_point,
                                   generator=g) / 4
        for i in range(L):
            add_conv(sd, f'{p}.conv_down.{i}.0', c, c_in, g)
            add_bn(sd, f'{p}.conv_down.{i}.1', c, g)
            for k in range(K):
                add_conv(sd, f'{p}.conv.{i}.{k}.0', c, c, g)
                add_bn(sd, f'{p}.conv.{i}.{k}.1', c, g)
            _edge_params(sd, f'{p}.conv.{i}.{K}', c, g)
        if index > 1:
            add_conv(sd, f'{p}.aha.conv_down.0', c_out // 4, c_out, g)
            add_bn(sd, f'{p}.aha.conv_down.1', c_out // 4, g)
            _edge_params(sd, f'{p}.aha.edge_conv', c_out // 4, g)
            add_conv(sd, f'{p}.aha.aggregate', c_out, c_out // 4, g, dims=1)
        if c_in != c_out:
            add_conv(sd, f'{p}.down.0', c_out, c_in, g)
            add_bn(sd, f'{p}.down.1', c_out, g)
        add_bn(sd, f'{p}.bn', c_out, g)
        add_ms_tcn(sd, f'l{index}.tcn1', c_out, g, separate_bias=True)
        if residual and (c_in != c_out or stride != 1):
            add_conv(sd, f'l{index}.residual.conv', c_out, c_in, g)
            add_bn(sd, f'l{index}.residual.bn', c_out, g)
    sd['fc.weight'] = torch.randn(num_class, 4 * base, generator=g) * 0.1
    sd['fc.bias'] = torch.randn(num_class, generator=g) * 0.1
    calibrate(sd, lambda ops, x: _forward(ops, x, layers, base),
              (4, in_channels, 16, num_point, num_person), g)
    _add_conv_d_copies(sd, L)
    return sd


def _add_conv_d_copies(sd: Dict[str, torch.Tensor], L: int) -> None:
    """The official ``HD_Gconv`` keeps its last layer's list as conv_d."""
    for key in [k for k in sd if '.gcn1.conv.' in k]:
        unit, rest = key.split('.gcn1.conv.')
        layer, tail = rest.split('.', 1)
        if int(layer) == L - 1:
            sd[f'{unit}.gcn1.conv_d.{tail}'] = sd[key].clone()


def _edge_conv(ops: Ops, x: torch.Tensor, name: str, k: int) -> torch.Tensor:
    """EdgeConv on (N, C, P) point features -> (N, C, P)."""
    N, C, P = x.shape
    inner = -2 * torch.matmul(x.transpose(2, 1), x)
    xx = torch.sum(x**2, dim=1, keepdim=True)
    index = (-xx - inner - xx.transpose(2, 1)).topk(k=k, dim=-1)[1]
    points = x.transpose(1, 2)  # (N, P, C)
    neighbours = torch.stack(
        [points[n][index[n]] for n in range(N)])  # (N, P, k, C)
    centre = points.unsqueeze(2).expand(N, P, k, C)
    feature = torch.cat((neighbours - centre, centre), dim=3)
    feature = feature.permute(0, 3, 1, 2)  # (N, 2C, P, k)
    out = ops.bn(ops.conv(feature, name + '.conv.0'), name + '.conv.1')
    return F.leaky_relu(out, 0.2).max(dim=-1)[0]


def _gcn(ops: Ops, x: torch.Tensor, p: str, c_in: int, c_out: int,
         layers: Sequence[Sequence[int]], attention: bool) -> torch.Tensor:
    N, _, T, V = x.shape
    A = ops.sd[f'{p}.PA']
    L, K = A.shape[:2]
    outs = []
    for i in range(L):
        reduced = F.relu(ops.bn(ops.conv(x, f'{p}.conv_down.{i}.0'),
                                f'{p}.conv_down.{i}.1'))
        branches = []
        for k in range(K):
            z = torch.einsum('nctu,vu->nctv', reduced, A[i, k])
            branches.append(ops.bn(ops.conv(z, f'{p}.conv.{i}.{k}.0'),
                                   f'{p}.conv.{i}.{k}.1'))
        edge = _edge_conv(ops, reduced.mean(-2), f'{p}.conv.{i}.{K}', 5)
        branches.append(edge.unsqueeze(2).expand(-1, -1, T, -1))
        outs.append(torch.cat(branches, dim=1))
    out = torch.stack(outs, dim=2)  # (N, C, L, T, V)
    if attention:
        pooled = out.max(dim=-2)[0]  # (N, C, L, V)
        pooled = F.relu(ops.bn(ops.conv(pooled, f'{p}.aha.conv_down.0'),
                               f'{p}.aha.conv_down.1'))
        sampled = torch.stack(
            [pooled[:, :, i, layers[i]].mean(-1) for i in range(L)], 2)
        att = _edge_conv(ops, sampled, f'{p}.aha.edge_conv', 3)
        att = ops.conv(att, f'{p}.aha.aggregate')  # (N, C, L)
        out = (out * torch.sigmoid(att)[..., None, None]).sum(dim=2)
    else:
        out = out.sum(dim=2)
    return gcn_output(ops, out, x, p, c_in, c_out)


def _forward(ops: Ops, x: torch.Tensor, layers, base: int) -> torch.Tensor:

    def unit(ops, x, index, c_in, c_out, stride):
        g = _gcn(ops, x, f'l{index}.gcn1', c_in, c_out, layers, index > 1)
        return ms_tcn(ops, g, f'l{index}.tcn1', stride)

    return forward_units(ops, x, units(base), unit)


@torch.no_grad()
def official_forward(sd, x: torch.Tensor, layers: Sequence[Sequence[int]],
                     base: int = 64) -> torch.Tensor:
    """Logits of the official model (eval) on (N, C, T, V, M) input."""
    return _forward(Ops(sd), x, layers, base)

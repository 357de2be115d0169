"""CTR-GCN backbone (Chen et al., ICCV 2021).

Channel-wise Topology Refinement Graph Convolution: every unit refines the
shared graph topology per channel from the temporally pooled features of
the sample (CTR-GC), then applies a multi-scale temporal convolution.

Shapes use N (batch), M (persons), C (channels), T (frames), V (joints),
K (graph subsets) and R (relation channels).
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.utils import Graph
from mmaction.registry import MODELS
from mmengine.model.weight_init import constant_init, normal_init

from ..utils import fold_batch_norm, grouped_batch_norm, uses_running_stats
from ..utils.graph_layouts import resolve_layout
from .base_skeleton_gcn import BaseSkeletonGCN

#: Initialisation schemes of :class:`CTRGCN`.
INIT_SCHEMES = ('default', 'official')


def relation_channels(in_channels: int) -> int:
    """Width R of the channel-wise relations of a CTR-GC.

    As in the paper's code, raw-coordinate inputs (3 or 9 channels) use 8
    and deeper features use ``in_channels // 8``. Inputs narrower than 8
    channels (e.g. 2-D keypoints), for which ``in_channels // 8`` would be
    0, also use 8.

    Args:
        in_channels (int): Input channels of the CTR-GC.

    Returns:
        int: The relation width R.
    """
    if in_channels in (3, 9) or in_channels < 8:
        return 8
    return in_channels // 8


def graph_residual(in_channels: int, out_channels: int) -> nn.Module:
    """A graph convolution's residual: identity, or 1x1 conv + BN (a
    :class:`TemporalConvBN`) when the width changes."""
    if in_channels == out_channels:
        return nn.Identity()
    return TemporalConvBN(in_channels, out_channels)


class CTRGC(nn.Module):
    """Channel-wise topology refinement graph convolution of one subset.

    ``conv1``/``conv2`` reduce the input to R channels and are pooled over
    time; their pairwise joint differences (tanh) are lifted by ``conv4`` to
    one topology per output channel, scaled by ``alpha`` and added to the
    shared topology ``A``; ``conv3`` gives the features aggregated with it.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.rel_channels = relation_channels(in_channels)
        self.conv1 = nn.Conv2d(in_channels, self.rel_channels, 1)
        self.conv2 = nn.Conv2d(in_channels, self.rel_channels, 1)
        self.conv3 = nn.Conv2d(in_channels, out_channels, 1)
        self.conv4 = nn.Conv2d(self.rel_channels, out_channels, 1)
        self.tanh = nn.Tanh()

    def forward(self, x: torch.Tensor, A: torch.Tensor,
                alpha: torch.Tensor) -> torch.Tensor:
        """Aggregate the joints with the refined topology.

        Args:
            x (torch.Tensor): Features of shape (N, C_in, T, V).
            A (torch.Tensor): Shared topology of this subset, (V, V); entry
                (u, v) weighs joint v's contribution to joint u.
            alpha (torch.Tensor): Scalar weight of the refinement.

        Returns:
            torch.Tensor: Features of shape (N, C_out, T, V).
        """
        x1 = self.conv1(x).mean(dim=2)  # (N, R, V)
        x2 = self.conv2(x).mean(dim=2)  # (N, R, V)
        x3 = self.conv3(x)  # (N, C_out, T, V)
        # channel-wise relations between every pair of joints: (N, R, V, V)
        relation = self.tanh(x1.unsqueeze(-1) - x2.unsqueeze(-2))
        topology = self.conv4(relation) * alpha + A  # (N, C_out, V, V)
        return torch.einsum('ncuv,nctv->nctu', topology, x3)


class CTRGCBlock(nn.Module):
    """Spatial module: sum of the CTR-GCs of all subsets, BN, residual, ReLU.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        A (torch.Tensor): Graph adjacency of shape (K, V, V).
        adaptive (bool): Learn the shared topology (initialised from ``A``)
            instead of keeping it fixed. Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 A: torch.Tensor,
                 adaptive: bool = True) -> None:
        super().__init__()
        self.num_subsets = A.size(0)
        self.convs = nn.ModuleList(
            CTRGC(in_channels, out_channels) for _ in range(self.num_subsets))
        if adaptive:
            self.A = nn.Parameter(A.clone())
        else:
            self.register_buffer('A', A.clone())
        self.alpha = nn.Parameter(torch.zeros(1))
        self.down = graph_residual(in_channels, out_channels)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C_in, T, V) -> (N, C_out, T, V).

        Computes ``sum_k convs[k](x, A[k], alpha)``: the relations of all
        subsets come from one 1-D convolution of the temporal mean of
        ``x`` (``conv1``/``conv2`` are linear, so this equals pooling
        their outputs), ``alpha`` scales ``conv4``'s weights instead of
        its output, and the subsets' terms are accumulated in place (no
        K-times larger intermediate, which on CPUs would be a fresh,
        page-faulting allocation at every call).
        """
        N, _, T, V = x.shape
        K, C = self.num_subsets, self.convs[0].out_channels
        R = self.convs[0].rel_channels
        w12 = torch.cat([w for conv in self.convs
                         for w in (conv.conv1.weight, conv.conv2.weight)])
        b12 = torch.cat([b for conv in self.convs
                         for b in (conv.conv1.bias, conv.conv2.bias)])
        q = F.conv1d(x.mean(2), w12.flatten(1).unsqueeze(-1), b12)
        q = q.view(N, K, 2, R, V)
        relation = torch.tanh(q[:, :, 0].unsqueeze(-1) -
                              q[:, :, 1].unsqueeze(-2))  # (N, K, R, V, V)
        out = None
        for k, conv in enumerate(self.convs):
            # conv4(relation) * alpha + A[k]: (N, C, V, V)
            topology = torch.matmul(
                conv.conv4.weight.view(C, R) * self.alpha,
                relation[:, k].flatten(-2)).view(N, C, V, V)
            topology += (conv.conv4.bias * self.alpha).view(C, 1, 1) + \
                self.A[k]
            # out[n, c, t, u] += sum_v topology[n, c, u, v] * x3[n, c, t, v]
            term = torch.matmul(conv.conv3(x), topology.transpose(-1, -2))
            if out is None:
                out = term
            else:
                out += term
        out = self.bn(out)
        out += self.down(x)
        return self.relu(out)


class TemporalConvBN(nn.Sequential):
    """Temporal convolution (kernel k x 1, dilation d) followed by BN.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Temporal kernel size. Defaults to 1.
        stride (int): Temporal stride. Defaults to 1.
        dilation (int): Temporal dilation. Defaults to 1.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 1,
                 stride: int = 1,
                 dilation: int = 1) -> None:
        pad = (kernel_size + (kernel_size - 1) * (dilation - 1) - 1) // 2
        super().__init__(
            nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size=(kernel_size, 1),
                stride=(stride, 1),
                padding=(pad, 0),
                dilation=(dilation, 1)), nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C_in, T, V) -> (N, C_out, ceil(T / stride), V); with running
        statistics (eval) the BN is folded into the convolution."""
        conv, bn = self[0], self[1]
        if not uses_running_stats(bn):
            return bn(conv(x))
        weight, bias = fold_batch_norm(conv.weight, conv.bias, bn)
        return F.conv2d(x, weight, bias, conv.stride, conv.padding,
                        conv.dilation)


class MultiScaleTCN(nn.Module):
    """Multi-scale temporal convolution of CTR-GCN.

    ``len(dilations) + 2`` branches of ``out_channels / num_branches``
    channels each, concatenated: one per dilation (1x1 conv, BN, ReLU,
    temporal conv + BN), one (1x1 conv, BN, ReLU, 3x1 max-pool, BN) and one
    1x1 conv + BN. Every branch applies the temporal stride. The 1x1
    convolutions and BNs that open the first ``len(dilations) + 1``
    branches run as one convolution and one BN call (in eval the BNs are
    folded into the convolution).

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out; a multiple of the number
            of branches.
        kernel_size (int): Temporal kernel size. Defaults to 5.
        stride (int): Temporal stride. Defaults to 1.
        dilations (Sequence[int]): Dilations of the temporal convolutions.
            Defaults to (1, 2).
        out_relu (bool): ReLU on the concatenated output, as pyskl's
            CTR-GCN (its ``MSTCN``) has. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 5,
                 stride: int = 1,
                 dilations: Sequence[int] = (1, 2),
                 out_relu: bool = False) -> None:
        super().__init__()
        self.out_relu = out_relu
        num_branches = len(dilations) + 2
        if out_channels % num_branches:
            raise ValueError(f'out_channels={out_channels} must be divisible '
                             f'by the {num_branches} TCN branches')
        branch = out_channels // num_branches

        def reduce() -> List[nn.Module]:
            return [
                nn.Conv2d(in_channels, branch, 1),
                nn.BatchNorm2d(branch),
                nn.ReLU(inplace=True)
            ]

        branches = [
            nn.Sequential(*reduce(),
                          TemporalConvBN(branch, branch, kernel_size, stride,
                                         dilation)) for dilation in dilations
        ]
        branches.append(
            nn.Sequential(*reduce(),
                          nn.MaxPool2d((3, 1), (stride, 1), (1, 0)),
                          nn.BatchNorm2d(branch)))
        branches.append(TemporalConvBN(in_channels, branch, 1, stride))
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C_in, T, V) -> (N, C_out, ceil(T / stride), V)."""
        heads = self.branches[:-1]  # 1x1 conv, BN, ReLU, ...
        norms = [b[1] for b in heads]
        if all(uses_running_stats(bn) for bn in norms):  # eval: fold BNs
            folded = [fold_batch_norm(b[0].weight, b[0].bias, b[1])
                      for b in heads]
            h = F.conv2d(x, torch.cat([w for w, _ in folded]),
                         torch.cat([b for _, b in folded]))
        else:
            h = F.conv2d(x, torch.cat([b[0].weight for b in heads]),
                         torch.cat([b[0].bias for b in heads]))
            h = grouped_batch_norm(h, norms)
        h = F.relu(h, inplace=True)
        parts = h.split(heads[0][1].num_features, dim=1)
        outs = [b[3](part) for b, part in zip(heads[:-1], parts[:-1])]
        outs.append(heads[-1][4](heads[-1][3](parts[-1])))
        outs.append(self.branches[-1](x))
        out = torch.cat(outs, dim=1)
        return F.relu(out, inplace=True) if self.out_relu else out


def unit_residual(in_channels: int, out_channels: int, stride: int,
                  residual: bool) -> Optional[nn.Module]:
    """A unit's residual: None, identity, or 1x1 conv (with the temporal
    stride) + BN when the shape changes."""
    if not residual:
        return None
    if in_channels == out_channels and stride == 1:
        return nn.Identity()
    return TemporalConvBN(in_channels, out_channels, 1, stride)


class GCNUnit(nn.Module):
    """A unit of the GCN backbones: ``relu(tcn(gcn(x)) + residual(x))``.

    Subclasses set ``gcn``, ``tcn`` and ``residual`` (None for none, see
    :func:`unit_residual`). The residual and the ReLU work in place on the
    TCN's output unless its backward needs that output
    (``reuse_tcn_output = False``, e.g. a TCN ending with a ReLU).
    """

    reuse_tcn_output = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C_in, T, V) -> (N, C_out, ceil(T / stride), V)."""
        out = self.tcn(self.gcn(x))
        if self.residual is None:
            return F.relu(out, inplace=self.reuse_tcn_output)
        residual = self.residual(x)
        out = out.add_(residual) if self.reuse_tcn_output else out + residual
        return F.relu(out, inplace=True)


class CTRGCNUnit(GCNUnit):
    """One CTR-GCN unit: CTR-GC block, multi-scale TCN, residual, ReLU.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        A (torch.Tensor): Graph adjacency of shape (K, V, V).
        stride (int): Temporal stride. Defaults to 1.
        residual (bool): Add the unit's residual (identity, or 1x1 conv + BN
            when shape changes). Defaults to True.
        adaptive (bool): Learn the shared topology. Defaults to True.
        kernel_size (int): Temporal kernel size. Defaults to 5.
        dilations (Sequence[int]): TCN dilations. Defaults to (1, 2).
        tcn_relu (bool): ReLU on the TCN output (pyskl's CTR-GCN).
            Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 A: torch.Tensor,
                 stride: int = 1,
                 residual: bool = True,
                 adaptive: bool = True,
                 kernel_size: int = 5,
                 dilations: Sequence[int] = (1, 2),
                 tcn_relu: bool = False) -> None:
        super().__init__()
        self.gcn = CTRGCBlock(in_channels, out_channels, A, adaptive)
        self.tcn = MultiScaleTCN(
            out_channels,
            out_channels,
            kernel_size=kernel_size,
            stride=stride,
            dilations=dilations,
            out_relu=tcn_relu)
        self.residual = unit_residual(in_channels, out_channels, stride,
                                      residual)
        self.reuse_tcn_output = not tcn_relu


@MODELS.register_module()
class CTRGCN(BaseSkeletonGCN):
    """CTR-GCN backbone.

    ``num_stages`` units; the width doubles at ``inflate_stages`` and the
    temporal stride is 2 at ``down_stages`` (1-based). With the defaults the
    widths are 64, 64, 64, 64, 128, 128, 128, 256, 256, 256 and T shrinks
    by 4. The first unit has no residual. The input is normalised by one BN
    over the M * V * C channels. Input and output follow mmaction2's
    ``STGCN``, so ``GCNHead`` and the MMCL heads apply unchanged.

    Args:
        graph_cfg (dict): Config of mmaction2's ``Graph`` (``layout``,
            ``mode``); mode ``'spatial'`` gives the paper's 3 subsets
            (identity, inward, outward). The number of subsets K is taken
            from the graph. ``layout`` may also name a layout of
            :data:`~mmcl_plugin.models.utils.GRAPH_LAYOUTS` (e.g.
            ``'ctrgcn_ntu'``, the official code's NTU graph).
        in_channels (int): Channels C of each joint. Defaults to 3.
        base_channels (int): Width of the first units. Defaults to 64.
        num_stages (int): Number of units. Defaults to 10.
        inflate_stages (Sequence[int]): Units that double the width.
            Defaults to (5, 8).
        down_stages (Sequence[int]): Units with temporal stride 2.
            Defaults to (5, 8).
        num_person (int): Persons M per sample, needed by the input BN.
            Defaults to 2.
        adaptive (bool): Learn the shared topologies. Defaults to True.
        tcn_kernel_size (int): Temporal kernel size. Defaults to 5.
        tcn_dilations (Sequence[int]): TCN dilations. Defaults to (1, 2).
        tcn_relu (bool): ReLU on every TCN's output, the one difference of
            pyskl's CTR-GCN (checkpoints converted with ``--from pyskl``
            need it). Defaults to False (the official model).
        dropout (float): Dropout on the output features (the official
            model drops before its classifier; ``GCNHead`` has its own
            dropout too). Defaults to 0.
        init_scheme (str): ``'default'`` or ``'official'``, see
            :meth:`init_weights`. Defaults to 'default'.
        init_cfg (dict or list[dict], optional): Initialisation config;
            when None, :meth:`init_weights` applies ``init_scheme``.
            Defaults to None.

    Example:
        >>> model = CTRGCN(graph_cfg=dict(layout='nturgb+d', mode='spatial'))
        >>> model(torch.randn(2, 2, 64, 25, 3)).shape
        torch.Size([2, 2, 256, 16, 25])
    """

    def __init__(self,
                 graph_cfg: Dict,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 num_stages: int = 10,
                 inflate_stages: Sequence[int] = (5, 8),
                 down_stages: Sequence[int] = (5, 8),
                 num_person: int = 2,
                 adaptive: bool = True,
                 tcn_kernel_size: int = 5,
                 tcn_dilations: Sequence[int] = (1, 2),
                 tcn_relu: bool = False,
                 dropout: float = 0.,
                 init_scheme: str = 'default',
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if init_scheme not in INIT_SCHEMES:
            raise ValueError(f'init_scheme must be one of {INIT_SCHEMES}, '
                             f'got {init_scheme!r}')
        self.init_scheme = init_scheme
        self.graph = Graph(**dict(
            graph_cfg, layout=resolve_layout(graph_cfg['layout'])))
        A = torch.tensor(self.graph.A, dtype=torch.get_default_dtype())
        self.build_layers(
            num_person, A.size(-1), in_channels, base_channels, num_stages,
            inflate_stages, down_stages, dropout,
            lambda stage, c_in, c_out, stride: CTRGCNUnit(
                c_in,
                c_out,
                A,
                stride=stride,
                residual=stage != 1,
                adaptive=adaptive,
                kernel_size=tcn_kernel_size,
                dilations=tcn_dilations,
                tcn_relu=tcn_relu))

    def init_weights(self) -> None:
        """Initialise the weights.

        Without ``init_cfg``: convolutions Kaiming normal (fan out) with
        zero bias, BNs weight 1 and bias 0, except the output BN of every
        CTR-GC block whose weight starts at 1e-6 (as in the paper's code).
        ``alpha`` stays 0, so the topologies start equal to the shared A.
        With ``init_scheme='official'`` the BNs inside every multi-scale
        TCN instead get weights drawn from N(1, 0.02) (bias 0), as the
        official ``model/ctrgcn.py`` does with ``weights_init`` on its
        ``MultiScale_TemporalConv``; the units' residual BNs stay 1.
        """
        super().init_weights()
        if self.init_cfg is not None:
            return
        self.init_convs_and_norms()
        for module in self.modules():
            if isinstance(module, CTRGCBlock):
                constant_init(module.bn, 1e-6)
            elif (isinstance(module, MultiScaleTCN)
                  and self.init_scheme == 'official'):
                for bn in module.modules():
                    if isinstance(bn, nn.BatchNorm2d):
                        normal_init(bn, mean=1, std=0.02, bias=0)

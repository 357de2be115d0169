"""HD-GCN backbone (Lee et al., ICCV 2023).

Hierarchically Decomposed Graph Convolutional Network: the skeleton is
split into hierarchy layers around a centre-of-mass joint
(:class:`~mmcl_plugin.models.utils.HierarchicalGraph`); every unit
convolves each layer's identity / forward / reverse subsets, adds an
EdgeConv (k-nearest-neighbour) branch per layer, and fuses the layers
with attention-guided hierarchy aggregation (AHA); a multi-scale TCN
follows. The architecture follows the official code (github
Jho-Yonsei/HD-GCN ``model/HDGCN.py``, copied in the MMCL release as
``zero_shot/model/hdgcn.py``); the per-layer and per-subset modules are
batched here (one convolution / product / BN for all of them), which
computes the same function.

Shapes use N (batch), M (persons), C (channels), T (frames), V (joints),
L (hierarchy layers), K (subsets per layer, 3) and c = C / (K + 1).
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model.weight_init import constant_init

from ..utils import (HierarchicalGraph, count_batch, fold_batch_norm,
                     sliced_batch_norm, uses_running_stats)
from .base_skeleton_gcn import BaseSkeletonGCN
from .ctrgcn import GCNUnit, MultiScaleTCN, graph_residual, unit_residual


class GroupedEdgeConv(nn.Module):
    """EdgeConv over k nearest neighbours, for G groups of points at once.

    For every group (its own weights) and point p: the k nearest points q
    (in feature space, p itself included) give edge features
    ``[f_q - f_p, f_p]``; a 1x1 convolution (2c -> c, no bias), BN and
    LeakyReLU(0.2) follow, then the maximum over the k neighbours.

    Args:
        channels (int): Channels c of every group.
        groups (int): Groups G.
        k (int): Neighbours (at most the number of points P is used).
    """

    def __init__(self, channels: int, groups: int, k: int) -> None:
        super().__init__()
        self.channels = channels
        self.groups = groups
        self.k = k
        self.conv = nn.Conv2d(
            2 * channels * groups, channels * groups, 1, groups=groups,
            bias=False)
        self.bn = nn.BatchNorm2d(channels * groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, G, c, P) -> (N, G, c, P), P points (joints or layers)."""
        N, G, c, P = x.shape
        k = min(self.k, P)
        inner = -2 * torch.matmul(x.transpose(-1, -2), x)  # (N, G, P, P)
        sq = x.pow(2).sum(2, keepdim=True)  # (N, G, 1, P)
        neg_distance = -sq - inner - sq.transpose(-1, -2)
        index = neg_distance.topk(k, dim=-1)[1]  # (N, G, P, k)
        points = x.transpose(-1, -2)  # (N, G, P, c)
        offset = torch.arange(N * G, device=x.device).view(N, G, 1, 1) * P
        neighbours = points.reshape(N * G * P, c)[(index + offset).view(-1)]
        neighbours = neighbours.view(N, G, P, k, c)
        centre = points.unsqueeze(3).expand(N, G, P, k, c)
        edges = torch.cat([neighbours - centre, centre], dim=-1)
        edges = edges.permute(0, 1, 4, 2, 3).reshape(N, G * 2 * c, P, k)
        out = F.leaky_relu(self.bn(self.conv(edges)), 0.2, inplace=True)
        return out.amax(-1).view(N, G, c, P)


class HierarchyAttention(nn.Module):
    """Attention-guided hierarchy aggregation (AHA) weights.

    The per-layer features, max-pooled over time, are reduced (1x1 conv,
    BN, ReLU to C / 4 channels) and averaged over each layer's joints; an
    EdgeConv (k = 3) over the L layer nodes and a 1x1 convolution back to
    C channels give, through a sigmoid, one weight per channel and layer.

    Args:
        channels (int): Channels C.
        layers (Sequence[Sequence[int]]): Joints of every hierarchy layer.
        num_joints (int): Joints V.
        k (int): Neighbours of the EdgeConv. Defaults to 3.
    """

    def __init__(self,
                 channels: int,
                 layers: Sequence[Sequence[int]],
                 num_joints: int,
                 k: int = 3) -> None:
        super().__init__()
        inter = channels // 4
        self.reduce = nn.Sequential(
            nn.Conv2d(channels, inter, 1), nn.BatchNorm2d(inter),
            nn.ReLU(inplace=True))
        self.edge = GroupedEdgeConv(inter, 1, k)
        self.aggregate = nn.Conv1d(inter, channels, 1)
        average = torch.zeros(len(layers), num_joints)
        for i, joints in enumerate(layers):
            average[i, list(joints)] = 1. / len(joints)
        self.register_buffer('layer_average', average, persistent=False)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        """(N, L, C, V) time-pooled layer features -> (N, L, C) weights."""
        x = self.reduce(pooled.transpose(1, 2))  # (N, C / 4, L, V)
        x = torch.einsum('nclv,lv->ncl', x, self.layer_average)
        x = self.edge(x.unsqueeze(1)).squeeze(1)  # (N, C / 4, L)
        return torch.sigmoid(self.aggregate(x)).transpose(1, 2)


class HDGraphConv(nn.Module):
    """Hierarchically decomposed graph convolution of one unit.

    Every layer l reduces the input to c channels (1x1 conv, BN, ReLU);
    each of its K subsets aggregates the joints with ``A[l, k]``
    (``out[u] = sum_v A[l, k, u, v] x[v]``) and a 1x1 conv + BN; an
    EdgeConv (k = ``edge_k``) adds c channels. The (K + 1) * c = C channels
    of the L layers are summed, weighted by :class:`HierarchyAttention`
    when ``attention``; BN, the residual (1x1 conv + BN when the width
    changes) and ReLU follow.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C; a multiple of K + 1.
        A (torch.Tensor): Hierarchical adjacency of shape (L, K, V, V).
        layers (Sequence[Sequence[int]]): Joints of every layer (AHA).
        attention (bool): Aggregate the layers with AHA instead of a sum.
            Defaults to True.
        edge_k (int): Neighbours of the EdgeConv branch. Defaults to 5.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 A: torch.Tensor,
                 layers: Sequence[Sequence[int]],
                 attention: bool = True,
                 edge_k: int = 5) -> None:
        super().__init__()
        L, K, V = A.shape[:3]
        if out_channels % (K + 1):
            raise ValueError(f'out_channels={out_channels} must be divisible '
                             f'by the {K + 1} branches (K subsets + edge)')
        c = out_channels // (K + 1)
        self.num_layers, self.num_subsets = L, K
        self.branch_channels = c
        self.A = nn.Parameter(A.clone())
        self.reduce = nn.Sequential(
            nn.Conv2d(in_channels, L * c, 1), nn.BatchNorm2d(L * c),
            nn.ReLU(inplace=True))
        # layer l's K subset convolutions are group l
        self.subset_conv = nn.Conv2d(L * c, L * K * c, 1, groups=L)
        self.subset_bn = nn.BatchNorm2d(L * K * c)
        self.edge = GroupedEdgeConv(c, L, edge_k)
        self.attention = HierarchyAttention(
            out_channels, layers, V) if attention else None
        self.down = graph_residual(in_channels, out_channels)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C_in, T, V) -> (N, C, T, V).

        The reduction of all layers is one convolution; the subsets run
        layer by layer (each layer's K convolutions as one product, which
        commutes with the joint aggregation), so that no intermediate is
        L times larger than a layer's (on CPUs such tensors are fresh,
        page-faulting allocations at every call).
        """
        N, _, T, V = x.shape
        L, K, c = self.num_layers, self.num_subsets, self.branch_channels
        C = (K + 1) * c
        reduced = self._reduce(x).view(N, L, c, T, V)
        # subsets: the 1x1 convs commute with the joint aggregation, so the
        # K of a layer run as one product first; in eval their BN folds
        # into the weights (scale) and the added bias (shift)
        weight = self.subset_conv.weight.view(L * K * c, c)
        bias = self.subset_conv.bias
        folded = uses_running_stats(self.subset_bn)
        if folded:
            weight, bias = fold_batch_norm(weight, bias, self.subset_bn)
        weight, bias = weight.view(L, K * c, c), bias.view(L, K, c, 1, 1)
        count_batch(self.subset_bn)
        feats = []
        for i in range(L):
            feat = torch.matmul(weight[i], reduced[:, i].reshape(N, c,
                                                                 T * V))
            # out[..., u] = sum_v A[i, k, u, v] x[..., v]
            feat = torch.matmul(feat.view(N, K, c * T, V),
                                self.A[i].transpose(-1, -2))
            feat = feat.view(N, K, c, T, V)
            feat += bias[i]
            feat = feat.view(N, K * c, T, V)
            if not folded:
                feat = sliced_batch_norm(feat, self.subset_bn, i * K * c,
                                         (i + 1) * K * c)
            feats.append(feat)
        # EdgeConv on the time-pooled features, constant over time
        edge = self.edge(reduced.mean(3))  # (N, L, c, V)
        # layer weights (N, L, C): AHA, or ones for a plain sum
        if self.attention is None:
            weights = x.new_ones(1, L, C)
        else:
            pooled = torch.cat(
                [torch.stack([feat.amax(2) for feat in feats], 1), edge],
                dim=2)  # (N, L, C, V)
            weights = self.attention(pooled)
        # weighted sum over the layers; in eval the output BN folds in
        shift = None
        if uses_running_stats(self.bn):
            scale = torch.rsqrt(self.bn.running_var + self.bn.eps) * \
                self.bn.weight
            shift = self.bn.bias - self.bn.running_mean * scale
            weights = weights * scale
        layer_weights = weights[:, :, :K * c, None, None]
        if shift is None:
            out_feat = feats[0] * layer_weights[:, 0]
        else:
            out_feat = torch.addcmul(shift[:K * c].view(-1, 1, 1), feats[0],
                                     layer_weights[:, 0])
        for i in range(1, L):
            out_feat.addcmul_(feats[i], layer_weights[:, i])
        out_edge = (edge * weights[:, :, K * c:, None]).sum(1)
        if shift is not None:
            out_edge += shift[K * c:, None]
        out = torch.cat(
            [out_feat, out_edge.unsqueeze(2).expand(N, c, T, V)], dim=1)
        if shift is None:
            out = self.bn(out)
        out += self.down(x)
        return self.relu(out)

    def _reduce(self, x: torch.Tensor) -> torch.Tensor:
        """The layers' 1x1 conv, BN (folded in eval) and ReLU."""
        conv, bn = self.reduce[0], self.reduce[1]
        if not uses_running_stats(bn):
            return self.reduce(x)
        weight, bias = fold_batch_norm(conv.weight, conv.bias, bn)
        return F.relu(F.conv2d(x, weight, bias), inplace=True)


class HDGCNUnit(GCNUnit):
    """One HD-GCN unit: HD graph conv, multi-scale TCN, residual, ReLU.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        A (torch.Tensor): Hierarchical adjacency (L, K, V, V).
        layers (Sequence[Sequence[int]]): Joints of every layer.
        stride (int): Temporal stride. Defaults to 1.
        residual (bool): Add the unit's residual. Defaults to True.
        attention (bool): AHA in the graph convolution. Defaults to True.
        kernel_size (int): Temporal kernel size. Defaults to 5.
        dilations (Sequence[int]): TCN dilations. Defaults to (1, 2).
        edge_k (int): Neighbours of the EdgeConv branch. Defaults to 5.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 A: torch.Tensor,
                 layers: Sequence[Sequence[int]],
                 stride: int = 1,
                 residual: bool = True,
                 attention: bool = True,
                 kernel_size: int = 5,
                 dilations: Sequence[int] = (1, 2),
                 edge_k: int = 5) -> None:
        super().__init__()
        self.gcn = HDGraphConv(in_channels, out_channels, A, layers,
                               attention, edge_k)
        self.tcn = MultiScaleTCN(
            out_channels,
            out_channels,
            kernel_size=kernel_size,
            stride=stride,
            dilations=dilations)
        self.residual = unit_residual(in_channels, out_channels, stride,
                                      residual)


@MODELS.register_module()
class HDGCN(BaseSkeletonGCN):
    """HD-GCN backbone.

    Ten units by default (widths 64 x 4, 128 x 3, 256 x 3; temporal stride
    2 at units 5 and 8); the first has no unit residual and sums its
    hierarchy layers without attention. The input is normalised by one BN
    over M * V * C channels. Input and output follow mmaction2's
    ``STGCN``, so ``GCNHead`` and the MMCL heads apply unchanged. The
    paper's six-stream ensemble combines joint and bone models with CoM
    1, 2 and 21 on NTU (the MMCL release uses two HD-GCN streams).

    Args:
        graph_cfg (dict): Arguments of
            :class:`~mmcl_plugin.models.utils.HierarchicalGraph`:
            ``layout`` ('nturgb+d', 'nw-ucla' or a dict) and ``com``.
        in_channels (int): Channels C of each joint. Defaults to 3.
        base_channels (int): Width of the first units. Defaults to 64.
        num_stages (int): Number of units. Defaults to 10.
        inflate_stages (Sequence[int]): Units that double the width.
            Defaults to (5, 8).
        down_stages (Sequence[int]): Units with temporal stride 2.
            Defaults to (5, 8).
        num_person (int): Persons M per sample. Defaults to 2.
        tcn_kernel_size (int): Temporal kernel size. Defaults to 5.
        tcn_dilations (Sequence[int]): TCN dilations. Defaults to (1, 2).
        edge_k (int): Neighbours of the units' EdgeConv. Defaults to 5.
        dropout (float): Dropout on the output features. Defaults to 0.
        init_cfg (dict or list[dict], optional): Initialisation config;
            when None, :meth:`init_weights` applies the official scheme.
            Defaults to None.

    Example:
        >>> model = HDGCN(graph_cfg=dict(layout='nturgb+d', com=1))
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
                 tcn_kernel_size: int = 5,
                 tcn_dilations: Sequence[int] = (1, 2),
                 edge_k: int = 5,
                 dropout: float = 0.,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.graph = HierarchicalGraph(**graph_cfg)
        A = torch.tensor(self.graph.A, dtype=torch.get_default_dtype())
        self.build_layers(
            num_person, self.graph.num_node, in_channels, base_channels,
            num_stages, inflate_stages, down_stages, dropout,
            lambda stage, c_in, c_out, stride: HDGCNUnit(
                c_in,
                c_out,
                A,
                self.graph.layers,
                stride=stride,
                residual=stage != 1,
                attention=stage != 1,
                kernel_size=tcn_kernel_size,
                dilations=tcn_dilations,
                edge_k=edge_k))

    def init_weights(self) -> None:
        """Initialise the weights.

        Without ``init_cfg``, as the official code: 2-D convolutions
        Kaiming normal (fan out of the official per-layer / per-subset
        module that a batched weight stands for) with zero bias; BNs
        weight 1 and bias 0, except the TCNs' (weight N(1, 0.02), the
        official ``weights_init``) and each graph convolution's output BN
        (1e-6). AHA's 1-D ``aggregate`` keeps PyTorch's default, as
        officially.
        """
        super().init_weights()
        if self.init_cfg is not None:
            return
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                fan_out = module.out_channels // module.groups * \
                    module.kernel_size[0] * module.kernel_size[1]
                nn.init.normal_(module.weight, 0, (2. / fan_out)**0.5)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                constant_init(module, 1)
        for module in self.modules():
            if isinstance(module, MultiScaleTCN):
                for bn in module.modules():
                    if isinstance(bn, nn.BatchNorm2d):
                        nn.init.normal_(bn.weight, 1., 0.02)
            elif isinstance(module, HDGraphConv):
                constant_init(module.bn, 1e-6)
                # batched per-layer / per-subset convolutions: the fan out
                # of each official module, c
                std = (2. / module.branch_channels)**0.5
                nn.init.normal_(module.reduce[0].weight, 0, std)
                nn.init.normal_(module.subset_conv.weight, 0, std)

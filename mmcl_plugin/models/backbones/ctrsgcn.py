"""CTRS-GCN backbone, as released with MMCL (Liu et al., ACM MM 2024).

The MMCL paper applies its framework to CTR-GCN and to "CTRS-GCN" (the
ablation on NTU120 X-Sub joint, 83.88 -> 84.84 top-1); the release's
``zero_shot/model/ctrsgcn.py`` defines it: CTR-GCN's ten-unit layout in
which every unit's spatial module is K (3) graph convolutions over
learnable adjacencies initialised to the identity and L2-normalised per
target joint (no skeleton graph, no channel-wise refinement), summed; the
temporal module is one 5 x 1 convolution.

Shapes use N (batch), M (persons), C (channels), T (frames), V (joints)
and K (subsets).
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model.weight_init import constant_init

from ..utils import fold_batch_norm, uses_running_stats
from .base_skeleton_gcn import BaseSkeletonGCN
from .ctrgcn import GCNUnit, TemporalConvBN, graph_residual, unit_residual


class NormalizedAdjacencyGC(nn.Module):
    """K 1x1 convolutions over L2-normalised learnable adjacencies.

    ``out = relu(bn(sum_k convs[k](x @ norm(A)[k])) + down(x))`` where
    ``norm(A)[k]`` divides every column (target joint) of ``A[k]`` by its
    L2 norm + 1e-4; ``x @ A[k]`` maps joint v to joint w with weight
    ``A[k, v, w]``.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        num_subsets (int): Number K of adjacencies.
        num_joints (int): Joints V.
        adaptive (bool): Learn the (normalised) adjacencies; otherwise use
            the fixed identity, not normalised, as the official code does.
            Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_subsets: int,
                 num_joints: int,
                 adaptive: bool = True) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_subsets = num_subsets
        self.adaptive = adaptive
        A = torch.eye(num_joints).repeat(num_subsets, 1, 1)
        if adaptive:
            self.A = nn.Parameter(A)
        else:
            self.register_buffer('A', A)
        self.convs = nn.ModuleList(
            nn.Conv2d(in_channels, out_channels, 1)
            for _ in range(num_subsets))
        self.down = graph_residual(in_channels, out_channels)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def adjacency(self) -> torch.Tensor:
        """The (K, V, V) adjacencies the convolution uses."""
        if not self.adaptive:
            return self.A
        return self.A / (self.A.norm(dim=1, keepdim=True) + 1e-4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C_in, T, V) -> (N, C_out, T, V).

        When K * C_in <= C_out (the first unit) the joints are mixed first,
        with the K adjacencies side by side in one product, and one
        convolution over the K * C_in channels follows. Otherwise the
        subsets' terms are accumulated in place (no K-times larger
        intermediate, which on CPUs would be a fresh, page-faulting
        allocation at every call).
        """
        N, C, T, V = x.shape
        K = self.num_subsets
        A = self.adjacency()
        # the subsets' convolutions side by side: (C_out, K * C_in, 1, 1)
        weight = torch.cat([conv.weight for conv in self.convs], 1)
        bias = torch.stack([conv.bias for conv in self.convs]).sum(0)
        folded = uses_running_stats(self.bn)
        if folded:  # eval: the output BN folds into the convolutions
            weight, bias = fold_batch_norm(weight, bias, self.bn)
        if K * C <= self.out_channels:
            # (N, C * T, V) @ (V, K * V) -> (N, K * C, T, V)
            mixed = torch.matmul(x.reshape(N, C * T, V),
                                 A.transpose(0, 1).reshape(V, K * V))
            mixed = mixed.view(N, C, T, K, V).permute(0, 3, 1, 2, 4)
            out = F.conv2d(mixed.reshape(N, K * C, T, V), weight, bias)
        else:
            weights = weight.split(C, 1)
            out = F.conv2d(
                torch.matmul(x.reshape(N, C * T, V), A[0]).view(N, C, T, V),
                weights[0], bias)
            for k in range(1, K):
                out += F.conv2d(
                    torch.matmul(x.reshape(N, C * T, V),
                                 A[k]).view(N, C, T, V), weights[k])
        if not folded:
            out = self.bn(out)
        out += self.down(x)
        return self.relu(out)


class CTRSGCNUnit(GCNUnit):
    """One CTRS-GCN unit: graph convolution, 5 x 1 TCN, residual, ReLU.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        num_subsets (int): Number K of adjacencies.
        num_joints (int): Joints V.
        stride (int): Temporal stride. Defaults to 1.
        residual (bool): Add the unit's residual (identity, or 1x1 conv + BN
            when the shape changes). Defaults to True.
        adaptive (bool): Learn the adjacencies. Defaults to True.
        kernel_size (int): Temporal kernel size. Defaults to 5.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_subsets: int,
                 num_joints: int,
                 stride: int = 1,
                 residual: bool = True,
                 adaptive: bool = True,
                 kernel_size: int = 5) -> None:
        super().__init__()
        self.gcn = NormalizedAdjacencyGC(in_channels, out_channels,
                                         num_subsets, num_joints, adaptive)
        self.tcn = TemporalConvBN(out_channels, out_channels, kernel_size,
                                  stride)
        self.residual = unit_residual(in_channels, out_channels, stride,
                                      residual)


@MODELS.register_module()
class CTRSGCN(BaseSkeletonGCN):
    """CTRS-GCN backbone (MMCL release).

    The unit layout of :class:`~mmcl_plugin.models.backbones.CTRGCN`
    (widths 64 x 4, 128 x 3, 256 x 3 by default, temporal stride 2 at
    units 5 and 8, no residual in unit 1, one input BN over M * V * C),
    with :class:`CTRSGCNUnit` units. No skeleton graph is used: the
    adjacencies start as identities and are learnt. Input and output follow
    mmaction2's ``STGCN``, so ``GCNHead`` and the MMCL heads apply
    unchanged.

    Args:
        num_joints (int): Joints V (NTU 25, NW-UCLA 20). Defaults to 25.
        num_subsets (int): Adjacencies K per unit (``num_set`` of the
            release). Defaults to 3.
        in_channels (int): Channels C of each joint. Defaults to 3.
        base_channels (int): Width of the first units. Defaults to 64.
        num_stages (int): Number of units. Defaults to 10.
        inflate_stages (Sequence[int]): Units that double the width.
            Defaults to (5, 8).
        down_stages (Sequence[int]): Units with temporal stride 2.
            Defaults to (5, 8).
        num_person (int): Persons M per sample, needed by the input BN.
            Defaults to 2.
        adaptive (bool): Learn the adjacencies. Defaults to True.
        tcn_kernel_size (int): Temporal kernel size. Defaults to 5.
        dropout (float): Dropout on the output features. Defaults to 0.
        init_cfg (dict or list[dict], optional): Initialisation config;
            when None, :meth:`init_weights` applies the release's scheme.
            Defaults to None.

    Example:
        >>> model = CTRSGCN(num_joints=25)
        >>> model(torch.randn(2, 2, 64, 25, 3)).shape
        torch.Size([2, 2, 256, 16, 25])
    """

    def __init__(self,
                 num_joints: int = 25,
                 num_subsets: int = 3,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 num_stages: int = 10,
                 inflate_stages: Sequence[int] = (5, 8),
                 down_stages: Sequence[int] = (5, 8),
                 num_person: int = 2,
                 adaptive: bool = True,
                 tcn_kernel_size: int = 5,
                 dropout: float = 0.,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.build_layers(
            num_person, num_joints, in_channels, base_channels, num_stages,
            inflate_stages, down_stages, dropout,
            lambda stage, c_in, c_out, stride: CTRSGCNUnit(
                c_in,
                c_out,
                num_subsets,
                num_joints,
                stride=stride,
                residual=stage != 1,
                adaptive=adaptive,
                kernel_size=tcn_kernel_size))

    def init_weights(self) -> None:
        """Initialise the weights.

        Without ``init_cfg``, as the release: convolutions Kaiming normal
        (fan out) with zero bias, except the K subset convolutions of every
        unit, normal with std sqrt(2 / (C_out * C_in * K)); BNs weight 1
        and bias 0, except each graph convolution's output BN (weight
        1e-6). The adjacencies keep their identity start.
        """
        super().init_weights()
        if self.init_cfg is not None:
            return
        self.init_convs_and_norms()
        for module in self.modules():
            if isinstance(module, NormalizedAdjacencyGC):
                constant_init(module.bn, 1e-6)
                std = (2. / (module.out_channels * module.in_channels *
                             module.num_subsets))**0.5
                for conv in module.convs:
                    nn.init.normal_(conv.weight, 0, std)
                    nn.init.zeros_(conv.bias)

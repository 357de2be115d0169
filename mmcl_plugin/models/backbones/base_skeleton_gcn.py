"""The input and output steps shared by the GCN backbones."""
from typing import Callable, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init


class BaseSkeletonGCN(BaseModule):
    """Base of the GCN backbones: input BN, units, dropout.

    Subclasses set ``data_bn`` (one BN over the M * V * C channels, ordered
    (M, V, C) as in the official CTR-GCN code), ``units``, ``drop``,
    ``num_person``, ``num_joints`` and ``in_channels``, with
    :meth:`build_layers`. Input and output follow mmaction2's ``STGCN``, so
    ``GCNHead`` and the MMCL heads apply unchanged.
    """

    data_bn: nn.BatchNorm1d
    units: nn.ModuleList
    drop: nn.Module
    num_person: int
    num_joints: int
    in_channels: int

    def build_layers(self, num_person: int, num_joints: int,
                     in_channels: int, base_channels: int, num_stages: int,
                     inflate_stages: Sequence[int],
                     down_stages: Sequence[int], dropout: float,
                     make_unit: Callable[[int, int, int, int], nn.Module]
                     ) -> None:
        """Set the input BN, the units and the output dropout.

        The width starts at ``base_channels`` and doubles at the
        ``inflate_stages``; the temporal stride is 2 at the ``down_stages``
        (stages are 1-based). Sets ``out_channels`` to the last width.

        Args:
            num_person (int): Persons M per sample.
            num_joints (int): Joints V.
            in_channels (int): Channels C of each joint.
            base_channels (int): Width of the first units.
            num_stages (int): Number of units.
            inflate_stages (Sequence[int]): Units that double the width.
            down_stages (Sequence[int]): Units with temporal stride 2.
            dropout (float): Dropout on the output features (none at 0).
            make_unit (callable): ``(stage, C_in, C_out, stride)`` -> unit.
        """
        self.num_person = num_person
        self.num_joints = num_joints
        self.in_channels = in_channels
        self.data_bn = nn.BatchNorm1d(num_person * num_joints * in_channels)
        units = []
        channels, width = in_channels, base_channels
        for stage in range(1, num_stages + 1):
            if stage in inflate_stages:
                width *= 2
            units.append(
                make_unit(stage, channels, width,
                          2 if stage in down_stages else 1))
            channels = width
        self.units = nn.ModuleList(units)
        self.out_channels = channels
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def init_convs_and_norms(self) -> None:
        """The CTR-GCN family's base initialisation: 2-D convolutions
        Kaiming normal (fan out) with zero bias, BNs weight 1 and bias 0."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                kaiming_init(module, mode='fan_out', distribution='normal')
            elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                constant_init(module, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Extract skeleton features.

        Args:
            x (torch.Tensor): Skeletons of shape (N, M, T, V, C).

        Returns:
            torch.Tensor: Features of shape (N, M, C_out, T_out, V).

        Raises:
            ValueError: ``x`` does not have the M, V, C the model was built
                for.
        """
        N, M, T, V, C = x.size()
        expected = (self.num_person, self.num_joints, self.in_channels)
        if (M, V, C) != expected:
            raise ValueError(f'{type(self).__name__} expects (M, V, C) = '
                             f'{expected}, got input of shape '
                             f'{tuple(x.shape)}')
        x = x.permute(0, 1, 3, 4, 2).reshape(N, M * V * C, T)
        x = self.data_bn(x)
        x = x.view(N, M, V, C, T).permute(0, 1, 3, 4, 2).reshape(
            N * M, C, T, V)
        for unit in self.units:
            x = unit(x)
        x = self.drop(x)
        return x.reshape((N, M) + x.shape[1:])

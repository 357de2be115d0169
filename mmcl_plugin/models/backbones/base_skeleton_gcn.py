"""The input and output steps shared by the GCN backbones."""
import torch
import torch.nn as nn
from mmengine.model import BaseModule


class BaseSkeletonGCN(BaseModule):
    """Base of the GCN backbones: input BN, units, dropout.

    Subclasses set ``data_bn`` (one BN over the M * V * C channels, ordered
    (M, V, C) as in the official CTR-GCN code), ``units``, ``drop``,
    ``num_person``, ``num_joints`` and ``in_channels``. Input and output
    follow mmaction2's ``STGCN``, so ``GCNHead`` and the MMCL heads apply
    unchanged.
    """

    data_bn: nn.BatchNorm1d
    units: nn.ModuleList
    drop: nn.Module
    num_person: int
    num_joints: int
    in_channels: int

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

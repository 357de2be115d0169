"""The input step shared by the GCN backbones."""
from typing import Tuple

import torch
import torch.nn as nn


def normalize_skeletons(x: torch.Tensor, data_bn: nn.BatchNorm1d,
                        expected: Tuple[int, int, int],
                        name: str) -> torch.Tensor:
    """Check the input, normalise it by one BN over M * V * C channels.

    The channels are ordered (M, V, C), as in the official CTR-GCN code.

    Args:
        x (torch.Tensor): Skeletons of shape (N, M, T, V, C).
        data_bn (nn.BatchNorm1d): BN over M * V * C channels.
        expected (tuple[int, int, int]): The (M, V, C) the model was built
            for.
        name (str): Model name for the error message.

    Returns:
        torch.Tensor: Features of shape (N * M, C, T, V).

    Raises:
        ValueError: ``x`` does not have the expected M, V, C.
    """
    N, M, T, V, C = x.size()
    if (M, V, C) != tuple(expected):
        raise ValueError(f'{name} expects (M, V, C) = {tuple(expected)}, '
                         f'got input of shape {tuple(x.shape)}')
    x = x.permute(0, 1, 3, 4, 2).reshape(N, M * V * C, T)
    x = data_bn(x)
    return x.view(N, M, V, C, T).permute(0, 1, 3, 4, 2).reshape(
        N * M, C, T, V)

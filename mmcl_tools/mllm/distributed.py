"""Rank and device of an extraction process.

Extraction needs no process group: each rank computes the shards
``s % world_size == rank`` on its own, and the last rank to finish writes
the index (see ``TextFeatureCacheWriter.write_index``). So ``torchrun``,
a slurm array or N hand-started processes with ``--rank``/``--world-size``
all work, and a slow rank cannot time out a barrier.
"""
import os
from typing import Optional, Tuple

import torch


def dist_info(rank: Optional[int] = None,
              world_size: Optional[int] = None) -> Tuple[int, int, int]:
    """(rank, world size, local rank), from the arguments or torchrun's
    ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``.

    Raises:
        ValueError: Rank outside [0, world size).
    """
    if world_size is None:
        world_size = int(os.environ.get('WORLD_SIZE', 1))
    if rank is None:
        rank = int(os.environ.get('RANK', 0))
    local_rank = int(os.environ.get('LOCAL_RANK', rank))
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f'rank {rank} / world size {world_size}: the rank '
                         f'must be in [0, world size)')
    return rank, world_size, local_rank


def default_device(local_rank: int = 0) -> str:
    """``cuda:<local rank>`` (one GPU per process) if CUDA is available,
    else 'cpu'."""
    if torch.cuda.is_available():
        return f'cuda:{local_rank % torch.cuda.device_count()}'
    return 'cpu'


__all__ = ['dist_info', 'default_device']

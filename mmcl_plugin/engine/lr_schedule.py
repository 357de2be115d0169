"""The learning rate of every training iteration under a config's
``param_scheduler``, as mmengine's runner builds and steps it.

mmengine's :class:`~mmengine.runner.Runner` builds each scheduler dict
through the ``PARAM_SCHEDULERS`` registry (``convert_to_iter_based``
through ``build_iter_from_epoch`` with the train loader's length; a missing
``end`` defaults to the loop's last epoch or iteration), and
``ParamSchedulerHook`` steps the iteration-based schedulers after every
training iteration and the epoch-based ones after every epoch. This module
does the same on a one-parameter SGD, so that a schedule's learning rates
can be checked (or imposed on other code) without training.
"""
import copy
from typing import Mapping, Sequence

import numpy as np
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS


def iteration_lrs(param_scheduler: Sequence[Mapping], base_lr: float,
                  iters_per_epoch: int, max_epochs: int) -> np.ndarray:
    """The lr of every training iteration.

    Args:
        param_scheduler (Sequence[Mapping]): The config's
            ``param_scheduler`` list (one dict is taken as a list of one).
        base_lr (float): The optimiser's ``lr``.
        iters_per_epoch (int): Iterations per epoch (the train loader's
            length).
        max_epochs (int): Epochs of the training loop.

    Returns:
        np.ndarray: (max_epochs, iters_per_epoch) lr used by each training
        iteration (before the schedulers step after it).

    Raises:
        ValueError: ``iters_per_epoch`` or ``max_epochs`` below 1.
    """
    if iters_per_epoch < 1 or max_epochs < 1:
        raise ValueError(f'need at least one epoch and one iteration per '
                         f'epoch, got {max_epochs} epochs of '
                         f'{iters_per_epoch} iterations')
    if isinstance(param_scheduler, Mapping):
        param_scheduler = [param_scheduler]
    optim_wrapper = OptimWrapper(
        torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr))
    schedulers = []
    for cfg in param_scheduler:
        cfg = copy.deepcopy(dict(cfg))
        # the runner's default end: the loop's last epoch / iteration
        cfg.setdefault(
            'end', max_epochs if cfg.get('by_epoch', True) else max_epochs *
            iters_per_epoch)
        schedulers.append(
            PARAM_SCHEDULERS.build(
                cfg,
                default_args=dict(
                    optimizer=optim_wrapper, epoch_length=iters_per_epoch)))
    lrs = np.empty((max_epochs, iters_per_epoch))
    for epoch in range(max_epochs):
        for index in range(iters_per_epoch):
            lrs[epoch, index] = optim_wrapper.param_groups[0]['lr']
            optim_wrapper.step()  # no gradients: only what the hook sees
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
        for scheduler in schedulers:
            if scheduler.by_epoch:
                scheduler.step()
    return lrs

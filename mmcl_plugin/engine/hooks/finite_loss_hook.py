"""Stop training at the first non-finite loss, before anything is saved."""
import math
from typing import List, Optional, Tuple

from mmaction.registry import HOOKS
from mmengine.hooks import Hook


class NonFiniteLossError(FloatingPointError):
    """A loss term was NaN or infinite; the message names the epoch, the
    iteration and the terms."""


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop training when a loss term is NaN or infinite.

    A NaN loss turns every weight into NaN at the next step; without this
    hook the run goes on, saves NaN checkpoints and rotates the good ones
    away under ``max_keep_ckpts``. The hook raises
    :class:`NonFiniteLossError` in ``after_train_iter``, which runs before
    the checkpoint hook (``VERY_LOW``) of the same iteration and before the
    epoch's end, so nothing of the bad state is saved.

    No extra device sync: ``RuntimeInfoHook`` (``VERY_HIGH``) has already
    turned every logged value into a Python float (``.item()``) in the
    message hub; this hook reads those floats
    (``train/<key>``) and touches a tensor only if one is missing there.

    In distributed training each rank checks its own losses; the rank that
    raises ends, and the launcher (torchrun, slurm) ends the others.

    Args:
        keys (str): Substring of the checked ``log_vars`` keys. Defaults
            to ``'loss'`` (the total and every term).
    """

    priority = 'HIGH'

    def __init__(self, keys: str = 'loss') -> None:
        self.keys = keys

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Raise if a loss of this iteration is not finite."""
        if not outputs:
            return
        bad: List[Tuple[str, float]] = []
        scalars = runner.message_hub.log_scalars
        for key, value in outputs.items():
            if self.keys not in key:
                continue
            logged = scalars.get(f'train/{key}')
            number = float(logged.current()) if logged is not None \
                else float(value)
            if not math.isfinite(number):
                bad.append((key, number))
        if bad:
            raise NonFiniteLossError(self.message(runner, batch_idx, bad))

    @staticmethod
    def message(runner, batch_idx: int,
                bad: List[Tuple[str, float]]) -> str:
        """The error message for the non-finite ``bad`` terms."""
        terms = ', '.join(f'{key}={value}' for key, value in bad)
        try:
            per_epoch = f' of {len(runner.train_dataloader)}'
        except TypeError:  # an iterable without length
            per_epoch = ''
        last = None
        for hook in runner.hooks:
            last = getattr(hook, 'last_ckpt', None) or last
        saved = (f'the last checkpoint saved is {last}' if last else
                 'no checkpoint was saved by this run')
        return (f'Non-finite loss at epoch {runner.epoch + 1}, iteration '
                f'{batch_idx + 1}{per_epoch} (iteration {runner.iter + 1} of '
                f'the run): {terms}. Training stopped before saving '
                f'anything of this state; {saved}. Usual causes: a learning '
                'rate too high, a bad sample or a corrupted checkpoint.')


__all__ = ['FiniteLossHook', 'NonFiniteLossError']

"""Stop training on SIGTERM / SIGINT with a resumable checkpoint."""
import os
import signal
import threading
from typing import Any, Dict, Optional

import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook

#: Exit status of a run stopped by a signal after saving its checkpoint
#: (``EX_TEMPFAIL``: "try again"; ``tools/slurm_train.sh`` requeues it).
PREEMPTED_EXIT_CODE = 75
#: The signals that stop a run gracefully.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@HOOKS.register_module()
class GracefulStopHook(Hook):
    """On SIGTERM or SIGINT, finish the iteration, save, exit 75.

    Slurm preempts a job with SIGTERM (and SIGKILL after its grace time);
    a user stops one with Ctrl-C. The hook's handler only records the
    signal; after the current training iteration (or at the end of the
    epoch or of the validation under way), the run saves a resumable
    checkpoint through ``SafeCheckpointHook.save_interrupted`` (atomic,
    with checksum, named by ``last_checkpoint``), logs it and exits with
    :data:`PREEMPTED_EXIT_CODE`; ``--resume`` continues from it. A
    checkpoint saved mid-epoch resumes at the start of that epoch with the
    weights reached (mmengine's epoch loops cannot start mid-epoch): the
    epoch's first iterations are trained again. A second signal ends the
    process at once (the default action).

    In distributed training the ranks agree on the stop (one all-reduce
    of a flag per iteration, only when there are several ranks), so every
    rank takes part in the collective save. Data-loader worker processes
    ignore the signal (the process group's Ctrl-C, slurm's signal to every
    process) and end with the main process.

    Args:
        signals (tuple[int]): Defaults to :data:`STOP_SIGNALS`.
    """

    priority = 'LOWEST'

    def __init__(self, signals=STOP_SIGNALS) -> None:
        self.signals = tuple(signals)
        self._received: Optional[int] = None
        self._previous: Dict[int, Any] = {}
        self._owner_pid: Optional[int] = None

    # ------------------------------------------------------------ signals
    def _handle(self, signum: int, frame) -> None:
        if os.getpid() != self._owner_pid:
            return  # a forked data-loader worker: the main process decides
        if self._received is not None:  # second signal: stop now
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self._received = signum

    def before_train(self, runner) -> None:
        """Install the handlers (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            runner.logger.warning(
                'GracefulStopHook: not in the main thread; SIGTERM / SIGINT '
                'keep their default action.')
            return
        self._owner_pid = os.getpid()
        self._received = None
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._handle)

    def after_train(self, runner) -> None:
        """Give the signals their previous handlers back."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _stop_requested(self) -> bool:
        flag = self._received is not None
        if get_world_size() > 1:
            tensor = torch.tensor([int(flag)])
            all_reduce(tensor, op='max')
            flag = bool(tensor.item())
        return flag

    # ------------------------------------------------------------ stops
    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Stop after this iteration if a signal came (at the last
        iteration of an epoch: at the epoch's end)."""
        try:
            last_of_epoch = batch_idx + 1 == len(runner.train_dataloader)
        except TypeError:
            last_of_epoch = False
        if last_of_epoch or not self._stop_requested():
            return
        self._stop(runner, dict(epoch=runner.epoch, iter=runner.iter + 1),
                   f'epoch {runner.epoch + 1}, iteration {batch_idx + 1}')

    def after_train_epoch(self, runner) -> None:
        """Stop at the epoch's end if a signal came."""
        if self._stop_requested():
            self._stop(runner,
                       dict(epoch=runner.epoch + 1, iter=runner.iter),
                       f'the end of epoch {runner.epoch + 1}')

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Stop after validation if a signal came during it."""
        if not self._previous:
            return  # not training
        if self._stop_requested():
            self._stop(runner, dict(epoch=runner.epoch, iter=runner.iter),
                       f'the validation after epoch {runner.epoch}')

    def _stop(self, runner, meta: Dict, where: str) -> None:
        received = self._received
        name = signal.Signals(received).name if received else 'a signal'
        saver = next((hook for hook in runner.hooks
                      if hasattr(hook, 'save_interrupted')), None)
        if saver is None:
            raise RuntimeError(
                f'Stopped by {name} at {where}, but no checkpoint was saved: '
                'GracefulStopHook needs SafeCheckpointHook.')
        path = saver.save_interrupted(runner, meta)
        runner.logger.warning(
            f'Stopped by {name} at {where}: saved the resumable checkpoint '
            f'{path} (epoch {meta["epoch"]}, iter {meta["iter"]}); continue '
            f'with --resume. Exit code {PREEMPTED_EXIT_CODE}.')
        self.after_train(runner)
        raise SystemExit(PREEMPTED_EXIT_CODE)


__all__ = ['GracefulStopHook', 'PREEMPTED_EXIT_CODE', 'STOP_SIGNALS']

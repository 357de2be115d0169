"""A checkpoint hook that survives kills and resumes exactly."""
import functools
import os
import os.path as osp
import re
import shutil
import time
from typing import Any, Dict, List, Optional, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import (all_gather_object, get_rank, get_world_size,
                           is_main_process)
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from ...utils.atomic_io import (TEMP_NAME, atomic_path, fsync_directory,
                                write_text_atomic)
from ..checkpoint_checksum import add_checksum
from ..rng_state import (capture_rng_state, restore_rng_state,
                         restore_sampler_seed, sampler_state)

#: Checkpoint key of the generator states (see :mod:`..rng_state`).
RNG_KEY = 'rng_state'
#: Message-hub key of the checkpoint files to remove once the checkpoint
#: being saved is in place (removed on resume if a kill came first).
PENDING_KEY = 'pending_ckpt_removals'

#: The stages a save passes, in order (:meth:`SafeCheckpointHook.reached`):
#: the temporary file written, before it replaces the checkpoint's name,
#: before ``last_checkpoint`` names it, before older checkpoints are
#: removed, after everything.
SAVE_STAGES = ('partial-write', 'before-replace', 'before-last-checkpoint',
               'before-remove', 'after-save')
#: ``meta`` key marking a checkpoint saved when a run was stopped by a
#: signal (mid-epoch); it is removed once a later checkpoint is in place.
INTERRUPTED_KEY = 'mmcl_interrupted'


class _DeferredRemovals:
    """A file backend whose ``remove``/``rmtree`` are only recorded.

    Lets :class:`CheckpointHook`'s best-checkpoint logic run unchanged
    while the previous best file stays until the new one is in place.

    Args:
        backend: The real file backend (for every other method).
        paths (list[str]): Where the paths to remove are recorded.
    """

    def __init__(self, backend: Any, paths: List[str]) -> None:
        self._backend = backend
        self.paths = paths

    def remove(self, path: str) -> None:
        self.paths.append(path)

    def rmtree(self, path: str) -> None:
        self.paths.append(path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def _remove_path(path: str) -> None:
    if osp.isfile(path):
        os.remove(path)
    elif osp.isdir(path):  # checkpoints of DeepSpeed are directories
        shutil.rmtree(path)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` made crash-safe, with exact resume.

    Takes the same arguments as ``CheckpointHook``; differences:

    1. **Atomic files.** Every checkpoint (periodic and best) is written
       to a temporary file beside its final name, flushed to disk and
       renamed, so a kill leaves the previous file or the new one, never
       a truncated one. Temporary files of a killed run are removed when
       training starts again.
    2. **Order.** New checkpoint, then ``last_checkpoint`` (also written
       atomically), then removal of checkpoints beyond ``max_keep_ckpts``
       and of the previous best. mmengine removes the oldest checkpoint
       first, so with ``max_keep_ckpts=1`` a kill while saving left
       ``last_checkpoint`` naming a deleted file. The files still to
       remove are recorded in the message hub of the checkpoint being
       saved, so a resume after a kill between the steps removes them.
    3. **Random state.** Each checkpoint stores the generator states of
       every rank (Python, NumPy, torch CPU and CUDA) and the sampler's
       seed under ``'rng_state'``; ``--resume`` restores them, and
       validation during training leaves the training generators as they
       were (mmaction's test-mode ``UniformSampleFrames`` re-seeds NumPy).
       A run killed after an epoch's checkpoint and resumed therefore ends
       with the weights of an uninterrupted run (bit-identical on CPU;
       on GPUs as far as the kernels are deterministic). Needs the same
       number of ranks; data-loader workers must not be persistent
       (mmengine re-seeds non-persistent workers identically at each
       epoch; persistent ones keep states no checkpoint holds).

    4. **Checksums.** Every checkpoint carries the SHA-256 of its tensors
       in ``meta['mmcl_checksum']`` (:mod:`..checkpoint_checksum`), inside
       the same atomic write; every load verifies it.
    5. **Nothing else is overwritten.** After a resume, checkpoint files of
       later steps than the resumed one (a newer checkpoint that failed
       verification, or one the user chose not to resume) are renamed to
       ``<name>.kept-<time>`` before the run could overwrite them.
    6. **Interrupted runs.** :meth:`save_interrupted` saves a resumable
       checkpoint ``interrupted_iter_<n>.pth`` (``GracefulStopHook`` calls
       it on SIGTERM / SIGINT); ``--resume`` takes it, and it is removed
       once a later checkpoint is in place.

    Only local ``out_dir`` are supported (the rename must be atomic).
    :meth:`reached` marks each stage of a save (:data:`SAVE_STAGES`) for
    subclasses; the fault-injection tests kill the process there.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._rng_states: Optional[Dict[str, Any]] = None
        self._rng_before_val: Optional[Dict[str, Any]] = None
        self._loaded: Optional[Tuple[Any, Any, Optional[Dict]]] = None
        self._pending: List[str] = []
        self._interrupted_file: Optional[str] = None

    # ----------------------------------------------------------- lifecycle
    def before_train(self, runner) -> None:
        """Check the storage, clean up after a kill, restore RNG states."""
        super().before_train(runner)
        if (self.file_client_args is not None
                or not isinstance(self.file_backend, LocalBackend)):
            raise ValueError(
                f'SafeCheckpointHook writes checkpoints atomically on a '
                f'local file system; out_dir {self.out_dir} uses '
                f'{type(self.file_backend).__name__} (use CheckpointHook '
                'for remote storage)')
        resumed = self._loaded is not None and \
            (runner.epoch, runner.iter) == self._loaded[:2]
        interrupted = self._interrupted_file
        self._interrupted_file = None
        if is_main_process():
            self._remove_stale_temporaries(runner)
            # removals a killed run recorded but did not finish
            self._pending = list(
                runner.message_hub.get_info(PENDING_KEY) or [])
            self._remove_pending(runner)
            if resumed:
                self._keep_later_checkpoints(runner)
                if interrupted is not None:
                    # removed once the next checkpoint is in place
                    self._pending.append(interrupted)
        self._restore_after_resume(runner)

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        """Keep the RNG states of a loaded checkpoint for ``before_train``
        (applied only if the checkpoint was resumed, not ``load_from``)."""
        if not isinstance(checkpoint.get('meta'), dict):
            self._loaded = None  # a bare state dict: nothing to resume
            return
        meta = checkpoint['meta']
        self._loaded = (meta.get('epoch'), meta.get('iter'),
                        checkpoint.get(RNG_KEY))
        self._interrupted_file = meta.get(INTERRUPTED_KEY)

    def before_val(self, runner) -> None:
        """Remember the training generators' states."""
        self._rng_before_val = capture_rng_state()

    def after_val(self, runner) -> None:
        """Give training back the states it had before validation."""
        if self._rng_before_val is not None:
            restore_rng_state(self._rng_before_val)
            self._rng_before_val = None

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        """Add the gathered RNG states to the checkpoint being saved, then
        the checksum of its tensors (this hook runs last: ``VERY_LOW``)."""
        if self._rng_states is not None:
            checkpoint[RNG_KEY] = self._rng_states
        add_checksum(checkpoint)

    # -------------------------------------------------------------- saving
    def _save_checkpoint_with_step(self, runner, step: int,
                                   meta: Dict) -> None:
        """Save ``filename_tmpl.format(step)``: file, then
        ``last_checkpoint``, then expired checkpoints removed."""
        self._rng_states = self._gather_rng_states(runner)
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                self._pending.append(
                    osp.join(
                        self.out_dir,
                        self.filename_tmpl.format(
                            self.keep_ckpt_ids.popleft())))
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.message_hub.update_info(PENDING_KEY, list(self._pending))
        self._save_atomically(runner,
                              self.out_dir,
                              filename,
                              save_optimizer=self.save_optimizer,
                              save_param_scheduler=self.save_param_scheduler,
                              meta=meta,
                              by_epoch=self.by_epoch,
                              backend_args=self.backend_args)
        if not is_main_process():
            self._pending.clear()  # the main process removes files
            return
        self.reached('before-last-checkpoint', filename)
        write_text_atomic(self.last_ckpt,
                          osp.join(runner.work_dir, 'last_checkpoint'))
        fsync_directory(runner.work_dir)
        self.reached('before-remove', filename)
        self._remove_pending(runner)
        self.reached('after-save', filename)

    def reached(self,
                stage: str,
                filename: str,
                tmp_path: Optional[str] = None) -> None:
        """Called as a save passes each of :data:`SAVE_STAGES`; does
        nothing here.

        Args:
            stage (str): The stage.
            filename (str): The checkpoint being saved (base name).
            tmp_path (str, optional): Its temporary file (``partial-write``
                and ``before-replace``).
        """

    def save_interrupted(self, runner, meta: Dict) -> str:
        """Save a resumable checkpoint of a run stopped by a signal.

        Written atomically as ``interrupted_iter_<n>.pth`` (``n`` from
        ``meta['iter']``), named by ``last_checkpoint``; not counted in
        ``max_keep_ckpts`` and removed after the next checkpoint of the
        resumed run. A collective call (RNG states of every rank).

        Args:
            runner: The runner.
            meta (dict): ``epoch`` and ``iter`` to resume at.

        Returns:
            str: The checkpoint's path.
        """
        self._rng_states = self._gather_rng_states(runner)
        filename = f'interrupted_iter_{meta["iter"]}.pth'
        path = self.file_backend.join_path(self.out_dir, filename)
        meta = dict(meta, **{INTERRUPTED_KEY: path})
        runner.message_hub.update_info(PENDING_KEY, list(self._pending))
        self._save_atomically(runner,
                              self.out_dir,
                              filename,
                              save_optimizer=True,
                              save_param_scheduler=True,
                              meta=meta,
                              by_epoch=False,
                              backend_args=self.backend_args)
        if is_main_process():
            write_text_atomic(path, osp.join(runner.work_dir,
                                             'last_checkpoint'))
            fsync_directory(runner.work_dir)
        return path

    def _save_best_checkpoint(self, runner, metrics: Dict) -> None:
        """mmengine's best-checkpoint logic with atomic writes; the
        previous best is removed after the new one is in place."""
        if not self.save_best:
            return
        self._rng_states = self._gather_rng_states(runner)
        backend = self.file_backend
        self.file_backend = _DeferredRemovals(backend, self._pending)
        runner.save_checkpoint = functools.partial(self._save_atomically,
                                                   runner)
        try:
            # (re-saves the periodic checkpoint after a new best, which
            # then removes the previous best)
            super()._save_best_checkpoint(runner, metrics)
        finally:
            self.file_backend = backend
            del runner.save_checkpoint  # the Runner method again
        if is_main_process():
            self._remove_pending(runner)

    def _save_atomically(self, runner, out_dir: str, filename: str, *args,
                         **kwargs) -> None:
        """``Runner.save_checkpoint`` into a temporary file, then renamed
        to ``out_dir/filename`` (main process only, as the Runner's)."""
        if not is_main_process():
            return
        with atomic_path(osp.join(out_dir, filename),
                         sync_directory=True) as tmp_path:
            type(runner).save_checkpoint(runner, out_dir,
                                         osp.basename(tmp_path), *args,
                                         **kwargs)
            self.reached('partial-write', filename, tmp_path)
            self.reached('before-replace', filename)

    # ----------------------------------------------------------------- RNG
    def _gather_rng_states(self, runner) -> Dict[str, Any]:
        """Every rank's training RNG states and the sampler's seed.

        A collective call: every rank reaches the save points.
        """
        local = (self._rng_before_val
                 if self._rng_before_val is not None else capture_rng_state())
        return dict(world_size=get_world_size(),
                    ranks=all_gather_object(local),
                    sampler=sampler_state(runner.train_dataloader.sampler))

    def _restore_after_resume(self, runner) -> None:
        if self._loaded is None:
            return
        epoch, iteration, states = self._loaded
        self._loaded = None
        if (runner.epoch, runner.iter) != (epoch, iteration):
            return  # load_from (fine-tuning): keep this run's own seeds
        if states is None:
            runner.logger.warning(
                'The resumed checkpoint has no RNG state (written by another '
                'checkpoint hook): the run continues, but with other random '
                'numbers than an uninterrupted run would draw.')
            return
        if states['world_size'] != get_world_size():
            runner.logger.warning(
                f'The resumed checkpoint holds the RNG states of '
                f'{states["world_size"]} ranks, this run has '
                f'{get_world_size()}: they are not restored.')
            return
        restore_rng_state(states['ranks'][get_rank()])
        previous = restore_sampler_seed(runner.train_dataloader.sampler,
                                        states['sampler'])
        if previous is not None:
            runner.logger.info(
                f'Sampler seed {previous} replaced by the checkpoint\'s '
                f'{states["sampler"]["seed"]}.')
        runner.logger.info(
            f'Restored the RNG states of epoch {epoch}, iter {iteration}.')

    # ------------------------------------------------------------- cleanup
    def _remove_pending(self, runner) -> None:
        """Remove the recorded files, except those still in use."""
        in_use = {self.last_ckpt, getattr(self, 'best_ckpt_path', None)}
        in_use.update(getattr(self, 'best_ckpt_path_dict', {}).values())
        for path in self._pending:
            if path not in in_use and osp.lexists(path):
                _remove_path(path)
                runner.logger.info(f'Removed the old checkpoint {path}.')
        self._pending.clear()
        runner.message_hub.update_info(PENDING_KEY, [])

    def _keep_later_checkpoints(self, runner) -> None:
        """Rename checkpoints of later steps than the resumed one, which
        this run would overwrite, to ``<name>.kept-<time>``."""
        step = runner.epoch if self.by_epoch else runner.iter
        unit = 'epoch' if self.by_epoch else 'iter'
        patterns = (re.escape(self.filename_tmpl).replace(r'\{\}', r'(\d+)'),
                    rf'best_.*_{unit}_(\d+)\.pth')
        stamp = time.strftime('%Y%m%d_%H%M%S')
        if not osp.isdir(self.out_dir):
            return
        for entry in sorted(os.scandir(self.out_dir), key=lambda e: e.name):
            match = next((m for m in (re.fullmatch(p, entry.name)
                                      for p in patterns) if m), None)
            if match and int(match.group(1)) > step and entry.is_file():
                kept = f'{entry.path}.kept-{stamp}'
                os.replace(entry.path, kept)
                runner.logger.warning(
                    f'{entry.path} is later than the resumed checkpoint '
                    f'(epoch {runner.epoch}, iter {runner.iter}) and would '
                    f'be overwritten: kept as {kept}.')

    def _is_checkpoint_name(self, name: str) -> bool:
        pattern = re.escape(self.filename_tmpl).replace(r'\{\}', r'\d+')
        return (name == 'last_checkpoint' or name.startswith('best_')
                or re.fullmatch(pattern, name) is not None)

    def _remove_stale_temporaries(self, runner) -> None:
        """Remove the temporary checkpoint files a killed run left."""
        for directory in sorted({self.out_dir, runner.work_dir}):
            if not osp.isdir(directory):
                continue
            for entry in os.scandir(directory):
                match = TEMP_NAME.match(entry.name)
                if (match and entry.is_file()
                        and self._is_checkpoint_name(match['base'])):
                    os.remove(entry.path)
                    runner.logger.info(
                        f'Removed {entry.path}, left by an interrupted save.')

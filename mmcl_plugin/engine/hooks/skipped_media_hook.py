"""Report of the training samples skipped for unreadable media."""
import logging
from typing import Dict, Optional

from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import Hook

from .dataset_check_hook import leaf_datasets

#: Metainfo key under which a dataset records the samples a data sample
#: stands in for (``MMCLPoseDataset.prepare_data``).
SKIPPED_KEY = 'skipped_media'


@HOOKS.register_module()
class SkippedMediaHook(Hook):
    """List the samples skipped for unreadable media, stop at too many.

    With ``MMCLPoseDataset(skip_bad_media=dict(max_skipped=N))`` a
    training sample whose video or strip image cannot be read is replaced
    by the next one, and the data sample that replaced it carries the
    skipped sample's name and error (metainfo ``skipped_media``). This
    hook collects them from every batch: it logs all skipped samples of
    the epoch (of every rank) at the epoch's end, and raises as soon as
    more than N different samples were skipped in the run (on any rank;
    at the epoch's end, over all ranks). Idle without ``skip_bad_media``.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self.max_skipped: Optional[int] = None
        self._run: Dict[str, str] = {}
        self._epoch: Dict[str, str] = {}

    def before_train(self, runner) -> None:
        """Find the allowance of the training datasets."""
        limits = [
            dataset.skip_bad_media['max_skipped']
            for dataset in leaf_datasets(runner.train_dataloader.dataset)
            if getattr(dataset, 'skip_bad_media', None)
        ]
        self.max_skipped = min(limits) if limits else None

    def before_train_epoch(self, runner) -> None:
        self._epoch = {}

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Collect the skipped samples of the batch; raise past the cap."""
        if self.max_skipped is None or not isinstance(data_batch, dict):
            return
        for sample in data_batch.get('data_samples') or []:
            metainfo = getattr(sample, 'metainfo', {})
            for name, reason in metainfo.get(SKIPPED_KEY, ()):
                self._epoch[name] = reason
                self._run[name] = reason
        self._check(self._run, 'this rank')

    def after_train_epoch(self, runner) -> None:
        """Log the epoch's skipped samples of all ranks; raise past the
        cap."""
        if self.max_skipped is None:
            return
        epoch, run = dict(self._epoch), dict(self._run)
        if get_world_size() > 1:
            for part in all_gather_object((self._epoch, self._run)):
                epoch.update(part[0])
                run.update(part[1])
        if epoch:
            runner.logger.log(
                logging.WARNING,
                f'Epoch {runner.epoch + 1}: {len(epoch)} samples skipped for '
                f'unreadable media ({len(run)} in the run, skip_bad_media '
                f'allows {self.max_skipped}):\n' +
                '\n'.join(f'  {name}: {reason}'
                          for name, reason in sorted(epoch.items())))
        self._check(run, 'all ranks')

    def _check(self, skipped: Dict[str, str], where: str) -> None:
        if len(skipped) > self.max_skipped:
            raise RuntimeError(
                f'{len(skipped)} training samples ({where}) have unreadable '
                f'media, more than skip_bad_media allows '
                f'(max_skipped={self.max_skipped}):\n' +
                '\n'.join(f'  {name}: {reason}'
                          for name, reason in sorted(skipped.items())))


__all__ = ['SkippedMediaHook', 'SKIPPED_KEY']

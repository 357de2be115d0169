"""Runtime pieces for MMEngine's runner: checkpoint loading, hooks, the lr
schedule, model wrappers and the launcher fix.

Importing this package registers the weights-only checkpoint loader as
mmengine's loader for local files (:mod:`.checkpoint_loading`),
:class:`SafeCheckpointHook`, :class:`DatasetCheckHook`,
:class:`SkippedMediaHook`, :class:`FiniteLossHook` and
:class:`GracefulStopHook` in mmaction2's ``HOOKS`` and
:class:`CPUDistributedDataParallel` in mmengine's ``MODEL_WRAPPERS``;
``import mmcl_plugin`` arranges the import (:mod:`mmcl_plugin.registration`:
once ``mmengine.runner`` is imported, and on a lookup of those
registries). :func:`fix_cpu_launchers` is applied by ``tools/train.py``
and ``tools/test.py`` only.
"""
from . import checkpoint_loading  # noqa: F401  (registers the loader)
from .hooks import (DatasetCheckHook, FiniteLossHook, GracefulStopHook,
                    SafeCheckpointHook, SkippedMediaHook)
from .launchers import cpu_launchers_needed, fix_cpu_launchers
from .lr_schedule import iteration_lrs
from .model_wrappers import (CPUDistributedDataParallel,
                             cpu_ddp_device_ids_needed)

__all__ = [
    'CPUDistributedDataParallel', 'DatasetCheckHook', 'FiniteLossHook',
    'GracefulStopHook', 'SafeCheckpointHook', 'SkippedMediaHook',
    'cpu_ddp_device_ids_needed', 'cpu_launchers_needed', 'fix_cpu_launchers',
    'iteration_lrs'
]

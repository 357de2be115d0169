"""Runtime pieces for MMEngine's runner: checkpoint loading, hooks, the lr
schedule, model wrappers and the launcher fix.

Importing this package registers :class:`SafeRunner` (the weights-only
checkpoint loader of :mod:`.checkpoint_loading` for its ``load_from`` and
``resume``; its config a :class:`FormatOnceConfig`) in mmaction2's
``RUNNERS``, :class:`SafeCheckpointHook`, :class:`DatasetCheckHook`,
:class:`SkippedMediaHook`, :class:`FiniteLossHook` and
:class:`GracefulStopHook` in its ``HOOKS`` and
:class:`CPUDistributedDataParallel` in mmengine's ``MODEL_WRAPPERS``.
"""
from .checkpoint_loading import load_checkpoint_file, safe_checkpoint_loading
from .format_once_config import FormatOnceConfig
from .hooks import (DatasetCheckHook, FiniteLossHook, GracefulStopHook,
                    SafeCheckpointHook, SkippedMediaHook)
from .lr_schedule import iteration_lrs
from .model_wrappers import (CPUDistributedDataParallel,
                             cpu_ddp_device_ids_needed)
from .runner import SafeRunner

__all__ = [
    'CPUDistributedDataParallel', 'DatasetCheckHook', 'FiniteLossHook',
    'FormatOnceConfig', 'GracefulStopHook', 'SafeCheckpointHook',
    'SafeRunner', 'SkippedMediaHook', 'cpu_ddp_device_ids_needed',
    'iteration_lrs', 'load_checkpoint_file', 'safe_checkpoint_loading'
]

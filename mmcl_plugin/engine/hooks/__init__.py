from .dataset_check_hook import DatasetCheckHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .graceful_stop_hook import PREEMPTED_EXIT_CODE, GracefulStopHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .skipped_media_hook import SkippedMediaHook

__all__ = [
    'DatasetCheckHook', 'FiniteLossHook', 'GracefulStopHook',
    'NonFiniteLossError', 'PREEMPTED_EXIT_CODE', 'SafeCheckpointHook',
    'SkippedMediaHook'
]

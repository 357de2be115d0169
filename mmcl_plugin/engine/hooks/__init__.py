from .dataset_check_hook import DatasetCheckHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .skipped_media_hook import SkippedMediaHook

__all__ = ['DatasetCheckHook', 'SafeCheckpointHook', 'SkippedMediaHook']

"""Runtime pieces: checkpoint loading, hooks and the lr schedule.

Importing this package registers the weights-only checkpoint loader as
mmengine's loader for local files (:mod:`.checkpoint_loading`).
"""
from . import checkpoint_loading  # noqa: F401  (registers the loader)
from .hooks import SafeCheckpointHook
from .lr_schedule import iteration_lrs

__all__ = ['SafeCheckpointHook', 'iteration_lrs']

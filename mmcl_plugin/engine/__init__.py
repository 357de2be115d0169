"""Runtime pieces: checkpoint loading and hooks.

Importing this package registers the weights-only checkpoint loader as
mmengine's loader for local files (:mod:`.checkpoint_loading`).
"""
from . import checkpoint_loading  # noqa: F401  (registers the loader)
from .hooks import SafeCheckpointHook

__all__ = ['SafeCheckpointHook']

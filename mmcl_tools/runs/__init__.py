"""What ``tools/train.py`` and ``tools/test.py`` do around mmengine's runner:
the work-dir lock (:mod:`.file_lock`, also the tools' output-directory
locks), the choice of the checkpoint to resume (:mod:`.work_dir_checkpoints`),
strict test-time loading (:mod:`.strict_loading`), config values checked
where they enter (:mod:`.config_values`), ``--cfg-options`` that keep
spaces (:mod:`.dict_action`) and the CPU fix of mmengine's launchers
(:mod:`.launchers`).
"""
from .file_lock import IndexLocks, LockedError, OwnedLock, exclusive_lock
from .launchers import cpu_launchers_needed, fix_cpu_launchers

__all__ = [
    'IndexLocks', 'LockedError', 'OwnedLock', 'cpu_launchers_needed',
    'exclusive_lock', 'fix_cpu_launchers'
]

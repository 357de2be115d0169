"""Runtime pieces for MMEngine's runner: model wrappers and launcher fixes.

Importing this package registers :class:`CPUDistributedDataParallel` in
mmengine's ``MODEL_WRAPPERS`` (``import mmcl_plugin`` arranges that for a
config's ``model_wrapper_cfg``); :func:`fix_cpu_launchers` is applied by
``tools/train.py`` and ``tools/test.py`` only.
"""
from .launchers import cpu_launchers_needed, fix_cpu_launchers
from .model_wrappers import (CPUDistributedDataParallel,
                             cpu_ddp_device_ids_needed)

__all__ = [
    'CPUDistributedDataParallel', 'cpu_ddp_device_ids_needed',
    'cpu_launchers_needed', 'fix_cpu_launchers'
]

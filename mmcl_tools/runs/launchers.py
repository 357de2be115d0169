"""mmengine's torchrun / slurm launchers on machines without CUDA.

``mmengine.dist.init_dist('pytorch' | 'slurm')`` calls
``torch.cuda.set_device`` even when CUDA is absent, and configs default to
the NCCL backend, so distributed runs on CPU machines fail before the
runner starts. :func:`fix_cpu_launchers` makes the two launchers skip the
device call and fall back to gloo there (with a warning); with CUDA they
are untouched.

This is a process-wide change, so only the entry points that launch
distributed runs apply it: ``tools/train.py`` and ``tools/test.py`` (and
``tools/dist_*.sh`` / ``tools/slurm_*.sh`` through them), before the
runner is built. ``import mmcl_plugin`` does not.
"""
import contextlib
import functools
import warnings
from typing import Callable, Iterator

#: Marks a launcher this module has already wrapped.
_WRAPPED = '_mmcl_cpu_capable'


def cpu_launchers_needed() -> bool:
    """Whether mmengine's launchers call CUDA even when it is absent."""
    import inspect

    import torch
    from mmengine.dist import utils as dist_utils
    source = inspect.getsource(dist_utils._init_dist_pytorch)
    return (not torch.cuda.is_available()
            and 'torch.cuda.set_device' in source
            and 'cuda.is_available' not in source)


@contextlib.contextmanager
def _without_cuda_device_selection() -> Iterator[None]:
    import torch
    set_device = torch.cuda.set_device
    torch.cuda.set_device = lambda device: None
    try:
        yield
    finally:
        torch.cuda.set_device = set_device


def _cpu_capable(launcher: Callable) -> Callable:
    """Wrap an mmengine launcher so it works without CUDA (gloo, no device)."""

    @functools.wraps(launcher)
    def wrapper(backend, *args, **kwargs):
        import torch
        if torch.cuda.is_available():
            return launcher(backend, *args, **kwargs)
        if backend == 'nccl':
            warnings.warn('CUDA is not available: using the gloo backend '
                          'instead of nccl.')
            backend = 'gloo'
        with _without_cuda_device_selection():
            return launcher(backend, *args, **kwargs)

    setattr(wrapper, _WRAPPED, True)
    return wrapper


def fix_cpu_launchers() -> bool:
    """Make mmengine's pytorch and slurm launchers work without CUDA.

    Idempotent.

    Returns:
        bool: Whether the launchers were wrapped by this call.
    """
    from mmengine.dist import utils as dist_utils
    if getattr(dist_utils._init_dist_pytorch, _WRAPPED, False) or \
            not cpu_launchers_needed():
        return False
    dist_utils._init_dist_pytorch = _cpu_capable(dist_utils._init_dist_pytorch)
    dist_utils._init_dist_slurm = _cpu_capable(dist_utils._init_dist_slurm)
    return True


__all__ = ['cpu_launchers_needed', 'fix_cpu_launchers']

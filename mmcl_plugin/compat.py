"""Compatibility fixes for the pinned OpenMMLab stack.

Every fix here works around one upstream problem with the versions pinned in
``requirements/`` and is applied once, before ``mmaction.models`` or
``torchvision`` are imported. ``import mmcl_plugin`` (which configs reach
through ``custom_imports``) calls :func:`apply_all` first thing.

Each fix has a ``*_needed()`` probe so that ``tests/test_compat.py`` can tell
when upstream has fixed the problem and the workaround can be dropped.

Fixes:

1. ``torchvision_ops_schema``: PyPI's torchvision 0.28 cannot load its
   compiled ops next to the CPU build of torch 2.13 and then dies on import
   with "operator torchvision::nms does not exist", because its fake-tensor
   registrations assume the ops exist. Defining the two op schemas (without
   kernels) lets it import. Detection ops stay unavailable; nothing here
   uses them.
2. ``mmaction_drn``: mmaction2 1.2.0's wheel lacks
   ``mmaction/models/localizers/drn`` (upstream issue #2714), so
   ``import mmaction.models`` fails. A placeholder module supplies ``DRN``,
   which raises a clear error if anyone builds it.
3. ``mmaction_multimodal``: with transformers >= 4.28 installed,
   ``mmaction.models`` imports its VindLU code, which uses a transformers
   function removed in 5.x. We switch that optional code off.
5. ``cpu_launchers``: mmengine's pytorch and slurm launchers call
   ``torch.cuda.set_device`` even without CUDA, and configs default to NCCL,
   so a torchrun/slurm run on CPU machines fails. Without CUDA we skip the
   device call and fall back to the gloo backend.
6. ``cpu_ddp_device_ids``: mmengine's runner passes ``device_ids`` to DDP,
   which torch rejects for a model on the CPU; we drop them there.
7. ``mmcv_lite_warning``: silence mmcv-lite's warning about compiled ops
   that the skeleton models never use.
"""
import contextlib
import functools
import importlib.util
import os
import sys
import types
import warnings
from typing import Callable

_APPLIED = False
# Holds the torch.library handle so that the schemas stay registered.
_TORCHVISION_LIB = None


def _find_spec(name: str):
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


# --------------------------------------------------------------------------
# 1. torchvision ops
# --------------------------------------------------------------------------
def torchvision_ops_needed() -> bool:
    """Whether torchvision's compiled ops fail to load beside this torch."""
    if _find_spec('torchvision') is None:
        return False
    import torch
    try:
        torch.ops.torchvision.nms
        return False
    except (AttributeError, RuntimeError):
        pass
    # Ask torchvision's own loader (no torchvision import needed).
    spec = _find_spec('torchvision')
    so_dir = os.path.dirname(spec.origin)
    libs = [f for f in os.listdir(so_dir) if f.startswith('_C.')]
    if not libs:
        return True
    try:
        torch.ops.load_library(os.path.join(so_dir, libs[0]))
    except (OSError, RuntimeError):
        return True
    return not hasattr(torch.ops.torchvision, 'nms')


def fix_torchvision_ops() -> bool:
    global _TORCHVISION_LIB
    if 'torchvision' in sys.modules or not torchvision_ops_needed():
        return False
    import torch
    lib = torch.library.Library('torchvision', 'DEF')
    lib.define('nms(Tensor dets, Tensor scores, float iou_threshold) '
               '-> Tensor')
    lib.define('qnms(Tensor dets, Tensor scores, float iou_threshold) '
               '-> Tensor')
    _TORCHVISION_LIB = lib
    return True


# --------------------------------------------------------------------------
# 2. mmaction2 1.2.0 wheel without localizers/drn
# --------------------------------------------------------------------------
def mmaction_drn_needed() -> bool:
    """Whether the installed mmaction2 misses its DRN localizer package."""
    spec = _find_spec('mmaction')
    if spec is None:
        return False
    pkg_dir = os.path.dirname(spec.origin)
    return not os.path.isfile(
        os.path.join(pkg_dir, 'models', 'localizers', 'drn', 'drn.py'))


class _MissingDRN:
    """Stands in for mmaction2's DRN, absent from its 1.2.0 wheel."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            'DRN is missing from the installed mmaction2 1.2.0 package '
            '(upstream issue #2714); install mmaction2 from source to use it.')


def fix_mmaction_drn() -> bool:
    if 'mmaction.models' in sys.modules or not mmaction_drn_needed():
        return False
    pkg = types.ModuleType('mmaction.models.localizers.drn')
    pkg.__path__ = []
    mod = types.ModuleType('mmaction.models.localizers.drn.drn')
    mod.DRN = _MissingDRN
    pkg.drn = mod
    pkg.DRN = _MissingDRN
    sys.modules[pkg.__name__] = pkg
    sys.modules[mod.__name__] = mod
    return True


# --------------------------------------------------------------------------
# 3. mmaction2's VindLU code versus transformers 5
# --------------------------------------------------------------------------
def mmaction_multimodal_needed() -> bool:
    """Whether mmaction's multimodal models would break its model import.

    VindLU imports helpers that transformers 5 removed from
    ``transformers.modeling_utils``. The version is read from the package
    metadata: importing ``modeling_utils`` to look would cost ~2 s on every
    ``import mmcl_plugin`` (the test checks that the two agree).
    """
    if _find_spec('transformers') is None:
        return False
    from importlib.metadata import PackageNotFoundError, version
    try:
        major = int(version('transformers').split('.')[0])
    except (PackageNotFoundError, ValueError):
        return True  # unknown build: keep mmaction's import safe
    return major >= 5


def fix_mmaction_multimodal() -> bool:
    if 'mmaction.models' in sys.modules or not mmaction_multimodal_needed():
        return False
    import mmaction.utils.dependency as dependency
    dependency.WITH_MULTIMODAL = False
    return True


# --------------------------------------------------------------------------
# 5. torchrun / slurm launchers on CPU machines
# --------------------------------------------------------------------------
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
def _without_cuda_device_selection():
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

    return wrapper


def fix_cpu_launchers() -> bool:
    if not cpu_launchers_needed():
        return False
    from mmengine.dist import utils as dist_utils
    dist_utils._init_dist_pytorch = _cpu_capable(dist_utils._init_dist_pytorch)
    dist_utils._init_dist_slurm = _cpu_capable(dist_utils._init_dist_slurm)
    return True


# --------------------------------------------------------------------------
# 6. DDP-wrapping a CPU model
# --------------------------------------------------------------------------
def cpu_ddp_device_ids_needed() -> bool:
    """Whether mmengine passes CUDA device_ids to DDP for any model."""
    import inspect

    import torch
    from mmengine.runner import Runner
    source = inspect.getsource(Runner.wrap_model)
    return (not torch.cuda.is_available()
            and "device_ids=[int(os.environ['LOCAL_RANK'])]" in source)


def fix_cpu_ddp_device_ids() -> bool:
    """Drop ``device_ids`` when DDP wraps a model that lives on the CPU.

    torch's DDP rejects device ids for CPU modules; mmengine always passes
    the local rank.
    """
    if not cpu_ddp_device_ids_needed():
        return False
    from mmengine.model import MMDistributedDataParallel
    original_init = MMDistributedDataParallel.__init__

    @functools.wraps(original_init)
    def __init__(self, module, detect_anomalous_params=False, **kwargs):
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        if on_cpu:
            kwargs['device_ids'] = None
        original_init(self, module, detect_anomalous_params, **kwargs)

    MMDistributedDataParallel.__init__ = __init__
    return True


# --------------------------------------------------------------------------
# 7. mmcv-lite's import-time warning
# --------------------------------------------------------------------------
def quiet_mmcv_lite_warning() -> bool:
    """mmcv-lite has no compiled ops; mmcv warns about it on every import.

    The skeleton models never use MultiScaleDeformableAttention.
    """
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    return True


def apply_all() -> dict:
    """Apply every fix that this environment needs, once.

    Returns:
        dict: fix name -> whether it was applied in this call.
    """
    global _APPLIED
    if _APPLIED:
        return {}
    _APPLIED = True
    return {
        'torchvision_ops_schema': fix_torchvision_ops(),
        'mmaction_drn': fix_mmaction_drn(),
        'mmaction_multimodal': fix_mmaction_multimodal(),
        'cpu_launchers': fix_cpu_launchers(),
        'cpu_ddp_device_ids': fix_cpu_ddp_device_ids(),
        'mmcv_lite_warning': quiet_mmcv_lite_warning(),
    }

"""Compatibility fixes for the pinned OpenMMLab stack, applied on import.

Every fix here works around one upstream problem with the versions pinned in
``requirements/`` that must be dealt with before a module is imported.
``import mmcl_plugin`` (which configs reach through ``custom_imports``)
calls :func:`apply` first, before it imports the package's components (and
with them ``mmaction.models``). A fix whose module was imported earlier
sees that it is too late and is recorded as not applied. :func:`applied`
tells which fixes ran.

Each fix has a ``*_needed()`` probe so that ``tests/test_compat.py`` can tell
when upstream has fixed the problem and the workaround can be dropped.

Fixes:

1. ``torchvision_ops_schema`` (before ``torchvision``): PyPI's torchvision
   0.28 cannot load its compiled ops next to the CPU build of torch 2.13
   and then dies on import with "operator torchvision::nms does not exist",
   because its fake-tensor registrations assume the ops exist. Defining
   the two op schemas (without kernels) lets it import. Detection ops stay
   unavailable; nothing here uses them.
2. ``mmaction_drn`` (before ``mmaction.models``): mmaction2 1.2.0's wheel
   lacks ``mmaction/models/localizers/drn`` (upstream issue #2714), so
   ``import mmaction.models`` fails. A placeholder module supplies ``DRN``,
   which raises a clear error if anyone builds it.
3. ``mmaction_multimodal`` (before ``mmaction.models``): with transformers
   >= 4.28 installed, ``mmaction.models`` imports its VindLU code, which
   uses a transformers function removed in 5.x. We switch that optional
   code off.
4. ``mmcv_lite_warning`` (before ``mmcv.cnn.bricks.transformer``): mmcv-lite
   warns on import that it lacks ``MultiScaleDeformableAttention``, which
   the skeleton models never use. The warning filter matches that message
   from that module only.

Not here, because they are not import-time problems: the CPU fix of
mmengine's torchrun/slurm launchers is applied by ``tools/train.py`` and
``tools/test.py`` (:mod:`mmcl_tools.runs.launchers`), and DDP of CPU
models is the ``CPUDistributedDataParallel`` wrapper that CPU configs name
(:mod:`mmcl_plugin.engine.model_wrappers`). Checkpoints are read by the
weights-only loader of :mod:`mmcl_plugin.engine.checkpoint_loading`.

Only the standard library is imported at module level.
"""
import importlib.util
import os
import re
import sys
import types
import warnings
from typing import Dict

#: fix name -> whether it was applied, for the fixes that have run.
_APPLIED: Dict[str, bool] = {}
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
# 4. mmcv-lite's import-time warning
# --------------------------------------------------------------------------
#: The module that warns, and the start of its message.
MMCV_LITE_WARNING_MODULE = 'mmcv.cnn.bricks.transformer'
MMCV_LITE_WARNING = 'Fail to import ``MultiScaleDeformableAttention``'


def mmcv_lite_warning_needed() -> bool:
    """Whether the installed mmcv lacks its compiled ops (mmcv-lite).

    Looks for mmcv's ``_ext`` library beside its package without importing
    mmcv.
    """
    spec = _find_spec('mmcv')
    if spec is None or spec.origin is None:
        return False
    pkg_dir = os.path.dirname(spec.origin)
    return not any(name.startswith('_ext.') for name in os.listdir(pkg_dir))


def quiet_mmcv_lite_warning() -> bool:
    """Ignore mmcv-lite's "Fail to import MultiScaleDeformableAttention".

    The filter matches only that message, as a ``UserWarning`` from
    :data:`MMCV_LITE_WARNING_MODULE`; every other warning, and this one
    from anywhere else, is shown as before.
    """
    if MMCV_LITE_WARNING_MODULE in sys.modules or \
            not mmcv_lite_warning_needed():
        return False
    warnings.filterwarnings(
        'ignore',
        message=re.escape(MMCV_LITE_WARNING),
        category=UserWarning,
        module=re.escape(MMCV_LITE_WARNING_MODULE) + r'\Z')
    return True


# --------------------------------------------------------------------------
# Application
# --------------------------------------------------------------------------
#: (module the fix must come before, fix name, fix), in the order applied.
FIXES = (
    ('torchvision', 'torchvision_ops_schema', fix_torchvision_ops),
    ('mmaction.models', 'mmaction_drn', fix_mmaction_drn),
    ('mmaction.models', 'mmaction_multimodal', fix_mmaction_multimodal),
    (MMCV_LITE_WARNING_MODULE, 'mmcv_lite_warning', quiet_mmcv_lite_warning),
)


def apply() -> Dict[str, bool]:
    """Run every fix not run yet, in the order of :data:`FIXES`.

    Idempotent. Each fix checks that its module is not imported yet and
    that upstream still needs it.

    Returns:
        dict: :func:`applied`.
    """
    for _, name, fix in FIXES:
        if name not in _APPLIED:
            _APPLIED[name] = fix()
    return applied()


def applied() -> Dict[str, bool]:
    """The fixes that have run so far: name -> whether it was needed and
    applied (False: not needed, or its module was imported too early)."""
    return dict(_APPLIED)

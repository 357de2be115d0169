"""Lazy registration of this package's components in the OpenMMLab registries.

Configs say ``custom_imports=dict(imports=['mmcl_plugin'])``. Importing
every component there would import torch, mmengine's runner and
``mmaction.models`` (about 5 s) in every process that touches
``mmcl_plugin``, even one that only needs ``mmcl_plugin.utils``. Instead,
:func:`install` adds this package's modules to the import *locations* of
the registries they register into, as mmaction2 does for its own modules
(``Registry(..., locations=['mmaction.models'])``): the first lookup in
such a registry (``MODELS.build(dict(type='MMCLRecognizer'))``, a
config's ``model_wrapper_cfg``) imports them, and they register as usual.

Locations are added as soon as the registry's module is imported (through
:mod:`mmcl_plugin.import_hooks`), so nothing here imports mmengine or
mmaction. A registry that has already imported its locations (it was
looked up before ``import mmcl_plugin``) gets the module imported at
once. ``tests/test_registration.py`` checks that :data:`LOCATIONS` covers
every ``register_module`` call in the package.

One import cannot wait for a registry lookup: the weights-only checkpoint
loader (:mod:`mmcl_plugin.engine.checkpoint_loading`) must replace
mmengine's before any checkpoint is read, also by code that loads one
without a registry (``load_checkpoint``). :data:`IMPORT_WITH` imports it
as soon as ``mmengine.runner`` (which defines that loader) is imported.
"""
import importlib
from types import ModuleType
from typing import Callable

from .import_hooks import run_after_import

#: (module holding the registry, registry, module of this package whose
#: import registers its components there).
LOCATIONS = (
    ('mmaction.registry', 'MODELS', 'mmcl_plugin.models'),
    ('mmaction.registry', 'DATASETS', 'mmcl_plugin.datasets'),
    ('mmaction.registry', 'TRANSFORMS', 'mmcl_plugin.datasets'),
    # the wrapper registers in mmengine's root registry (the runner looks
    # model wrappers up there); mmaction's child registry finds it through
    # its parent once imported
    ('mmengine.registry', 'MODEL_WRAPPERS', 'mmcl_plugin.engine'),
    ('mmaction.registry', 'MODEL_WRAPPERS', 'mmcl_plugin.engine'),
    ('mmaction.registry', 'HOOKS', 'mmcl_plugin.engine'),
    ('mmaction.registry', 'METRICS', 'mmcl_plugin.evaluation'),
)

#: (upstream module, module of this package to import right after it).
IMPORT_WITH = (
    # after the whole package: mmcl_plugin.engine imports mmengine.hooks
    # and mmengine.model, which must not meet a half-imported runner
    ('mmengine.runner', 'mmcl_plugin.engine.checkpoint_loading'),
)

_INSTALLED = False


def add_location(registry, location: str) -> None:
    """Make ``registry`` import module ``location`` on its first lookup.

    Args:
        registry (mmengine.registry.Registry): The registry.
        location (str): A module whose import registers components in it.
    """
    locations = getattr(registry, '_locations', None)
    if getattr(registry, '_imported', True) or locations is None:
        # it has looked up its locations already (or is not an mmengine
        # registry of this version): register now
        importlib.import_module(location)
    elif location not in locations:
        # a new list: registries made without `locations` share the
        # default argument's list object
        registry._locations = list(locations) + [location]


def _adder(registry_name: str,
           location: str) -> Callable[[ModuleType], None]:

    def hook(module: ModuleType) -> None:
        add_location(getattr(module, registry_name), location)

    return hook


def _importer(location: str) -> Callable[[ModuleType], None]:

    def hook(module: ModuleType) -> None:
        importlib.import_module(location)

    return hook


def install() -> None:
    """Add every entry of :data:`LOCATIONS` once its registry exists, and
    arrange the imports of :data:`IMPORT_WITH`.

    Cheap (no third-party import) and idempotent.
    """
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    for registry_module, registry_name, location in LOCATIONS:
        run_after_import(registry_module, _adder(registry_name, location))
    for upstream, location in IMPORT_WITH:
        run_after_import(upstream, _importer(location))


__all__ = ['IMPORT_WITH', 'LOCATIONS', 'add_location', 'install']

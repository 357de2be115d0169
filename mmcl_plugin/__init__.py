"""MMCL: Multi-Modality Co-Learning for skeleton-based action recognition.

``import mmcl_plugin`` (what configs' ``custom_imports`` do) is light: it
imports no third-party package. It

1. installs the compatibility fixes of :mod:`mmcl_plugin.compat`, each to
   run right before (or after) the import of the module it concerns
   (``torchvision``, ``mmaction.models`` ...), and
2. adds this package's modules to the import locations of the mmaction2 /
   mmengine registries they register into (:mod:`mmcl_plugin.registration`),
   so the first lookup of a registry imports and registers them.

So ``import mmcl_plugin.utils`` stays fast, while a config that imports
``mmcl_plugin`` still builds every MMCL component. Subpackages are imported
when used (``mmcl_plugin.apis`` works after ``import mmcl_plugin``).

Subpackages, each importing only those before it: ``utils`` < ``models`` <
``engine`` < ``text_cache`` < ``datasets`` < ``mllm`` < ``evaluation`` <
``apis`` (``tests/test_layering.py``).
"""
import importlib

from . import compat, registration
from .version import __version__

compat.install()
registration.install()

#: Subpackages, lowest layer first.
SUBPACKAGES = ('utils', 'models', 'engine', 'text_cache', 'datasets', 'mllm',
               'evaluation', 'apis')


def __getattr__(name: str):
    """Import a subpackage on first attribute access."""
    if name in SUBPACKAGES:
        return importlib.import_module(f'{__name__}.{name}')
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


__all__ = ['SUBPACKAGES', '__version__']

"""MMCL: Multi-Modality Co-Learning for skeleton-based action recognition.

``import mmcl_plugin`` (what configs' ``custom_imports`` do) first applies
the compatibility fixes of :mod:`mmcl_plugin.compat`, which must run
before ``torchvision`` and ``mmaction.models`` are imported, then imports
the subpackages whose components register in the mmaction2 / mmengine
registries (``models``, ``datasets``, ``engine``, ``evaluation``), as
mmaction2's own packages do.

Subpackages, each importing only those before it: :data:`SUBPACKAGES`
(``tests/test_layering.py``). Only what a config builds at run time lives
here; the tools' code (converters, offline strips, MLLM extraction,
ensembles, deployment) is :mod:`mmcl_tools`, which this package never
imports.
"""
from . import compat
from .version import __version__

#: Subpackages, lowest layer first.
SUBPACKAGES = ('utils', 'models', 'engine', 'text_cache', 'datasets',
               'evaluation')

compat.apply()

from . import datasets, engine, evaluation, models  # noqa: E402,F401

__all__ = ['SUBPACKAGES', '__version__', 'compat', 'datasets', 'engine',
           'evaluation', 'models']

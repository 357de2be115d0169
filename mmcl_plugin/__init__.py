"""MMCL: Multi-Modality Co-Learning for skeleton-based action recognition.

Importing this package first applies the compatibility fixes of
:mod:`mmcl_plugin.compat` (they must run before ``torchvision`` and
``mmaction.models`` are imported), then registers every MMCL component in
mmaction2's registries.
"""
from . import compat

compat.apply_all()

from . import (apis, datasets, engine, evaluation,  # noqa: E402,F401
               mllm, models, utils)
from .version import __version__  # noqa: E402,F401

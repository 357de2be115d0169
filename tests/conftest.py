"""Shared test set-up: compat fixes first, mmaction2's default scope."""
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
from mmaction.utils import register_all_modules  # noqa: E402

register_all_modules(init_default_scope=True)

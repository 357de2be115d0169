"""Shared test set-up: compat fixes first, mmaction2's default scope, and
``tests/helpers`` (test doubles such as ``tiny_mllms``) importable by
module name."""
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(1, osp.join(REPO_ROOT, 'tests', 'helpers'))

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
from mmaction.utils import register_all_modules  # noqa: E402

register_all_modules(init_default_scope=True)

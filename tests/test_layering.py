"""Packages of mmcl_plugin import only downward.

Order, lowest first: the root modules (``compat``, ``version``) <
``utils`` < ``models`` < ``engine`` < ``text_cache`` < ``datasets`` <
``evaluation`` < the package ``__init__`` (which applies the compat fixes,
then imports the registering subpackages). A module may import its own
subpackage and any lower one, at module level or inside a function; the
root modules import only each other. The tooling package ``mmcl_tools``
sits above all of ``mmcl_plugin``, which never imports it; inside it,
``runs`` < ``converters`` < ``pose`` < ``strips`` < ``mllm`` <
``videos`` < ``demo`` < ``evaluation`` < ``deploy``
(``mmcl_tools.SUBPACKAGES``). Every import is read from the source with
``ast``.
"""
import ast
from typing import List, Optional

import pytest
from package_ast import PACKAGE, iter_modules

import mmcl_plugin
import mmcl_tools

#: Subpackages, lowest first (the package's own list).
LAYERS = mmcl_plugin.SUBPACKAGES
#: Top-level modules below every subpackage.
ROOT_MODULES = ('compat', 'version')

#: (importing module, imported module) pairs tolerated for now. Each entry
#: needs a comment saying why and who removes it.
ALLOWED = frozenset()


def layer_of(module: str) -> Optional[int]:
    """-1 for the root modules, the index in LAYERS for a subpackage's
    module, None outside the package."""
    parts = module.split('.')
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1:
        return len(LAYERS)  # the package __init__: above every subpackage
    if parts[1] in ROOT_MODULES:
        return -1
    if parts[1] not in LAYERS:
        raise ValueError(f'{module}: {parts[1]} is in no layer; add it to '
                         'mmcl_plugin.SUBPACKAGES (or ROOT_MODULES)')
    return LAYERS.index(parts[1])


def imported_modules(module: str, is_package: bool, tree: ast.AST):
    """(line, imported module) of every import in ``tree``; ``from X import
    y`` counts as importing ``X.y`` when X is the package itself."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split('.')
                if not is_package:
                    base = base[:-1]
                base = base[:len(base) - node.level + 1]
                target = '.'.join(base + ([node.module]
                                          if node.module else []))
            else:
                target = node.module
            if target == PACKAGE:
                for alias in node.names:
                    yield node.lineno, f'{PACKAGE}.{alias.name}'
            else:
                yield node.lineno, target


def violations(module: str, path: str, tree: ast.AST) -> List[str]:
    """The upward or sideways imports of one module, as messages."""
    own = layer_of(module)
    is_package = path.endswith('__init__.py')
    found = []
    for line, target in imported_modules(module, is_package, tree):
        theirs = layer_of(target)
        if theirs is None or (module, target) in ALLOWED:
            continue
        same_package = theirs == own and (
            own == -1 or target.split('.')[1] == module.split('.')[1])
        if theirs > own or (theirs == own and not same_package):
            found.append(f'{path}:{line}: {module} imports {target} '
                         f'(layer {theirs} > {own})')
    return found


def test_packages_import_only_downward():
    problems = []
    for module, path, tree in iter_modules():
        problems += violations(module, path, tree)
    assert not problems, 'imports against the layering:\n' + \
        '\n'.join(problems)


def path_of(module: str, package: bool = False) -> str:
    return module.replace('.', '/') + ('/__init__.py' if package else '.py')


@pytest.mark.parametrize('module,package,source', [
    ('mmcl_plugin.datasets.transforms.loading', False,
     'from mmcl_plugin.evaluation.score_dump_metric import DumpScores'),
    ('mmcl_plugin.datasets.transforms.loading', False,
     'def f():\n    from ...evaluation import metrics'),
    ('mmcl_plugin.utils.atomic_io', False, 'import mmcl_plugin.models.heads'),
    ('mmcl_plugin.text_cache', True, 'from ..datasets import transforms'),
    ('mmcl_plugin.compat', False, 'from mmcl_plugin import utils'),
    ('mmcl_plugin.version', False, 'from mmcl_plugin import models'),
])
def test_upward_imports_are_reported(module, package, source):
    path = path_of(module, package)
    problems = violations(module, path, ast.parse(source))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f'{path}:') and \
        f'{module} imports mmcl_plugin.' in problems[0]


@pytest.mark.parametrize('module,package,source', [
    ('mmcl_plugin.evaluation.score_dump_metric', False,
     'from mmcl_plugin.datasets.transforms.frame_strip import X'),
    ('mmcl_plugin.datasets.mmcl_pose_dataset', False,
     'from ..text_cache import cache_format'),
    ('mmcl_plugin.datasets.transforms.loading', False,
     'from .formatting import x'),
    ('mmcl_plugin.models', True, 'from . import backbones'),
    ('mmcl_plugin.compat', False, 'from .version import __version__'),
    ('mmcl_plugin', True, 'from . import compat, datasets, models'),
    ('mmcl_plugin.evaluation.score_dump_metric', False,
     'from .score_dumps import save_score_dump'),
])
def test_downward_and_same_package_imports_pass(module, package, source):
    assert violations(module, path_of(module, package),
                      ast.parse(source)) == []


TOOL_LAYERS = mmcl_tools.SUBPACKAGES


def tool_violations(module: str, path: str, tree: ast.AST) -> List[str]:
    """mmcl_tools modules importing a later tooling subpackage."""
    parts = module.split('.')
    own = TOOL_LAYERS.index(parts[1]) if len(parts) > 1 else len(TOOL_LAYERS)
    found = []
    for line, target in imported_modules(module,
                                         path.endswith('__init__.py'), tree):
        tparts = target.split('.')
        if tparts[0] != 'mmcl_tools' or len(tparts) < 2:
            continue
        if TOOL_LAYERS.index(tparts[1]) > own:
            found.append(f'{path}:{line}: {module} imports {target}')
    return found


def test_the_runtime_never_imports_the_tooling():
    problems = [
        f'{path}:{line}: {module} imports {target}'
        for module, path, tree in iter_modules()
        for line, target in imported_modules(module, path.endswith(
            '__init__.py'), tree) if target.split('.')[0] == 'mmcl_tools'
    ]
    assert not problems, '\n'.join(problems)


def test_tooling_subpackages_import_only_downward():
    problems = []
    for module, path, tree in iter_modules(package='mmcl_tools'):
        problems += tool_violations(module, path, tree)
    assert not problems, '\n'.join(problems)


def test_upward_tooling_imports_are_reported():
    source = ast.parse('from mmcl_tools.deploy import x\n'
                       'from mmcl_tools.strips import y\n'
                       'from mmcl_plugin.models import z\n')
    problems = tool_violations('mmcl_tools.mllm.extraction',
                               'mmcl_tools/mllm/extraction.py', source)
    assert len(problems) == 1 and 'mmcl_tools.deploy' in problems[0]

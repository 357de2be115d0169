"""The modules of ``mmcl_plugin`` (and ``mmcl_tools``) as parsed source,
for static checks (tests/test_layering.py, tests/test_registration.py)."""
import ast
import os
import os.path as osp
from typing import Iterator, Tuple

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PACKAGE = 'mmcl_plugin'


def module_name(path: str, root: str = REPO) -> str:
    """``mmcl_plugin/a/b.py`` -> ``mmcl_plugin.a.b`` (``__init__`` -> the
    package)."""
    rel = osp.splitext(osp.relpath(path, root))[0].split(os.sep)
    if rel[-1] == '__init__':
        rel = rel[:-1]
    return '.'.join(rel)


def iter_modules(root: str = REPO,
                 package: str = PACKAGE) -> Iterator[Tuple[str, str,
                                                       ast.Module]]:
    """(module name, path, syntax tree) of every ``.py`` file of the
    package, in a stable order."""
    for folder, dirs, files in os.walk(osp.join(root, package)):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for file in sorted(files):
            if file.endswith('.py'):
                path = osp.join(folder, file)
                with open(path, encoding='utf-8') as f:
                    tree = ast.parse(f.read(), filename=path)
                yield module_name(path, root), path, tree

"""``import mmcl_plugin`` (a config's ``custom_imports``) registers every
component in the registry that configs build it from."""
import ast
import json
import sys
from typing import List, Tuple

from fresh_python import run_python
from package_ast import iter_modules


def registered_components() -> List[Tuple[str, str, str, str]]:
    """(defining module, registry module, registry name, class name) of
    every ``@REGISTRY.register_module()`` class in the package."""
    found = []
    for module, _, tree in iter_modules():
        registries = {}  # local name -> (module, name) of imported registry
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.endswith('.registry'):
                for alias in node.names:
                    registries[alias.asname or alias.name] = (node.module,
                                                              alias.name)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for deco in node.decorator_list:
                call = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(call, ast.Attribute) and \
                        call.attr == 'register_module' and \
                        isinstance(call.value, ast.Name):
                    reg_module, reg_name = registries[call.value.id]
                    found.append((module, reg_module, reg_name, node.name))
    return found


def test_the_scan_sees_the_components():
    names = {c[3] for c in registered_components()}
    assert {'MMCLRecognizer', 'CTRGCN', 'FAMHead', 'FRMHead',
            'MMCLPoseDataset', 'BuildFrameStrip', 'LoadTextFeatureFromCache',
            'CPUDistributedDataParallel'} <= names


CHECK = r'''
import importlib, json, sys
import mmcl_plugin
components = json.loads(sys.argv[1])
missing = []
for module, reg_module, reg_name, cls in components:
    registry = getattr(importlib.import_module(reg_module), reg_name)
    found = registry.get(cls)
    if found is None or found.__module__ != module:
        missing.append(f'{reg_module}.{reg_name}: {cls} -> {found}')
print(json.dumps(dict(missing=missing, fixes=mmcl_plugin.compat.applied(),
                      tooling=sorted(m for m in sys.modules if m.startswith(
                          ('mmcl_tools.mllm', 'mmcl_tools.deploy'))))))
'''


def test_import_registers_every_component():
    components = registered_components()
    result = run_python(CHECK, json.dumps(components))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out['missing'] == []
    # the compat fixes ran before mmaction.models was imported
    assert out['fixes']['mmaction_drn'] is True
    assert out['tooling'] == []

"""Lazy registration: ``import mmcl_plugin`` stays light, and every
component is still found by the registries that configs build from."""
import ast
import json
import sys
from typing import List, Tuple

import pytest
from fresh_python import run_python
from mmengine.registry import Registry
from package_ast import iter_modules

from mmcl_plugin import registration


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


def test_every_registering_module_lies_under_a_location_of_its_registry():
    locations = {}
    for reg_module, reg_name, location in registration.LOCATIONS:
        locations.setdefault((reg_module, reg_name), []).append(location)
    for module, reg_module, reg_name, cls in registered_components():
        covering = [loc for loc in locations.get((reg_module, reg_name), ())
                    if module == loc or module.startswith(loc + '.')]
        assert covering, (f'{module} registers {cls} in {reg_module}.'
                          f'{reg_name}, which no registration.LOCATIONS '
                          'entry covers')


CHECK = r'''
import importlib, json, sys
import mmcl_plugin.utils
heavy = [m for m in ('torch', 'torchvision', 'mmengine', 'mmaction', 'mmcv')
         if m in sys.modules]
import mmcl_plugin
# the weights-only checkpoint loader comes with mmengine.runner, before any
# registry lookup
from mmengine.runner.checkpoint import CheckpointLoader
loader = CheckpointLoader._get_checkpoint_loader('/any/epoch_1.pth')
checkpoint_loader = f'{loader.__module__}.{loader.__name__}'
components = json.loads(sys.argv[1])
missing = []
for module, reg_module, reg_name, cls in components:
    registry = getattr(importlib.import_module(reg_module), reg_name)
    found = registry.get(cls)
    if found is None or found.__module__ != module:
        missing.append(f'{reg_module}.{reg_name}: {cls} -> {found}')
from mmengine.registry import HOOKS
print(json.dumps(dict(heavy=heavy, missing=missing,
                      checkpoint_loader=checkpoint_loader,
                      hooks_locations=HOOKS._locations)))
'''


def test_import_is_light_and_every_component_is_found_by_its_registry():
    components = registered_components()
    result = run_python(CHECK, json.dumps(components))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out['heavy'] == [], 'import mmcl_plugin.utils imported ' + \
        ', '.join(out['heavy'])
    assert out['missing'] == []
    assert out['checkpoint_loader'] == \
        'mmcl_plugin.engine.checkpoint_loading.load_from_local'
    # registries made without locations share one default list: untouched
    assert out['hooks_locations'] == []


@pytest.fixture
def component_module(tmp_path, monkeypatch):
    """A module ``lazy_component`` that registers ``Lazy`` in the registry
    it is given through ``lazy_registry.REGISTRY``."""
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / 'lazy_registry.py').write_text('REGISTRY = None\n')
    (tmp_path / 'lazy_component.py').write_text(
        'from lazy_registry import REGISTRY\n\n\n'
        '@REGISTRY.register_module()\nclass Lazy:\n    pass\n')
    import lazy_registry
    yield lazy_registry
    for name in ('lazy_registry', 'lazy_component'):
        sys.modules.pop(name, None)


def test_add_location_defers_the_import_to_the_first_lookup(component_module):
    registry = Registry('lazy_test')
    other = Registry('other_without_locations')
    component_module.REGISTRY = registry
    registration.add_location(registry, 'lazy_component')
    registration.add_location(registry, 'lazy_component')
    assert 'lazy_component' not in sys.modules
    assert registry._locations == ['lazy_component']
    assert other._locations == []
    assert registry.get('Lazy').__module__ == 'lazy_component'


def test_add_location_imports_at_once_after_the_first_lookup(
        component_module):
    registry = Registry('lazy_test_looked_up')
    component_module.REGISTRY = registry
    assert registry.get('Lazy') is None  # imports its (empty) locations
    registration.add_location(registry, 'lazy_component')
    assert 'lazy_component' in sys.modules
    assert registry.get('Lazy').__module__ == 'lazy_component'

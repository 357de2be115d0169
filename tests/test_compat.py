"""Each compat fix: the upstream problem still exists, and the fix works.

A failing ``*_still_needed`` test means upstream fixed the problem for the
pinned versions: drop that fix from ``mmcl_plugin/compat.py``. The fixes run
at ``import mmcl_plugin`` (``compat.apply``), before the package imports
``mmaction.models``; the last tests check that.
"""
import json

import pytest
import torch
from fresh_python import run_python

from mmcl_plugin import compat


def test_torchvision_ops_fix_still_needed():
    result = run_python('import torchvision')
    assert result.returncode != 0, 'upstream fixed torchvision: drop fix 1'
    assert 'torchvision::nms does not exist' in result.stderr


def test_torchvision_imports_with_fix():
    import torchvision
    from torchvision.transforms import functional
    image = torch.zeros(3, 8, 8)
    assert functional.hflip(image).shape == (3, 8, 8)
    assert torchvision.__version__.startswith('0.28')


def test_mmaction_drn_fix_still_needed():
    assert compat.mmaction_drn_needed(), 'upstream ships drn: drop fix 2'
    result = run_python('import sys; sys.modules["torchvision"] = None\n'
                        'import mmaction.models')
    assert 'mmaction.models.localizers.drn' in result.stderr


def test_mmaction_models_import_and_drn_placeholder_is_explicit():
    from mmaction.models.localizers import DRN
    with pytest.raises(ImportError, match='2714'):
        DRN()


def test_mmaction_multimodal_fix_needed_only_with_transformers_5():
    try:
        import transformers
    except ImportError:
        assert not compat.mmaction_multimodal_needed()
        return
    major = int(transformers.__version__.split('.')[0])
    assert compat.mmaction_multimodal_needed() == (major >= 5)
    # the version rule agrees with what VindLU actually imports
    try:
        from transformers.modeling_utils import (  # noqa: F401
            apply_chunking_to_forward, find_pruneable_heads_and_indices,
            prune_linear_layer)
        vindlu_imports_work = True
    except ImportError:
        vindlu_imports_work = False
    assert compat.mmaction_multimodal_needed() == (not vindlu_imports_work)


def test_mmcv_lite_warning_fix_still_needed():
    assert compat.mmcv_lite_warning_needed(), 'full mmcv installed: drop 4'
    result = run_python('import mmcv.cnn.bricks.transformer')
    assert result.returncode == 0, result.stderr
    assert compat.MMCV_LITE_WARNING in result.stderr


def test_import_applies_every_fix_before_the_modules_it_fixes():
    result = run_python(
        'import json, sys, warnings\n'
        'import mmcl_plugin\n'
        'from mmcl_plugin import compat\n'
        'print(json.dumps(["mmaction.models" in sys.modules,\n'
        '                  compat.applied()]))\n'
        # the mmcv-lite filter is scoped: the message from elsewhere shows
        'warnings.warn_explicit(compat.MMCV_LITE_WARNING + " (elsewhere)",\n'
        '                       UserWarning, "elsewhere.py", 1,\n'
        '                       module="elsewhere")\n')
    assert result.returncode == 0, result.stderr
    imported, fixes = json.loads(result.stdout.strip().splitlines()[-1])
    assert imported  # the components registered, mmaction.models with them
    assert fixes == {
        'torchvision_ops_schema': True,
        'mmaction_drn': True,
        'mmaction_multimodal': compat.mmaction_multimodal_needed(),
        'mmcv_lite_warning': True
    }
    # mmaction.models imported mmcv's transformer bricks without the warning
    assert 'Fail to import ``MultiScaleDeformableAttention`` from' \
        not in result.stderr
    assert 'elsewhere.py:1: UserWarning: Fail to import' in result.stderr


def test_a_fix_whose_module_came_first_is_recorded_as_too_late():
    result = run_python(
        'import json, sys\n'
        'sys.modules["torchvision"] = None  # imported (and failed) before\n'
        'import mmcl_plugin\n'
        'from mmcl_plugin import compat\n'
        'print(json.dumps(compat.applied()))\n')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['torchvision_ops_schema'] is False

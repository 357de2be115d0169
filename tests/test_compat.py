"""Each compat fix: the upstream problem still exists, and the fix works.

A failing ``*_still_needed`` test means upstream fixed the problem for the
pinned versions: drop that fix from ``mmcl_plugin/compat.py``.
"""
import os
import subprocess
import sys

import pytest
import torch

from mmcl_plugin import compat


def run_python(code: str, env=None) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter that has no compat fixes."""
    return subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=300,
                          env=env)


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


def _dist_env():
    env = dict(os.environ, RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',
               MASTER_ADDR='127.0.0.1', MASTER_PORT='29631')
    env.pop('CUDA_VISIBLE_DEVICES', None)
    return env


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only problem')
def test_cpu_launcher_fix_still_needed():
    result = run_python(
        'from mmengine.dist import init_dist\ninit_dist("pytorch")',
        env=_dist_env())
    assert result.returncode != 0, 'mmengine launches on CPU: drop fix 5'


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only problem')
def test_cpu_launcher_and_ddp_wrapping_work_with_fix():
    result = run_python(
        'import mmcl_plugin, torch\n'
        'import torch.distributed as dist\n'
        'from mmengine.dist import init_dist\n'
        'from mmengine.model import MMDistributedDataParallel\n'
        'init_dist("pytorch", backend="nccl")\n'
        'print("backend", dist.get_backend())\n'
        'm = MMDistributedDataParallel(module=torch.nn.Linear(2, 2),\n'
        '                              device_ids=[0])\n'
        'print("ddp", m.device_ids)\n',
        env=_dist_env())
    assert result.returncode == 0, result.stderr
    assert 'backend gloo' in result.stdout
    assert 'ddp None' in result.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only problem')
def test_cpu_ddp_device_ids_fix_still_needed():
    assert compat.cpu_ddp_device_ids_needed(), \
        'mmengine no longer passes device_ids on CPU: drop fix 6'

"""The CPU fix of mmengine's torchrun / slurm launchers (tools/train.py
and tools/test.py apply it; ``import mmcl_plugin`` does not)."""
import os

import pytest
import torch
from fresh_python import free_port, run_python


def run_rank0(code: str):
    """``code`` as rank 0 of a one-process torchrun-style job."""
    env = dict(os.environ, RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',
               MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()))
    env.pop('CUDA_VISIBLE_DEVICES', None)
    return run_python(code, env=env)


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only problem')
def test_cpu_launcher_fix_still_needed():
    # import mmcl_plugin does not patch the launchers any more
    result = run_rank0(
        'import mmcl_plugin\n'
        'from mmengine.dist import init_dist\ninit_dist("pytorch")')
    assert result.returncode != 0, 'mmengine launches on CPU: drop the fix'


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only problem')
def test_fixed_launcher_falls_back_to_gloo_without_cuda():
    result = run_rank0(
        'import torch.distributed as dist\n'
        'from mmengine.dist import init_dist\n'
        'from mmcl_tools.runs import (cpu_launchers_needed,\n'
        '                                fix_cpu_launchers)\n'
        'assert cpu_launchers_needed()\n'
        'print("first", fix_cpu_launchers(), "again", fix_cpu_launchers())\n'
        'init_dist("pytorch", backend="nccl")\n'
        'print("backend", dist.get_backend(), dist.get_world_size())\n')
    assert result.returncode == 0, result.stderr
    assert 'first True again False' in result.stdout
    assert 'backend gloo 1' in result.stdout
    assert 'using the gloo backend instead of nccl' in result.stderr

"""CPUDistributedDataParallel: the runner's DDP path for models on the CPU.

One fresh single-rank gloo process group (a subprocess, so that this
process stays undistributed) wraps models through mmengine's own
``Runner.wrap_model``, with and without the wrapper in the config.
"""
import json
import os

import pytest
import torch
from fresh_python import free_port, run_python

from mmcl_plugin.engine import (CPUDistributedDataParallel,
                                cpu_ddp_device_ids_needed)


SCRIPT = r'''
import json, logging, sys
from types import SimpleNamespace
import torch
import torch.distributed as dist
import mmcl_plugin  # registers the wrapper
from mmengine.config import Config
from mmengine.runner import Runner

dist.init_process_group('gloo', init_method=sys.argv[1], rank=0,
                        world_size=1)
runner = SimpleNamespace(distributed=True, cfg=Config(dict()),
                         logger=logging.getLogger('wrap'))
out = {}
try:  # what the runner does without model_wrapper_cfg
    Runner.wrap_model(runner, None, torch.nn.Linear(3, 2))
    out['default'] = 'wrapped'
except ValueError as error:
    out['default'] = str(error)
torch.manual_seed(0)
model = torch.nn.Linear(3, 2)
plain = torch.nn.Linear(3, 2)
plain.load_state_dict(model.state_dict())
wrapped = Runner.wrap_model(
    runner, dict(type='CPUDistributedDataParallel', broadcast_buffers=False),
    model)
x = torch.arange(6.).reshape(2, 3)
wrapped(x).square().sum().backward()
plain(x).square().sum().backward()
out.update(
    type=type(wrapped).__name__,
    device_ids=wrapped.device_ids,
    broadcast_buffers=wrapped.broadcast_buffers,
    grad_equal=torch.allclose(wrapped.module.weight.grad, plain.weight.grad),
    engine_imported='mmcl_plugin.engine' in sys.modules)
print(json.dumps(out))
'''


@pytest.fixture(scope='module')
def wrapped():
    env = dict(os.environ, LOCAL_RANK='0')
    env.pop('CUDA_VISIBLE_DEVICES', None)
    result = run_python(SCRIPT, f'tcp://127.0.0.1:{free_port()}', env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only problem')
def test_cpu_ddp_device_ids_fix_still_needed(wrapped):
    assert cpu_ddp_device_ids_needed(), \
        'mmengine no longer passes device_ids on CPU: drop the wrapper'
    assert 'device_ids and output_device arguments only work' in \
        wrapped['default']


def test_runner_wraps_a_cpu_model_with_the_configured_wrapper(wrapped):
    assert wrapped['type'] == 'CPUDistributedDataParallel'
    assert wrapped['device_ids'] is None
    assert wrapped['broadcast_buffers'] is False
    # the gradients are DDP's (all-reduced over one rank: unchanged)
    assert wrapped['grad_equal'] is True
    # registered by `import mmcl_plugin` alone
    assert wrapped['engine_imported'] is True


def test_wrapper_is_registered_in_mmengine_root_registry():
    from mmaction.registry import MODEL_WRAPPERS as MMACTION_WRAPPERS
    from mmengine.model import MMDistributedDataParallel
    from mmengine.registry import MODEL_WRAPPERS
    assert MODEL_WRAPPERS.get('CPUDistributedDataParallel') is \
        CPUDistributedDataParallel
    assert MMACTION_WRAPPERS.get('CPUDistributedDataParallel') is \
        CPUDistributedDataParallel
    assert issubclass(CPUDistributedDataParallel, MMDistributedDataParallel)

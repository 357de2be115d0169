"""``tools/dist_train.sh CONFIG 2`` on CPUs: two gloo processes train one
epoch of the demo (32 clips: 2 iterations of 8 clips per rank; the demo
config with a narrower CTR-GCN)."""
import os.path as osp
import sys

import pytest
from demo_runs import NARROW_DEMO_CONFIG, REPO, demo_workspace, scalars
from fresh_python import free_port
from tool_runs import run_tool

pytestmark = pytest.mark.slow


def test_two_process_gloo_training(tmp_path):
    workspace = demo_workspace(tmp_path, num_train=32, num_val=8)
    work_dir = osp.join(workspace, 'work_dirs', 'ddp')
    result = run_tool(['bash', osp.join(REPO, 'tools', 'dist_train.sh'),
                       NARROW_DEMO_CONFIG, '2', '--work-dir', work_dir,
                       '--cfg-options', 'train_cfg.max_epochs=1',
                       'default_hooks.logger.interval=1'],
                      workspace, PYTHON=sys.executable,
                      PORT=str(free_port()), OMP_NUM_THREADS='1')
    text = result.stdout + result.stderr
    assert 'Distributed training: True' in text or \
        'distributed: True' in text, text[-3000:]
    assert osp.exists(osp.join(work_dir, 'epoch_1.pth'))
    train = [e for e in scalars(work_dir) if 'loss' in e]
    # 32 samples, batch 8 per rank, 2 ranks: 2 iterations
    assert max(e['iter'] for e in train) == 2

"""projects/frozen_fam end to end: the strip features are extracted once
(``tools/extract_strip_features.py``, resumable), then MMCL trains on them
(16 training clips, one epoch)."""
import os.path as osp
import sys
from pathlib import Path

import numpy as np
import pytest
from demo_runs import REPO, demo_workspace, scalars
from tool_runs import run_tool

pytestmark = pytest.mark.slow

CONFIG = osp.join(REPO, 'projects', 'frozen_fam', 'configs',
                  'mmcl-ctrgcn-frozenfam_1xb8-joint-u32-8e_demo-keypoint-'
                  '3d.py')


def test_frozen_fam_trains_from_cached_strip_features(tmp_path):
    workspace = demo_workspace(tmp_path, num_train=16, num_val=4)
    cache = Path(workspace) / 'data' / 'demo' / 'strip_features'
    extract = [sys.executable,
               osp.join(REPO, 'tools', 'extract_strip_features.py'), CONFIG,
               '--out-dir', str(cache), '--num-workers', '0',
               '--batch-size', '8']
    result = run_tool(extract, workspace)
    assert '16 written, 0 failed' in result.stdout
    features = sorted(cache.glob('*.npy'))
    assert len(features) == 16
    assert np.load(features[0]).shape == (128, )  # encoder_channels
    # resumable: a second run finds everything done
    result = run_tool(extract, workspace)
    assert '16 already done' in result.stdout

    work_dir = osp.join(workspace, 'work_dirs', 'frozen')
    run_tool([sys.executable, osp.join(REPO, 'tools', 'train.py'), CONFIG,
              '--work-dir', work_dir, '--no-validate', '--cfg-options',
              'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1'],
             workspace)
    train = [e for e in scalars(work_dir) if 'loss' in e]
    assert len(train) == 2  # 16 clips, batch 8
    assert 'loss_align' in train[-1] and 'loss_refine' in train[-1]

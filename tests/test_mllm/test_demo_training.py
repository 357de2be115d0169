"""The FRM trains on cached text features with the demo config: the cache
of the demo generator, and a cache made by tools/extract_text_features.py
with a tiny LLaVA from the demo's strips."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mllm_helpers import DEMO_TRAIN, REPO

from mmcl_plugin.text_cache.cache_reader import TextFeatureCache

# trainings of the demo config (a minute in all on 2 CPU cores)
pytestmark = pytest.mark.slow

CONFIG = osp.join(
    REPO, 'projects', 'mllm_text_cache', 'configs',
    'mmcl-ctrgcn-textcache_1xb8-joint-u32-8e_demo-keypoint-3d.py')
TOOL = osp.join(REPO, 'tools', 'extract_text_features.py')


def load_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location('extract_text_features',
                                                  TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_briefly(work_dir, epochs, cache_dir=None, fam=True):
    """A few epochs (one iteration each on the 8 training samples) of the
    demo cache config, in this process; returns the runner.

    Args:
        work_dir: The work dir.
        epochs (int): Epochs.
        cache_dir (str, optional): Another text-feature cache.
        fam (bool): Keep FAM (False: skeleton + FRM only, faster).
    """
    cfg = Config.fromfile(CONFIG)
    if not fam:
        cfg.model.fam_head = None
        pipeline = cfg.train_dataloader.dataset.pipeline
        cfg.train_dataloader.dataset.pipeline = [
            step for step in pipeline if step['type'] != 'BuildFrameStrip'
        ]
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = epochs
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0)]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = None
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    if cache_dir is not None:
        cfg.train_dataloader.dataset.text_feature_cache = cache_dir
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def check_training(runner, cache_dir, iterations):
    """loss_refine was logged, the FRM changed, and its inputs were the
    cached features."""
    history = runner.message_hub.get_scalar('train/loss_refine')
    assert len(history.data[0]) == iterations
    assert np.isfinite(history.data[0]).all()
    frm = runner.model.frm_head
    assert not torch.equal(frm.class_matrices.detach(),
                           torch.ones_like(frm.class_matrices))
    cache = TextFeatureCache(cache_dir)
    batch = next(iter(runner.train_dataloader))
    for sample in batch['data_samples']:
        np.testing.assert_array_equal(
            sample.text_feature.numpy(),
            cache.tokens(sample.metainfo['frame_dir']).astype(
                np.float32)[None])


def test_frm_trains_on_the_demo_cache(demo_workspace, tmp_path, monkeypatch):
    monkeypatch.chdir(demo_workspace)
    runner = train_briefly(tmp_path / 'work', epochs=2)
    check_training(runner, 'data/demo/text_cache/', iterations=2)


def test_frm_trains_on_a_cache_of_the_extraction_tool(demo_workspace,
                                                      tiny_model, tmp_path,
                                                      monkeypatch):
    monkeypatch.chdir(demo_workspace)
    cache_dir = str(tmp_path / 'llava_cache')
    tool = load_tool()
    argv = [
        CONFIG, '--model',
        tiny_model('llava'), '--out-dir', cache_dir, '--max-new-tokens', '4',
        '--batch-size', '4', '--shard-size', '4', '--num-workers', '0',
        '--no-progress'
    ]
    assert tool.main(argv) == 0
    cache = TextFeatureCache(cache_dir)
    assert len(cache) == DEMO_TRAIN and cache.meta.hidden_size == 32
    runner = train_briefly(tmp_path / 'work', 1, cache_dir, fam=False)
    check_training(runner, cache_dir, iterations=1)

"""The domain-adaptive fine-tuning configs of configs/transfer/."""
import logging
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NTU120 = osp.join(REPO, 'configs', 'ctrgcn',
                  'ctrgcn_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py')
CONFIGS = {
    'utdmhad': (27, 'data/skeleton/utd_mhad_ntu25.pkl'),
    'sysu': (12, 'data/skeleton/sysu_ntu25.pkl'),
}


def load(name):
    return Config.fromfile(
        osp.join(REPO, 'configs', 'transfer',
                 f'ctrgcn_1xb16-joint-u64-30e-ft_{name}-xsub-keypoint-3d.py'))


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_fine_tune_config(name):
    num_classes, ann_file = CONFIGS[name]
    cfg, ntu = load(name), Config.fromfile(NTU120)
    assert cfg.model.cls_head.num_classes == num_classes
    assert cfg.model.backbone == ntu.model.backbone
    assert not cfg.model.get('fam_head') and not cfg.model.get('frm_head')
    for loader, split in (('train_dataloader', 'train'),
                          ('val_dataloader', 'val'),
                          ('test_dataloader', 'val')):
        dataset = cfg[loader].dataset
        assert (dataset.ann_file, dataset.split) == (ann_file, split)
    # the NTU model's test pipeline, so the backbone sees the same input
    assert cfg.test_dataloader.dataset.pipeline == \
        ntu.test_dataloader.dataset.pipeline
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.train_cfg.max_epochs == 30
    assert max(s['end'] for s in cfg.param_scheduler) == 30
    assert cfg.optim_wrapper.optimizer.lr == 0.01
    assert cfg.load_from.endswith('.pth')


def test_ntu_checkpoint_starts_the_fine_tuning(tmp_path, caplog):
    torch.manual_seed(0)
    ntu_model = MODELS.build(Config.fromfile(NTU120).model)
    ntu_model.init_weights()
    path = str(tmp_path / 'ntu120.pth')
    torch.save(dict(state_dict=ntu_model.state_dict()), path)
    model = MODELS.build(load('utdmhad').model)
    head = model.cls_head.fc.weight.detach().clone()
    logger = logging.getLogger('test_transfer_configs')
    with caplog.at_level(logging.WARNING):
        load_checkpoint(model, path, map_location='cpu', strict=False,
                        logger=logger)
    # everything but the 120-class classifier comes from NTU
    for key, value in ntu_model.backbone.state_dict().items():
        torch.testing.assert_close(model.backbone.state_dict()[key], value)
    torch.testing.assert_close(model.cls_head.fc.weight, head)
    assert model.cls_head.fc.weight.shape == (27, 256)
    assert 'cls_head.fc.weight' in caplog.text

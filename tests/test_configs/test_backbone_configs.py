"""The CTRS-GCN and HD-GCN MMCL configs train: one optimiser step of the
config's model (FAM, FRM, backbone) with the config's optimiser on a tiny
synthetic batch, gradients reaching the backbone's own parameters."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper


REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: config -> backbone parameters that must get a gradient (adjacencies of
#: the first and last unit; HD-GCN: its graph, EdgeConv and AHA).
CONFIGS = {
    'ctrsgcn/mmcl-ctrsgcn_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py':
    ('backbone.units.0.gcn.A', 'backbone.units.9.gcn.A'),
    'hdgcn/mmcl-hdgcn_1xb64-bone-u64-90e-com1_ntu120-xsub-keypoint-3d.py':
    ('backbone.units.0.gcn.A', 'backbone.units.9.gcn.A',
     'backbone.units.9.gcn.edge.conv.weight',
     'backbone.units.9.gcn.attention.aggregate.weight'),
}


def batch(num_classes, generator):
    """Two samples: (1 clip, 2 persons, 8 frames, 25 joints, 3) skeletons,
    small uint8 strips, one prompt of 3 text tokens."""
    samples, inputs = [], []
    for i in range(2):
        sample = ActionDataSample().set_gt_label(i % num_classes)
        sample.set_metainfo(dict(frame_dir=f's{i}'))
        sample.set_field(
            torch.randint(0, 256, (3, 32, 160), generator=generator,
                          dtype=torch.uint8), 'frame_strip')
        sample.set_field(torch.randn(1, 3, 768, generator=generator),
                         'text_feature')
        samples.append(sample)
        inputs.append(torch.randn(1, 2, 8, 25, 3, generator=generator))
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('rel', sorted(CONFIGS))
def test_mmcl_config_trains_a_step(rel):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', rel))
    cfg.model.fam_head.image_encoder.init_cfg = None  # no download
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert type(model.backbone).__name__ == cfg.model.backbone.type
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    params = dict(model.named_parameters())
    # not frm_head.weight_fc: with the class vectors M_k initialised to 1,
    # S_R = S_M * (w @ M) does not depend on w at the first step, its exact
    # gradient is zero (checked below and in test_frm_head.py)
    watched = CONFIGS[rel] + ('backbone.data_bn.weight', 'cls_head.fc.weight',
                              'fam_head.align_mlp.0.weight',
                              'frm_head.class_matrices')
    before = {name: params[name].detach().clone() for name in watched}
    grads = {}
    for name in watched:  # train_step zeroes the gradients after the step
        params[name].register_hook(
            lambda grad, name=name: grads.setdefault(name, grad.clone()))
    weight_fc = []  # frm_head.weight_fc's gradient at each step
    params['frm_head.weight_fc.weight'].register_hook(
        lambda grad: weight_fc.append(grad.clone()))
    model.train()
    log_vars = model.train_step(
        batch(model.cls_head.num_classes, torch.Generator().manual_seed(0)),
        optim_wrapper)
    assert {'loss_cls', 'loss_align', 'loss_refine'} <= set(log_vars)
    assert all(np.isfinite(float(v)) for v in log_vars.values())
    for name in watched:
        assert torch.isfinite(grads[name]).all(), name
        assert grads[name].abs().max() > 0, f'{name} got no gradient'
        assert not torch.equal(params[name].detach(), before[name]), name

    # once the class vectors have moved apart (here by hand, as training
    # moves them), the text weights matter: Phi's last layer gets a
    # gradient far above the first step's rounding
    with torch.no_grad():
        params['frm_head.class_matrices'].uniform_(
            0.5, 1.5, generator=torch.Generator().manual_seed(2))
    model.train_step(
        batch(model.cls_head.num_classes, torch.Generator().manual_seed(1)),
        optim_wrapper)
    first, second = (float(g.abs().max()) for g in weight_fc)
    assert second > 100 * first and second > 0, \
        f'frm_head.weight_fc: gradient {second:.3g} after the class ' \
        f'vectors moved, {first:.3g} (rounding) at the first step'

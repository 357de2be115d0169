"""Presets of the MMCL release (``configs/ctrgcn/``).

FAM as released: Inception-v3 logits of the strip resized to a shorter
side of 299, ``M_align`` 1000 -> 256 -> 256. Real ImageNet weights cannot
be downloaded here, so random weights are saved in the official format
(a torchvision state dict, as ``inception_v3_google-0cc3c7bd.pth``) and
loaded through the config's own ``init_cfg``; the encoder must then give
the logits of torchvision's ``inception_v3(pretrained=True)`` path of the
release (ImageNet normalisation + ``transform_input``).
"""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmcl_plugin.models.data_preprocessors.mmcl_data_preprocessor import (
    resize_short_side, short_side_size)


REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INCEPTION_PRESET = osp.join(
    REPO_ROOT, 'configs', 'ctrgcn',
    'mmcl-ctrgcn_inceptionv3_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py')
RELEASE_PRESET = osp.join(
    REPO_ROOT, 'configs', 'ctrgcn',
    'mmcl-ctrgcn_inceptionv3-tokenids_2xb100-joint-u64-110e_ntu120-xsub-'
    'keypoint-3d.py')
TORCHVISION_URL = ('https://download.pytorch.org/models/'
                   'inception_v3_google-0cc3c7bd.pth')
#: Shorter strip side for the CPU tests (Inception-v3 takes >= 75): the
#: preset's 299 x 1495 strips cost ~16x more; the 299 itself is checked.
SMALL = 80
IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def release_inception(seed: int = 0):
    """torchvision's Inception-v3 as ``inception_v3(pretrained=True)``
    builds it (aux classifier, ``transform_input``), random weights with
    BN statistics of a random batch (so eval-mode logits are of a sane
    scale)."""
    from torchvision.models import inception_v3
    torch.manual_seed(seed)
    model = inception_v3(
        weights=None, aux_logits=True, transform_input=True,
        init_weights=True)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None  # running stats = this batch's
    model.train()
    aux, model.AuxLogits = model.AuxLogits, None  # needs >= 139 pixels
    with torch.no_grad():
        model(torch.randn(2, 3, SMALL, SMALL))
    model.AuxLogits = aux
    return model.eval()


@pytest.fixture(scope='module')
def official_checkpoint(tmp_path_factory):
    """(torchvision model, path of its state dict)."""
    model = release_inception()
    path = str(tmp_path_factory.mktemp('inception') / 'inception_v3.pth')
    torch.save(model.state_dict(), path)
    return model, path


def preset_model_cfg(checkpoint, preset=INCEPTION_PRESET):
    """The preset's config and model config, with ``checkpoint`` instead of
    the download and strips resized to :data:`SMALL` instead of 299."""
    cfg = Config.fromfile(preset)
    model_cfg = copy.deepcopy(cfg.model)
    init_cfg = model_cfg.fam_head.image_encoder.init_cfg
    assert init_cfg.checkpoint == TORCHVISION_URL
    init_cfg.checkpoint = checkpoint
    assert model_cfg.data_preprocessor.strip_short_side == 299
    model_cfg.data_preprocessor.strip_short_side = SMALL
    return cfg, model_cfg


def test_short_side_resize_rule():
    assert short_side_size(224, 1120, 299) == (299, 1495)
    assert short_side_size(100, 40, 299) == (747, 299)
    assert short_side_size(299, 299, 299) == (299, 299)
    images = torch.rand(1, 3, 299, 600)
    assert resize_short_side(images, 299) is images


@pytest.mark.numerics
def test_strip_resize_matches_the_release_transform():
    """The preprocessor's resize of a strip is torchvision's
    ``Resize(299)`` of the release on the PIL image (which rounds to
    uint8: up to half a grey level, more at the borders)."""
    from PIL import Image
    from torchvision import transforms
    cfg = Config.fromfile(INCEPTION_PRESET)
    pre_cfg = dict(cfg.model.data_preprocessor, strip_mean=[0, 0, 0],
                   strip_std=[1, 1, 1])
    pre = MODELS.build(pre_cfg)
    rng = np.random.default_rng(0)
    # a smooth strip (nearby pixels alike, as in photographs)
    coarse = rng.integers(0, 256, (9, 45, 3)).astype(np.uint8)
    strip = np.asarray(
        Image.fromarray(coarse).resize((320, 64), Image.BILINEAR))
    ours = pre.prepare_strips(
        torch.from_numpy(strip.copy()).permute(2, 0, 1)[None])[0]
    release = transforms.Resize(299)(Image.fromarray(strip))
    release = torch.from_numpy(np.asarray(release)).permute(2, 0, 1).float()
    assert ours.shape == release.shape == (3, 299, 1495)
    inner = (slice(None), slice(3, -3), slice(3, -3))
    diff = (ours - release).abs()
    assert diff[inner].max() <= 1.001
    assert diff.mean() < 0.6


@pytest.mark.numerics
def test_inception_preset_loads_torchvision_weights_as_released(
        official_checkpoint):
    tv_model, checkpoint = official_checkpoint
    cfg, model_cfg = preset_model_cfg(checkpoint)
    fam_cfg = dict(model_cfg.fam_head, feat_channels=256)
    fam = MODELS.build(fam_cfg)
    fam.init_weights()
    fam.eval()
    # M_align = Linear(1000, 256) -> ReLU -> Linear(256, 256)
    shapes = [tuple(m.weight.shape) for m in fam.align_mlp
              if hasattr(m, 'weight')]
    assert shapes == [(256, 1000), (256, 256)]
    assert isinstance(fam.align_mlp[1], torch.nn.ReLU)

    pre = MODELS.build(model_cfg.data_preprocessor)
    g = torch.Generator().manual_seed(1)
    strips = torch.randint(0, 256, (2, 3, 32, 160), generator=g,
                           dtype=torch.uint8)
    with torch.no_grad():
        ours = fam.encode_strips(pre.prepare_strips(strips))
        # the release: Resize(299), ToTensor, ImageNet Normalize, then
        # torchvision's model (transform_input) -> .logits
        resized = resize_short_side(strips.float(), SMALL) / 255
        release = tv_model((resized - IMAGENET_MEAN) / IMAGENET_STD)
    assert ours.shape == (2, 1000)
    assert release.std() > 1e-2  # not degenerate
    # float32 noise of two implementations, relative to the logit scale
    scale = float(release.abs().max())
    torch.testing.assert_close(ours, release, rtol=0, atol=1e-5 * scale)


def training_batch(strip_hw, text_features, seed=0):
    """(data samples, skeleton inputs) of ``len(text_features)`` samples:
    random uint8 strips of ``strip_hw``, labels 0, 1, ..., the given
    text features, (1, 2, 8, 25, 3) skeletons."""
    g = torch.Generator().manual_seed(seed)
    samples, inputs = [], []
    for i, text in enumerate(text_features):
        sample = ActionDataSample().set_gt_label(i)
        sample.set_metainfo(dict(frame_dir=f's{i}'))
        sample.set_field(
            torch.randint(0, 256, (3, *strip_hw), generator=g,
                          dtype=torch.uint8), 'frame_strip')
        sample.set_field(text, 'text_feature')
        samples.append(sample)
        inputs.append(torch.randn(1, 2, 8, 25, 3, generator=g))
    return samples, inputs


def test_inception_preset_trains_a_step(official_checkpoint):
    _, checkpoint = official_checkpoint
    cfg, model_cfg = preset_model_cfg(checkpoint)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    # one learning rate for every parameter: the encoder is fine-tuned
    # with the rest
    assert len({group['lr'] for group in
                optim_wrapper.optimizer.param_groups}) == 1
    g = torch.Generator().manual_seed(0)
    samples, inputs = training_batch(
        (32, 160), [torch.randn(1, 3, 768, generator=g) for _ in range(2)])
    encoder = model.fam_head.image_encoder
    conv = encoder.Conv2d_1a_3x3.conv.weight
    before = conv.detach().clone()
    model.train()
    seen = {}
    encoder.register_forward_hook(
        lambda module, args, out: seen.update(shape=args[0].shape,
                                              logits=out[-1].shape))
    log_vars = model.train_step(
        dict(inputs=inputs, data_samples=samples), optim_wrapper)
    assert seen == dict(shape=(2, 3, SMALL, 5 * SMALL), logits=(2, 1000))
    assert {'loss_cls', 'loss_align', 'loss_refine'} <= set(log_vars)
    assert all(np.isfinite(float(v)) for v in log_vars.values())
    assert not torch.equal(conv.detach(), before)


def test_inception_preset_deploys_as_the_plain_baseline():
    from mmcl_tools.deploy import inference_model_config
    cfg = Config.fromfile(INCEPTION_PRESET)
    deployed = inference_model_config(cfg.model)
    assert deployed['data_preprocessor'] == dict(
        type='ActionDataPreprocessor')
    model = MODELS.build(deployed)
    assert type(model).__name__ == 'RecognizerGCN'


def test_release_preset_trains_a_step(official_checkpoint):
    """The MMCL release's NTU120 X-Sub preset: Inception-v3 FAM, FRM on
    the (1, 1, 3) token ids ``LoadTextFeatureFromCache(feature=
    'token_ids')`` gives per sample, 120 classes; one SGD step on two
    samples changes the FRM and the encoder."""
    _, checkpoint = official_checkpoint
    cfg, model_cfg = preset_model_cfg(checkpoint, RELEASE_PRESET)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert optim_wrapper.optimizer.defaults['nesterov'] is True
    # a square strip, as the release layout's canvas
    samples, inputs = training_batch(
        (48, 48), [torch.tensor([[[101., 2748. + i, 102.]]])
                   for i in range(2)])
    frm_before = model.frm_head.unify[0].weight.detach().clone()
    conv = model.fam_head.image_encoder.Conv2d_1a_3x3.conv.weight
    conv_before = conv.detach().clone()
    seen = {}
    model.fam_head.image_encoder.register_forward_hook(
        lambda module, args, out: seen.update(shape=args[0].shape))
    model.train()
    log_vars = model.train_step(
        dict(inputs=inputs, data_samples=samples), optim_wrapper)
    assert seen == dict(shape=(2, 3, SMALL, SMALL))
    assert {'loss_cls', 'loss_align', 'loss_refine'} <= set(log_vars)
    assert all(np.isfinite(float(v)) for v in log_vars.values())
    assert model.frm_head.class_matrices.shape == (2, 120)
    assert not torch.equal(model.frm_head.unify[0].weight.detach(),
                           frm_before)
    assert not torch.equal(conv.detach(), conv_before)

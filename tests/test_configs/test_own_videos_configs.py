"""configs/own_videos/: the 2-D STGCN++ baseline for one's own videos
(mmaction2's config, inherited) and its MMCL extension load, build and
train a step on a tiny own-videos pickle (COCO-17, two persons, person
boxes) after a user edits only the variables at their top; fine-tuning
from a checkpoint of another class count re-initialises the classifier."""
import os
import os.path as osp
import re
import shutil

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.runner.checkpoint import load_checkpoint

from mmcl_plugin.datasets.transforms.frame_strip import (fit_in_tile,
                                                         read_strip_image,
                                                         strip_frame_indices)
from mmcl_tools.strips import StripSettings, make_strips, make_tasks
from mllm_helpers import write_synthetic_cache
from own_videos import NUM_FRAMES, draw_frame, make_own_videos, person_boxes

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FOLDER = osp.join(REPO_ROOT, 'configs', 'own_videos')
BASELINE = 'stgcnpp_8xb16-joint-u100-80e_own-videos-keypoint-2d.py'
MMCL = 'mmcl-' + BASELINE
MMACTION_BASE = ('mmaction::skeleton/stgcnpp/stgcnpp_8xb16-joint-u100-80e_'
                 'ntu60-xsub-keypoint-2d.py')
TEXT_WIDTH = 8
CLASSES = ('wave', 'clap', 'sit')

pytestmark = pytest.mark.usefixtures('single_thread')


def edited_configs(tmp_path, prepared, num_classes, text_width):
    """Copies of the two configs (and the MMCL fragment they inherit)
    with only their top variables edited, as docs/own_videos.md says."""
    folder = tmp_path / 'configs' / 'own_videos'
    folder.mkdir(parents=True)
    (tmp_path / 'configs' / '_base_').mkdir()
    shutil.copy(osp.join(REPO_ROOT, 'configs', '_base_', 'mmcl.py'),
                tmp_path / 'configs' / '_base_' / 'mmcl.py')
    edits = {
        BASELINE: [(r"^prepared = .*$", f"prepared = '{prepared}/'"),
                   (r'^num_classes = .*$', f'num_classes = {num_classes}')],
        MMCL: [(r"^mllm = .*$", "mllm = 'tiny-mllm'"),
               (r'^text_channels = .*$', f'text_channels = {text_width}')],
    }
    for name, subs in edits.items():
        with open(osp.join(FOLDER, name), encoding='utf-8') as f:
            text = f.read()
        for pattern, value in subs:
            text, count = re.subn(pattern, value, text, flags=re.M)
            assert count == 1, (name, pattern)
        (folder / name).write_text(text)
    return str(folder / BASELINE), str(folder / MMCL)


@pytest.fixture(scope='module')
def prepared(tmp_path_factory):
    """What prepare_dataset.py makes: skeletons.pkl, strips/ (cropped to
    the person boxes), text_features/ (a cache of the config's MLLM)."""
    root = tmp_path_factory.mktemp('own_videos')
    video_dir, ann_file, annotations = make_own_videos(
        str(root), CLASSES, per_class=2)
    work = root / 'prepared'
    work.mkdir()
    shutil.move(ann_file, work / 'skeletons.pkl')
    settings = StripSettings(strip=dict(keypoint_key='keypoint',
                                        io_backend='opencv'))
    tasks = make_tasks(annotations, video_dir, str(work / 'strips'),
                       '{filename}', settings.ext, 'keypoint',
                       settings.box_key)
    os.makedirs(work / 'strips')
    report = make_strips(tasks, settings, workers=0)
    assert not report.failures and report.written == len(annotations)
    write_synthetic_cache(str(work / 'text_features'),
                          [a['frame_dir'] for a in annotations],
                          width=TEXT_WIDTH, model='tiny-mllm')
    return work


def test_configs_inherit_mmaction2_and_the_mmcl_fragment():
    base = Config.fromfile(osp.join(FOLDER, BASELINE))
    with open(osp.join(FOLDER, BASELINE), encoding='utf-8') as f:
        assert MMACTION_BASE in f.read()
    assert base.model.type == 'RecognizerGCN'
    assert base.model.backbone.graph_cfg.layout == 'coco'
    assert base.load_from is None
    # this plugin's run safety on top of mmaction2's runtime
    assert base.runner_type == 'SafeRunner'
    assert base.default_hooks.checkpoint.type == 'SafeCheckpointHook'
    assert base.default_hooks.checkpoint.interval == 1  # mmaction2's
    assert {'dataset_check', 'finite_loss', 'graceful_stop'} <= set(
        base.default_hooks)
    for phase in ('train', 'val', 'test'):
        dataset = base[f'{phase}_dataloader'].dataset
        dataset = dataset.get('dataset', dataset)
        assert dataset.ann_file == 'data/own_videos/prepared/skeletons.pkl'
        assert dataset.num_classes == base.model.cls_head.num_classes
    mmcl = Config.fromfile(osp.join(FOLDER, MMCL))
    assert mmcl.model.type == 'MMCLRecognizer'
    assert mmcl.model.backbone == base.model.backbone
    assert mmcl.model.cls_head == base.model.cls_head
    train = mmcl.train_dataloader.dataset.dataset
    assert train.strip_root == 'data/own_videos/prepared/strips/'
    assert train.text_feature_cache == \
        'data/own_videos/prepared/text_features/'
    # testing stays skeleton-only: the baseline's loaders
    assert mmcl.val_dataloader == base.val_dataloader
    assert mmcl.test_dataloader == base.test_dataloader


def train_one_step(cfg, generator_seed=0):
    if 'fam_head' in cfg.model:
        cfg.model.fam_head.image_encoder.init_cfg = None  # no download
    torch.manual_seed(generator_seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[0], dataset[1]])
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = model.backbone.data_bn.weight.detach().clone()
    model.train()
    log_vars = model.train_step(batch, optim_wrapper)
    assert all(np.isfinite(float(v.detach())) for v in log_vars.values())
    assert not torch.equal(model.backbone.data_bn.weight, before)
    model.eval()
    val = DATASETS.build(cfg.val_dataloader.dataset)
    outputs = model.val_step(pseudo_collate([val[0]]))
    assert outputs[0].pred_score.shape == (len(CLASSES), )
    return model, batch, log_vars


@pytest.mark.slow
def test_both_configs_train_a_step_on_own_videos(tmp_path, prepared):
    baseline_file, mmcl_file = edited_configs(tmp_path, prepared,
                                              len(CLASSES), TEXT_WIDTH)
    baseline = Config.fromfile(baseline_file)
    _, batch, log_vars = train_one_step(baseline)
    assert set(log_vars) >= {'loss_cls'} and 'loss_align' not in log_vars
    # (1 clip, 2 persons, 100 frames, 17 COCO joints, x y score)
    assert batch['inputs'][0].shape == (1, 2, 100, 17, 3)

    mmcl = Config.fromfile(mmcl_file)
    model, batch, log_vars = train_one_step(mmcl)
    assert {'loss_cls', 'loss_align', 'loss_refine'} <= set(log_vars)
    strip = batch['data_samples'][0].frame_strip
    assert tuple(strip.shape) == (3, 224, 1120)
    text = batch['data_samples'][0].text_feature
    assert text.shape[0] == 1 and text.shape[-1] == TEXT_WIDTH
    assert model.cls_head.num_classes == len(CLASSES)


def test_online_strips_from_the_videos(tmp_path, prepared):
    """The README's alternative: strips built from the videos at every
    step (following the sampled clip), cropped to the person boxes."""
    _, mmcl_file = edited_configs(tmp_path, prepared, len(CLASSES),
                                  TEXT_WIDTH)
    cfg = Config.fromfile(mmcl_file)
    train = cfg.train_dataloader.dataset.dataset
    train.update(strip_root=None, video_root=str(prepared.parent / 'videos'),
                 video_from_filename=True)
    train.mmcl_steps[0].update(io_backend='opencv')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    strip = dataset[0]['data_samples'].frame_strip
    assert tuple(strip.shape) == (3, 224, 1120)
    shown = strip.permute(1, 2, 0).numpy().reshape(-1, 3).astype(int)
    shown = shown[shown.max(-1) > 20]  # not the padding
    red = (shown[:, 0] > 150) & (shown[:, 1] < 100)
    blue = (shown[:, 2] > 150) & (shown[:, 1] < 100)
    assert red.mean() > 0.15 and blue.mean() > 0.15


def test_strips_of_the_own_videos_are_cropped_to_the_boxes(prepared):
    """The strips prepared from the pickle show the union of the person
    boxes over the strip frames (plus the 0.1 margin), not whole frames."""
    strip = read_strip_image(str(prepared / 'strips' / 'wave__wave_0.jpg'))
    assert strip.shape == (224, 1120, 3)
    frames = strip_frame_indices(5, 0, NUM_FRAMES - 1)
    boxes = person_boxes()
    x0, y0 = boxes[:, frames, 0].min(), boxes[:, frames, 1].min()
    x1, y1 = boxes[:, frames, 2].max(), boxes[:, frames, 3].max()
    pad_x, pad_y = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
    crop = (int(np.floor(x0 - pad_x)), int(np.floor(y0 - pad_y)),
            int(np.ceil(x1 + pad_x)), int(np.ceil(y1 + pad_y)))
    assert crop == (2, 5, 77, 61)
    for i, t in enumerate(frames):
        tile = strip[:, i * 224:(i + 1) * 224].astype(float)
        frame = draw_frame(boxes[:, t])
        cropped = fit_in_tile(frame[crop[1]:crop[3], crop[0]:crop[2]], 224,
                              224)
        whole = fit_in_tile(frame, 224, 224)
        # MJPG and JPEG: a few grey levels on average
        assert np.abs(tile - cropped).mean() < 8
        assert np.abs(tile - whole).mean() > 25


@pytest.mark.slow
def test_finetuning_reinitialises_a_classifier_of_another_size(tmp_path):
    """mmengine's load_from (strict=False): the backbone's weights load;
    the NTU head's (60 classes) do not fit and are left as initialised,
    with a size-mismatch warning."""
    cfg = Config.fromfile(osp.join(FOLDER, BASELINE))
    ntu_cfg = cfg.model.copy()
    ntu_cfg.cls_head = dict(cfg.model.cls_head, num_classes=60)
    torch.manual_seed(1)
    ntu = MODELS.build(ntu_cfg)
    path = str(tmp_path / 'ntu.pth')
    torch.save(dict(state_dict=ntu.state_dict(), meta=dict()), path)

    torch.manual_seed(2)
    own = MODELS.build(cfg.model)
    head_before = own.cls_head.fc.weight.detach().clone()
    load_checkpoint(own, path, map_location='cpu', strict=False)
    for name, value in own.backbone.state_dict().items():
        assert torch.equal(value, ntu.backbone.state_dict()[name]), name
    assert own.cls_head.fc.weight.shape == (2, 256)
    assert torch.equal(own.cls_head.fc.weight, head_before)

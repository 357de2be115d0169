"""The config family under ``configs/``.

Every ``.py`` there must parse, follow the naming convention (or be a listed
entry alias)::

    [mmcl-]<backbone>_<gpus>xb<batch>-<modality>-u<clip>-<epochs>e[-<tag>]_
    <benchmark>-keypoint-3d.py

and *be* what its name says: backbone, class count, splits, annotation
file, skeleton stream of all three pipelines, clip length, batch size,
epochs, MMCL (FAM + FRM + strip / text loading) or baseline (neither). MMCL
configs and their baselines, and the CTR-GCN and STGCN++ variants of a
config, must differ only where intended; the CTRS-GCN and HD-GCN configs
(joint and bone streams) likewise differ from CTR-GCN's only in the model
(and, for HD-GCN, its own schedule, checked against the official lr
formula). ``ctrgcn_official_`` configs
(``configs/official/``) must hold the official CTR-GCN recipe of their
benchmark (data path, graph, initialisation, optimiser, lr per epoch as
the official ``main.py`` sets it, batch, repeat, one test clip). Models
are built for a representative subset only (building all ~120 takes too
long); the other configs are checked as dicts.

The layout (``configs/_base_`` blocks, see configs/README.md) is checked
too: every config resolves to the dict stored in ``resolved_configs.json.gz``
(made by ``config_snapshot.py`` before the move to ``_base_`` blocks; the
``configs/official/*_official_*`` entries before their own move) except
the differences listed in ``MEANT_TO_CHANGE``; no config is more than
three files of this repository deep; FAM and FRM are defined in one file;
every baseline inherits its MMCL config. Every config's lr, simulated per
iteration as mmengine schedules it, drops at the epochs it documents.
"""
import ast
import copy
import fnmatch
import functools
import glob
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS, TRANSFORMS
from config_snapshot import (ABSENT, canonical, config_files, describe,
                             differences, load_snapshot)
from mmengine.config import Config

from mmcl_plugin.engine import iteration_lrs

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')
#: Configs under configs/ (not the _base_ blocks), relative to it.
ALL_CONFIGS = [
    rel[len('configs/'):] for rel in config_files()
    if rel.startswith('configs/')
]

#: Entry aliases: file → the config it must be identical to.
ALIASES = {
    'mmcl_ctrgcn_ntu60.py':
    'mmcl/mmcl-ctrgcn_4xb16-joint-u64-65e_ntu60-xsub-keypoint-3d.py',
    'mmcl_stgcnpp_ntu60.py':
    'mmcl/mmcl-stgcnpp_4xb16-joint-u64-65e_ntu60-xsub-keypoint-3d.py',
}
#: Reference for the shared NTU schedule and data-loading settings.
REFERENCE = ALIASES['mmcl_ctrgcn_ntu60.py']
#: Reference for HD-GCN's schedule.
HDGCN_REFERENCE = \
    'mmcl/mmcl-hdgcn_4xb16-joint-u64-90e-com1_ntu60-xsub-keypoint-3d.py'

NAME_RE = re.compile(
    r'^(?P<mmcl>mmcl-)?(?P<backbone>ctrgcn|ctrsgcn|hdgcn|stgcnpp)'
    r'(?P<official>_official)?'
    r'_(?P<gpus>\d+)xb'
    r'(?P<batch>\d+)-(?P<modality>joint|bone|joint-motion|bone-motion)'
    r'-u(?P<clip>\d+)-(?P<epochs>\d+)e(?P<tag>(-[a-z0-9]+)*)'
    r'_(?P<bench>[a-z0-9]+(-[a-z]+)?)'
    r'-keypoint-3d\.py$')

NTU60_TEXT = 'data/mmcl_text_features/ntu60_blip_vqa/'
NTU120_TEXT = 'data/mmcl_text_features/ntu120_blip_vqa/'
BENCHMARKS = {
    'ntu60-xsub':
    dict(
        num_classes=60,
        splits=('xsub_train', 'xsub_val'),
        ann_file='data/skeleton/ntu60_3d.pkl',
        text_feature_root=NTU60_TEXT),
    'ntu60-xview':
    dict(
        num_classes=60,
        splits=('xview_train', 'xview_val'),
        ann_file='data/skeleton/ntu60_3d.pkl',
        text_feature_root=NTU60_TEXT),
    'ntu120-xsub':
    dict(
        num_classes=120,
        splits=('xsub_train', 'xsub_val'),
        ann_file='data/skeleton/ntu120_3d.pkl',
        text_feature_root=NTU120_TEXT),
    'ntu120-xset':
    dict(
        num_classes=120,
        splits=('xset_train', 'xset_val'),
        ann_file='data/skeleton/ntu120_3d.pkl',
        text_feature_root=NTU120_TEXT),
    'nwucla-xview':
    dict(
        num_classes=10,
        splits=('train', 'val'),
        ann_file='data/skeleton/nwucla.pkl',
        text_feature_root='data/mmcl_text_features/nwucla_blip_vqa/'),
    'utdmhad-xsub':
    dict(
        num_classes=27,
        splits=('train', 'val'),
        ann_file='data/skeleton/utd_mhad_ntu25.pkl',
        text_feature_root=None),
    'sysu-xsub':
    dict(
        num_classes=12,
        splits=('train', 'val'),
        ann_file='data/skeleton/sysu_ntu25.pkl',
        text_feature_root=None),
    'demo':
    dict(
        num_classes=4,
        splits=('train', 'val'),
        ann_file='data/demo/demo_ntu25.pkl',
        text_feature_root='data/demo/text_features/'),
}
NTU_BENCHMARKS = [b for b in BENCHMARKS if b.startswith('ntu')]
FEATS = {
    'joint': ['j'],
    'bone': ['b'],
    'joint-motion': ['jm'],
    'bone-motion': ['bm'],
}
BACKBONES = {
    'ctrgcn': dict(type='CTRGCN'),
    'ctrsgcn': dict(type='CTRSGCN', num_joints=25),
    'hdgcn': dict(type='HDGCN'),
    'stgcnpp':
    dict(
        type='STGCN',
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn'),
}
#: The mmaction2-style NTU families (configs/mmcl/, configs/baseline/):
#: backbone -> (streams, the name's '<epochs>e[-<tag>]' part). CTRS-GCN
#: takes CTR-GCN's schedule, HD-GCN its own (90 epochs) with CoM 1.
NTU_FAMILIES = {
    'ctrgcn': (('joint', 'bone', 'joint-motion', 'bone-motion'), '65e'),
    'stgcnpp': (('joint', 'bone', 'joint-motion', 'bone-motion'), '65e'),
    'ctrsgcn': (('joint', 'bone'), '65e'),
    'hdgcn': (('joint', 'bone'), '90e-com1'),
}
#: Training-only steps of the MMCL pipeline (frame strip, text features).
AUX_STEPS = ('BuildFrameStrip', 'LoadTextFeature', 'PackMMCLInputs')
#: The text-feature loaders: from ``text_feature_root`` files or from a
#: text-feature cache (``text_feature_cache``).
TEXT_STEPS = ('LoadTextFeature', 'LoadTextFeatureFromCache')
#: The sampler steps that set a config's clip length.
CLIP_STEPS = ('UniformSampleFrames', 'ValidCropResize',
              'OfficialNWUCLASampleFrames')
#: Graph layouts of the official recipe, per benchmark family.
OFFICIAL_LAYOUTS = {'ntu': 'ctrgcn_ntu', 'nwucla': 'ctrgcn_nwucla'}
#: The official CTR-GCN recipes (config/*/default.yaml): weight decay,
#: global batch, lr steps, repeat of the training set.
OFFICIAL_RECIPES = {
    'ntu': dict(weight_decay=0.0004, batch=64, steps=[35, 55], repeat=1),
    'nwucla': dict(weight_decay=0.0001, batch=16, steps=[50], repeat=5),
}
#: Which kind of config each folder may hold (None: either).
FOLDER_KIND = {'mmcl': 'mmcl', 'demo': 'mmcl', 'baseline': 'baseline'}
SCHEDULE_KEYS = ('param_scheduler', 'optim_wrapper', 'train_cfg',
                 'auto_scale_lr')

MMCL_CONFIGS = [c for c in ALL_CONFIGS if c.startswith('mmcl/')]
#: Official-recipe configs (configs/official/ also holds the MMCL
#: release's presets, which are not).
OFFICIAL_CONFIGS = [c for c in ALL_CONFIGS if '_official_' in c]
#: The MMCL release's NTU120 X-Sub recipe (its baseline drops the prefix).
RELEASE_PRESET = ('mmcl-ctrgcn_official_2xb100-joint-u64-110e_ntu120-xsub-'
                  'keypoint-3d.py')
OFFICIAL_MMCL_CONFIGS = [
    c for c in OFFICIAL_CONFIGS if c.startswith('official/mmcl-')
]
BASELINE_CONFIGS = [c for c in ALL_CONFIGS if c.startswith('baseline/')]
NWUCLA_MMCL_CONFIGS = [
    c for c in ALL_CONFIGS if c.startswith('nwucla/mmcl-')]
STGCNPP_CONFIGS = [
    c for c in MMCL_CONFIGS + BASELINE_CONFIGS if 'stgcnpp_' in c
]
CTRSGCN_CONFIGS = [
    c for c in MMCL_CONFIGS + BASELINE_CONFIGS if 'ctrsgcn_' in c
]
HDGCN_CONFIGS = [c for c in MMCL_CONFIGS + BASELINE_CONFIGS if 'hdgcn_' in c]
#: Built as models (with their pipelines' transforms): each backbone x
#: {MMCL, baseline}, every modality and benchmark at least once, plus the
#: demo and NW-UCLA configs.
BUILD_SUBSET = [
    'mmcl/mmcl-ctrgcn_4xb16-joint-u64-65e_ntu60-xsub-keypoint-3d.py',
    'mmcl/mmcl-stgcnpp_4xb16-bone-motion-u64-65e_ntu120-xset-keypoint-3d.py',
    'baseline/ctrgcn_4xb16-joint-motion-u64-65e_ntu120-xsub-keypoint-3d.py',
    'baseline/stgcnpp_4xb16-bone-u64-65e_ntu60-xview-keypoint-3d.py',
    'demo/mmcl-ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py',
    'nwucla/ctrgcn_1xb16-joint-u52-65e_nwucla-xview-keypoint-3d.py',
    'nwucla/mmcl-ctrgcn_1xb16-bone-motion-u52-65e_nwucla-xview-keypoint-3d.py',
    'mmcl/mmcl-ctrsgcn_4xb16-bone-u64-65e_ntu120-xsub-keypoint-3d.py',
    'baseline/hdgcn_4xb16-joint-u64-90e-com1_ntu60-xview-keypoint-3d.py',
    'official/mmcl-ctrgcn_official_1xb64-bone-u64-65e_ntu120-xset-keypoint-3d'
    '.py',
    'official/ctrgcn_official_1xb16-joint-motion-u52-65e_nwucla-xview-'
    'keypoint-3d.py',
]


@functools.lru_cache(maxsize=None)
def load(rel):
    """Parsed config as a plain dict (cached: parents are parsed often)."""
    return Config.fromfile(osp.join(CONFIG_ROOT, rel)).to_dict()


def spec_of(rel):
    """What the file name promises (aliases: their target's name)."""
    rel = ALIASES.get(rel, rel)
    match = NAME_RE.match(osp.basename(rel))
    assert match, f'{rel} does not follow the naming convention'
    spec = match.groupdict()
    spec['kind'] = 'mmcl' if spec.pop('mmcl') else 'baseline'
    spec['official'] = bool(spec['official'])
    assert spec['bench'] in BENCHMARKS, f'unknown benchmark in {rel}'
    for key in ('gpus', 'batch', 'clip', 'epochs'):
        spec[key] = int(spec[key])
    return spec


def dataset_of(loader):
    """The pose dataset inside (possibly wrapped by RepeatDataset)."""
    dataset = loader['dataset']
    while dataset['type'] == 'RepeatDataset':
        dataset = dataset['dataset']
    return dataset


def types_of(pipeline):
    return [step['type'] for step in pipeline]


def only_step(pipeline, suffix):
    steps = [s for s in pipeline if s['type'].endswith(suffix)]
    assert len(steps) == 1, f'expected one *{suffix} step: {pipeline}'
    return steps[0]


def without(cfg, *paths):
    """Copy of a config dict without the dotted key paths."""
    cfg = copy.deepcopy(cfg)
    for path in paths:
        *parents, leaf = path.split('.')
        node = cfg
        for key in parents:
            node = node[key]
        node.pop(leaf, None)
    return cfg


def test_config_family_is_complete():
    expected = {
        f'{prefix}{bb}_4xb16-{mod}-u64-{epochs}_{bench}-keypoint-3d.py'
        for prefix in ('', 'mmcl-')
        for bb, (streams, epochs) in NTU_FAMILIES.items() for mod in streams
        for bench in NTU_BENCHMARKS
    }
    found = {osp.basename(c) for c in MMCL_CONFIGS + BASELINE_CONFIGS}
    assert found == expected
    assert {c.split('/')[0] for c in MMCL_CONFIGS + BASELINE_CONFIGS} == {
        'mmcl', 'baseline'
    }
    assert set(ALIASES) <= set(ALL_CONFIGS)


@pytest.mark.parametrize('rel', ALL_CONFIGS)
def test_config_matches_its_name(rel):
    cfg = load(rel)
    if rel in ALIASES:
        assert cfg == load(ALIASES[rel]), f'{rel} differs from its target'
    spec = spec_of(rel)
    bench = BENCHMARKS[spec['bench']]
    folder = rel.split('/')[0]
    if folder in FOLDER_KIND:
        assert spec['kind'] == FOLDER_KIND[folder], rel

    # Model: backbone, classes, auxiliary heads.
    model = cfg['model']
    assert model['type'] == 'MMCLRecognizer'
    for key, value in BACKBONES[spec['backbone']].items():
        assert model['backbone'][key] == value, (key, model['backbone'])
    if spec['official']:
        assert folder == 'official', rel
        assert model['backbone']['graph_cfg']['layout'] == OFFICIAL_LAYOUTS[
            family_of(spec)]
    elif spec['backbone'] == 'ctrsgcn':  # no graph: learnt adjacencies
        assert 'graph_cfg' not in model['backbone']
    elif spec['bench'] != 'nwucla-xview':
        assert model['backbone']['graph_cfg']['layout'] == 'nturgb+d'
    if spec['backbone'] == 'hdgcn':  # the CoM the name says
        assert spec['tag'] == f"-com{model['backbone']['graph_cfg']['com']}"
    assert model['cls_head']['num_classes'] == bench['num_classes']
    # FRM takes num_classes from cls_head; a stale explicit value would win.
    if model.get('frm_head'):
        assert model['frm_head'].get('num_classes') in (
            None, bench['num_classes'])

    # Data: annotation file, splits, stream, clip length, batch size.
    train_split, eval_split = bench['splits']
    loaders = dict(
        train=cfg['train_dataloader'],
        val=cfg['val_dataloader'],
        test=cfg['test_dataloader'])
    for phase, loader in loaders.items():
        dataset = dataset_of(loader)
        assert dataset['ann_file'] == bench['ann_file'], phase
        assert dataset['split'] == (train_split
                                    if phase == 'train' else eval_split)
        pipeline = dataset['pipeline']
        assert only_step(pipeline, 'GenSkeFeat')['feats'] == FEATS[
            spec['modality']], phase
        clip_steps = [s for s in pipeline if s['type'] in CLIP_STEPS]
        assert len(clip_steps) == 1, (phase, pipeline)
        assert clip_steps[0]['clip_len'] == spec['clip'], phase
        if phase != 'train':
            # Testing is skeleton-only for every config.
            assert not set(types_of(pipeline)) & set(AUX_STEPS + TEXT_STEPS
                                                     ), phase
            assert pipeline[-1]['type'] == 'PackActionInputs'
    assert cfg['train_dataloader']['batch_size'] == spec['batch']
    assert cfg['train_cfg']['max_epochs'] == spec['epochs']
    assert max(s.get('end', 0)
               for s in cfg['param_scheduler']) == spec['epochs']

    # MMCL versus baseline.
    train_set = dataset_of(cfg['train_dataloader'])
    train_types = types_of(train_set['pipeline'])
    if spec['kind'] == 'mmcl':
        assert model['fam_head'] and model['frm_head']
        for step in ('BuildFrameStrip', 'PackMMCLInputs'):
            assert train_types.count(step) == 1, step
        text_steps = [t for t in train_types if t in TEXT_STEPS]
        assert len(text_steps) == 1, train_types
        assert train_types[-1] == 'PackMMCLInputs'
        assert train_set['video_root']
        if text_steps == ['LoadTextFeature']:
            assert train_set['text_feature_root'] == bench[
                'text_feature_root']
        else:  # the benchmark's cache
            assert train_set['text_feature_root'] is None
            assert spec['bench'].split('-')[0] in train_set[
                'text_feature_cache']
    else:
        assert model.get('fam_head') is None
        assert model.get('frm_head') is None
        assert not set(train_types) & set(AUX_STEPS + TEXT_STEPS)
        assert train_types[-1] == 'PackActionInputs'
        assert train_set.get('video_root') is None
        assert train_set.get('text_feature_root') is None
        assert train_set.get('text_feature_cache') is None

    # The NTU family shares one loader set-up and, but for HD-GCN (its
    # own), one schedule.
    if folder in ('mmcl', 'baseline') or rel in ALIASES:
        ref = load(REFERENCE)
        if spec['backbone'] == 'hdgcn':
            ref_schedule = load(HDGCN_REFERENCE)
        else:
            ref_schedule = ref
        for key in SCHEDULE_KEYS:
            assert cfg[key] == ref_schedule[key], key
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            assert without(cfg[loader], 'dataset') == without(
                ref[loader], 'dataset'), loader


def family_of(spec):
    """'ntu' or 'nwucla'."""
    return 'nwucla' if spec['bench'] == 'nwucla-xview' else 'ntu'


def test_official_family_is_complete():
    expected = {
        f'official/{prefix}ctrgcn_official_1xb64-{mod}-u64-65e_{bench}-'
        'keypoint-3d.py'
        for prefix in ('', 'mmcl-') for mod in FEATS
        for bench in NTU_BENCHMARKS
    } | {
        f'official/{prefix}ctrgcn_official_1xb16-{mod}-u52-65e_nwucla-'
        'xview-keypoint-3d.py'
        for prefix in ('', 'mmcl-') for mod in FEATS
    }
    assert expected <= set(OFFICIAL_CONFIGS)
    # besides: the short CPU schedule of the side-by-side benchmark and
    # the MMCL release's NTU120 X-Sub recipe (with its baseline)
    assert set(OFFICIAL_CONFIGS) - expected == {
        'official/ctrgcn_official_1xb16-joint-u52-2e-cpu_nwucla-xview-'
        'keypoint-3d.py',
        'official/' + RELEASE_PRESET,
        'official/' + RELEASE_PRESET[len('mmcl-'):],
    }


def official_lr(epoch, steps, base_lr=0.1, warm_up=5, decay=0.1):
    """The lr of an epoch under the official main.py (adjust_learning_rate,
    once per epoch)."""
    if epoch < warm_up:
        return base_lr * (epoch + 1) / warm_up
    return base_lr * decay**sum(epoch >= step for step in steps)


def config_lrs(cfg, iters_per_epoch=10):
    """(epochs, iterations) lr of every training iteration under the
    config's param_scheduler, built and stepped as mmengine's runner does."""
    return iteration_lrs(cfg['param_scheduler'],
                         cfg['optim_wrapper']['optimizer']['lr'],
                         iters_per_epoch, cfg['train_cfg']['max_epochs'])


@pytest.mark.parametrize(
    'rel', [c for c in OFFICIAL_CONFIGS if '-65e_' in c and 'mmcl-' not in c])
def test_official_recipe(rel):
    spec = spec_of(rel)
    cfg = load(rel)
    recipe = OFFICIAL_RECIPES[family_of(spec)]
    model = cfg['model']
    assert model['backbone']['init_scheme'] == 'official'
    assert model['cls_head']['type'] == 'CTRGCNHead'
    assert model['cls_head']['average_clips'] == 'score'  # logits
    optimizer = cfg['optim_wrapper']['optimizer']
    assert optimizer == dict(type='SGD', lr=0.1, momentum=0.9,
                             nesterov=True,
                             weight_decay=recipe['weight_decay'])
    assert spec['gpus'] * spec['batch'] == recipe['batch']
    assert cfg['auto_scale_lr']['base_batch_size'] == recipe['batch']
    train = cfg['train_dataloader']
    assert train['drop_last'] is True
    times = train['dataset'].get('times', 1) \
        if train['dataset']['type'] == 'RepeatDataset' else 1
    assert times == recipe['repeat']
    # the lr of every epoch is the official main.py's, set at epoch starts
    expected = [official_lr(e, recipe['steps']) for e in range(65)]
    lrs = config_lrs(cfg)
    assert (lrs == lrs[:, :1]).all()
    assert lrs[:, 0] == pytest.approx(expected, rel=1e-9)
    # data path: official steps, bones / motion after the sampling, one
    # deterministic test clip
    layout = OFFICIAL_LAYOUTS[family_of(spec)]
    train_types = types_of(dataset_of(train)['pipeline'])
    test_steps = dataset_of(cfg['test_dataloader'])['pipeline']
    if family_of(spec) == 'ntu':
        assert train_types[:4] == [
            'OfficialNTUPreprocess', 'ValidCropResize',
            'OfficialRandomRotate3D', 'LayoutGenSkeFeat'
        ]
        crop = only_step(dataset_of(train)['pipeline'], 'ValidCropResize')
        assert tuple(crop['p_interval']) == (0.5, 1)
        assert types_of(test_steps)[:3] == [
            'OfficialNTUPreprocess', 'ValidCropResize', 'LayoutGenSkeFeat'
        ]
        assert tuple(test_steps[1]['p_interval']) == (0.95, )
    else:
        assert train_types[:3] == [
            'OfficialNWUCLANormalize', 'OfficialNWUCLASampleFrames',
            'LayoutGenSkeFeat'
        ]
        assert types_of(test_steps)[:3] == train_types[:3]
        assert test_steps[0]['test_mode'] and test_steps[1]['test_mode']
    assert only_step(test_steps, 'GenSkeFeat')['layout'] == layout
    assert cfg['val_dataloader']['dataset']['pipeline'] == test_steps


@pytest.mark.parametrize(
    'rel', ['official/' + RELEASE_PRESET,
            'official/' + RELEASE_PRESET[len('mmcl-'):]])
def test_mmcl_release_recipe(rel):
    """config/nturgbd120-cross-subject/joint.yaml and main_MMCL.py of the
    MMCL release: 110 epochs, 2 GPUs x 100, lr 0.1 set per epoch (warm-up
    0.1 (epoch + 1) / 5 for 5 epochs, x0.1 from epochs 90 and 100), SGD
    nesterov, weight decay 4e-4, one test clip."""
    cfg = load(rel)
    spec = spec_of(rel)
    assert (spec['gpus'], spec['batch']) == (2, 100)
    assert cfg['optim_wrapper']['optimizer'] == dict(
        type='SGD', lr=0.1, momentum=0.9, nesterov=True,
        weight_decay=0.0004)
    assert cfg['train_cfg']['max_epochs'] == 110
    assert cfg['auto_scale_lr']['base_batch_size'] == 200
    lrs = config_lrs(cfg)
    assert lrs.shape == (110, 10)
    assert (lrs == lrs[:, :1]).all()  # set at epoch starts, as main_MMCL
    expected = [official_lr(e, [90, 100]) for e in range(110)]
    assert lrs[:, 0] == pytest.approx(expected, rel=1e-9)
    assert lrs[[0, 4, 89, 90, 99, 100], 0] == pytest.approx(
        [0.02, 0.1, 0.1, 0.01, 0.01, 0.001])
    for loader in ('val_dataloader', 'test_dataloader'):
        steps = dataset_of(cfg[loader])['pipeline']
        crop = only_step(steps, 'ValidCropResize')
        assert tuple(crop['p_interval']) == (0.95, )  # one clip
        assert cfg[loader]['batch_size'] == 100
    model = cfg['model']
    assert model['backbone']['graph_cfg']['layout'] == 'ctrgcn_ntu'
    assert model['cls_head']['type'] == 'CTRGCNHead'
    if spec['kind'] == 'baseline':
        return
    frm = model['frm_head']
    assert (frm['text_channels'], frm['hidden_channels'],
            frm['num_weights']) == (3, 64, 2)
    train = dataset_of(cfg['train_dataloader'])['pipeline']
    assert only_step(train, 'LoadTextFeatureFromCache')['feature'] == \
        'token_ids'
    strip = only_step(train, 'BuildFrameStrip')
    assert (strip['layout'], strip['tile_fit'], strip['num_frames']) == (
        'release', 'stretch', 5)
    fam = model['fam_head']
    assert fam['image_encoder']['type'] == 'mmpretrain.InceptionV3'
    assert (fam['encoder_channels'], fam['hidden_channels']) == (1000, 256)
    # negatives: each GPU's 100 samples, as the release's replicas
    assert fam['loss_align']['gather_distributed'] is False
    assert model['data_preprocessor']['strip_short_side'] == 299


#: The lr schedules the configs document (their headers, configs/README.md),
#: by file name: (name glob, warm-up epochs, epochs from which the lr is
#: x0.1; None: cosine decay from the end of the warm-up to the last epoch).
#: Every config matches exactly one entry.
DOCUMENTED_SCHEDULES = [
    ('*-110e_ntu*', 5, (90, 100)),  # the MMCL release's NTU120 X-Sub one
    ('*-65e*_ntu*', 5, (35, 55)),  # CTR-GCN's NTU schedule
    ('*-65e*_nwucla*', 5, (50, )),  # CTR-GCN's NW-UCLA schedule
    ('*-90e*_ntu*', 5, None),  # HD-GCN's NTU schedule (cosine)
    ('*-30e-ft_*', 2, None),  # transfer fine-tuning
    ('*-[0-9]e-cpu_*', 1, None),  # short NW-UCLA CPU schedules
    ('*-12e-cpu_*', 1, None),
    ('*-8e_demo-*', 1, None),  # the demo
]


@pytest.mark.parametrize('rel', config_files())
def test_lr_drops_at_documented_epochs(rel):
    """The lr of every iteration, as mmengine's runner schedules it (10
    iterations per epoch), drops exactly where the config says: a
    MultiStepLR counts its milestones from its ``begin``, so one beginning
    after the warm-up drops late."""
    cfg = resolved(rel)
    name = osp.basename(ALIASES.get(rel[len('configs/'):], rel))
    entries = [e for e in DOCUMENTED_SCHEDULES if fnmatch.fnmatch(name, e[0])]
    assert len(entries) == 1, f'{rel}: document its lr schedule here'
    _, warm_up, steps = entries[0]
    base_lr = cfg['optim_wrapper']['optimizer']['lr']
    lrs = config_lrs(cfg)
    epochs = len(lrs)
    # a linear warm-up that reaches the base lr by the end of its epochs
    rising = lrs[:warm_up].ravel()
    assert rising[0] < base_lr and (np.diff(rising) >= 0).all()
    assert lrs[warm_up, 0] == pytest.approx(base_lr, rel=1e-9)
    drops = [
        epoch for epoch in range(1, epochs)
        if lrs[epoch, 0] < lrs[epoch - 1, -1] * (1 - 1e-9)
    ]
    if steps is not None:
        assert drops == list(steps), (
            f'{rel}: the lr drops at epochs {drops}, documented {steps}')
        expected = [
            base_lr * 0.1**sum(epoch >= step for step in steps)
            for epoch in range(warm_up, epochs)
        ]
        assert lrs[warm_up:] == pytest.approx(
            np.repeat(np.array(expected)[:, None], lrs.shape[1], axis=1),
            rel=1e-9)
    else:
        after = lrs[warm_up:].ravel()
        assert (np.diff(after) <= 1e-12).all(), f'{rel}: lr rises again'
        assert drops == list(range(warm_up + 1, epochs))
        assert after[-1] < 0.1 * base_lr
        assert 'MultiStepLR' not in [s['type'] for s in cfg['param_scheduler']]


def baseline_of(mmcl_rel):
    """The baseline config an MMCL config pairs with."""
    folder, name = mmcl_rel.split('/')
    folder = 'baseline' if folder == 'mmcl' else folder
    return f'{folder}/{name[len("mmcl-"):]}'


def test_nwucla_family_is_complete():
    names = {c for c in ALL_CONFIGS if c.startswith('nwucla/')}
    for mod in FEATS:
        for prefix in ('', 'mmcl-'):
            assert (f'nwucla/{prefix}ctrgcn_1xb16-{mod}-u52-65e_'
                    'nwucla-xview-keypoint-3d.py') in names


@pytest.mark.parametrize(
    'mmcl_rel', MMCL_CONFIGS + NWUCLA_MMCL_CONFIGS + OFFICIAL_MMCL_CONFIGS)
def test_mmcl_and_baseline_differ_only_in_fam_frm(mmcl_rel):
    base_rel = baseline_of(mmcl_rel)
    assert base_rel in ALL_CONFIGS, f'no baseline for {mmcl_rel}'
    mmcl, base = load(mmcl_rel), load(base_rel)
    for key in ('backbone', 'cls_head'):
        assert mmcl['model'][key] == base['model'][key], key
    for key in SCHEDULE_KEYS:
        assert mmcl[key] == base[key], key
    for key in ('val_dataloader', 'test_dataloader'):
        assert mmcl[key] == base[key], key
    # the MMCL preprocessor adds the strip normalisation (and resize) only
    strip_keys = ('strip_mean', 'strip_std', 'strip_short_side')
    assert without(mmcl['model']['data_preprocessor'], *strip_keys) == \
        without(base['model']['data_preprocessor'], *strip_keys)
    mmcl_set = dataset_of(mmcl['train_dataloader'])
    base_set = dataset_of(base['train_dataloader'])
    skip = ('pipeline', 'video_root', 'video_suffix', 'text_feature_root',
            'text_feature_cache')
    assert without(mmcl_set, *skip) == without(base_set, *skip)
    for key in ('batch_size', 'num_workers'):
        assert mmcl['train_dataloader'][key] == base['train_dataloader'][key]
    # Same skeleton steps; only the strip / text steps and the packer go.
    expected = [
        dict(step, type='PackActionInputs')
        if step['type'] == 'PackMMCLInputs' else step
        for step in dataset_of(mmcl['train_dataloader'])['pipeline']
        if step['type'] not in ('BuildFrameStrip', ) + TEXT_STEPS
    ]
    # PreNormalize3DWithFrameMap gives PreNormalize3D's keypoints; the
    # baseline may use either
    assert [same_keypoints(step)
            for step in dataset_of(base['train_dataloader'])['pipeline']] \
        == [same_keypoints(step) for step in expected]


def same_keypoints(step):
    """A pipeline step, with PreNormalize3DWithFrameMap as PreNormalize3D."""
    if step['type'] == 'PreNormalize3DWithFrameMap':
        return dict(step, type='PreNormalize3D')
    return step


@pytest.mark.parametrize('base_rel', BASELINE_CONFIGS)
def test_every_baseline_has_an_mmcl_config(base_rel):
    assert 'mmcl/mmcl-' + osp.basename(base_rel) in ALL_CONFIGS


@pytest.mark.parametrize('rel', STGCNPP_CONFIGS + CTRSGCN_CONFIGS)
def test_backbone_variants_differ_only_in_backbone(rel):
    """STGCN++ and CTRS-GCN configs are CTR-GCN's with another backbone
    (same head, data, schedule)."""
    name = 'stgcnpp_' if 'stgcnpp_' in rel else 'ctrsgcn_'
    ctrgcn = load(rel.replace(name, 'ctrgcn_'))
    variant = load(rel)
    assert variant['model']['backbone']['type'] == BACKBONES[name[:-1]][
        'type']
    assert ctrgcn['model']['backbone']['type'] == 'CTRGCN'
    assert without(variant, 'model.backbone') == without(
        ctrgcn, 'model.backbone')


@pytest.mark.parametrize('rel', HDGCN_CONFIGS)
def test_hdgcn_differs_from_ctrgcn_in_backbone_and_schedule(rel):
    ctrgcn = load(
        rel.replace('hdgcn_', 'ctrgcn_').replace('-90e-com1_', '-65e_'))
    hdgcn = load(rel)
    assert hdgcn['model']['backbone'] == dict(
        type='HDGCN', graph_cfg=dict(layout='nturgb+d', com=1))
    schedule = ('max_epochs', 'warmup_epochs') + SCHEDULE_KEYS
    assert without(hdgcn, 'model.backbone', *schedule) == without(
        ctrgcn, 'model.backbone', *schedule)


def hdgcn_official_lr(epoch, idx, iters_per_epoch, base_lr=0.1,
                      warm_up=5, num_epoch=90, lr_ratio=0.001):
    """The lr of a training iteration under HD-GCN's main.py
    (``adjust_learning_rate(epoch, idx)``, called at every batch)."""
    if epoch < warm_up:
        return base_lr * (epoch + 1) / warm_up
    t_max = iters_per_epoch * (num_epoch - warm_up)
    t_cur = iters_per_epoch * (epoch - warm_up) + idx
    eta_min = base_lr * lr_ratio
    return eta_min + 0.5 * (base_lr - eta_min) * (
        1 + np.cos(t_cur / t_max * np.pi))


def test_hdgcn_schedule_is_the_official_one():
    """Optimiser and batch as HD-GCN's config/*/*.yaml; after the warm-up
    the lr of every iteration is main.py's cosine (the warm-up is linear
    per iteration, as in the CTR-GCN family, where main.py steps it per
    epoch)."""
    cfg = load(HDGCN_REFERENCE)
    spec = spec_of(HDGCN_REFERENCE)
    assert spec['gpus'] * spec['batch'] == 64
    assert cfg['auto_scale_lr']['base_batch_size'] == 64
    assert cfg['optim_wrapper']['optimizer'] == dict(
        type='SGD', lr=0.1, momentum=0.9, nesterov=True,
        weight_decay=0.0004)
    iters = 10
    lrs = config_lrs(cfg, iters)
    assert lrs.shape == (90, iters)
    expected = np.array([[hdgcn_official_lr(e, i, iters)
                          for i in range(iters)] for e in range(90)])
    assert lrs[5:] == pytest.approx(expected[5:], rel=1e-9)
    assert lrs[-1, -1] == pytest.approx(1e-4, rel=0.01)


def test_readme_lists_every_config():
    with open(osp.join(CONFIG_ROOT, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    missing = [c for c in ALL_CONFIGS if f'`{c}`' not in readme]
    assert not missing, f'configs/README.md lacks {missing}'


@pytest.mark.parametrize('rel', BUILD_SUBSET)
def test_build_model(rel):
    spec = spec_of(rel)
    num_classes = BENCHMARKS[spec['bench']]['num_classes']
    cfg = Config(load(rel))
    if cfg.model.get('fam_head') and 'image_encoder' in cfg.model.fam_head:
        cfg.model.fam_head.image_encoder.init_cfg = None  # no download
    model = MODELS.build(cfg.model)
    assert model.with_fam == model.with_frm == (spec['kind'] == 'mmcl')
    assert model.cls_head.num_classes == num_classes
    if model.with_frm:
        assert model.frm_head.num_classes == num_classes
        assert model.frm_head.class_matrices.shape[-1] == num_classes
    # One short clip through the skeleton path: (N, clips, M, T, V, C).
    num_person = only_step(
        dataset_of(cfg.train_dataloader).pipeline,
        'FormatGCNInput')['num_person']
    num_joints = 20 if spec['bench'] == 'nwucla-xview' else 25
    inputs = torch.randn(1, 1, num_person, 8, num_joints, 3)
    model.eval()
    with torch.no_grad():
        scores, _ = model.extract_feat(inputs, stage='head')
    assert scores.shape == (1, num_classes)
    # Every transform of the three pipelines is registered and accepts its
    # arguments.
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for step in dataset_of(cfg[loader]).pipeline:
            TRANSFORMS.build(step)


# --------------------------------------------------------------------------
# The layout: snapshot of the resolved configs, depth, single definitions.

#: Differences from the snapshot (the resolved configs before the move to
#: configs/_base_ blocks) made on purpose: (config glob, key-path globs,
#: why). Key paths are dotted, list items by index. A change of resolved
#: configs adds an entry here (or regenerates the snapshot with
#: config_snapshot.py and empties this list); each entry must match a
#: difference.
MEANT_TO_CHANGE = [
    ('*', ('*_scope_', ),
     "mmaction2's STGCN++ recipe, no longer inherited, gave its dicts "
     "_scope_='mmaction', the default scope of every config anyway"),
    ('*', ('mmcl_heads', ),
     'new helper: the FAM / FRM block of _base_/models/mmcl_heads.py'),
    ('*', ('feats', ),
     'new helper naming the stream (NW-UCLA configs had it already)'),
    ('configs/nwucla/*', ('skeleton_train_steps*', ),
     "the data block's skeleton steps (NW-UCLA MMCL stream configs held "
     "their baseline's)"),
    ('configs/nwucla/ctrgcn_*',
     ('train_pipeline.0.type',
      'train_dataloader.dataset.dataset.pipeline.0.type'),
     "the MMCL config's skeleton steps, as on NTU: "
     "PreNormalize3DWithFrameMap gives PreNormalize3D's keypoints"),
    ('configs/nwucla/ctrgcn_*', ('model.data_preprocessor.strip_*', ),
     'NW-UCLA baselines inherit their MMCL config, as on NTU, and keep its '
     "strip normalisation (the preprocessor's defaults; no strips)"),
    ('configs/nwucla/ctrgcn_*',
     ('train_dataloader.dataset.dataset.video_*',
      'train_dataloader.dataset.dataset.text_feature_root'),
     "NTU's baseline idiom: video_root / text_feature_root None"),
    ('configs/nwucla/ctrgcn_*', ('video_root', 'text_feature_root'),
     'helpers of the NW-UCLA data block'),
    ('configs/nwucla/*-cpu_*', ('model.fam_head', 'model.frm_head'),
     'None -> absent (the default): composed without the MMCL heads'),
    ('configs/transfer/*',
     ('model.fam_head', 'model.frm_head', 'model.data_preprocessor.strip_*'),
     'composed without the MMCL heads: no heads (None -> absent), no strip '
     'normalisation'),
    ('configs/transfer/*', ('video_root', 'text_feature_root'),
     "helpers: NTU120's paths -> None (skeleton-only)"),
    ('*demo*', ('video_root', 'text_feature_root', 'val_pipeline.2.clip_len'),
     "helpers: NTU's values -> the demo's (_base_/datasets/demo.py)"),
    ('*', ('param_scheduler.1.begin', ),
     'bug fix: MultiStepLR counts its milestones from its begin, so with '
     'begin=5 CTR-GCN\'s NTU / NW-UCLA schedules dropped the lr at epochs '
     '40 / 60 and 55 instead of 35 / 55 and 50; begin=0 drops it at the '
     'documented epochs (test_lr_drops_at_documented_epochs)'),
    ('configs/official/*_official_*',
     ('fam_head_cfg', 'frm_head_cfg', 'strip_norm_cfg'),
     "the official bases' copies of the heads block are gone: FAM / FRM "
     "come from _base_.mmcl_heads"),
    ('configs/official/*_official_*', ('feats.0', 'val_pipeline.*.feats.0'),
     "helpers of the stream configs: the official ones left feats / "
     "val_pipeline at the joint stream's (their loaders had the stream's "
     "pipelines, unchanged)"),
    ('configs/official/ctrgcn_official_*',
     ('model.fam_head', 'model.frm_head', 'model.data_preprocessor.strip_*',
      'train_dataloader.dataset.video_*',
      'train_dataloader.dataset.text_feature_root',
      'train_dataloader.dataset.dataset.video_*',
      'train_dataloader.dataset.dataset.text_feature_root', 'video_root',
      'text_feature_root'),
     'official baselines inherit their MMCL config as every baseline does '
     '(the CPU config composes the blocks as nwucla/*-cpu* does): '
     'fam_head / frm_head None, video / text roots None, the data blocks\' '
     'video_suffix and helpers, the strip normalisation kept (no strips)'),
    ('*-cpu_*', ('model_wrapper_cfg', ),
     'CPU configs name the CPUDistributedDataParallel wrapper (DDP of CPU '
     'models was a process-wide patch of compat.py)'),
    ('*demo*', ('model_wrapper_cfg', ),
     'the demo is a CPU config: CPUDistributedDataParallel wrapper'),
    ('*', ('*dataloader.dataset.num_classes',
           '*dataloader.dataset.dataset.num_classes',
           '*dataloader.dataset.num_joints'),
     'every split is validated at start-up (issue #14): the data blocks '
     'give each dataset the config\'s num_classes (labels in [0, N)) and '
     'the val / test datasets the joint count the train set had'),
    ('*', ('default_hooks.checkpoint.type', 'default_hooks.dataset_check',
           'default_hooks.skipped_media'),
     'runtime base (issue #14): crash-safe SafeCheckpointHook (same '
     'interval / max_keep_ckpts), DatasetCheckHook (datasets vs the '
     'model\'s classes and FRM text width before training), '
     'SkippedMediaHook (skip_bad_media report; idle without it)'),
    ('*', ('default_hooks.finite_loss', 'default_hooks.graceful_stop'),
     'runtime base (issue #25): FiniteLossHook (stop at a NaN/inf loss '
     'before any save), GracefulStopHook (SIGTERM/SIGINT: resumable '
     'checkpoint, exit 75)'),
    ('*', ('runner_type', ),
     'runtime base (issue #21): SafeRunner reads checkpoints weights-only '
     'for load_from / resume, instead of a process-wide loader override'),
]


@functools.lru_cache(maxsize=None)
def resolved(rel):
    """Canonical resolved dict of a config given relative to the repo."""
    if rel.startswith('configs/'):
        return canonical(load(rel[len('configs/'):]))
    return canonical(Config.fromfile(osp.join(REPO_ROOT, rel)).to_dict())


@functools.lru_cache(maxsize=None)
def snapshot():
    return load_snapshot()


def unintended(rel, diffs):
    """The differences of ``rel`` that MEANT_TO_CHANGE does not list."""
    return [(path, old, new) for path, old, new in diffs
            if not any(meant(entry, rel, path) for entry in MEANT_TO_CHANGE)]


def meant(entry, rel, path):
    """Whether a MEANT_TO_CHANGE entry covers key ``path`` of ``rel``."""
    config, keys, _ = entry
    return fnmatch.fnmatchcase(rel, config) and any(
        fnmatch.fnmatchcase(path, key) for key in keys)


def test_snapshot_configs_still_exist():
    """Configs are renamed or removed only on purpose (new ones are not in
    the snapshot and need not be)."""
    missing = sorted(set(snapshot()) - set(config_files()))
    assert not missing, (
        f'{missing} are gone: regenerate the snapshot with '
        'python tests/test_configs/config_snapshot.py if that is intended')


@pytest.mark.parametrize('rel', config_files())
def test_every_split_checks_the_models_classes(rel):
    """Every loader's dataset has the classifier's num_classes (a config
    that overrides the benchmark's num_classes must pass it to the data
    blocks' datasets too: they validate labels against it)."""
    cfg = resolved(rel)
    num_classes = ((cfg.get('model') or {}).get('cls_head')
                   or {}).get('num_classes')
    for phase in ('train', 'val', 'test'):
        loader = cfg.get(f'{phase}_dataloader')
        if not loader or num_classes is None:
            continue
        dataset = dataset_of(loader)
        if dataset.get('type') == 'MMCLPoseDataset':
            assert dataset.get('num_classes') == num_classes, (phase, rel)


@pytest.mark.parametrize(
    'rel', sorted(set(load_snapshot()) & set(config_files())))
def test_config_resolves_as_its_snapshot(rel):
    diffs = unintended(rel, differences(snapshot()[rel], resolved(rel)))
    assert not diffs, (f'{rel} resolves differently from its snapshot '
                       f'(path: snapshot -> now):\n{describe(diffs)}')


def test_meant_to_change_is_exact():
    """Every MEANT_TO_CHANGE entry matches a difference somewhere, and the
    ``_scope_`` entry only covers ``'mmaction'`` scopes that went away."""
    found = set()
    for rel in sorted(set(snapshot()) & set(config_files())):
        for path, old, new in differences(snapshot()[rel], resolved(rel)):
            found.update(index
                         for index, entry in enumerate(MEANT_TO_CHANGE)
                         if meant(entry, rel, path))
            if path.endswith('_scope_'):
                assert (old, new) == ('mmaction', ABSENT), (rel, path)
    stale = [MEANT_TO_CHANGE[i] for i in range(len(MEANT_TO_CHANGE))
             if i not in found]
    assert not stale, f'entries that match no difference: {stale}'


def base_files(path):
    """This repo's config files that the config at ``path`` inherits
    directly (``mmaction::`` and other packages' files left out)."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    bases = []
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], 'id', None) == '_base_'):
            value = ast.literal_eval(node.value)
            bases = [value] if isinstance(value, str) else list(value)
            break
    return [
        osp.normpath(osp.join(osp.dirname(path), base)) for base in bases
        if '::' not in base
    ]


def depth(path):
    """Files of this repo in the longest inheritance chain from ``path``
    (the config itself included)."""
    return 1 + max((depth(base) for base in base_files(path)), default=0)


BLOCKS = sorted(
    glob.glob(osp.join(CONFIG_ROOT, '_base_', '**', '*.py'), recursive=True))


@pytest.mark.parametrize('rel', config_files())
def test_config_is_at_most_three_files_deep(rel):
    chain_depth = depth(osp.join(REPO_ROOT, rel))
    assert chain_depth <= 3, (
        f'{rel} inherits through {chain_depth} files of this repo (at most '
        '3: a config, the config it builds on, _base_ blocks)')


@pytest.mark.parametrize(
    'path', BLOCKS, ids=lambda p: osp.relpath(p, CONFIG_ROOT))
def test_base_blocks_inherit_no_repo_file(path):
    assert base_files(path) == [], (
        f'{path}: a _base_ block inherits only other packages\' files '
        "(e.g. 'mmaction::...'), so that configs stay 3 files deep")


def test_fam_and_frm_are_defined_once():
    files = sorted(
        glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True) +
        glob.glob(
            osp.join(REPO_ROOT, 'projects', '*', 'configs', '**', '*.py'),
            recursive=True))
    for head in ('FAMHead', 'FRMHead'):
        pattern = re.compile(r"""type=['"]%s['"]""" % head)
        defining = []
        for path in files:
            with open(path, encoding='utf-8') as f:
                if pattern.search(f.read()):
                    defining.append(osp.relpath(path, REPO_ROOT))
        assert defining == ['configs/_base_/models/mmcl_heads.py'], head


@pytest.mark.parametrize(
    'mmcl_rel', MMCL_CONFIGS + NWUCLA_MMCL_CONFIGS + OFFICIAL_MMCL_CONFIGS)
def test_baseline_inherits_its_mmcl_config(mmcl_rel):
    """The same direction on every dataset: baseline -> MMCL -> blocks."""
    mmcl = osp.join(CONFIG_ROOT, mmcl_rel)
    baseline = osp.join(CONFIG_ROOT, baseline_of(mmcl_rel))
    assert base_files(baseline) == [mmcl]
    assert all(
        osp.relpath(base, CONFIG_ROOT).startswith('_base_' + osp.sep)
        for base in base_files(mmcl)), f'{mmcl_rel} should compose blocks'

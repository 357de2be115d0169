"""The config family under ``configs/``.

One folder per algorithm (``ctrgcn``, ``ctrsgcn``, ``hdgcn``, ``stgcnpp``;
each with a README and a model-index ``metafile.yml``), the demo and the
transfer configs, two entry points. Every ``.py`` there must follow
mmaction2's naming convention (or be a listed entry alias)::

    [mmcl-]<backbone>[_<modules>]_<gpus>xb<batch>-<modality>-u<clip>-
    <epochs>e[-<tag>]_<benchmark>-keypoint-3d.py

and *be* what its name says: backbone, class count, splits, annotation
file, skeleton stream of all three pipelines, clip length, batch size,
epochs, MMCL (FAM + FRM + strip / text loading) or baseline (neither).

Baselines are the skeleton configs; every MMCL config inherits its
baseline (ours, or mmaction2's own for STGCN++) and the MMCL fragment
``configs/_base_/mmcl.py``, and differs from it only in what MMCL adds
(never the reverse). CTR-GCN, CTRS-GCN and HD-GCN train with the official
recipe (data path, lr per epoch as the official ``main.py`` sets it,
batch, one test clip); STGCN++ with mmaction2's. Models are built for a
representative subset only; the other configs are checked as dicts.

The layout is checked too: every config of the snapshot
(``resolved_configs.json.gz``) that moved with its recipe
(``config_layout.renamed``) or stayed resolves to its snapshot except the
differences listed in ``MEANT_TO_CHANGE``; the replaced ones
(``config_layout.replaced``) have a pointer in configs/README.md; no
config is more than three files of this repository deep; FAM and FRM are
defined in one file. Every config's lr, simulated per iteration as
mmengine schedules it, drops at the epochs it documents.
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
import yaml
from config_layout import (PROJECTS_REPLACED, REPLACED_IN_PLACE, renamed,
                           replaced)
from config_snapshot import (ABSENT, canonical, config_files, describe,
                             differences, load_snapshot)
from mmaction.registry import MODELS, TRANSFORMS
from mmengine.config import Config

from mmcl_plugin.engine import iteration_lrs
from mmcl_plugin.utils.config_helpers import (train_pipeline_cfg,
                                              with_mmcl_steps)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')
#: Templates for one's own dataset (2-D keypoints, paths and classes to
#: edit): checked by tests/test_configs/test_own_videos_configs.py, not
#: by the benchmark naming rules here.
OWN_VIDEOS = 'own_videos/'
#: Configs under configs/ (not the _base_ blocks), relative to it.
ALL_CONFIGS = [
    rel[len('configs/'):] for rel in config_files()
    if rel.startswith('configs/')
    and not rel.startswith('configs/' + OWN_VIDEOS)
]
ALGORITHMS = ('ctrgcn', 'ctrsgcn', 'hdgcn', 'stgcnpp')
FOLDERS = ALGORITHMS + ('demo', 'transfer')
MMCL_FRAGMENT = osp.join(CONFIG_ROOT, '_base_', 'mmcl.py')
#: mmaction2's own configs, where `mmaction::` points.
MMACTION_CONFIGS = osp.join(
    osp.dirname(__import__('mmaction').__file__), '.mim', 'configs')

#: Entry aliases: file -> the config it must be identical to.
ALIASES = {
    'mmcl_ctrgcn_ntu60.py':
    'ctrgcn/mmcl-ctrgcn_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py',
    'mmcl_stgcnpp_ntu60.py':
    'stgcnpp/mmcl-stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py',
}
#: HD-GCN's schedule.
HDGCN_REFERENCE = \
    'hdgcn/hdgcn_1xb64-joint-u64-90e-com1_ntu60-xsub-keypoint-3d.py'

NAME_RE = re.compile(
    r'^(?P<mmcl>mmcl-)?(?P<backbone>ctrgcn|ctrsgcn|hdgcn|stgcnpp)'
    r'(_(?P<modules>[a-z0-9]+(-[a-z0-9]+)*))?'
    r'_(?P<gpus>\d+)xb'
    r'(?P<batch>\d+)-(?P<modality>joint|bone|joint-motion|bone-motion)'
    r'-u(?P<clip>\d+)-(?P<epochs>\d+)e(?P<tag>(-[a-z0-9]+)*)'
    r'_(?P<bench>[a-z0-9]+(-[a-z]+)?)'
    r'-keypoint-3d\.py$')

BENCHMARKS = {
    'ntu60-xsub':
    dict(
        num_classes=60,
        splits=('xsub_train', 'xsub_val'),
        ann_file='data/skeleton/ntu60_3d.pkl',
        text_feature_root='data/mmcl_text_features/ntu60_blip_vqa/'),
    'ntu60-xview':
    dict(
        num_classes=60,
        splits=('xview_train', 'xview_val'),
        ann_file='data/skeleton/ntu60_3d.pkl',
        text_feature_root='data/mmcl_text_features/ntu60_blip_vqa/'),
    'ntu120-xsub':
    dict(
        num_classes=120,
        splits=('xsub_train', 'xsub_val'),
        ann_file='data/skeleton/ntu120_3d.pkl',
        text_feature_root='data/mmcl_text_features/ntu120_blip_vqa/'),
    'ntu120-xset':
    dict(
        num_classes=120,
        splits=('xset_train', 'xset_val'),
        ann_file='data/skeleton/ntu120_3d.pkl',
        text_feature_root='data/mmcl_text_features/ntu120_blip_vqa/'),
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
        ann_file='data/skeleton/utd_mhad_ntu25.pkl'),
    'sysu-xsub':
    dict(
        num_classes=12,
        splits=('train', 'val'),
        ann_file='data/skeleton/sysu_ntu25.pkl'),
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
#: The NTU families of the official recipe: backbone -> (streams, the
#: name's '<gpus>xb<batch>' and '<epochs>e[-<tag>]' parts).
NTU_FAMILIES = {
    'ctrgcn': (tuple(FEATS), '1xb64', '65e'),
    'ctrsgcn': (('joint', 'bone'), '1xb64', '65e'),
    'hdgcn': (('joint', 'bone'), '1xb64', '90e-com1'),
}
#: Training-only steps of the MMCL pipeline (frame strip, text features).
AUX_STEPS = ('BuildFrameStrip', 'LoadTextFeature', 'PackMMCLInputs',
             'LoadStripFeature')
TEXT_STEPS = ('LoadTextFeature', 'LoadTextFeatureFromCache')
#: The sampler steps that set a config's clip length.
CLIP_STEPS = ('UniformSampleFrames', 'ValidCropResize',
              'OfficialNWUCLASampleFrames')
#: The official CTR-GCN recipes (config/*/default.yaml): weight decay,
#: global batch, lr steps, repeat of the training set.
OFFICIAL_RECIPES = {
    'ntu': dict(weight_decay=0.0004, batch=64, steps=[35, 55], repeat=1),
    'nwucla': dict(weight_decay=0.0001, batch=16, steps=[50], repeat=5),
}
SCHEDULE_KEYS = ('param_scheduler', 'optim_wrapper', 'train_cfg',
                 'auto_scale_lr')
#: What an MMCL config may add to its baseline: top-level keys, model
#: keys, train dataset keys.
MMCL_KEYS = ('mmcl_model', 'mmcl_dataset', 'mmcl_data', 'custom_imports',
             'mllm', 'text_feature_cache', 'text_extraction')
MMCL_MODEL_KEYS = ('type', 'fam_head', 'frm_head', 'data_preprocessor')
MMCL_DATASET_KEYS = ('type', 'mmcl_steps', 'video_root', 'video_suffix',
                     'text_feature_root', 'text_feature_cache', 'num_classes')

MMCL_CONFIGS = [
    c for c in ALL_CONFIGS if osp.basename(c).startswith('mmcl-')
]
BASELINE_CONFIGS = [
    c for c in ALL_CONFIGS
    if '/' in c and not osp.basename(c).startswith('mmcl-')
]
#: Built as models (with their pipelines' transforms): each backbone x
#: {MMCL, baseline}, every modality and benchmark at least once, plus the
#: demo and the MMCL release's recipe.
BUILD_SUBSET = [
    'ctrgcn/mmcl-ctrgcn_1xb64-joint-u64-65e_ntu60-xsub-keypoint-3d.py',
    'ctrgcn/ctrgcn_1xb64-joint-motion-u64-65e_ntu120-xsub-keypoint-3d.py',
    'ctrgcn/mmcl-ctrgcn_1xb64-bone-u64-65e_ntu120-xset-keypoint-3d.py',
    'ctrgcn/mmcl-ctrgcn_1xb16-bone-motion-u52-65e_nwucla-xview-'
    'keypoint-3d.py',
    'ctrgcn/ctrgcn_1xb16-joint-u52-65e_nwucla-xview-keypoint-3d.py',
    'stgcnpp/mmcl-stgcnpp_8xb16-bone-motion-u100-80e_ntu60-xsub-'
    'keypoint-3d.py',
    'demo/mmcl-ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py',
    'ctrsgcn/mmcl-ctrsgcn_1xb64-bone-u64-65e_ntu60-xview-keypoint-3d.py',
    'hdgcn/hdgcn_1xb64-joint-u64-90e-com1_ntu60-xview-keypoint-3d.py',
]


@functools.lru_cache(maxsize=None)
def load(rel):
    """Parsed config as a plain dict (cached: parents are parsed often)."""
    if rel.startswith('mmaction::'):
        return Config.fromfile(
            osp.join(MMACTION_CONFIGS, rel[len('mmaction::'):])).to_dict()
    return Config.fromfile(osp.join(CONFIG_ROOT, rel)).to_dict()


def spec_of(rel):
    """What the file name promises (aliases: their target's name)."""
    rel = ALIASES.get(rel, rel)
    match = NAME_RE.match(osp.basename(rel))
    assert match, f'{rel} does not follow the naming convention'
    spec = match.groupdict()
    spec['kind'] = 'mmcl' if spec.pop('mmcl') else 'baseline'
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


def train_steps(cfg):
    """The pipeline the config trains with (its ``mmcl_steps`` added)."""
    return train_pipeline_cfg(dataset_of(cfg['train_dataloader']))


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
            node = node.get(key, {})
        node.pop(leaf, None)
    return cfg


def unscoped(value):
    """A config dict without the ``_scope_`` keys that inheriting another
    package's config (``mmaction::``) adds."""
    if isinstance(value, dict):
        return {k: unscoped(v) for k, v in value.items() if k != '_scope_'}
    if isinstance(value, list):
        return [unscoped(v) for v in value]
    return value


def family_of(spec):
    """'ntu' or 'nwucla'."""
    return 'nwucla' if spec['bench'] == 'nwucla-xview' else 'ntu'


def base_files(path):
    """The configs that the config at ``path`` inherits directly: this
    repo's as normalised paths, other packages' as written
    (``mmaction::...``)."""
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
        base if '::' in base else osp.normpath(
            osp.join(osp.dirname(path), base)) for base in bases
    ]


def repo_bases(path):
    return [base for base in base_files(path) if '::' not in base]


def ancestors(path):
    """Every file of this repo that ``path`` inherits, at any depth."""
    found = []
    for base in repo_bases(path):
        found += [base] + ancestors(base)
    return found


# --------------------------------------------------------------------------
# Folders, names, README, metafiles.


def test_configs_are_in_algorithm_folders():
    folders = {c.split('/')[0] for c in ALL_CONFIGS if '/' in c}
    assert folders == set(FOLDERS)
    assert {c for c in ALL_CONFIGS if '/' not in c} == set(ALIASES)
    for rel in ALL_CONFIGS:
        folder = rel.split('/')[0]
        if folder in ALGORITHMS:
            assert spec_of(rel)['backbone'] == folder, rel
    for algo in ALGORITHMS:
        for name in ('README.md', 'metafile.yml'):
            assert osp.isfile(osp.join(CONFIG_ROOT, algo, name)), (algo, name)


def test_official_recipe_families_are_complete():
    expected = {
        f'{algo}/{prefix}{algo}_{batch}-{mod}-u64-{epochs}_{bench}-'
        'keypoint-3d.py'
        for algo, (streams, batch, epochs) in NTU_FAMILIES.items()
        for prefix in ('', 'mmcl-') for mod in streams
        for bench in NTU_BENCHMARKS
    } | {
        f'ctrgcn/{prefix}ctrgcn_1xb16-{mod}-u52-65e_nwucla-xview-'
        'keypoint-3d.py'
        for prefix in ('', 'mmcl-') for mod in FEATS
    } | {
        f'stgcnpp/mmcl-stgcnpp_8xb16-{mod}-u100-80e_ntu60-xsub-keypoint-3d.py'
        for mod in FEATS
    }
    found = {c for c in ALL_CONFIGS if c.split('/')[0] in ALGORITHMS}
    assert expected <= found
    # besides: the MMCL release's recipe (and its baseline), its FAM on the
    # official recipe, and the short CPU schedule of the side-by-side
    # benchmark
    assert found - expected == {
        'ctrgcn/ctrgcn_2xb100-joint-u64-110e_ntu120-xsub-keypoint-3d.py',
        'ctrgcn/mmcl-ctrgcn_inceptionv3-tokenids_2xb100-joint-u64-110e_'
        'ntu120-xsub-keypoint-3d.py',
        'ctrgcn/mmcl-ctrgcn_inceptionv3_1xb64-joint-u64-65e_ntu120-xsub-'
        'keypoint-3d.py',
        'ctrgcn/ctrgcn_1xb16-joint-u52-2e-cpu_nwucla-xview-keypoint-3d.py',
    }


def test_readme_lists_every_config_and_every_old_path():
    with open(osp.join(CONFIG_ROOT, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    missing = [c for c in ALL_CONFIGS if f'`{c}`' not in readme]
    assert not missing, f'configs/README.md lacks {missing}'
    # old path -> new path: one table row each
    rows = dict(re.findall(r'^\| `([^`]+)` \| (.+?) \|$', readme, re.M))
    moves = dict(renamed(), **replaced())
    for old, new in moves.items():
        assert old in rows, f'configs/README.md: no row for {old}'
        assert (f'`{new}`' if new else 'none') in rows[old], (old, new)


@pytest.mark.parametrize('algo', ALGORITHMS)
def test_metafile_indexes_the_folder(algo):
    """mmaction2's model-index format; every config of the folder once,
    paths that exist, results with a dataset, a task and metrics."""
    with open(osp.join(CONFIG_ROOT, algo, 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    collections = {c['Name'] for c in meta['Collections']}
    for collection in meta['Collections']:
        assert osp.isfile(osp.join(REPO_ROOT, collection['README']))
    configs = []
    for model in meta['Models']:
        assert model['In Collection'] in collections
        assert model['Name'] + '.py' == osp.basename(model['Config'])
        assert osp.isfile(osp.join(REPO_ROOT, model['Config'])), model
        configs.append(model['Config'])
        for key in ('Architecture', 'Batch Size', 'Epochs',
                    'Training Data', 'Training Resources'):
            assert key in model['Metadata'], (model['Name'], key)
        results = model.get('Results') or []
        for result in [results] if isinstance(results, dict) else results:
            assert result['Task'] == 'Skeleton-based Action Recognition'
            assert result['Dataset'] and result['Metrics']
    assert sorted(configs) == sorted(
        f'configs/{c}' for c in ALL_CONFIGS if c.startswith(algo + '/'))


@pytest.mark.parametrize('rel', ALL_CONFIGS)
def test_config_matches_its_name(rel):
    cfg = load(rel)
    if rel in ALIASES:
        assert cfg == load(ALIASES[rel]), f'{rel} differs from its target'
    spec = spec_of(rel)
    bench = BENCHMARKS[spec['bench']]

    # Model: backbone, graph, classes, auxiliary heads.
    model = cfg['model']
    assert model['type'] == ('MMCLRecognizer' if spec['kind'] == 'mmcl'
                             else model['type'])
    for key, value in BACKBONES[spec['backbone']].items():
        assert model['backbone'][key] == value, (key, model['backbone'])
    layout = model['backbone'].get('graph_cfg', {}).get('layout')
    if spec['backbone'] == 'ctrsgcn':  # no graph: learnt adjacencies
        assert layout is None
    elif spec['backbone'] == 'ctrgcn' and spec['bench'] != 'demo':
        assert layout == ('ctrgcn_nwucla' if family_of(spec) == 'nwucla'
                          else 'ctrgcn_ntu')  # the official graphs
    else:
        assert layout == 'nturgb+d'
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
        pipeline = (train_steps(cfg)
                    if phase == 'train' else dataset['pipeline'])
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
    # mmaction2 counts the epochs of the repeated training set
    repeat = cfg['train_dataloader']['dataset'].get('times', 1)
    epochs = cfg['train_cfg']['max_epochs']
    assert spec['epochs'] in (epochs, epochs * repeat)
    assert max(s.get('end', epochs)
               for s in cfg['param_scheduler']) == epochs

    # MMCL versus baseline.
    train_set = dataset_of(cfg['train_dataloader'])
    train_types = types_of(train_steps(cfg))
    if spec['kind'] == 'mmcl':
        assert model['fam_head'] and model['frm_head']
        strips = ('LoadStripFeature', 'BuildFrameStrip')
        assert sum(train_types.count(step) for step in strips) == 1
        text_steps = [t for t in train_types if t in TEXT_STEPS]
        assert len(text_steps) == 1, train_types
        assert train_types[-1] == 'PackMMCLInputs'
        assert train_set['video_root']
        assert train_set['num_classes'] == bench['num_classes']
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
        for key in ('mmcl_steps', 'video_root', 'text_feature_root',
                    'text_feature_cache'):
            assert train_set.get(key) is None, key


# --------------------------------------------------------------------------
# MMCL = its baseline + configs/_base_/mmcl.py.


def baseline_of(mmcl_rel):
    """The baseline an MMCL config inherits (its first base)."""
    first = base_files(osp.join(CONFIG_ROOT, mmcl_rel))[0]
    if '::' in first:
        return first
    return osp.relpath(first, CONFIG_ROOT).replace(osp.sep, '/')


@pytest.mark.parametrize('mmcl_rel', MMCL_CONFIGS)
def test_mmcl_config_extends_its_baseline(mmcl_rel):
    """An MMCL config inherits a baseline skeleton config and the MMCL
    fragment, and adds only what MMCL adds: FAM, FRM, the preprocessor's
    strip normalisation, the strip and text steps of the training set
    (with its videos and text features). Model, schedule, val / test data
    and the training skeleton steps are the baseline's."""
    path = osp.join(CONFIG_ROOT, mmcl_rel)
    base_rel = baseline_of(mmcl_rel)
    assert base_files(path) == [
        base_rel if '::' in base_rel else osp.join(CONFIG_ROOT, base_rel),
        MMCL_FRAGMENT
    ]
    assert not osp.basename(base_rel).startswith('mmcl-')
    # the baseline's name: the MMCL config's without `mmcl-` and modules
    spec = spec_of(mmcl_rel)
    name = osp.basename(mmcl_rel)[len('mmcl-'):]
    if spec['modules']:
        name = name.replace(f"_{spec['modules']}_", '_', 1)
    assert osp.basename(base_rel) == name
    mmcl, base = unscoped(load(mmcl_rel)), unscoped(load(base_rel))
    for key in ('backbone', 'cls_head'):
        assert mmcl['model'][key] == base['model'][key], key
    assert without(mmcl['model'], *MMCL_MODEL_KEYS) == without(
        base['model'], *MMCL_MODEL_KEYS)
    strip_keys = ('strip_mean', 'strip_std', 'strip_short_side', 'type')
    assert without(mmcl['model'].get('data_preprocessor', {}),
                   *strip_keys) == without(
                       base['model'].get('data_preprocessor', {}),
                       *strip_keys)
    mmcl_set = dataset_of(mmcl['train_dataloader'])
    base_set = dataset_of(base['train_dataloader'])
    assert without(mmcl_set, *MMCL_DATASET_KEYS) == without(
        base_set, *MMCL_DATASET_KEYS)
    assert without(mmcl['train_dataloader'], 'dataset') == without(
        base['train_dataloader'], 'dataset')
    # the baseline's skeleton steps, with the MMCL steps added
    assert train_steps(mmcl) == with_mmcl_steps(base_set['pipeline'],
                                                mmcl_set['mmcl_steps'])
    top = set(mmcl) | set(base)
    for key in top - set(MMCL_KEYS) - {'model', 'train_dataloader'}:
        assert mmcl.get(key) == base.get(key), key


@pytest.mark.parametrize('rel', BASELINE_CONFIGS)
def test_no_baseline_inherits_mmcl(rel):
    """The direction is baseline -> MMCL, never the reverse."""
    chain = ancestors(osp.join(CONFIG_ROOT, rel))
    assert MMCL_FRAGMENT not in chain
    assert not [c for c in chain if osp.basename(c).startswith('mmcl-')]


def test_stgcnpp_mmcl_configs_inherit_mmaction2_unmodified():
    stgcnpp = [c for c in MMCL_CONFIGS if c.startswith('stgcnpp/')]
    assert len(stgcnpp) == 4
    for rel in stgcnpp:
        base = baseline_of(rel)
        assert base.startswith('mmaction::skeleton/stgcnpp/'), rel
        # the mmaction2 file as shipped, nothing of it overridden
        mmcl, original = unscoped(load(rel)), unscoped(load(base))
        for key in set(original) - {'model', 'train_dataloader'}:
            assert mmcl[key] == original[key], (rel, key)


# --------------------------------------------------------------------------
# Recipes.


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


@pytest.mark.parametrize('rel', [
    c for c in BASELINE_CONFIGS
    if c.startswith(('ctrgcn/', 'ctrsgcn/', 'hdgcn/')) and '-cpu_' not in c
    and '-110e_' not in c
])
def test_official_recipe(rel):
    """The official CTR-GCN data path (HD-GCN's and the MMCL release's
    feeders are CTR-GCN's), batch and one test clip; CTR-GCN's model and,
    but for HD-GCN (its own: test_hdgcn_schedule_is_the_official_one), the
    lr of every epoch as the official main.py sets it."""
    spec = spec_of(rel)
    cfg = load(rel)
    recipe = OFFICIAL_RECIPES[family_of(spec)]
    model = cfg['model']
    if spec['backbone'] == 'ctrgcn':
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
    if spec['backbone'] != 'hdgcn':
        expected = [official_lr(e, recipe['steps']) for e in range(65)]
        lrs = config_lrs(cfg)
        assert (lrs == lrs[:, :1]).all()
        assert lrs[:, 0] == pytest.approx(expected, rel=1e-9)
    # data path: official steps, bones / motion after the sampling, one
    # deterministic test clip
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
        layout = 'ctrgcn_ntu'
    else:
        assert train_types[:3] == [
            'OfficialNWUCLANormalize', 'OfficialNWUCLASampleFrames',
            'LayoutGenSkeFeat'
        ]
        assert types_of(test_steps)[:3] == train_types[:3]
        assert test_steps[0]['test_mode'] and test_steps[1]['test_mode']
        layout = 'ctrgcn_nwucla'
    assert only_step(test_steps, 'GenSkeFeat')['layout'] == layout
    assert cfg['val_dataloader']['dataset']['pipeline'] == test_steps


@pytest.mark.parametrize('rel', [
    c for c in BASELINE_CONFIGS if c.startswith(('ctrsgcn/', 'hdgcn/'))
])
def test_backbone_variants_differ_from_ctrgcn_in_model_and_schedule(rel):
    """CTRS-GCN and HD-GCN configs are CTR-GCN's of the same benchmark and
    stream with another model (and, for HD-GCN, its schedule)."""
    algo = rel.split('/')[0]
    ctrgcn_rel = rel.replace(algo, 'ctrgcn').replace('-90e-com1_', '-65e_')
    ctrgcn, variant = load(ctrgcn_rel), load(rel)
    skip = ['model.backbone', 'model.cls_head']
    if algo == 'hdgcn':
        skip += ['max_epochs', 'warmup_epochs', *SCHEDULE_KEYS]
    assert without(variant, *skip) == without(ctrgcn, *skip)
    assert variant['model']['cls_head']['type'] == 'GCNHead'


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
    per iteration, where main.py steps it per epoch)."""
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


RELEASE = 'ctrgcn/ctrgcn_2xb100-joint-u64-110e_ntu120-xsub-keypoint-3d.py'
RELEASE_MMCL = ('ctrgcn/mmcl-ctrgcn_inceptionv3-tokenids_2xb100-joint-u64-'
                '110e_ntu120-xsub-keypoint-3d.py')


@pytest.mark.parametrize('rel', [RELEASE, RELEASE_MMCL])
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
    train = train_steps(cfg)
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


#: The lr schedules the configs document (their headers, the folders'
#: READMEs), by file name: (name glob, warm-up epochs, epochs from which
#: the lr is x0.1; None: cosine decay from the end of the warm-up to the
#: last epoch). Every config matches exactly one entry.
DOCUMENTED_SCHEDULES = [
    ('*-110e_ntu*', 5, (90, 100)),  # the MMCL release's NTU120 X-Sub one
    ('*-65e*_ntu*', 5, (35, 55)),  # CTR-GCN's NTU schedule
    ('*-65e*_nwucla*', 5, (50, )),  # CTR-GCN's NW-UCLA schedule
    ('*-90e*_ntu*', 5, None),  # HD-GCN's NTU schedule (cosine)
    ('*-80e_ntu*', 0, None),  # mmaction2's STGCN++ one (cosine)
    ('*-80e_own-videos-*', 0, None),  # the same, on one's own videos
    ('*-30e-ft_*', 2, None),  # transfer fine-tuning
    ('*-[0-9]e-cpu_*', 1, None),  # short NW-UCLA CPU schedule
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
    if warm_up:
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
    num_person = only_step(train_steps(cfg), 'FormatGCNInput')['num_person']
    num_joints = 20 if spec['bench'] == 'nwucla-xview' else 25
    inputs = torch.randn(1, 1, num_person, 8, num_joints, 3)
    model.eval()
    with torch.no_grad():
        scores, _ = model.extract_feat(inputs, stage='head')
    assert scores.shape == (1, num_classes)
    # Every transform of the three pipelines is registered and accepts its
    # arguments.
    for steps in (train_steps(cfg),
                  dataset_of(cfg.val_dataloader).pipeline,
                  dataset_of(cfg.test_dataloader).pipeline):
        for step in steps:
            TRANSFORMS.build(step)


# --------------------------------------------------------------------------
# The layout: snapshot of the resolved configs, depth, single definitions.

#: Top-level helpers (variables no runner or tool reads) of the blocks
#: and configs, before and after the moves.
HELPERS = ('ann_file', 'benchmark', 'clip_len', 'data_root', 'datasets',
           'dataset_type', 'feats', 'layout', 'num_classes', 'stream',
           'skeleton_train_steps', 'train_pipeline', 'val_pipeline',
           'test_pipeline', 'video_root', 'text_feature_root', 'mmcl_heads',
           'mmcl_model', 'mmcl_dataset', 'mmcl_data', 'fam_head_cfg',
           'frm_head_cfg', 'strip_norm_cfg', 'nwucla_layout')

#: Differences from the snapshot (the resolved configs before the moves to
#: configs/_base_ blocks and to the algorithm folders) made on purpose:
#: (config glob, key-path globs, why). Config globs match the current path;
#: key paths are dotted, list items by index. A change of resolved configs
#: adds an entry here (or regenerates the snapshot with config_snapshot.py
#: and empties this list); each entry must match a difference.
MEANT_TO_CHANGE = [
    ('*', HELPERS,
     'helpers: the blocks\' variables (the MMCL fragment\'s mmcl_model / '
     'mmcl_dataset / mmcl_data; the data blocks\' datasets[benchmark]'
     '[stream], named by benchmark / stream) replace the stream configs\' '
     'rebuilt pipelines and the heads block'),
    ('*', ('*_scope_', ),
     "mmaction2's STGCN++ recipe, no longer inherited, gave its dicts "
     "_scope_='mmaction', the default scope of every config anyway"),
    ('*demo*', ('val_pipeline.2.clip_len', ),
     "helpers: NTU's values -> the demo's (_base_/datasets/demo.py)"),
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
    ('*-cpu_*', ('model_wrapper_cfg', ),
     'CPU configs name the CPUDistributedDataParallel wrapper (DDP of CPU '
     'models was a process-wide patch of compat.py)'),
    ('*demo*', ('model_wrapper_cfg', ),
     'the demo is a CPU config: CPUDistributedDataParallel wrapper'),
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


def expanded(cfg):
    """A resolved config with each loader's ``mmcl_steps`` added to its
    dataset's pipeline (what the dataset trains with; the snapshot's
    configs stated that pipeline in full)."""
    cfg = copy.deepcopy(cfg)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(key):
            continue
        dataset = cfg[key]['dataset']
        while 'dataset' in dataset:
            dataset = dataset['dataset']
        if dataset.get('mmcl_steps'):
            dataset['pipeline'] = canonical(train_pipeline_cfg(dataset))
            dataset.pop('mmcl_steps')
    return cfg


@functools.lru_cache(maxsize=None)
def snapshot():
    return load_snapshot()


def compared():
    """(snapshot path, current path) of the configs compared with their
    snapshot: those that stayed and those that moved with their recipe."""
    moves = {f'configs/{old}': f'configs/{new}'
             for old, new in renamed().items()}
    pairs = []
    for old in sorted(snapshot()):
        new = moves.get(old, old)
        if new in config_files() and old not in REPLACED_IN_PLACE:
            pairs.append((old, new))
    return pairs


def unintended(rel, diffs):
    """The differences of ``rel`` that MEANT_TO_CHANGE does not list."""
    return [(path, old, new) for path, old, new in diffs
            if not any(meant(entry, rel, path) for entry in MEANT_TO_CHANGE)]


def meant(entry, rel, path):
    """Whether a MEANT_TO_CHANGE entry covers key ``path`` of ``rel``."""
    config, keys, _ = entry
    return fnmatch.fnmatchcase(rel, config) and any(
        fnmatch.fnmatchcase(path, key) for key in keys)


def test_every_snapshot_config_is_accounted_for():
    """Configs are moved, replaced or removed only on purpose: each one of
    the snapshot is where it was, moved (config_layout.renamed) or
    replaced (config_layout.replaced, with a pointer in the README)."""
    moves = {f'configs/{old}' for old in list(renamed()) + list(replaced())}
    moves |= set(PROJECTS_REPLACED)
    for old in snapshot():
        assert (old in config_files()) != (old in moves), old
    for new in renamed().values():
        assert f'configs/{new}' in config_files(), new
    for new in replaced().values():
        assert new is None or new.startswith('mmaction::') or \
            f'configs/{new}' in config_files(), new
    for new in PROJECTS_REPLACED.values():
        assert new in config_files(), new
    assert set(REPLACED_IN_PLACE) <= set(snapshot()) & set(config_files())


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


@pytest.mark.parametrize('old, new', compared(), ids=lambda p: p)
def test_config_resolves_as_its_snapshot(old, new):
    diffs = unintended(
        new, differences(snapshot()[old], expanded(resolved(new))))
    assert not diffs, (f'{new} (was {old}) resolves differently from its '
                       f'snapshot (path: snapshot -> now):\n'
                       f'{describe(diffs)}')


def test_meant_to_change_is_exact():
    """Every MEANT_TO_CHANGE entry matches a difference somewhere, and the
    ``_scope_`` entry only covers ``'mmaction'`` scopes that went away."""
    found = set()
    for old, new in compared():
        for path, before, after in differences(snapshot()[old],
                                               expanded(resolved(new))):
            found.update(index
                         for index, entry in enumerate(MEANT_TO_CHANGE)
                         if meant(entry, new, path))
            if path.endswith('_scope_'):
                assert (before, after) == ('mmaction', ABSENT), (new, path)
    stale = [MEANT_TO_CHANGE[i] for i in range(len(MEANT_TO_CHANGE))
             if i not in found]
    assert not stale, f'entries that match no difference: {stale}'


def depth(path):
    """Files of this repo in the longest inheritance chain from ``path``
    (the config itself included)."""
    return 1 + max((depth(base) for base in repo_bases(path)), default=0)


BLOCKS = sorted(
    glob.glob(osp.join(CONFIG_ROOT, '_base_', '**', '*.py'), recursive=True))


@pytest.mark.parametrize('rel', config_files())
def test_config_is_at_most_three_files_deep(rel):
    """configs/: a config, the baseline it builds on, the blocks; an entry
    alias or a project's config may build on a shipped one (one more)."""
    alias = rel[len('configs/'):] in ALIASES
    limit = 4 if alias or rel.startswith('projects/') else 3
    chain_depth = depth(osp.join(REPO_ROOT, rel))
    assert chain_depth <= limit, (
        f'{rel} inherits through {chain_depth} files of this repo (at most '
        f'{limit})')


@pytest.mark.parametrize(
    'path', BLOCKS, ids=lambda p: osp.relpath(p, CONFIG_ROOT))
def test_base_blocks_inherit_no_repo_file(path):
    assert repo_bases(path) == [], (
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
        assert defining == ['configs/_base_/mmcl.py'], head

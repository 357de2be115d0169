"""The evaluation and deployment tools, run in-process on small inputs made
here: ensemble, analyze_results, plot_curves, transfer_eval (with and
without refinement), convert_official_checkpoint, export_onnx and
infer_skeleton."""
import importlib.util
import json
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config

from mmcl_tools.deploy.skeleton_inference import (SkeletonClassifier,
                                                  average_clips,
                                                  build_deployed_model,
                                                  prepare_clips,
                                                  config_test_pipeline,
                                                  load_skeleton_sample)
from mmcl_tools.evaluation import load_score_dump
from mmcl_tools.evaluation import NTU120_CLASSES, predict_scores

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
from ntu_writer import one_actor_frames, skeleton_text  # noqa: E402
from official_ctrgcn import (official_forward, official_refined,  # noqa: E402
                             official_state_dict)
from numerics import (GCN_TERMS, assert_same_log_probs,  # noqa: E402
                      assert_within_rounding, default_dtype, double_state,
                      gcn_terms, rounding_bound)

#: depth of write_config's small CTR-GCN (3 units, at most 16 channels)
TINY_TERMS = gcn_terms(max_channels=16, units=3)

TINY_CONFIG = """
custom_imports = dict(imports=['mmcl_plugin'], allow_failed_imports=False)
model = dict(
    type='{type}',
    backbone=dict(
        type='CTRGCN',
        graph_cfg=dict(layout='nturgb+d', mode='spatial'),
        base_channels={base},
        num_stages={stages},
        inflate_stages={inflate},
        down_stages={inflate}),
    cls_head=dict(type='GCNHead', num_classes={num_classes},
                  in_channels={width}),
    {extra})
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=8, num_clips=2,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_dataloader = dict(
    batch_size=2,
    num_workers=0,
    dataset=dict(type='MMCLPoseDataset', ann_file='data/none.pkl',
                 split='val', pipeline=test_pipeline))
"""
MMCL_EXTRA = ("frm_head=dict(type='FRMHead', text_channels=6, "
              "hidden_channels={hidden}),\n"
              "    data_preprocessor=dict(type='MMCLDataPreprocessor')")


def load_tool(*parts):
    path = osp.join(REPO, 'tools', *parts)
    spec = importlib.util.spec_from_file_location(
        'tool_' + parts[-1][:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_config(path, num_classes, mmcl=False, full=False, hidden=4):
    """A small CTR-GCN config (``full``: the official widths)."""
    geometry = dict(base=64, stages=10, inflate=(5, 8), width=256) if full \
        else dict(base=8, stages=3, inflate=(2, ), width=16)
    path.write_text(TINY_CONFIG.format(
        type='MMCLRecognizer' if mmcl else 'RecognizerGCN',
        num_classes=num_classes,
        extra=MMCL_EXTRA.format(hidden=hidden) if mmcl else '',
        **geometry))
    return str(path)


def write_checkpoint(config, path, seed=0, tweak=None):
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    with torch.no_grad():
        model.cls_head.fc.weight.normal_(0, 1)  # spread the scores
        if tweak is not None:
            tweak(model)
    torch.save(dict(state_dict=model.state_dict()), str(path))
    return str(path)


pytestmark = [pytest.mark.usefixtures('single_thread'), pytest.mark.numerics]


# ----------------------------------------------------------------- ensemble
def write_dump(path, scores, labels):
    with open(path, 'wb') as f:
        pickle.dump([dict(pred_score=torch.tensor(s, dtype=torch.float32),
                          gt_label=torch.tensor([y]), frame_dir=f's{i}')
                     for i, (s, y) in enumerate(zip(scores, labels))], f)
    return str(path)


LABELS = [0, 1, 2, 0]
JOINT = [[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.2, 0.3, 0.5], [0.3, 0.6, 0.1]]
BONE = [[0.4, 0.5, 0.1], [0.1, 0.8, 0.1], [0.1, 0.2, 0.7], [0.7, 0.2, 0.1]]


def test_ensemble_tool_with_given_and_searched_weights(tmp_path, capsys):
    ensemble = load_tool('analysis', 'ensemble.py')
    joint = write_dump(tmp_path / 'j.pkl', JOINT, LABELS)
    bone = write_dump(tmp_path / 'b.pkl', BONE, LABELS)
    out = str(tmp_path / 'report.json')
    report = ensemble.main(['--dumps', f'joint={joint}', f'bone={bone}',
                            '--weights', '0.9', '0.1', '--out', out,
                            '--fused-dump', str(tmp_path / 'fused.pkl')])
    # by hand (see tests/test_evaluation/test_ensemble.py): 0.9 / 0.1
    # gets samples 0 and 2 only
    assert report['streams']['joint']['top1'] == 0.5
    assert report['streams']['bone']['top1'] == 0.75
    assert report['fusion']['top1'] == 0.5
    assert report['weight_source'] == 'given'
    with open(out) as f:
        assert json.load(f)['fusion']['top1'] == 0.5
    fused = load_score_dump(str(tmp_path / 'fused.pkl'))
    np.testing.assert_allclose(fused.scores[1], [0.46, 0.44, 0.1],
                               rtol=1e-6)
    assert fused.names == ['s0', 's1', 's2', 's3']
    table = capsys.readouterr().out
    assert 'fusion' in table and '50.00' in table

    # default: equal weights, never a search on the test split
    report = ensemble.main(['--dumps', joint, bone])
    assert report['weight_source'] == 'equal'
    assert report['fusion']['top1'] == 1.0
    # held-out split where only the bone stream is right
    held_j = write_dump(tmp_path / 'hj.pkl', JOINT, [1, 1, 2, 0])
    held_b = write_dump(tmp_path / 'hb.pkl', BONE, [1, 1, 2, 0])
    report = ensemble.main(['--dumps', f'joint={joint}', f'bone={bone}',
                            '--search-dumps', f'joint={held_j}',
                            f'bone={held_b}'])
    assert report['weight_source'] == 'searched on the held-out split'
    assert report['search_top1'] == 1.0
    assert report['weights']['bone'] > report['weights']['joint']
    report = ensemble.main(['--dumps', joint, bone, '--search-on-test'])
    assert 'optimistic' in report['weight_source']


def test_ensemble_tool_refuses_disagreeing_dumps(tmp_path):
    ensemble = load_tool('analysis', 'ensemble.py')
    joint = write_dump(tmp_path / 'j.pkl', JOINT, LABELS)
    short = write_dump(tmp_path / 'short.pkl', BONE[:3], LABELS[:3])
    with pytest.raises(ValueError, match=r'short\.pkl has 3 samples'):
        ensemble.main(['--dumps', joint, short])
    relabelled = write_dump(tmp_path / 'relabel.pkl', BONE, [0, 1, 1, 0])
    with pytest.raises(ValueError, match=r'relabel\.pkl: labels disagree'):
        ensemble.main(['--dumps', joint, relabelled])
    with pytest.raises(ValueError, match='1 weights for 2 streams'):
        ensemble.main(['--dumps', f'a={joint}', f'b={joint}', '--weights',
                       '1'])
    held = write_dump(tmp_path / 'h.pkl', JOINT, LABELS)
    with pytest.raises(ValueError, match='must be the --dumps streams'):
        ensemble.main(['--dumps', f'a={joint}', f'b={joint}',
                       '--search-dumps', f'b={held}', f'a={held}'])


#: The MMCL release's NTU120 X-Sub rates (Ensemble/ensemble.py), by stream.
RATES = dict(J=2.361693262051476, B=4.35402786600752, JM=3.6038236890242237,
             BM=1.0158095311333564, HDJ=3.0574845840597544, HDB=5.0)
NTU_NAMES = ['S001C001P001R001A001', 'S001C001P001R001A002']


def six_stream_logits():
    """Per stream, (2, 120) logits: sample 0 (class 0) has 1.2 at class 0
    in J, BM, HDB and 1 at class 1 in B, JM, HDJ; sample 1 (class 1) 3 at
    class 1 in J and 1 at class 0 in HDB."""
    logits = {name: np.zeros((2, 120), np.float32) for name in RATES}
    for name in ('J', 'BM', 'HDB'):
        logits[name][0, 0] = 1.2
    for name in ('B', 'JM', 'HDJ'):
        logits[name][0, 1] = 1
    logits['J'][1, 1] = 3
    logits['HDB'][1, 0] = 1
    return logits


def test_ensemble_preset_reproduces_the_released_fusion(tmp_path):
    ensemble = load_tool('analysis', 'ensemble.py')
    logits = six_stream_logits()
    specs = []
    for name in ('HDB', 'J', 'B', 'JM', 'BM', 'HDJ'):  # not preset order
        path = tmp_path / f'{name}.pkl'
        if name.startswith('HD'):
            # HD-GCN streams as the official code saves them, samples in
            # the other order (aligned by name)
            with open(path, 'wb') as f:
                pickle.dump({NTU_NAMES[1]: logits[name][1],
                             NTU_NAMES[0]: logits[name][0]}, f)
        else:
            with open(path, 'wb') as f:
                pickle.dump([
                    dict(pred_score=torch.from_numpy(logits[name][i]),
                         gt_label=torch.tensor([i]),
                         frame_dir=NTU_NAMES[i], score_kind='logits')
                    for i in range(2)], f)
        specs.append(f'{name}={path}')
    fused_path = str(tmp_path / 'fused.pkl')
    report = ensemble.main(['--dumps', *specs, '--preset',
                            'mmcl-ntu120-xsub', '--fused-dump', fused_path])
    # by hand: sample 0, class 0: 1.2 (J + BM + HDB) = 1.2 (2.3617 + 1.0158
    # + 5.0); class 1: B + JM + HDJ = 4.3540 + 3.6038 + 3.0575 (wrong:
    # 11.02 > 10.05); sample 1, class 1: 3 J = 7.085 > class 0: HDB = 5.0
    # (right)
    expected = np.zeros((2, 120))
    expected[0, 0] = 1.2 * (2.361693262051476 + 1.0158095311333564 + 5.0)
    expected[0, 1] = 4.35402786600752 + 3.6038236890242237 + \
        3.0574845840597544
    expected[1, 1] = 3 * 2.361693262051476
    expected[1, 0] = 5.0
    fused = load_score_dump(fused_path)
    np.testing.assert_allclose(fused.scores, expected, rtol=1e-6)
    assert fused.kind == 'logits' and fused.names == NTU_NAMES
    assert report['fusion']['top1'] == 0.5
    assert report['fuse'] == 'logits'
    assert list(report['weights']) == ['J', 'B', 'JM', 'BM', 'HDJ', 'HDB']
    assert report['weights'] == RATES
    # the same streams with equal weights get both right (sample 0: 3.6 vs
    # 3): the rates are what is applied
    equal = ensemble.main(['--dumps', *specs, '--fuse', 'logits'])
    assert equal['fusion']['top1'] == 1.0


def test_ensemble_preset_refusals(tmp_path):
    ensemble = load_tool('analysis', 'ensemble.py')
    logits = six_stream_logits()
    specs = []
    for name in RATES:
        path = tmp_path / f'{name}.pkl'
        with open(path, 'wb') as f:
            pickle.dump({n: logits[name][i]
                         for i, n in enumerate(NTU_NAMES)}, f)
        specs.append(f'{name}={path}')
    with pytest.raises(ValueError, match=r"missing: \['HDB'\], unknown: "
                       r"\['X'\]"):
        ensemble.main(['--dumps', *specs[:5], f'X={tmp_path}/HDB.pkl',
                       '--preset', 'mmcl-ntu120-xsub'])
    probs = tmp_path / 'probs.pkl'
    with open(probs, 'wb') as f:
        pickle.dump([dict(pred_score=torch.full((120, ), 1 / 120),
                          gt_label=torch.tensor([i]), frame_dir=n)
                     for i, n in enumerate(NTU_NAMES)], f)
    with pytest.raises(ValueError, match=r'probs\.pkl holds probabilities'):
        ensemble.main(['--dumps', f'J={probs}', *specs[1:], '--preset',
                       'mmcl-ntu120-xsub'])
    small = tmp_path / 'small.pkl'
    with open(small, 'wb') as f:
        pickle.dump({n: np.zeros(60) for n in NTU_NAMES}, f)
    with pytest.raises(ValueError, match='is for 120'):
        ensemble.main(['--dumps', *[f'{n}={small}' for n in RATES],
                       '--preset', 'mmcl-ntu120-xsub'])


# ---------------------------------------------------- analysis and curves
def test_analyze_results_writes_tables_and_pngs(tmp_path, capsys):
    analyze = load_tool('analysis', 'analyze_results.py')
    labels = np.array([11] * 5 + [28] * 5 + [15] * 4 + [16] * 4)
    base_pred, mmcl_pred = labels.copy(), labels.copy()
    base_pred[[0, 1]] = 28  # writing as playing with phone
    base_pred[5] = 11
    base_pred[10] = 16  # wear a shoe as take off a shoe
    mmcl_pred[0] = 28
    eye = np.eye(60)
    base = write_dump(tmp_path / 'base.pkl', eye[base_pred], labels)
    mmcl = write_dump(tmp_path / 'mmcl.pkl', eye[mmcl_pred], labels)
    out_dir = tmp_path / 'analysis'
    result = analyze.main([mmcl, '--baseline', base, '--class-names',
                           'ntu60', '--out-dir', str(out_dir)])
    assert result['summary']['MMCL']['top1'] == pytest.approx(17 / 18)
    assert result['summary']['baseline']['top1'] == pytest.approx(14 / 18)
    first = result['pairs'][0]
    assert (first['name_a'], first['name_b']) == (
        'writing', 'playing with phone/tablet')
    assert first['baseline']['acc_a'] == pytest.approx(0.6)
    assert first['model']['acc_a'] == pytest.approx(0.8)
    assert result['pairs'][1]['name_b'] == 'take off a shoe'
    rows = (out_dir / 'per_class_accuracy.csv').read_text().splitlines()
    assert rows[0] == ('class_id,class_name,num_samples,top1_MMCL,'
                       'top1_baseline,difference')
    assert rows[1 + 11] == '11,writing,5,0.8000,0.6000,0.2000'
    assert rows[1 + 0] == '0,drink water,0,,,'
    md = (out_dir / 'fine_grained.md').read_text()
    assert '| 11 writing | 28 playing with phone/tablet | 60.0 → 80.0' in md
    for png in ('confusion_matrix.png', 'confusion_matrix_baseline.png',
                'per_class_accuracy.png'):
        assert (out_dir / png).read_bytes()[:4] == b'\x89PNG'
    assert 'writing' in capsys.readouterr().out
    with pytest.raises(ValueError, match='list 60 classes, the model has '
                       '120'):
        analyze.main([write_dump(tmp_path / 'x.pkl', np.eye(120)[:2],
                                 [0, 1]), '--class-names', 'ntu60',
                      '--out-dir', str(out_dir)])


def test_plot_curves_tool(tmp_path):
    plot = load_tool('analysis', 'plot_curves.py')
    for name, loss in (('mmcl', 1.0), ('baseline', 1.5)):
        vis = tmp_path / name / '20260101_000000' / 'vis_data'
        vis.mkdir(parents=True)
        (vis / 'scalars.json').write_text('\n'.join(json.dumps(e) for e in [
            dict(lr=0.1, loss=loss + 1, epoch=1, iter=5, step=5),
            dict(lr=0.1, loss=loss, epoch=2, iter=10, step=10),
            {'acc/top1': 0.5 / loss, 'step': 2}]))
    out = str(tmp_path / 'curves.png')
    keys = plot.main([str(tmp_path / 'mmcl'), str(tmp_path / 'baseline'),
                      '--keys', 'loss', 'acc/top1', '--out', out])
    assert keys == ['loss', 'acc/top1']
    assert open(out, 'rb').read(4) == b'\x89PNG'
    with pytest.raises(ValueError, match='run names must differ'):
        plot.main([str(tmp_path / 'mmcl'), str(tmp_path / 'mmcl'), '--out',
                   out])


# ---------------------------------------------------------------- transfer
def write_transfer_set(path):
    """UTD-MHAD-like samples in NTU layout: 4 of mapped classes."""
    rng = np.random.default_rng(0)
    labels = [2, 26, 0, 2, 24, 13]  # 0 and 13 (boxing) are not mapped
    annotations = [
        dict(frame_dir=f'a{y + 1}_s{i + 1}_t1', label=y, total_frames=14,
             img_shape=(480, 640),
             keypoint=rng.normal(0, 0.3, (1, 14, 25, 3)).astype(np.float32))
        for i, y in enumerate(labels)
    ]
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(all=[a['frame_dir'] for a in annotations],
                                    train=['a1_s3_t1']),  # unmapped
                         annotations=annotations), f)
    return str(path), annotations


def test_transfer_eval_zero_shot_and_refined(tmp_path):
    transfer = load_tool('analysis', 'transfer_eval.py')
    config = write_config(tmp_path / 'mmcl.py', 120, mmcl=True)

    def tweak(model):
        model.frm_head.class_matrices.uniform_(0.2, 3.0)

    checkpoint = write_checkpoint(config, tmp_path / 'mmcl.pth', tweak=tweak)
    ann_file, annotations = write_transfer_set(tmp_path / 'utd.pkl')
    mapping = osp.join(REPO, 'configs', 'transfer', 'utd_mhad_to_ntu120.json')
    args = [config, checkpoint, '--ann-file', ann_file, '--mapping', mapping,
            '--num-workers', '0', '--batch-size', '3', '--device', 'cpu']
    report = transfer.main(args + ['--out', str(tmp_path / 'r.json'),
                                   '--dump', str(tmp_path / 'zs.pkl')])
    assert report['overall']['num_samples'] == 4
    assert report['num_unmapped'] == 2
    per_class = {r['source_name']: r['num_samples']
                 for r in report['per_class']}
    assert per_class == {'wave': 2, 'arm cross': 0, 'basketball shoot': 0,
                         'sit to stand': 0, 'stand to sit': 1, 'squat': 1}
    dump = load_score_dump(str(tmp_path / 'zs.pkl'))
    assert dump.labels.tolist() == [22, 79, 22, 7]  # mapped NTU ids
    # the same scores through the single-sample inference path
    cfg = Config.fromfile(config)
    model = build_deployed_model(cfg, checkpoint)
    mapped = [a for a in annotations if a['label'] in (2, 24, 26)]
    for row, annotation in zip(dump.scores, mapped):
        clips = prepare_clips(annotation, config_test_pipeline(cfg))
        with torch.no_grad():
            logits = SkeletonClassifier(model)(torch.from_numpy(clips))
        # the tool's batches of 3 against one sample: other kernels
        assert_same_log_probs(row, average_clips(logits.numpy()),
                              float(logits.abs().max()), TINY_TERMS)
    hits = [int(np.argsort(-row)[0] == y)
            for row, y in zip(dump.scores, dump.labels)]
    assert report['overall']['top1'] == pytest.approx(np.mean(hits))
    with open(tmp_path / 'r.json') as f:
        assert json.load(f)['overall']['num_samples'] == 4

    restricted = transfer.main(args + ['--restrict'])
    assert restricted['restricted']
    assert restricted['overall']['top1'] >= report['overall']['top1']

    # with refinement: text features of every mapped sample
    text_root = tmp_path / 'text'
    text_root.mkdir()
    rng = np.random.default_rng(1)
    for annotation in mapped:
        np.save(text_root / f'{annotation["frame_dir"]}.npy',
                rng.normal(size=(3, 6)).astype(np.float32))
    refined = transfer.main(args + ['--refine', '--text-feature-root',
                                    str(text_root), '--dump',
                                    str(tmp_path / 'ref.pkl')])
    assert refined['refined'] and refined['overall']['num_samples'] == 4
    ref_scores = load_score_dump(str(tmp_path / 'ref.pkl')).scores
    assert not np.allclose(ref_scores, dump.scores, atol=1e-4)
    mmcl = MODELS.build(dict(cfg.model.to_dict()))
    mmcl.load_state_dict(torch.load(checkpoint)['state_dict'])
    mmcl.eval()
    annotation = mapped[1]
    clips = torch.from_numpy(prepare_clips(annotation,
                                           config_test_pipeline(cfg)))[None]
    # the (L, D) file as the loader gives it: one sample of one prompt
    text = torch.from_numpy(
        np.load(text_root / f'{annotation["frame_dir"]}.npy'))[None, None]
    expected = predict_scores(mmcl, clips, text, refine=True)[0].numpy()
    # S_R's scale: the refined logits (S_M times the class vectors <= 3)
    with torch.no_grad():
        clip_logits = mmcl.cls_head(mmcl.backbone(clips[0]))
        refined_logits = mmcl.frm_head(
            clip_logits, text.expand(len(clip_logits), -1, -1, -1))
    assert_same_log_probs(ref_scores[1], expected,
                          float(refined_logits.abs().max()), TINY_TERMS + 10)

    with pytest.raises(ValueError, match='no frm_head parameters'):
        deployed = {k: v for k, v in torch.load(checkpoint)[
            'state_dict'].items() if not k.startswith('frm_head')}
        torch.save(deployed, str(tmp_path / 'deployed.pth'))
        transfer.main([config, str(tmp_path / 'deployed.pth')] + args[2:] +
                      ['--refine', '--text-feature-root', str(text_root)])
    with pytest.raises(ValueError, match="no split 'test'"):
        transfer.main(args + ['--split', 'test'])
    with pytest.raises(ValueError, match='none of the 1 samples'):
        transfer.main(args + ['--split', 'train'])
    sixty = write_config(tmp_path / 'sixty.py', 60)
    with pytest.raises(ValueError, match='has 60 classes but'):
        transfer.main([sixty] + args[1:])


#: The NTU120 X-Sub joint configs of the paper's zero-shot table's
#: backbones, narrowed (and one test clip) for the CPU through the tool's
#: --cfg-options.
ZERO_SHOT_CONFIGS = {
    'ctrgcn':
    'ctrgcn/mmcl-ctrgcn_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py',
    'ctrsgcn':
    'ctrsgcn/mmcl-ctrsgcn_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py',
    'hdgcn':
    'hdgcn/mmcl-hdgcn_1xb64-joint-u64-90e-com1_ntu120-xsub-keypoint-3d.py',
}
NARROW = ['model.backbone.base_channels=8', 'model.cls_head.in_channels=32']
#: Another test pipeline than the configs' (the official one): mmaction2's
#: (PreNormalize3D, UniformSampleFrames, 10 clips), from its STGCN++ config.
MMACTION2_NTU = osp.join(
    osp.dirname(__import__('mmaction').__file__), '.mim', 'configs',
    'skeleton', 'stgcnpp',
    'stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py')


@pytest.mark.parametrize('backbone', sorted(ZERO_SHOT_CONFIGS))
def test_transfer_eval_zero_shot_per_backbone(tmp_path, backbone):
    """Each backbone's NTU120 X-Sub joint config with the UTD-MHAD table,
    read with its own test pipeline (the official one) and with
    mmaction2's."""
    transfer = load_tool('analysis', 'transfer_eval.py')
    config = osp.join(REPO, 'configs', ZERO_SHOT_CONFIGS[backbone])
    cfg = Config.fromfile(config)
    cfg.model.backbone.base_channels = 8
    cfg.model.cls_head.in_channels = 32
    cfg.model.fam_head.image_encoder.init_cfg = None  # no download
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():
        # spread the scores, short of saturating the softmax
        model.cls_head.fc.weight.normal_(0, 0.02)
    checkpoint = str(tmp_path / 'ntu120.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    ann_file, annotations = write_transfer_set(tmp_path / 'utd.pkl')
    mapping = osp.join(REPO, 'configs', 'transfer', 'utd_mhad_to_ntu120.json')
    args = [config, checkpoint, '--ann-file', ann_file, '--mapping', mapping,
            '--num-workers', '0', '--device', 'cpu', '--cfg-options'
            ] + NARROW
    mapped = [a for a in annotations if a['label'] in (2, 24, 26)]
    deployed = build_deployed_model(cfg, checkpoint)
    for pipeline_from in (None, MMACTION2_NTU):
        extra = ['--test-pipeline-from', pipeline_from] if pipeline_from \
            else []
        dump = str(tmp_path / f'{bool(pipeline_from)}.pkl')
        report = transfer.main(args + extra + ['--dump', dump])
        assert report['overall']['num_samples'] == 4
        assert report['test_pipeline_from'] == pipeline_from
        scores = load_score_dump(dump).scores
        pipeline_cfg = Config.fromfile(pipeline_from) if pipeline_from \
            else cfg
        for row, annotation in zip(scores, mapped):
            clips = prepare_clips(annotation,
                                  config_test_pipeline(pipeline_cfg))
            with torch.no_grad():
                logits = SkeletonClassifier(deployed)(torch.from_numpy(clips))
            # the config's head averages probabilities or (the official
            # CTRGCNHead) logits; probabilities as log-probabilities (the
            # softmax of near-saturated logits reaches 1e-38, where float32
            # probabilities lose precision), logits within float32 rounding
            # over the 32-channel net's depth
            mode = cfg.model.cls_head.get('average_clips', 'prob')
            expected = average_clips(logits.numpy(), mode)
            if mode == 'prob':
                assert_same_log_probs(row, expected,
                                      float(logits.abs().max()),
                                      gcn_terms(max_channels=32))
            else:
                assert_within_rounding(row, expected,
                                       terms=gcn_terms(max_channels=32),
                                       dtype=torch.float32,
                                       msg=annotation['frame_dir'])
        if pipeline_from is None:
            own = scores
    # mmaction2's data path (rotation alignment) gives other scores
    assert not np.allclose(own, scores, atol=1e-4)


def test_transfer_test_pipeline_from_needs_a_test_pipeline(tmp_path):
    transfer = load_tool('analysis', 'transfer_eval.py')
    cfg = Config.fromfile(write_config(tmp_path / 'a.py', 120))
    other = tmp_path / 'no_pipeline.py'
    other.write_text("test_dataloader = dict(dataset=dict(type='X'))\n")
    with pytest.raises(ValueError, match='no_pipeline.py: no test pipeline'):
        transfer.use_test_pipeline_of(cfg, Config.fromfile(str(other)))
    official = Config.fromfile(osp.join(
        REPO, 'configs', 'ctrgcn',
        'ctrgcn_1xb64-joint-u64-65e_ntu120-xsub-keypoint-3d.py'))
    transfer.use_test_pipeline_of(cfg, official)
    assert cfg.test_dataloader.dataset.pipeline == \
        official.test_dataloader.dataset.pipeline
    assert cfg.test_dataloader.dataset.ann_file == 'data/none.pkl'


def test_transfer_dataset_config_for_refinement(tmp_path):
    transfer = load_tool('analysis', 'transfer_eval.py')
    cfg = Config.fromfile(write_config(tmp_path / 'mmcl.py', 120, mmcl=True))
    plain = transfer.dataset_config(cfg, 'subset.pkl', refine=False)
    assert (plain['ann_file'], plain['split']) == ('subset.pkl', 'transfer')
    assert [s['type'] for s in plain['pipeline']] == [
        s['type'] for s in cfg.test_dataloader.dataset.pipeline]
    files = transfer.dataset_config(cfg, 's.pkl', True, 'text/')
    assert files['text_feature_root'] == 'text/'
    types = [s['type'] for s in files['pipeline']]
    assert types[-3:] == ['LoadTextFeature', 'FormatGCNInput',
                          'PackMMCLInputs']
    # a cache is read as the training pipeline reads it
    cfg.train_dataloader = dict(dataset=dict(pipeline=[dict(
        type='LoadTextFeatureFromCache', feature='pooled', prompts=[0, 2])]))
    cached = transfer.dataset_config(cfg, 's.pkl', True, None, 'cache/')
    assert 'text_feature_root' not in cached
    assert cached['pipeline'][-3] == dict(
        type='LoadTextFeatureFromCache', feature='pooled', prompts=[0, 2],
        cache_dir='cache/')


# ------------------------------------------------- official checkpoints
def test_convert_official_checkpoint_tool(tmp_path, capsys):
    convert = load_tool('deploy', 'convert_official_checkpoint.py')
    official = official_state_dict(num_class=10, seed=3, mmcl=True,
                                   text_channels=6)
    path = str(tmp_path / 'mmcl_official.pt')
    torch.save({f'module.{k}': v for k, v in official.items()}, path)
    config = write_config(tmp_path / 'full.py', 10, mmcl=True, full=True,
                          hidden=64)
    out = str(tmp_path / 'converted.pth')
    summary = convert.main([path, config, out])
    assert summary['dropped'] == {'FRM': 6, 'inception_v3': 2,
                                  'FAM_Aligh': 2}
    assert 'dropped training-only tensors' in capsys.readouterr().out
    cfg = Config.fromfile(out[:-4] + '.py')
    assert cfg.model.type == 'RecognizerGCN'
    with default_dtype(torch.float64):  # parity in float64
        model = build_deployed_model(cfg, out).double()
    x = torch.randn(2, 2, 10, 25, 3, dtype=torch.float64)
    with torch.no_grad():
        logits = SkeletonClassifier(model)(x)
    expected = official_forward(double_state(official),
                                x.permute(0, 4, 2, 3, 1))
    assert_within_rounding(logits, expected, terms=GCN_TERMS, msg='logits')

    out_frm = str(tmp_path / 'converted_frm.pth')
    convert.main([path, config, out_frm, '--with-frm'])
    cfg = Config.fromfile(out_frm[:-4] + '.py')
    with default_dtype(torch.float64):
        mmcl = MODELS.build(cfg.model)
    mmcl.load_state_dict(torch.load(out_frm)['state_dict'], strict=True)
    text = torch.randn(2, 6, dtype=torch.float64)
    with torch.no_grad():
        refined = mmcl.eval().frm_head(logits, text[:, None, None])
    # Phi (6 -> 64 -> 2), softmax and the rescaling: 64 + 6 + 2 terms
    assert_within_rounding(
        refined, official_refined(double_state(official), logits, text),
        terms=72, msg='S_R')
    wrong = write_config(tmp_path / 'wrong.py', 60, full=True)
    with pytest.raises(ValueError, match='mmcl_official.pt does not fit'):
        convert.main([path, wrong, str(tmp_path / 'x.pth')])
    assert not osp.exists(tmp_path / 'x.pth')


# ------------------------------------------------------- ONNX and infer
def test_export_onnx_and_infer_a_skeleton_file(tmp_path, capsys):
    export = load_tool('deploy', 'export_onnx.py')
    infer = load_tool('deploy', 'infer_skeleton.py')
    config = write_config(tmp_path / 'tiny.py', 120)
    checkpoint = write_checkpoint(config, tmp_path / 'tiny.pth')
    onnx_path = str(tmp_path / 'tiny.onnx')
    summary = export.main([config, checkpoint, onnx_path])
    # onnxruntime vs torch, both float32: rounding over the tiny net
    assert summary['max_abs_diff'] <= rounding_bound(
        None, TINY_TERMS, torch.float32, scale=summary['max_abs_logit'])
    assert summary['clip_shape'] == (2, 8, 25, 3)
    assert 'max |diff|' in capsys.readouterr().out

    skeleton = tmp_path / 'S002C003P004R001A023.skeleton'
    skeleton.write_text(skeleton_text(one_actor_frames(30, seed=2)))
    result = infer.main([onnx_path, str(skeleton)])
    assert result['label'] == 22 and result['label_name'] == 'hand waving'
    assert result['num_clips'] == 2 and len(result['topk']) == 5
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == ('S002C003P004R001A023, label 22 hand waving '
                          '(2 clips)')
    assert len(printed) == 6
    for (class_id, name, _), line in zip(result['topk'], printed[1:]):
        assert name == NTU120_CLASSES[class_id] and name in line
    # PyTorch gives the same top-5
    torch_result = infer.main([checkpoint, str(skeleton), '--config',
                               config])
    assert [t[0] for t in torch_result['topk']] == \
        [t[0] for t in result['topk']]
    deployed = build_deployed_model(Config.fromfile(config), checkpoint)
    clips = prepare_clips(load_skeleton_sample(str(skeleton)),
                          config_test_pipeline(Config.fromfile(config)))
    with torch.no_grad():
        logits = SkeletonClassifier(deployed)(torch.from_numpy(clips))
    assert_same_log_probs([t[2] for t in torch_result['topk']],
                          [t[2] for t in result['topk']],
                          float(logits.abs().max()), TINY_TERMS)
    # an annotation of a pickle, by name
    pkl = tmp_path / 'set.pkl'
    with open(pkl, 'wb') as f:
        pickle.dump(dict(split={}, annotations=[dict(
            frame_dir='x1', label=5, total_frames=12,
            keypoint=np.random.default_rng(0).normal(
                size=(2, 12, 25, 3)).astype(np.float32))]), f)
    result = infer.main([onnx_path, str(pkl), '--sample', 'x1', '--topk',
                         '3'])
    assert result['label_name'] == 'pickup' and len(result['topk']) == 3
    with pytest.raises(ValueError, match='a .pth model needs --config'):
        infer.main([checkpoint, str(skeleton)])

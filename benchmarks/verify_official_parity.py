"""Compare the official-recipe configs with the official CTR-GCN code.

``python benchmarks/verify_official_parity.py --official CTR-GCN_CHECKOUT
[--nwucla-zip ../shared/data/nw_ucla/all_sqe.zip] [--num-samples N]
[--seeds K] [--out benchmarks/results/official_parity.json]``

The official code is imported from the checkout (``git clone
https://github.com/Uason-Chen/CTR-GCN``; see ``official_code.py`` for the
runtime shims) and fed the same real samples as this plugin's pipelines
(the test / train pipelines of ``configs/ctrgcn/``, one per stream):

- graphs: the official ``graph/ucla.py`` / ``graph/ntu_rgb_d.py`` A against
  mmaction2's ``Graph`` on the ``'ctrgcn_nwucla'`` / ``'ctrgcn_ntu'``
  layouts;
- NW-UCLA: view-3 clips of ``all_sqe.zip`` through the official feeder's
  test branch, and training clips through its training branch with
  ``random``, NumPy and torch seeded identically before each sample on
  both sides (same draws), against this plugin's pickle of the same zip
  (``convert_nwucla``);
- NTU: ``.skeleton`` files in the real format (written with the tests'
  ``ntu_writer``: one actor, one actor with body-less frames, two actors,
  a partly present second actor, a 40-frame clip) through the official
  ``get_raw_skes_data`` / ``get_raw_denoised_data`` / ``seq_transformation``
  steps, an ``.npz`` as ``seq_transformation`` writes it and the official
  NTU feeder (test and seeded training branches), against this plugin's
  converter (default options);
- initialisation: per-tensor mean and std of the official ``Model`` and of
  this plugin's CTR-GCN with ``init_scheme='official'`` + ``CTRGCNHead``
  (the draws cannot be shared, so statistics are compared).

Prints a table of max |diff| per check and writes it as JSON; the exit
status is 1 when a tensor check exceeds ``--tolerance`` (1e-5) or an
initialisation statistic disagrees.
"""
import argparse
import json
import logging
import os
import os.path as osp
import random
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Tuple

import numpy as np

BENCH_DIR = osp.dirname(osp.abspath(__file__))
REPO_ROOT = osp.dirname(BENCH_DIR)
import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import official_code  # noqa: E402
import torch  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402
from mmcv.transforms import Compose  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402

from mmcl_tools.deploy.convert_official import official_key_to_plugin
from mmcl_tools.converters.ntu import skeleton_to_annotation
from mmcl_tools.converters.nwucla import convert_nwucla

STREAMS = ('joint', 'bone', 'joint-motion', 'bone-motion')
NWUCLA_CONFIG = ('configs/ctrgcn/ctrgcn_1xb16-{}-u52-65e_'
                 'nwucla-xview-keypoint-3d.py')
NTU_CONFIG = ('configs/ctrgcn/ctrgcn_1xb64-{}-u64-65e_'
              'ntu60-xsub-keypoint-3d.py')
NTU_WRITER = osp.join(REPO_ROOT, 'tests', 'helpers', 'ntu_writer.py')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--official', required=True, help='CTR-GCN checkout (git clone)')
    parser.add_argument(
        '--nwucla-zip',
        default=osp.join(REPO_ROOT, '..', 'shared', 'data', 'nw_ucla',
                         'all_sqe.zip'))
    parser.add_argument(
        '--num-samples',
        type=int,
        default=0,
        help='NW-UCLA clips per split and stream (0: all 464 test clips, '
        '64 training clips)')
    parser.add_argument(
        '--seeds', type=int, default=3, help='seeds per training sample')
    parser.add_argument('--tolerance', type=float, default=1e-5)
    parser.add_argument('--out', help='JSON report')
    return parser.parse_args()


def pipeline_of(rel: str, phase: str) -> Compose:
    """The test or training pipeline of a config, as one callable."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, rel))
    loader = cfg.test_dataloader if phase == 'test' else cfg.train_dataloader
    dataset = loader.dataset
    while dataset.type == 'RepeatDataset':
        dataset = dataset.dataset
    return Compose(dataset.pipeline)


def plugin_tensor(pipeline: Compose, annotation: Dict) -> np.ndarray:
    """The packed (M, T, V, C) input of one sample."""
    results = pipeline(dict(annotation))
    inputs = results['inputs'].numpy()  # (clips, M, T, V, C)
    assert inputs.shape[0] == 1, inputs.shape
    return inputs[0]


def official_tensor(data) -> np.ndarray:
    """An official (C, T, V, M) sample as (M, T, V, C) float64."""
    return np.asarray(data, dtype=np.float64).transpose(3, 1, 2, 0)


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def max_diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        raise AssertionError(f'shapes differ: {a.shape} vs {b.shape}')
    return float(np.abs(a.astype(np.float64) - b).max())


def check_graphs() -> Dict[str, float]:
    """Official A against mmaction2's Graph on the named layouts."""
    from graph import ntu_rgb_d, ucla
    from mmaction.models.utils import Graph

    from mmcl_plugin.models.utils import resolve_layout
    report = {}
    for name, official in (('ctrgcn_nwucla', ucla.Graph),
                           ('ctrgcn_ntu', ntu_rgb_d.Graph)):
        ours = Graph(layout=resolve_layout(name), mode='spatial').A
        report[f'graph A {name}'] = max_diff(ours,
                                             official('spatial').A)
    return report


def check_nwucla(zip_path: str, run_dir: str, num_samples: int,
                 seeds: int) -> Dict[str, float]:
    """Official NW-UCLA feeder against the official-recipe pipelines."""
    from feeders import feeder_ucla
    content, failures = convert_nwucla(zip_path)
    if failures:
        raise SystemExit(f'{zip_path}: {failures[:3]}')
    annotations = {a['frame_dir']: a for a in content['annotations']}
    official_code.extract_nwucla(zip_path, run_dir)
    report = {}
    cwd = os.getcwd()
    os.chdir(run_dir)  # the feeder reads data/NW-UCLA/all_sqe/ from here
    try:
        for stream in STREAMS:
            path = official_code.nwucla_data_path(stream)
            rel = NWUCLA_CONFIG.format(stream)
            test_set = feeder_ucla.Feeder(data_path=path, label_path='val')
            count = num_samples or len(test_set)
            pipeline = pipeline_of(rel, 'test')
            report[f'nwucla test {stream} ({count} view-3 clips)'] = max(
                max_diff(
                    plugin_tensor(
                        pipeline, annotations[test_set.data_dict[i]
                                              ['file_name']]),
                    official_tensor(test_set[i][0])) for i in range(count))
            train_set = feeder_ucla.Feeder(
                data_path=path, label_path='train', repeat=1)
            count = num_samples or 64
            pipeline = pipeline_of(rel, 'train')
            diffs = []
            for i in range(count):
                for seed in range(seeds):
                    seed_all(seed)
                    official = official_tensor(train_set[i][0])
                    seed_all(seed)
                    ours = plugin_tensor(
                        pipeline,
                        annotations[train_set.data_dict[i]['file_name']])
                    diffs.append(max_diff(ours, official))
            report[f'nwucla train {stream} ({count} clips x {seeds} seeds, '
                   'same draws)'] = max(diffs)
    finally:
        os.chdir(cwd)
    return report


def ntu_cases(writer) -> List[Tuple[str, List]]:
    """(sample name, frames) of the NTU ``.skeleton`` files."""
    rng = np.random.default_rng(7)

    def two_actors(num_frames: int, second: range, empty=()) -> List:
        frames = []
        for t in range(num_frames):
            bodies = [] if t in empty else [
                ('72057594037931101', writer.standing_body(rng, -0.5))
            ]
            if t in second and t not in empty:
                bodies.append(('72057594037931202',
                               writer.standing_body(rng, 0.5, motion=0.02)))
            frames.append(bodies)
        return frames

    return [
        ('S001C001P001R001A001', writer.one_actor_frames(103, seed=1)),
        ('S001C002P003R001A009',
         writer.one_actor_frames(90, seed=2, empty=(0, 1, 40, 41, 89))),
        ('S002C001P004R002A050', two_actors(120, range(120))),
        ('S003C003P008R001A055', two_actors(100, range(30, 80), (0, 1))),
        ('S004C001P002R002A023', writer.one_actor_frames(40, seed=3)),
    ]


def official_ntu_npz(checkout: str, skes_dir: str, name: str,
                     run_dir: str) -> str:
    """Run the official NTU pre-processing on one file; write its .npz."""
    data_dir = osp.join(checkout, 'data', 'ntu')
    raw_mod = official_code.load_module(
        osp.join(data_dir, 'get_raw_skes_data.py'), 'official_raw_skes')
    denoise_mod = official_code.load_module(
        osp.join(data_dir, 'get_raw_denoised_data.py'), 'official_denoised')
    seq_mod = official_code.load_module(
        osp.join(data_dir, 'seq_transformation.py'), 'official_seq')
    raw = raw_mod.get_raw_bodies_data(skes_dir, name, {},
                                      logging.getLogger('official_drop'))
    if len(raw['data']) == 1:
        body = list(raw['data'].values())[0]
        joints, _ = denoise_mod.get_one_actor_points(body,
                                                     raw['num_frames'])
    else:
        joints, colors = denoise_mod.get_two_actors_points(raw)
        joints, _ = denoise_mod.remove_missing_frames(name, joints, colors)
    joints = seq_mod.seq_translation([joints])
    aligned = seq_mod.align_frames(joints, np.array([300]))
    label = np.zeros((1, 60))
    label[0, 0] = 1
    path = osp.join(run_dir, f'{name}.npz')
    np.savez(path, x_train=aligned, y_train=label, x_test=aligned,
             y_test=label)
    return path


def check_ntu(checkout: str, run_dir: str, seeds: int) -> Dict[str, float]:
    """Official NTU pre-processing + feeder against the pipelines."""
    from feeders import feeder_ntu
    writer = official_code.load_module(NTU_WRITER, 'ntu_writer')
    skes_dir = osp.join(run_dir, 'nturgb+d_skeletons')
    os.makedirs(skes_dir, exist_ok=True)
    cwd = os.getcwd()
    os.chdir(run_dir)  # the official scripts write logs to the cwd
    report = {}
    try:
        for name, frames in ntu_cases(writer):
            path = writer.write_skeleton(
                osp.join(skes_dir, name + '.skeleton'), frames)
            with open(path, 'rb') as f:
                annotation = skeleton_to_annotation(f.read(),
                                                    name + '.skeleton')
            npz = official_ntu_npz(checkout, skes_dir, name, run_dir)
            for stream in STREAMS:
                flags = dict(
                    bone='bone' in stream, vel='motion' in stream)
                rel = NTU_CONFIG.format(stream)
                test_set = feeder_ntu.Feeder(
                    data_path=npz, split='test', window_size=64,
                    p_interval=[0.95], **flags)
                report[f'ntu test {stream} {name}'] = max_diff(
                    plugin_tensor(pipeline_of(rel, 'test'), annotation),
                    official_tensor(test_set[0][0]))
                train_set = feeder_ntu.Feeder(
                    data_path=npz, split='train', window_size=64,
                    p_interval=[0.5, 1], random_rot=True, **flags)
                pipeline = pipeline_of(rel, 'train')
                diffs = []
                for seed in range(seeds):
                    seed_all(seed)
                    official = official_tensor(train_set[0][0])
                    seed_all(seed)
                    diffs.append(
                        max_diff(plugin_tensor(pipeline, annotation),
                                 official))
                report[f'ntu train {stream} {name} ({seeds} seeds, same '
                       'draws)'] = max(diffs)
    finally:
        os.chdir(cwd)
    return report


def tensor_stats(tensor: torch.Tensor) -> Tuple[float, float]:
    values = tensor.detach().double().flatten()
    return float(values.mean()), float(values.std()) if values.numel() > 1 \
        else 0.0


def check_init(num_class: int = 60, draws: int = 3) -> Dict:
    """Per-tensor mean / std of the official and the plugin's init.

    A tensor agrees when both are constant with the same value, or both
    random with means and stds within 5 standard errors of the
    difference (tensors of >= 64 values; smaller ones are only checked for
    being constant or not). Statistics are averaged over ``draws`` inits.
    """
    from model.ctrgcn import Model
    from mmaction.registry import MODELS
    official_sum: Dict[str, np.ndarray] = {}
    plugin_sum: Dict[str, np.ndarray] = {}
    cfg = Config.fromfile(osp.join(REPO_ROOT, NTU_CONFIG.format('joint')))
    model_cfg = cfg.model
    model_cfg.cls_head.num_classes = num_class
    for draw in range(draws):
        torch.manual_seed(draw)
        official = Model(
            num_class=num_class,
            num_point=25,
            num_person=2,
            graph='graph.ntu_rgb_d.Graph',
            graph_args=dict(labeling_mode='spatial'))
        ours = MODELS.build(model_cfg)
        ours.init_weights()
        ours_state = dict(ours.named_parameters())
        for key, value in official.named_parameters():
            plugin_key = official_key_to_plugin(key)
            if plugin_key is None:
                continue
            stats = np.array(tensor_stats(value))
            official_sum[key] = official_sum.get(key, 0) + stats / draws
            plugin_sum[key] = plugin_sum.get(key, 0) + np.array(
                tensor_stats(ours_state[plugin_key])) / draws
    bad = []
    for key, (o_mean, o_std) in official_sum.items():
        p_mean, p_std = plugin_sum[key]
        numel = dict(official.named_parameters())[key].numel()
        if o_std == 0 or p_std == 0:
            ok = o_std == p_std == 0 and abs(o_mean - p_mean) < 1e-12
        elif numel < 64:
            ok = True
        else:
            # standard errors of a difference of two draws-averaged means
            # and stds of numel normal values
            mean_se = o_std * np.sqrt(2 / (numel * draws))
            std_se = o_std * np.sqrt(1 / (numel * draws))
            ok = (abs(o_mean - p_mean) <= 5 * mean_se
                  and abs(o_std - p_std) <= 5 * std_se)
        if not ok:
            bad.append(dict(key=key, official=(o_mean, o_std),
                            plugin=(p_mean, p_std)))
    return dict(tensors=len(official_sum), disagree=bad)


def main() -> int:
    args = parse_args()
    register_all_modules(init_default_scope=True)
    MMLogger.get_instance('verify_official_parity', log_level='WARNING')
    checkout = official_code.check_checkout(args.official)
    official_code.apply_shims(cpu=True)
    official_code.add_to_path(checkout)
    report: Dict[str, float] = {}
    started = time.time()
    with tempfile.TemporaryDirectory() as run_dir:
        report.update(check_graphs())
        if osp.isfile(args.nwucla_zip):
            report.update(
                check_nwucla(args.nwucla_zip, osp.join(run_dir, 'ucla'),
                             args.num_samples, args.seeds))
        else:
            print(f'NW-UCLA skipped: {args.nwucla_zip} not found')
        ntu_dir = osp.join(run_dir, 'ntu')
        os.makedirs(ntu_dir)
        report.update(check_ntu(checkout, ntu_dir, args.seeds))
    init = check_init()
    failed = [k for k, v in report.items() if v > args.tolerance]
    width = max(len(k) for k in report)
    print(f'{"check":<{width}}  max |diff|')
    for key, value in report.items():
        flag = '' if value <= args.tolerance else '  > tolerance'
        print(f'{key:<{width}}  {value:.3g}{flag}')
    print(f'initialisation: {init["tensors"] - len(init["disagree"])} of '
          f'{init["tensors"]} tensors agree in mean / std')
    for item in init['disagree']:
        print(f'  {item["key"]}: official mean/std {item["official"]}, '
              f'plugin {item["plugin"]}')
    print(f'({time.time() - started:.0f} s)')
    if args.out:
        commit = subprocess.run(['git', '-C', checkout, 'rev-parse', 'HEAD'],
                                capture_output=True, text=True)
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(
                dict(
                    command=' '.join(
                        ['python benchmarks/verify_official_parity.py'] +
                        sys.argv[1:]),
                    official_commit=commit.stdout.strip() or None,
                    tolerance=args.tolerance,
                    max_abs_diff=report,
                    init=init), f, indent=1)
    return 1 if failed or init['disagree'] else 0


if __name__ == '__main__':
    sys.exit(main())

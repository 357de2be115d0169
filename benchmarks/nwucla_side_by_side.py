"""NW-UCLA CTR-GCN joint: this plugin's official-recipe config against the
official CTR-GCN code, same schedule, same machine, same seeds.

``python benchmarks/nwucla_side_by_side.py --official CTR-GCN_CHECKOUT
[--epochs 2] [--repeat 5] [--batch-size 16] [--seed 1 [2 ...]]
[--parallel] [--threads 2] [--workers 2] [--max-iters 0]
[--max-test-samples 0] [--out-dir benchmarks/results]``

Both sides train the joint stream of ``../shared/data/nw_ucla/all_sqe.zip``
(train views 1+2, test view 3) on the CPU, once per seed, one after the
other (``--parallel``: both at the same time, so that other load on the
machine slows both alike); the report gives every run and the means over
the seeds (two short runs of either side differ by a few points with the
seed alone):

- **official**: ``main.py`` of the checkout with its
  ``config/ucla/default.yaml`` (feeder, model, SGD nesterov, weight decay
  1e-4, batch 16, repeat 5, ``drop_last``), ``--num-epoch``
  ``--epochs``, run by ``run_official_ctrgcn.py`` (CPU shims, and the lr
  of every iteration imposed on its optimiser);
- **project**: ``tools/train.py`` + ``tools/test.py`` on
  ``configs/ctrgcn/ctrgcn_1xb16-joint-u52-2e-cpu_nwucla-xview-
  keypoint-3d.py`` (a derived config in the work dir sets the epochs,
  workers and data paths).

The lr of every iteration is computed once, from the project config's
``param_scheduler`` through mmengine's own schedulers (1 linear warm-up
epoch from 0.1 x lr, then cosine to 0, per iteration), and given to both:
the official side gets it imposed, the project side's logged lr is checked
against it. Both test one clip per sample; top-1 / top-5 of the final
model come from each side's score dump through mmaction2's
``top_k_accuracy``. Writes ``nwucla_side_by_side.json`` (``schedule``,
``official`` / ``project``: ``top1``, ``top5``, ``wall_s``, ...) and
``nwucla_side_by_side.md`` to ``--out-dir``.

Run it on a quiet machine: per-epoch times are only comparable without
other jobs (on a 2-core machine shared with ~8 other processes, one
CTR-GCN step of batch 16 took 22-26 s with 1 torch thread and 58-60 s
with 2, against ~0.9 s when quiet; ``--threads 1`` suffers less).

``--max-iters N`` (smoke test) trains both sides on the same ceil(16 N / 5)
training clips (evenly spaced in name order), N iterations per epoch;
``--max-test-samples N`` tests the same N evenly spaced view-3 clips.
"""
import argparse
import datetime
import functools
import json
import math
import os
import os.path as osp
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Tuple

BENCH_DIR = osp.dirname(osp.abspath(__file__))
REPO_ROOT = osp.dirname(BENCH_DIR)
import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import numpy as np  # noqa: E402
import official_code  # noqa: E402
import torch  # noqa: E402
from mmaction.evaluation import top_k_accuracy  # noqa: E402
from mmengine.config import Config  # noqa: E402

from mmcl_tools.converters.nwucla import convert_nwucla
from mmcl_plugin.engine import iteration_lrs  # noqa: E402
from mmcl_tools.evaluation import load_score_dump  # noqa: E402
from mmcl_plugin.utils.atomic_io import (dump_json_atomic,  # noqa: E402
                                         write_text_atomic)

CONFIG = ('configs/ctrgcn/ctrgcn_1xb16-joint-u52-2e-cpu_'
          'nwucla-xview-keypoint-3d.py')
#: What differs between the two runs whatever the options (for the .md).
DIFFERENCES = [
    'Random draws: both sides draw the same augmentations from the same '
    'distributions with the same calls (benchmarks/verify_official_parity.py '
    'checks equality under equal seeds), but not the same numbers: the '
    'official DataLoader shuffles with torch\'s RandomSampler and re-seeds '
    'every worker with its worker id at every epoch (`worker_init_fn='
    'init_seed`), mmengine\'s sampler and persistent workers are seeded '
    'from `--seed`; the weight initialisations are drawn from the same '
    'distributions, not equal.',
    'Input precision: the official feeder reads the JSON clips as float64, '
    'the project the float32 pickle of tools/data/nwucla/convert_nwucla.py '
    '(max |diff| of the network inputs ~1e-6).',
    'Learning rate: main.py only sets the lr at epoch starts; the harness '
    'imposes the per-iteration lr of the project schedule on its optimiser '
    '(the lrs used are recorded and compared).',
    'Evaluation: the official run tests after every epoch, then re-tests the '
    'best epoch; the project validates after every epoch and tools/test.py '
    'tests the last checkpoint. Both report the final model\'s top-1 / '
    'top-5 computed here from the score dumps (mmaction2 top_k_accuracy; '
    'the official score dump holds logits, the project\'s too '
    '(`average_clips=\'score\'`), and one clip per sample on both sides).',
    'Software: the official code runs with runtime shims (np.int, '
    'yaml.load, no-op tensorboardX writer, .cuda() as a no-op), not edited.',
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official', required=True,
                        help='CTR-GCN checkout (git clone)')
    parser.add_argument(
        '--nwucla-zip',
        default=osp.join(REPO_ROOT, '..', 'shared', 'data', 'nw_ucla',
                         'all_sqe.zip'))
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--seed', type=int, nargs='+', default=[1],
                        help='one run per seed; the report gives each run '
                        'and the mean over the seeds')
    parser.add_argument(
        '--parallel', action='store_true',
        help='run the two sides of a seed at the same time (each with '
        '--threads threads), so that load from other processes hits both '
        'alike; default: one after the other')
    parser.add_argument('--threads', type=int, default=2,
                        help='torch threads of each side')
    parser.add_argument('--workers', type=int, default=2,
                        help='data loader workers of each side')
    parser.add_argument('--max-iters', type=int, default=0,
                        help='smoke test: iterations per epoch')
    parser.add_argument('--max-test-samples', type=int, default=0)
    parser.add_argument('--work-dir', help='default: a temporary directory')
    parser.add_argument('--out-dir',
                        default=osp.join(REPO_ROOT, 'benchmarks', 'results'))
    parser.add_argument('--name', default='nwucla_side_by_side',
                        help='file name (no extension) of the results')
    return parser.parse_args()


def spaced(count: int, wanted: int) -> List[int]:
    """``wanted`` evenly spaced indices of ``range(count)``, increasing."""
    return sorted({round(i * (count - 1) / max(wanted - 1, 1))
                   for i in range(min(wanted, count))})


def derived_config(args: argparse.Namespace, work_dir: str, ann_file: str,
                   train_samples: Optional[List[int]],
                   test_samples: Optional[List[int]]) -> str:
    """A config inheriting ``--config`` with this run's settings."""
    base = Config.fromfile(osp.join(REPO_ROOT, args.config))
    schedulers = [dict(s) for s in base.param_scheduler]
    for scheduler in schedulers:
        if scheduler['type'] == 'CosineAnnealingLR':
            scheduler.update(T_max=args.epochs - 1, end=args.epochs)
    if args.epochs == 1:  # warm-up only
        schedulers = [s for s in schedulers
                      if s['type'] != 'CosineAnnealingLR']
    workers = dict(num_workers=args.workers,
                   persistent_workers=args.workers > 0)
    lines = [
        f'_base_ = {osp.join(REPO_ROOT, args.config)!r}',
        f'train_cfg = dict(max_epochs={args.epochs}, val_interval=1)',
        f'param_scheduler = {schedulers!r}',
        # every iteration's lr and time in vis_data/scalars.json
        'default_hooks = dict(logger=dict(interval=1), '
        'checkpoint=dict(interval=1, max_keep_ckpts=1, save_best=None))',
        'log_processor = dict(window_size=1)',
        f'train_dataloader = dict(batch_size={args.batch_size}, '
        f'**{workers!r}, dataset=dict(times={args.repeat}, dataset=dict('
        f'ann_file={ann_file!r}, indices={train_samples!r})))',
        f'val_dataloader = dict(**{workers!r}, dataset=dict('
        f'ann_file={ann_file!r}, indices={test_samples!r}))',
        f'test_dataloader = dict(**{workers!r}, dataset=dict('
        f'ann_file={ann_file!r}, indices={test_samples!r}))',
    ]
    path = osp.join(work_dir, 'project_config.py')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def run(command: List[str], log_path: str, env: Dict[str, str],
        cwd: str = REPO_ROOT) -> float:
    """Run a command (output to ``log_path``); its wall time in seconds."""
    started = time.time()
    with open(log_path, 'w') as log:
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                                env=env, cwd=cwd)
    if result.returncode:
        raise SystemExit(f'{" ".join(command)} failed '
                         f'({result.returncode}); see {log_path}')
    return time.time() - started


def accuracies(scores: np.ndarray, labels: List[int]) -> Dict[str, float]:
    top1, top5 = top_k_accuracy(scores, labels, (1, 5))
    return dict(top1=round(100 * float(top1), 2),
                top5=round(100 * float(top5), 2))


def official_epoch_log(log_path: str) -> Tuple[List[float], List[float]]:
    """Per-epoch test top-1 (%) and training seconds of main.py's log."""
    stamp = r'\[ (\w{3} \w{3} +\d+ [\d:]+ \d{4}) \] '
    starts, ends, top1 = [], [], []
    with open(log_path) as f:
        for line in f:
            match = re.match(stamp + r'(Training|Eval) epoch', line)
            if match:
                when = datetime.datetime.strptime(match.group(1),
                                                  '%a %b %d %H:%M:%S %Y')
                (starts if match.group(2) == 'Training' else ends).append(
                    when)
            match = re.search(r'Top1: ([\d.]+)%', line)
            if match:
                top1.append(float(match.group(1)))
    seconds = [(e - s).total_seconds() for s, e in zip(starts, ends)]
    return top1, seconds


def run_official(args, seed: int, checkout: str, work: str,
                 lrs: List[float], names: Optional[Dict],
                 env: Dict[str, str]) -> Dict:
    run_dir = osp.join(work, 'official_run')
    official_code.extract_nwucla(args.nwucla_zip, run_dir)
    work_dir = osp.join(work, 'official_work_dir')
    lr_file = osp.join(work, 'lrs.json')
    with open(lr_file, 'w') as f:
        json.dump(lrs, f)
    command = [
        sys.executable, osp.join(BENCH_DIR, 'run_official_ctrgcn.py'),
        '--official', checkout, '--run-dir', run_dir, '--lr-file', lr_file,
        '--threads', str(args.threads)
    ]
    if names is not None:
        names_file = osp.join(work, 'names.json')
        with open(names_file, 'w') as f:
            json.dump(names, f)
        command += ['--names-file', names_file]
    command += [
        '--', '--config', osp.join(checkout, 'config', 'ucla',
                                   'default.yaml'), '--work-dir', work_dir,
        '--num-epoch', str(args.epochs), '--batch-size',
        str(args.batch_size), '--train-feeder-args', f'repeat={args.repeat}',
        '--seed', str(seed), '--num-worker', str(args.workers),
        '--save-epoch', '0', '--save-score', 'True', '--device', '0',
        '--print-log', 'True'
    ]
    wall = run(command, osp.join(work, 'official.log'), env)
    with open(osp.join(work_dir, f'epoch{args.epochs}_test_score.pkl'),
              'rb') as f:
        scores = np.stack(list(pickle.load(f).values()))
    with open(osp.join(work_dir, 'test_labels.json')) as f:
        labels = json.load(f)
    with open(osp.join(work_dir, 'lr_used.json')) as f:
        used = json.load(f)
    epoch_top1, train_seconds = official_epoch_log(
        osp.join(work_dir, 'log.txt'))
    result = accuracies(scores, labels)
    result.update(
        wall_s=round(wall, 1),
        train_s_per_epoch=train_seconds,
        epoch_top1=epoch_top1,
        num_test=len(labels),
        lr_max_abs_diff=float(np.abs(np.subtract(used, lrs)).max())
        if len(used) == len(lrs) else f'{len(used)} lrs for {len(lrs)} '
        'iterations')
    return result


def project_scalars(work_dir: str) -> List[Dict]:
    paths = []
    for root, _, files in os.walk(work_dir):
        paths += [osp.join(root, f) for f in files if f == 'scalars.json']
    if len(paths) != 1:
        raise SystemExit(f'expected one scalars.json under {work_dir}, '
                         f'found {paths}')
    with open(paths[0]) as f:
        return [json.loads(line) for line in f]


def run_project(args, seed: int, work: str, ann_file: str,
                lrs: List[float], iters_per_epoch: int,
                train_samples: Optional[List[int]],
                test_samples: Optional[List[int]],
                env: Dict[str, str]) -> Dict:
    config = derived_config(args, work, ann_file, train_samples,
                            test_samples)
    work_dir = osp.join(work, 'project_work_dir')
    wall = run([
        sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
        '--seed', str(seed)
    ], osp.join(work, 'project_train.log'), env)
    dump = osp.join(work, 'project_scores.pkl')
    wall += run([
        sys.executable, 'tools/test.py', config,
        osp.join(work_dir, f'epoch_{args.epochs}.pth'), '--work-dir',
        osp.join(work, 'project_test'), '--dump', dump
    ], osp.join(work, 'project_test.log'), env)
    scores = load_score_dump(dump)
    scalars = project_scalars(work_dir)
    train_rows = [r for r in scalars if 'lr' in r and 'time' in r]
    logged = [r['lr'] for r in train_rows]
    seconds = [0.0] * args.epochs
    for index, row in enumerate(train_rows):
        seconds[min(index // iters_per_epoch, args.epochs - 1)] += row['time']
    result = accuracies(scores.scores, scores.labels.tolist())
    result.update(
        wall_s=round(wall, 1),
        train_s_per_epoch=[round(s, 1) for s in seconds],
        epoch_top1=[round(100 * r['acc/top1'], 2) for r in scalars
                    if 'acc/top1' in r],
        num_test=len(scores.labels),
        lr_max_abs_diff=float(np.abs(np.subtract(logged, lrs)).max())
        if len(logged) == len(lrs) else f'{len(logged)} logged lrs for '
        f'{len(lrs)} iterations')
    return result


#: Output folders of each side; an unfinished attempt's are removed before
#: the side runs again (main.py appends to its log.txt, and mmengine adds a
#: second timestamped run beside the first).
SIDE_DIRS = dict(official=('official_work_dir', ),
                 project=('project_work_dir', 'project_test'))


def run_side(name: str, seed_work: str, schedule: str, side) -> Dict:
    """Run one side of a seed once: a side that finished before (its
    ``<name>_result.json`` holds the same schedule) is read back, so a
    crash of the other side does not cost this one's training again."""
    done_file = osp.join(seed_work, f'{name}_result.json')
    done = finished_before(done_file, schedule, name)
    if done is not None:
        return done['result']
    for folder in SIDE_DIRS[name]:
        path = osp.join(seed_work, folder)
        if osp.isdir(path):
            print(f'{name}: removing the unfinished attempt\'s {path}')
            shutil.rmtree(path)
    result = side()
    dump_json_atomic(dict(schedule=schedule, result=result), done_file)
    return result


def schedule_text(args, iters_per_epoch: int, num_train: int,
                  num_test: int) -> str:
    smoke = ' (SMOKE TEST: subsets)' if args.max_iters or \
        args.max_test_samples else ''
    return (f'NW-UCLA CTR-GCN joint{smoke}: {args.epochs} epochs x repeat '
            f'{args.repeat} of {num_train} training clips ({iters_per_epoch} '
            f'iterations of batch {args.batch_size} per epoch, incomplete '
            'batch dropped), SGD nesterov momentum 0.9, lr 0.1, weight decay '
            '1e-4, 1 linear warm-up epoch from lr 0.01 then cosine to 0 (per '
            f'iteration), seeds {args.seed}, {num_test} view-3 test clips, '
            'one '
            f'clip each, {args.threads} torch threads, {args.workers} loader '
            'workers, CPU')


_SEEDS_CLAUSE = re.compile(r'seeds \[[^\]]*\], ')


def same_schedule(done: str, schedule: str) -> bool:
    """Whether a finished seed's schedule is this run's, whatever its seeds.

    The schedule text names the seeds of the run it came from; a seed
    finished in a run with other seeds (``--seed 1 2 3`` stopped after
    seed 2, resumed as ``--seed 1 2``) is still the same experiment and is
    not run again (running it again would overwrite its logs).
    """
    return _SEEDS_CLAUSE.sub('', done) == _SEEDS_CLAUSE.sub('', schedule)


def finished_before(done_file: str, schedule: str,
                    what: str) -> Optional[Dict]:
    """The record a finished seed or side left in ``done_file``, if it is of
    this schedule (see :func:`same_schedule`); None when it must run."""
    if not osp.isfile(done_file):
        return None
    with open(done_file) as f:
        done = json.load(f)
    if not same_schedule(done.get('schedule', ''), schedule):
        return None
    print(f'{what}: finished before, read {done_file}')
    return done


def mean_side(sides: List[Dict]) -> Dict:
    """One side's results averaged over the seeds' runs."""

    def mean(key):
        return round(float(np.mean([side[key] for side in sides])), 2)

    def per_epoch(key):
        return [round(float(v), 2)
                for v in np.mean([side[key] for side in sides], axis=0)]

    diffs = [side['lr_max_abs_diff'] for side in sides]
    return dict(
        top1=mean('top1'),
        top5=mean('top5'),
        wall_s=mean('wall_s'),
        train_s_per_epoch=per_epoch('train_s_per_epoch'),
        epoch_top1=per_epoch('epoch_top1'),
        num_test=sides[0]['num_test'],
        lr_max_abs_diff=max(diffs) if all(
            isinstance(d, float) for d in diffs) else diffs)


def epoch_mean(side: Dict) -> float:
    """Mean training seconds per epoch of one side."""
    return round(float(np.mean(side['train_s_per_epoch'])), 1)


def write_markdown(path: str, report: Dict) -> None:
    official, project = report['official'], report['project']
    order = ('at the same time, each with its own threads'
             if report['parallel'] else 'one after the other')
    lines = [
        '# NW-UCLA CTR-GCN joint: project vs official CTR-GCN code', '',
        f'Schedule: {report["schedule"]}.', '',
        f'Command: `{report["command"]}`', '',
        f'Machine: {report["machine"]}; both sides of each seed run in one '
        f'session, {order}.', '',
        '| run | seed | top-1 (%) | top-5 (%) | training s / epoch | wall s '
        '(train + test) | top-1 after each epoch (%) |',
        '| --- | --- | --- | --- | --- | --- | --- |',
    ]
    rows = [(run['seed'], run['official'], run['project'])
            for run in report['runs']]
    if len(rows) > 1:
        rows.append(('mean', official, project))
    for seed, *sides in rows:
        for name, side in zip(('official CTR-GCN code',
                               'project (official-recipe config)'), sides):
            lines.append(
                f'| {name} | {seed} | {side["top1"]:.2f} | '
                f'{side["top5"]:.2f} | {epoch_mean(side)} | '
                f'{side["wall_s"]} | '
                f'{", ".join(f"{v:.2f}" for v in side["epoch_top1"])} |')
    lines += [
        '', f'Project minus official, top-1 (mean over the seeds): '
        f'{project["top1"] - official["top1"]:+.2f} points; training time '
        f'per epoch ratio project / official: '
        f'{epoch_mean(project) / max(epoch_mean(official), 1e-9):.2f}.', '',
        'Learning rate per iteration: max |lr used - schedule| official '
        f'{official["lr_max_abs_diff"]}, project '
        f'{project["lr_max_abs_diff"]}.', '',
        'Identical on both sides: the official data path (centring, view '
        'rotation / scale, min-max, 52-frame samplers, repeat 5), the '
        'graph, the initialisation scheme, CTR-GCN, cross-entropy, SGD and '
        'its hyper-parameters, batch 16 with the incomplete batch dropped, '
        'the iterations per epoch, the lr of every iteration, one test clip '
        'per sample, the evaluation function.', '', 'Remaining differences:',
        ''
    ] + [f'- {item}' for item in DIFFERENCES]
    write_text_atomic('\n'.join(lines) + '\n', path)


def main() -> None:
    args = parse_args()
    checkout = official_code.check_checkout(args.official)
    if not osp.isfile(args.nwucla_zip):
        raise SystemExit(f'{args.nwucla_zip} not found')
    work = args.work_dir or tempfile.mkdtemp(prefix='nwucla_side_by_side_')
    os.makedirs(work, exist_ok=True)
    env = dict(
        os.environ,
        OMP_NUM_THREADS=str(args.threads),
        MKL_NUM_THREADS=str(args.threads),
        PYTHONPATH=REPO_ROOT)

    content, failures = convert_nwucla(args.nwucla_zip)
    if failures:
        raise SystemExit(f'{args.nwucla_zip}: {failures[:3]}')
    ann_file = osp.join(work, 'nwucla.pkl')
    with open(ann_file, 'wb') as f:
        pickle.dump(content, f)
    train_names = sorted(content['split']['train'])
    test_names = sorted(content['split']['val'])
    train_samples = test_samples = names = None
    # the split lists are in name order, as the dataset's data list
    if args.max_iters:
        train_samples = spaced(
            len(train_names),
            math.ceil(args.batch_size * args.max_iters / args.repeat))
        train_names = [train_names[i] for i in train_samples]
    if args.max_test_samples:
        test_samples = spaced(len(test_names), args.max_test_samples)
        test_names = [test_names[i] for i in test_samples]
    if train_samples or test_samples:
        names = dict(train=train_names, test=test_names)
    iters_per_epoch = len(train_names) * args.repeat // args.batch_size
    cfg = Config.fromfile(
        derived_config(args, work, ann_file, train_samples, test_samples))
    lrs = iteration_lrs(cfg.param_scheduler, cfg.optim_wrapper.optimizer.lr,
                        iters_per_epoch, args.epochs).ravel().tolist()

    command = ' '.join(['python benchmarks/nwucla_side_by_side.py'] +
                       sys.argv[1:])
    print(f'work dir: {work}; {iters_per_epoch} iterations per epoch')
    runs = []
    schedule = schedule_text(args, iters_per_epoch, len(train_names),
                             len(test_names))
    for seed in args.seed:
        seed_work = osp.join(work, f'seed{seed}')
        os.makedirs(seed_work, exist_ok=True)
        done_file = osp.join(seed_work, 'result.json')
        # resumed with the same --work-dir: a finished seed of the same
        # schedule is not run again
        done = finished_before(done_file, schedule, f'seed {seed}')
        if done is not None:
            runs.append(done['run'])
            write_report(args, runs, schedule, iters_per_epoch, command)
            continue
        sides = (
            functools.partial(
                run_side, 'official', seed_work, schedule,
                functools.partial(run_official, args, seed, checkout,
                                  seed_work, lrs, names, env)),
            functools.partial(
                run_side, 'project', seed_work, schedule,
                functools.partial(run_project, args, seed, seed_work,
                                  ann_file, lrs, iters_per_epoch,
                                  train_samples, test_samples, env)))
        if args.parallel:
            with ThreadPoolExecutor(2) as pool:
                official, project = [
                    future.result()
                    for future in [pool.submit(side) for side in sides]
                ]
        else:
            official, project = (side() for side in sides)
        print(f'seed {seed}: official {official}\nseed {seed}: project '
              f'{project}')
        runs.append(dict(seed=seed, official=official, project=project))
        dump_json_atomic(dict(schedule=schedule, run=runs[-1]), done_file)
        # the report so far: a long run stopped later keeps its seeds
        write_report(args, runs, schedule, iters_per_epoch, command)


def write_report(args: argparse.Namespace, runs: List[Dict], schedule: str,
                 iters_per_epoch: int, command: str) -> None:
    """Write the JSON and Markdown reports of the seeds run so far."""
    report = dict(
        schedule=schedule,
        seeds_run=[run['seed'] for run in runs],
        official=mean_side([run['official'] for run in runs]),
        project=mean_side([run['project'] for run in runs]),
        runs=runs,
        parallel=args.parallel,
        iterations_per_epoch=iters_per_epoch,
        command=command,
        machine=f'{os.cpu_count()} CPU cores, torch {torch.__version__}',
        config=args.config)
    os.makedirs(args.out_dir, exist_ok=True)
    dump_json_atomic(report, osp.join(args.out_dir, f'{args.name}.json'),
                     indent=1)
    write_markdown(osp.join(args.out_dir, f'{args.name}.md'), report)
    print(f'wrote {osp.join(args.out_dir, args.name)}.json / .md')


if __name__ == '__main__':
    main()

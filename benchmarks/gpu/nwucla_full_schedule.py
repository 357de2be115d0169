"""NW-UCLA, official CTR-GCN recipe, full schedule: four streams and their
ensemble, for a GPU session.

``python benchmarks/gpu/nwucla_full_schedule.py [--zip ALL_SQE.ZIP]
[--work-dir work_dirs/nwucla_full_schedule] [--out-dir benchmarks/results]``

Converts ``all_sqe.zip`` (default ``../shared/data/nw_ucla/all_sqe.zip``)
once, then trains and tests, one after the other, the joint stream first
and then the bone, joint-motion and bone-motion streams of
``configs/ctrgcn/ctrgcn_1xb16-<stream>-u52-65e_nwucla-xview-
keypoint-3d.py`` (65 epochs each) with ``tools/train.py`` /
``tools/test.py --dump``, and fuses the four test dumps as the official
``ensemble.py`` does (logits weighted 0.6, 0.6, 0.4, 0.4). After every
stage it rewrites ``nwucla_full_schedule.json`` and ``.md`` in
``--out-dir``: per stream top-1 / top-5 / mean-class accuracy (mmaction2's
functions), wall time and status (``done``, ``failed: ...`` with the log
path, ``not run``), the ensemble, and the CTR-GCN paper's goals (joint
>= 94.0 %, 4-stream >= 96.5 %). A stream whose dump already exists is not
trained again, so re-running the command after an interruption continues
where it stopped (``--resume`` also resumes an interrupted training).

For a CPU check of the script itself: ``--epochs 1 --max-iters 2
--max-test-samples 16`` (trains on a few clips; its numbers mean nothing).
"""
import argparse
import math
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import numpy as np  # noqa: E402
from mmaction.evaluation import (mean_class_accuracy,  # noqa: E402
                                 top_k_accuracy)

from mmcl_tools.converters.nwucla import convert_nwucla
from mmcl_tools.evaluation import (check_same_samples, load_score_dump)  # noqa: E402
from mmcl_tools.evaluation import fuse_scores  # noqa: E402
from mmcl_plugin.utils.atomic_io import (dump_json_atomic,  # noqa: E402
                                         dump_pickle_atomic,
                                         write_text_atomic)

STREAMS = ('joint', 'bone', 'joint-motion', 'bone-motion')
#: Weights of the official CTR-GCN ensemble.py for four streams.
ENSEMBLE_WEIGHTS = (0.6, 0.6, 0.4, 0.4)
CONFIG = ('configs/ctrgcn/ctrgcn_1xb16-{}-u52-65e_'
          'nwucla-xview-keypoint-3d.py')
#: Top-1 goals (%), CTR-GCN paper (ICCV 2021), NW-UCLA.
GOALS = dict(joint=94.0, ensemble=96.5)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--zip',
        default=osp.join(REPO_ROOT, '..', 'shared', 'data', 'nw_ucla',
                         'all_sqe.zip'))
    parser.add_argument(
        '--work-dir',
        default=osp.join(REPO_ROOT, 'work_dirs', 'nwucla_full_schedule'))
    parser.add_argument(
        '--out-dir', default=osp.join(REPO_ROOT, 'benchmarks', 'results'))
    parser.add_argument('--name', default='nwucla_full_schedule')
    parser.add_argument('--streams', nargs='+', default=list(STREAMS),
                        choices=STREAMS)
    parser.add_argument('--epochs', type=int,
                        help='override the 65 epochs (CPU check)')
    parser.add_argument('--max-iters', type=int, default=0,
                        help='CPU check: iterations per epoch')
    parser.add_argument('--max-test-samples', type=int, default=0)
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--resume', action='store_true',
                        help='resume interrupted trainings')
    return parser.parse_args()


def derived_config(args: argparse.Namespace, stream: str,
                   ann_file: str) -> str:
    """A config inheriting the stream's official config with this run's
    data file (and the CPU-check overrides)."""
    train = {'ann_file': ann_file}
    evaluation = {'ann_file': ann_file}
    if args.max_iters:
        train['indices'] = math.ceil(16 * args.max_iters / 5)
    if args.max_test_samples:
        evaluation['indices'] = args.max_test_samples
    workers = dict(num_workers=args.workers,
                   persistent_workers=args.workers > 0)
    lines = [
        f'_base_ = {osp.join(REPO_ROOT, CONFIG.format(stream))!r}',
        f'train_dataloader = dict(**{workers!r}, '
        f'dataset=dict(dataset=dict(**{train!r})))',
        f'val_dataloader = dict(**{workers!r}, '
        f'dataset=dict(**{evaluation!r}))',
        f'test_dataloader = dict(**{workers!r}, '
        f'dataset=dict(**{evaluation!r}))',
    ]
    if args.epochs:
        lines.append(f'train_cfg = dict(max_epochs={args.epochs})')
    path = osp.join(args.work_dir, f'{stream}_config.py')
    write_text_atomic('\n'.join(lines) + '\n', path)
    return path


def run(command: List[str], log_path: str) -> None:
    with open(log_path, 'w') as log:
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                                cwd=REPO_ROOT)
    if result.returncode:
        raise RuntimeError(f'exit status {result.returncode}, see {log_path}')


def metrics(scores: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    top1, top5 = top_k_accuracy(scores, labels, (1, 5))
    return dict(
        top1=round(100 * float(top1), 2),
        top5=round(100 * float(top5), 2),
        mean_class=round(100 * float(mean_class_accuracy(scores, labels)),
                         2))


def last_checkpoint(work_dir: str) -> Optional[str]:
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return f.read().strip()


def run_stream(args: argparse.Namespace, stream: str, ann_file: str,
               report: Dict) -> Optional[str]:
    """Train + test one stream; its dump path, or None if it failed."""
    entry = report['streams'][stream]
    dump = osp.join(args.work_dir, f'{stream}_scores.pkl')
    stream_dir = osp.join(args.work_dir, stream)
    started = time.time()
    try:
        if not osp.isfile(dump):
            config = derived_config(args, stream, ann_file)
            command = [
                sys.executable, 'tools/train.py', config, '--work-dir',
                stream_dir, '--seed',
                str(args.seed)
            ] + (['--resume'] if args.resume else [])
            entry['status'] = 'training'
            write_report(args, report)
            run(command, osp.join(args.work_dir, f'{stream}_train.log'))
            checkpoint = last_checkpoint(stream_dir)
            if checkpoint is None:
                raise RuntimeError(f'no checkpoint in {stream_dir}')
            run([
                sys.executable, 'tools/test.py', config, checkpoint,
                '--work-dir',
                osp.join(stream_dir, 'test'), '--dump', dump
            ], osp.join(args.work_dir, f'{stream}_test.log'))
            entry['wall_s'] = round(time.time() - started, 1)
            entry['checkpoint'] = checkpoint
        scores = load_score_dump(dump)
        entry.update(metrics(scores.scores, scores.labels))
        entry['status'] = 'done'
        entry['num_test'] = int(len(scores.labels))
        return dump
    except Exception as error:  # noqa: BLE001  (recorded, next stream)
        entry['status'] = f'failed: {error}'
        entry['wall_s'] = round(time.time() - started, 1)
        return None
    finally:
        write_report(args, report)


def write_report(args: argparse.Namespace, report: Dict) -> None:
    os.makedirs(args.out_dir, exist_ok=True)
    base = osp.join(args.out_dir, args.name)
    dump_json_atomic(report, base + '.json', indent=1)
    lines = [
        '# NW-UCLA, official CTR-GCN recipe, full schedule', '',
        f'Command: `{report["command"]}`', '',
        f'Schedule: {report["schedule"]}', '',
        f'Machine: {report["machine"]}', '',
        '| stream | status | top-1 (%) | top-5 (%) | mean class (%) | '
        'wall s |', '| --- | --- | --- | --- | --- | --- |'
    ]
    rows = list(report['streams'].items())
    rows.append(('ensemble', report['ensemble']))
    for name, entry in rows:
        lines.append(
            f'| {name} | {entry["status"]} | {entry.get("top1", "-")} | '
            f'{entry.get("top5", "-")} | {entry.get("mean_class", "-")} | '
            f'{entry.get("wall_s", "-")} |')
    lines += ['', 'Goals (CTR-GCN paper, top-1): joint >= '
              f'{GOALS["joint"]} %, 4-stream ensemble >= '
              f'{GOALS["ensemble"]} %.']
    for key, goal in GOALS.items():
        entry = (report['ensemble'] if key == 'ensemble' else
                 report['streams'].get(key, {}))
        if 'top1' not in entry:
            lines.append(f'- {key}: not measured')
            continue
        if report['check']:
            verdict = 'CPU check of the script, not judged'
        else:
            verdict = 'met' if entry['top1'] >= goal else 'NOT met'
        lines.append(f'- {key}: {entry["top1"]} % ({verdict})')
    write_text_atomic('\n'.join(lines) + '\n', base + '.md')


def main() -> None:
    args = parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    import torch
    machine = (torch.cuda.get_device_name(0) if torch.cuda.is_available()
               else f'CPU only ({os.cpu_count()} cores)')
    epochs = args.epochs or 65
    check = bool(args.epochs or args.max_iters or args.max_test_samples)
    report = dict(
        check=check,
        command=' '.join(['python benchmarks/gpu/nwucla_full_schedule.py'] +
                         sys.argv[1:]),
        schedule=(f'{epochs} epochs per stream (official recipe: batch 16, '
                  'repeat 5, SGD nesterov lr 0.1, wd 1e-4, 5 warm-up '
                  'epochs, x0.1 at 50), seed '
                  f'{args.seed}, one test clip; ensemble = 0.6 j + 0.6 b + '
                  '0.4 jm + 0.4 bm (logits)' +
                  (f'; CPU CHECK: {args.max_iters} iterations per epoch, '
                   f'{args.max_test_samples or "all"} test clips'
                   if args.max_iters or args.max_test_samples else '')),
        machine=f'{machine}, torch {torch.__version__}',
        streams={s: dict(status='not run') for s in args.streams},
        ensemble=dict(status='not run'))
    write_report(args, report)

    ann_file = osp.join(args.work_dir, 'nwucla.pkl')
    if not osp.isfile(ann_file):
        content, failures = convert_nwucla(args.zip)
        if failures:
            raise SystemExit(f'{args.zip}: {failures[:3]}')
        dump_pickle_atomic(content, ann_file)

    dumps = {}
    for stream in args.streams:
        dump = run_stream(args, stream, ann_file, report)
        if dump is not None:
            dumps[stream] = dump

    if set(dumps) == set(STREAMS):
        loaded = [load_score_dump(dumps[s]) for s in STREAMS]
        try:
            check_same_samples(loaded)
            fused = fuse_scores([d.scores for d in loaded], ENSEMBLE_WEIGHTS)
            report['ensemble'].update(
                metrics(fused, loaded[0].labels), status='done',
                weights=dict(zip(STREAMS, ENSEMBLE_WEIGHTS)))
        except ValueError as error:
            report['ensemble']['status'] = f'failed: {error}'
    else:
        missing = [s for s in STREAMS if s not in dumps]
        report['ensemble']['status'] = f'not run (no dump of {missing})'
    write_report(args, report)
    print(f'wrote {osp.join(args.out_dir, args.name)}.json / .md')


if __name__ == '__main__':
    main()

"""Training curves from mmengine's logs (``vis_data/scalars.json``).

``python tools/analysis/plot_curves.py WORK_DIR [WORK_DIR ...] --out
curves.png [--names mmcl baseline] [--keys loss loss_align acc/top1]``

Each argument is a work dir (all its runs, e.g. before and after a
resume, are joined) or a ``scalars.json`` file. One panel per key: the
training keys (losses, ``lr``) against the iteration, the validation
metrics (``acc/top1``, ...) against the epoch, one line per run. Without
``--keys``, every ``loss*`` key, ``lr`` and every ``acc/*`` key is drawn.
"""
import argparse
import os.path as osp
import sys
from collections import OrderedDict
from typing import List, Optional

from mmcl_tools.evaluation.plotting import (load_scalars, plot_training_curves)  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot training curves from mmengine scalars.json logs')
    parser.add_argument('logs', nargs='+',
                        help='work dirs or scalars.json files')
    parser.add_argument('--names', nargs='+',
                        help='legend names, one per log (default: the '
                        'work dir names)')
    parser.add_argument('--keys', nargs='+', help='logged keys to plot')
    parser.add_argument('--out', required=True, help='output PNG')
    return parser.parse_args(argv)


def default_name(path: str) -> str:
    path = path.rstrip('/')
    if osp.basename(path) == 'scalars.json':
        # <work_dir>/<timestamp>/vis_data/scalars.json
        return osp.basename(osp.dirname(osp.dirname(osp.dirname(path))))
    return osp.basename(path)


def main(argv: Optional[List[str]] = None) -> List[str]:
    args = parse_args(argv)
    names = args.names or [default_name(p) for p in args.logs]
    if len(names) != len(args.logs):
        raise ValueError(f'{len(names)} names for {len(args.logs)} logs')
    if len(set(names)) != len(names):
        raise ValueError(f'run names must differ, got {names} (use --names)')
    runs = OrderedDict(
        (name, load_scalars(path)) for name, path in zip(names, args.logs))
    keys = plot_training_curves(runs, args.keys, args.out)
    print(f'{", ".join(keys)} of {len(runs)} run(s) -> {args.out}')
    return keys


if __name__ == '__main__':
    try:
        main()
    except ValueError as error:
        sys.exit(f'error: {error}')

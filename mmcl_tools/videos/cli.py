"""Command line of ``tools/data/videos/extract_skeletons.py``.

Exit status: 0 every video extracted and merged, 1 some video failed or
is missing from the merged pickle (all named), 2 on a fatal error (bad
input, other settings, ``--strict`` failure); nothing already extracted
is lost in any case.
"""
import argparse
import json
import os.path as osp
import sys
from typing import List, Optional

from tqdm import tqdm

from mmcl_tools.pose import LAYOUTS, POSE_BACKENDS
from mmcl_tools.pose.mmpose_backend import MissingDependencyError
from mmcl_tools.pose.model_files import PoseModelError
from .extraction_run import (ExtractionError, ExtractSettings, all_done,
                             merge_results, run_extraction, shard_of,
                             work_dir_for)
from .video_list import VideoListError, load_video_list


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Labelled videos -> mmaction2 skeleton pickle (pose '
        'estimation, tracking, joint layout)')
    parser.add_argument('input', help='folder with one sub-folder per class, '
                        'or a list file of "relative/path label [split]"')
    parser.add_argument('-o', '--out', required=True, help='output .pkl')
    parser.add_argument('--layout', choices=LAYOUTS, default='coco17',
                        help='coco17: 2-D pixels, COCO order (default); '
                        'ntu25: NTU joints in metres + keypoint_2d')
    parser.add_argument('--max-persons', type=int, default=2,
                        help='people kept per video (default 2)')
    parser.add_argument('--max-gap', type=int, default=15,
                        help='longest gap of a person bridged, frames')
    parser.add_argument('--max-frames', type=int, default=None,
                        help='decode only the first frames of each video')
    parser.add_argument('--backend', default='blazepose',
                        help='pose backend: blazepose (default), '
                        'mediapipe_legacy (one person), mmpose')
    parser.add_argument('--backend-args', default='{}',
                        help='JSON object of backend arguments')
    for name in ('det-config', 'det-checkpoint', 'pose-config',
                 'pose-checkpoint'):
        parser.add_argument(f'--{name}', help='mmpose backend: ' + name)
    parser.add_argument('--video-root', help='folder the list file\'s paths '
                        'are relative to (default: its folder)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the train/val split (default 0)')
    parser.add_argument('--val-ratio', type=float, default=0.2,
                        help='share of each class for val when the input '
                        'gives no split (default 0.2)')
    parser.add_argument('--workers', type=int, default=1,
                        help='processes (default 1: in this process)')
    parser.add_argument('--shard', type=int, default=None,
                        help='this shard (default: RANK or SLURM_PROCID)')
    parser.add_argument('--num-shards', type=int, default=None,
                        help='shards (default: WORLD_SIZE or SLURM_NTASKS)')
    parser.add_argument('--merge', action='store_true',
                        help='only merge the results extracted so far')
    parser.add_argument('--strict', action='store_true',
                        help='stop at the first failing video')
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> ExtractSettings:
    """The extraction settings of the arguments."""
    kwargs = json.loads(args.backend_args)
    if not isinstance(kwargs, dict):
        raise ValueError('--backend-args must be a JSON object')
    for key in ('det_config', 'det_checkpoint', 'pose_config',
                'pose_checkpoint'):
        if getattr(args, key):
            kwargs[key] = getattr(args, key)
    return ExtractSettings(backend=args.backend, backend_kwargs=kwargs,
                           layout=args.layout, max_persons=args.max_persons,
                           max_gap=args.max_gap, max_frames=args.max_frames)


def _bar(total: int):
    return tqdm(total=total, unit='video')


def main(argv: Optional[List[str]] = None) -> None:
    """Run the tool (see the module docstring for the exit status)."""
    args = parse_args(argv)
    try:
        if args.backend not in POSE_BACKENDS.module_dict:
            raise ValueError(
                f'unknown --backend {args.backend!r}; choose one of '
                f'{", ".join(sorted(POSE_BACKENDS.module_dict))}')
        source_layout = POSE_BACKENDS.module_dict[args.backend].layout
        if args.layout == 'ntu25' and source_layout != 'blazepose33':
            raise ValueError(
                f'--layout ntu25 needs 3-D BlazePose joints; backend '
                f'{args.backend!r} gives {source_layout!r} (use --layout '
                'coco17 or --backend blazepose)')
        settings = settings_from(args)
        samples, classes = load_video_list(args.input, args.video_root,
                                           args.val_ratio, args.seed)
        shard, num_shards = shard_of(args.shard, args.num_shards)
        report = None
        if not args.merge:
            report = run_extraction(samples, args.out, settings,
                                    args.workers, shard, num_shards,
                                    args.strict, _bar)
    except (VideoListError, ExtractionError, MissingDependencyError,
            PoseModelError, ValueError, OSError) as error:
        print(f'error: {error}', file=sys.stderr)
        sys.exit(2)
    status = 0
    if report is not None:
        print(f'shard {shard} of {num_shards}: written {report.written}, '
              f'already done {report.done}, failed {len(report.failures)}')
        for name, note in report.notes:
            print(f'  NOTE {name}: {note}')
        for name, reason in report.failures:
            print(f'  FAILED {name}: {reason}')
        if report.failures:
            status = 1
    if args.merge or num_shards == 1 or all_done(samples, args.out):
        data, missing = merge_results(samples, classes, args.out)
        splits = ', '.join(f'{k} {len(v)}' for k, v in data['split'].items())
        print(f'{len(data["annotations"])} videos -> {args.out} ({splits}); '
              f'classes: {len(classes)} -> '
              f'{osp.join(osp.dirname(osp.abspath(args.out)), "classes.txt")}')
        if missing:
            print(f'missing from the pickle ({len(missing)}): ' +
                  ', '.join(missing))
            status = 1
    else:
        print(f'results so far in {work_dir_for(args.out)}; the pickle is '
              'merged when every shard is done (or run with --merge)')
    sys.exit(status)


__all__ = ['main', 'parse_args', 'settings_from']

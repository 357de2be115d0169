"""Test a recognizer on skeletons only, optionally dumping the scores.

``python tools/test.py CONFIG CHECKPOINT [--dump results.pkl]
[--dump-kind probs|logits]``. The dump is a list of dicts with
``pred_score``, ``gt_label`` and ``score_kind`` per sample, the format the
multi-stream ensemble tool reads: ``probs`` (default) are the
clip-averaged probabilities, ``logits`` the clip-averaged raw class scores
(the head's ``average_clips`` is set to ``'score'``; with one test clip
they are the raw logits the official code saves). Works with an MMCL
checkpoint or with the exported skeleton-only checkpoint
(``tools/deploy/export_inference_model.py``).

The checkpoint loads strictly (its checksum verified): a missing,
unexpected or mis-shaped parameter is an error naming it; only the
training-only FAM / FRM parameters are dropped (or may be absent),
explicitly and logged (:mod:`mmcl_tools.runs.strict_loading`).
"""
import argparse
import os
import os.path as osp
import sys

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
from mmengine.config import Config  # noqa: E402
from mmaction.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmcl_tools.runs.launchers import fix_cpu_launchers  # noqa: E402
from mmcl_tools.runs.strict_loading import (  # noqa: E402
    CheckpointMismatchError, load_checkpoint_strictly)
from mmcl_plugin.evaluation import AVERAGE_CLIPS, SCORE_KINDS  # noqa: E402
from mmcl_plugin.utils import (add_trust_argument,  # noqa: E402
                               trust_pickles)
from mmcl_tools.runs.config_values import check_config_values  # noqa
from mmcl_tools.runs.dict_action import DictAction  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an MMCL model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='dir for the evaluation logs')
    parser.add_argument(
        '--dump', type=str, help='pickle file for the per-sample scores')
    parser.add_argument(
        '--dump-kind',
        choices=SCORE_KINDS,
        default='probs',
        help='what --dump stores: clip-averaged probabilities (default) or '
        'clip-averaged raw logits (e.g. for a logit ensemble)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_trust_argument(parser)
    args = parser.parse_args()
    if args.trust_pickles:
        trust_pickles()  # through the environment: workers inherit it
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must be a .pkl file, got {args.dump}')
        dump_metric = dict(
            type='DumpScores',
            out_file_path=args.dump,
            score_kind=args.dump_kind)
        # the head computes what the dump says it holds
        cfg.model.cls_head.average_clips = AVERAGE_CLIPS[args.dump_kind]
        evaluators = cfg.test_evaluator
        if isinstance(evaluators, (list, tuple)):
            cfg.test_evaluator = list(evaluators) + [dump_metric]
        else:
            cfg.test_evaluator = [evaluators, dump_metric]
    elif args.dump_kind != 'probs':
        raise ValueError('--dump-kind needs --dump')
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
        if args.dump is not None and cfg.model.cls_head.get(
                'average_clips') != AVERAGE_CLIPS[args.dump_kind]:
            raise ValueError(
                f'--cfg-options set model.cls_head.average_clips to '
                f'{cfg.model.cls_head.get("average_clips")!r}, but '
                f'--dump-kind {args.dump_kind} needs '
                f'{AVERAGE_CLIPS[args.dump_kind]!r}')
    return cfg


def main() -> None:
    args = parse_args()
    if args.launcher != 'none':
        # torchrun / slurm on machines without CUDA: gloo, no device call
        fix_cpu_launchers()
    cfg = merge_args(Config.fromfile(args.config), args)
    try:
        check_config_values(cfg, args.config)
    except ValueError as error:
        sys.exit(f'tools/test.py: error: {error}')
    cfg.load_from = None  # loaded strictly below, not by the runner
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg \
        else Runner.from_cfg(cfg)
    runner.test_loop  # builds the test dataset (its checks) first, as before
    try:
        load_checkpoint_strictly(runner, args.checkpoint)
    except CheckpointMismatchError as error:
        runner.logger.error(str(error))
        sys.exit(f'tools/test.py: error: {error}')
    runner.test()


if __name__ == '__main__':
    main()

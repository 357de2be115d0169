"""Train a recognizer (MMCL or baseline) with an MMEngine runner.

Single process: ``python tools/train.py CONFIG``; distributed:
``tools/dist_train.sh CONFIG GPUS`` (torchrun) or ``tools/slurm_train.sh``.
``--check-media`` probes every video / strip image of the training set
before the first iteration; ``--skip-bad-media N`` replaces up to N
unreadable training samples by the next ones and lists them at the end of
each epoch (the dataset options ``check_media`` / ``skip_bad_media`` of
``MMCLPoseDataset``, which configs and ``mim train --cfg-options`` can
set as well).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmcl_plugin.engine import fix_cpu_launchers  # noqa: E402
from mmcl_plugin.utils import (add_trust_argument,  # noqa: E402
                               innermost_dataset_cfg, trust_pickles)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an MMCL model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='dir for logs and checkpoints')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or (no value) from the latest '
        'checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by the actual over the base batch size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='use a different seed on each rank')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic cuDNN algorithms')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=3')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--check-media',
        nargs='?',
        type=int,
        const=4,
        metavar='WORKERS',
        help='decode every video / strip image of the training set once '
        'before training (WORKERS processes, default 4), listing the '
        'unreadable ones')
    parser.add_argument(
        '--skip-bad-media',
        type=int,
        metavar='N',
        help='replace a training sample whose video / strip image cannot be '
        'read by the next one and list it at the end of the epoch; more '
        'than N such samples stop the run')
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
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if cfg.get('randomness', None) is None:
        cfg.randomness = dict(seed=args.seed, diff_rank_seed=False,
                              deterministic=False)
    if args.seed is not None:
        cfg.randomness.seed = args.seed
    cfg.randomness.diff_rank_seed = args.diff_rank_seed
    cfg.randomness.deterministic = args.deterministic
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.check_media is not None:
        innermost_dataset_cfg(cfg.train_dataloader)['check_media'] = dict(
            num_workers=args.check_media)
    if args.skip_bad_media is not None:
        innermost_dataset_cfg(cfg.train_dataloader)['skip_bad_media'] = \
            dict(max_skipped=args.skip_bad_media)
    return cfg


def main() -> None:
    args = parse_args()
    if args.launcher != 'none':
        # torchrun / slurm on machines without CUDA: gloo, no device call
        fix_cpu_launchers()
    cfg = merge_args(Config.fromfile(args.config), args)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()

"""Train a recognizer (MMCL or baseline) with an MMEngine runner.

Single process: ``python tools/train.py CONFIG``; distributed:
``tools/dist_train.sh CONFIG GPUS`` (torchrun) or ``tools/slurm_train.sh``.
``--check-media`` probes every video / strip image of the training set
before the first iteration; ``--skip-bad-media N`` replaces up to N
unreadable training samples by the next ones and lists them at the end of
each epoch (the dataset options ``check_media`` / ``skip_bad_media`` of
``MMCLPoseDataset``, which configs and ``mim train --cfg-options`` can
set as well).

Work dir safety: the run locks its work dir (``<work_dir>/train.lock``;
a second run into it stops and names the holder; a lock left by a killed
run is taken over with a message). ``--resume`` takes the newest
checkpoint of the work dir that loads and verifies (and stops if there
is none); a run without ``--resume`` stops if the work dir holds
checkpoints, unless ``--overwrite-checkpoints``.

Exit codes: 0 done; 1 an error; 2 refused at start-up (work dir locked,
checkpoints in the way, nothing to resume, a bad config value);
75 stopped by SIGTERM / SIGINT after saving a resumable checkpoint
(``GracefulStopHook``; run again with ``--resume``).
"""
import argparse
import atexit
import os
import os.path as osp
import sys

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
from mmengine.config import Config  # noqa: E402
from mmaction.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmcl_tools.runs.launchers import fix_cpu_launchers  # noqa: E402
from mmcl_tools.runs.work_dir_checkpoints import (  # noqa: E402
    existing_checkpoints, find_resumable_checkpoint)
from mmcl_plugin.utils import (add_trust_argument, innermost_dataset_cfg,  # noqa: E402
                               trust_pickles)
from mmcl_tools.runs.file_lock import LockedError, OwnedLock
from mmcl_tools.runs.config_values import check_config_values  # noqa
from mmcl_tools.runs.dict_action import DictAction  # noqa: E402

#: Exit status of a run refused at start-up.
REFUSED_EXIT_CODE = 2
#: The work dir's lock file.
LOCK_NAME = 'train.lock'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train an MMCL model',
        epilog='The work dir is locked for the run (<work_dir>/train.lock). '
        'Exit codes: 0 done, 1 error, 2 refused at start-up (work dir in '
        'use, checkpoints in the way, nothing to resume, a bad config '
        'value), 75 stopped by SIGTERM/SIGINT after saving a resumable '
        'checkpoint (run again with --resume).')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='dir for logs and checkpoints')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or (no value) from the newest '
        'checkpoint in the work dir that loads and verifies (stops if there '
        'is none)')
    parser.add_argument(
        '--overwrite-checkpoints',
        action='store_true',
        help='start a new training (no --resume) although the work dir '
        'holds checkpoints of an earlier run, which this run may overwrite '
        '(without it such a run stops and names them)')
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
        help='override config entries, e.g. train_cfg.max_epochs=3 (spaces '
        'inside a plain value such as a path are kept)')
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


def refuse(message: str) -> None:
    """Stop at start-up with ``message`` (exit :data:`REFUSED_EXIT_CODE`)."""
    print(f'tools/train.py: error: {message}', file=sys.stderr, flush=True)
    sys.exit(REFUSED_EXIT_CODE)


def global_rank() -> int:
    """This process's rank, from the launcher's environment (before the
    process group exists)."""
    for name in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK'):
        if os.environ.get(name, '').isdigit():
            return int(os.environ[name])
    return 0


def lock_work_dir(work_dir: str, notes: list) -> OwnedLock:
    """Lock ``work_dir`` for this run (rank 0 holds the lock)."""
    lock = OwnedLock(osp.join(work_dir, LOCK_NAME))
    try:
        stale = lock.acquire()
    except LockedError as error:
        refuse(f'the work dir {work_dir} is in use by another training: '
               f'{error}. Wait for it to end, or use another --work-dir.')
    atexit.register(lock.release)  # also when refused below
    if stale is not None:
        holder = OwnedLock.describe(stale)
        notes.append(f'Took over the stale lock of {work_dir} from a run '
                     f'that ended without releasing it ({holder}).')
        print(notes[-1], file=sys.stderr, flush=True)
    return lock


def choose_checkpoint(cfg: Config, args: argparse.Namespace,
                      notes: list) -> None:
    """Set what the run resumes from, or refuse to overwrite checkpoints.

    ``--resume`` (or ``resume=True`` without ``load_from``): the newest
    checkpoint of the work dir that verifies. A new training: stops if the
    work dir holds checkpoints, unless ``--overwrite-checkpoints``.
    """
    work_dir = cfg.work_dir
    if cfg.get('resume', False) and cfg.get('load_from') is None:
        chosen, found = find_resumable_checkpoint(work_dir)
        notes.extend(found)
        if chosen is None and args.resume != 'auto':
            # resume=True in the config (no --resume): resume if possible
            notes.append(f'resume=True, but {work_dir} holds no checkpoint to '
                         'resume: starting a new training.')
            cfg.resume = False
        elif chosen is None:
            refuse(f'--resume: no checkpoint to resume in the work dir '
                   f'{osp.abspath(work_dir)} (' + ' '.join(found) + '). Is '
                   'the --work-dir right? Start a new training without '
                   '--resume.')
        else:
            cfg.load_from = chosen
            return
    if cfg.get('resume', False):
        return  # an explicit checkpoint
    existing = existing_checkpoints(work_dir)
    if not existing:
        return
    if not args.overwrite_checkpoints:
        refuse(f'the work dir {osp.abspath(work_dir)} holds checkpoints of '
               f'an earlier run: {", ".join(map(osp.basename, existing))}. '
               'Continue it with --resume, use another --work-dir, or pass '
               '--overwrite-checkpoints to start a new training there '
               '(it may overwrite them).')
    notes.append(f'--overwrite-checkpoints: starting a new training in '
                 f'{work_dir}, which holds {", ".join(existing)}.')


def main() -> None:
    args = parse_args()
    if args.launcher != 'none':
        # torchrun / slurm on machines without CUDA: gloo, no device call
        fix_cpu_launchers()
    cfg = merge_args(Config.fromfile(args.config), args)
    try:
        check_config_values(cfg, args.config)
    except ValueError as error:
        refuse(str(error))
    if args.resume == 'auto' and not osp.isdir(cfg.work_dir):
        refuse(f'--resume: the work dir {osp.abspath(cfg.work_dir)} does '
               'not exist. Is the --work-dir right? Start a new training '
               'without --resume.')
    notes: list = []
    if global_rank() == 0:
        lock_work_dir(cfg.work_dir, notes)  # held until the process ends
    choose_checkpoint(cfg, args, notes)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg \
        else Runner.from_cfg(cfg)
    for note in notes:  # in the run's log file too
        if note.startswith('Resuming from'):
            runner.logger.info(note)
        else:
            runner.logger.warning(note)
    runner.train()


if __name__ == '__main__':
    main()

"""Prepare one's own labelled videos for MMCL: skeletons, strips, text.

What ``tools/data/videos/prepare_dataset.py`` runs (:func:`main`):

``prepare_dataset.py INPUT WORKDIR [--layout coco17]
[--mllm Salesforce/blip-vqa-base] [--workers N] [--strict]``

INPUT is what ``tools/data/videos/extract_skeletons.py`` reads: a folder
with one sub-folder of videos per class, or a list file of
``relative/path label [split]`` lines (videos relative to its folder, or
to ``--video-root``). Three steps, each run by its own tool (with its
progress bar) and each resumable:

1. ``skeletons``: ``extract_skeletons.py INPUT -o WORKDIR/skeletons.pkl``
   (pose, tracking, at most ``--max-persons`` persons, person boxes);
   skipped when the pickle already has every video of the INPUT folder
   (a list file: the tool itself skips the videos it has done);
2. ``strips``: ``tools/data/ntu/make_ntu_strips.py`` over the pickle, the
   videos found by their ``filename`` under INPUT, each strip cropped to
   the stored person boxes -> ``WORKDIR/strips/<frame_dir>.jpg``; finished
   strips are skipped;
3. ``text``: ``tools/extract_text_features.py --strip-dir WORKDIR/strips
   --model MLLM`` -> the cache ``WORKDIR/text_features/``; finished shards
   are skipped.

Under ``torchrun`` / slurm (``WORLD_SIZE`` > 1) the skeleton and text
steps share their videos / samples over the ranks as their tools do (the
last skeleton shard to finish merges the pickle; a rank whose shard is
done while others still run stops there), one step per launch
(``--steps skeletons``, then ``--steps text``); the strip step runs in
``--workers`` processes of one machine, without ranks.

``WORKDIR/classes.txt`` gets the class names (one a line, by label: the
``--class-names`` of ``tools/deploy/infer_video.py``). At the end the
lines to edit in ``configs/own_videos/`` are printed.

Failures (videos without a pose, strips that cannot be made, strips the
MLLM could not answer about) are listed by name by each step and again
in the summary; the run goes on (``--strict``: stops at the first).
Exit status: 0 everything prepared, 1 some samples failed (listed), 2 a
step failed as a whole.
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from .video_list import VideoListError, scan_class_folders

#: The repository (the tools of the steps are its scripts).
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The tool of each step.
TOOLS = dict(
    skeletons=osp.join(REPO, 'tools', 'data', 'videos',
                       'extract_skeletons.py'),
    strips=osp.join(REPO, 'tools', 'data', 'ntu', 'make_ntu_strips.py'),
    text=osp.join(REPO, 'tools', 'extract_text_features.py'))
STEPS = tuple(TOOLS)
#: Outputs inside WORKDIR.
SKELETONS, STRIPS, TEXT, CLASSES = ('skeletons.pkl', 'strips',
                                    'text_features', 'classes.txt')
#: Config files a user edits.
BASELINE_CONFIG = ('configs/own_videos/'
                   'stgcnpp_8xb16-joint-u100-80e_own-videos-keypoint-2d.py')
MMCL_CONFIG = ('configs/own_videos/'
               'mmcl-stgcnpp_8xb16-joint-u100-80e_own-videos-keypoint-2d.py')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The arguments of ``prepare_dataset.py`` (``sys.argv`` by default)."""
    parser = argparse.ArgumentParser(
        prog='prepare_dataset.py',
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('input', help='folder of the labelled videos (one '
                        'sub-folder per class) or a list file')
    parser.add_argument('workdir', help='output folder (skeletons.pkl, '
                        'strips/, text_features/, classes.txt)')
    parser.add_argument(
        '--steps', default=','.join(STEPS),
        help='comma-separated steps to run, of %(default)s')
    parser.add_argument('--layout', default='coco17',
                        choices=('coco17', 'ntu25'),
                        help='joint layout (default: %(default)s)')
    parser.add_argument('--backend', default=None,
                        help='pose backend of extract_skeletons.py (its '
                        'default if not given)')
    parser.add_argument('--max-persons', type=int, default=2)
    parser.add_argument('--video-root', default=None,
                        help='folder the paths of a list file are '
                        'relative to (default: its folder)')
    parser.add_argument('--workers', type=int, default=1,
                        help='processes of the skeleton and strip steps '
                        '(default: %(default)s)')
    parser.add_argument('--video-backend', default='decord',
                        choices=('decord', 'opencv'),
                        help='decoder of the strip step (default: '
                        '%(default)s)')
    parser.add_argument('--mllm', default='Salesforce/blip-vqa-base',
                        help='multimodal LLM of the text step: hub id or '
                        'local folder (default: %(default)s)')
    parser.add_argument('--prompt', action='append', default=None,
                        help='question asked about every strip '
                        '(repeatable; default: the paper\'s)')
    parser.add_argument('--max-new-tokens', type=int, default=None)
    parser.add_argument('--text-batch-size', type=int, default=None)
    parser.add_argument('--device', default=None,
                        help='device of the MLLM (default: cuda:<rank> or '
                        'cpu)')
    parser.add_argument('--strict', action='store_true',
                        help='stop at the first failure')
    args = parser.parse_args(argv)
    args.steps = [s.strip() for s in args.steps.split(',') if s.strip()]
    unknown = [s for s in args.steps if s not in STEPS]
    if unknown or not args.steps:
        parser.error(f'--steps takes some of {",".join(STEPS)}, got '
                     f'{unknown or "none"}')
    if args.workers < 0:
        parser.error('--workers must be >= 0')
    return args


def video_files(root: str) -> List[str]:
    """The videos that ``extract_skeletons.py`` reads from a folder of
    class folders, relative to it, sorted.

    Raises:
        VideoListError: No class folder, or an empty one (named).
    """
    _, items = scan_class_folders(root)
    return sorted(rel for rel, _ in items)


def read_skeletons(path: str) -> Dict:
    """The pickle of the skeleton step (restricted unpickler)."""
    from mmcl_plugin.datasets.annotation_file import read_annotation_file
    content = read_annotation_file(path)
    if not isinstance(content, dict) or 'annotations' not in content:
        raise ValueError(f'{path} is not an mmaction2 skeleton pickle with '
                         f'annotations')
    return content


def missing_videos(videos: Sequence[str], content: Dict) -> List[str]:
    """The videos that the pickle has no annotation of."""
    done = {str(a.get('filename')) for a in content['annotations']}
    return [v for v in videos if v not in done]


def run_tool(step: str, argv: Sequence[str]) -> int:
    """Run a step's tool in a fresh process (its output shown)."""
    command = [sys.executable, TOOLS[step]] + [str(a) for a in argv]
    print(f'$ {" ".join(command)}', flush=True)
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    return subprocess.run(command, env=env).returncode


def read_failures(path: str) -> List[Tuple[str, str]]:
    """(name, reason) lines of a failures file, if any."""
    if not osp.isfile(path):
        return []
    failures = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip():
                name, _, reason = line.rstrip('\n').partition('\t')
                failures.append((name, reason))
    return failures


def video_root(args: argparse.Namespace) -> str:
    """The folder the pickle's ``filename``s are relative to."""
    if osp.isdir(args.input):
        return args.input
    return args.video_root or osp.dirname(osp.abspath(args.input))


def world_size() -> int:
    """Ranks of a torchrun / slurm launch (1 without one)."""
    for key in ('WORLD_SIZE', 'SLURM_NTASKS'):
        if os.environ.get(key, '').isdigit():
            return int(os.environ[key])
    return 1


#: Status of a rank whose skeleton shard is done while others still run.
SHARD_DONE = -1


def skeleton_step(args: argparse.Namespace,
                  videos: Optional[List[str]]
                  ) -> Tuple[int, List, Optional[Dict]]:
    """Step 1; returns (status, failures, the pickle's content or None
    when no pickle was written)."""
    out = osp.join(args.workdir, SKELETONS)
    # the tool always runs: it skips the videos it has done, extracts new
    # ones and refuses other settings (layout, persons, backend) than the
    # results it has
    argv = [args.input, '-o', out, '--layout', args.layout,
            '--max-persons', args.max_persons, '--workers', args.workers]
    if args.backend:
        argv += ['--backend', args.backend]
    if args.video_root:
        argv += ['--video-root', args.video_root]
    if args.strict:
        argv.append('--strict')
    status = run_tool('skeletons', argv)
    if status == 0 and not osp.isfile(out) and world_size() > 1:
        return SHARD_DONE, [], None
    if status not in (0, 1) or not osp.isfile(out):
        return 2, [], None
    content = read_skeletons(out)
    if videos is None:  # a list file: the tool names its failures
        return status, [('(see above)', 'some videos failed')
                        ] if status == 1 else [], content
    missing = missing_videos(videos, content)
    return status, [(name, 'no skeletons extracted (see above)')
                    for name in missing], content


def strip_step(args: argparse.Namespace,
               content: Dict) -> Tuple[int, List]:
    """Step 2; returns (status, failures)."""
    out = osp.join(args.workdir, STRIPS)
    has_2d = any('keypoint_2d' in a for a in content['annotations'])
    argv = [osp.join(args.workdir, SKELETONS), video_root(args), '-o', out,
            '--video-pattern', '{filename}', '--keypoint-key',
            'keypoint_2d' if has_2d else 'keypoint', '--workers',
            args.workers, '--backend', args.video_backend]
    if args.strict:
        argv.append('--strict')
    status = run_tool('strips', argv)
    return status, read_failures(osp.join(out, 'failures.txt'))


def text_step(args: argparse.Namespace) -> Tuple[int, List]:
    """Step 3; returns (status, failures)."""
    out = osp.join(args.workdir, TEXT)
    argv = ['--strip-dir', osp.join(args.workdir, STRIPS), '--model',
            args.mllm, '--out-dir', out]
    for prompt in args.prompt or []:
        argv += ['--prompt', prompt]
    for flag, value in (('--max-new-tokens', args.max_new_tokens),
                        ('--batch-size', args.text_batch_size),
                        ('--device', args.device)):
        if value is not None:
            argv += [flag, value]
    if args.strict:
        argv.append('--strict')
    status = run_tool('text', argv)
    if not osp.isfile(osp.join(out, 'index.json')) and (
            status == 1 or (status == 0 and world_size() == 1)):
        # the tool ended without a complete cache (a crash exits 1 too,
        # e.g. an MLLM that cannot be loaded); under several ranks the
        # last one to finish writes the index
        return 2, []
    failures = []
    if status in (0, 1):
        from mmcl_plugin.text_cache.cache_reader import TextFeatureCache
        failures = sorted(TextFeatureCache(out, verify=None).failed.items())
    return status, failures


def write_classes(args: argparse.Namespace,
                  content: Dict) -> Optional[List[str]]:
    """WORKDIR/classes.txt from the pickle's ``classes``."""
    from mmcl_plugin.utils import write_text_atomic
    classes = content.get('classes')
    if not classes:
        return None
    write_text_atomic(''.join(f'{name}\n' for name in classes),
                      osp.join(args.workdir, CLASSES))
    return [str(name) for name in classes]


def text_width(args: argparse.Namespace) -> Optional[int]:
    """The width of the cache's token features, if it is there."""
    from mmcl_plugin.text_cache.cache_format import read_meta
    try:
        meta = read_meta(osp.join(args.workdir, TEXT))
    except ValueError:
        return None
    return None if meta is None else int(meta.hidden_size)


def print_config_edits(args: argparse.Namespace,
                       classes: Optional[List[str]]) -> None:
    """Print the config lines to edit, with this dataset's values."""
    workdir = args.workdir.rstrip('/') + '/'
    print('\nEdit the top of the configs:')
    print(f'  {BASELINE_CONFIG}:')
    print(f"    prepared = '{workdir}'")
    print(f'    num_classes = {len(classes) if classes else "<classes>"}')
    width = text_width(args)
    print(f'  {MMCL_CONFIG}:')
    print(f"    mllm = '{args.mllm}'")
    print(f'    text_channels = {width if width else "<width of the MLLM>"}')
    if classes:
        print(f'class names for infer_video.py: --class-names '
              f'{osp.join(args.workdir, CLASSES)}')


def main(argv: Optional[List[str]] = None) -> int:
    """Run the steps; returns the exit status (0 all prepared, 1 some
    samples failed, 2 a step failed as a whole)."""
    args = parse_args(argv)
    if not osp.exists(args.input):
        print(f'error: {args.input} does not exist', file=sys.stderr)
        return 2
    if world_size() > 1 and (len(args.steps) > 1
                             or args.steps[0] == 'strips'):
        print('error: under torchrun / slurm run one step at a time: '
              '--steps skeletons or --steps text (their tools share the '
              'work over the ranks); the strip step runs on one machine '
              '(--workers N) without them', file=sys.stderr)
        return 2
    os.makedirs(args.workdir, exist_ok=True)
    videos = None  # a list file: extract_skeletons.py reads it
    if osp.isdir(args.input):
        try:
            videos = video_files(args.input)
        except VideoListError as error:
            print(f'error: {error}', file=sys.stderr)
            return 2
    failures: Dict[str, List[Tuple[str, str]]] = {}
    content = None
    for number, step in enumerate(STEPS, 1):
        if step not in args.steps:
            continue
        print(f'\n[{number}/{len(STEPS)}] {step}', flush=True)
        try:
            if step == 'skeletons':
                # the pickle is read once, for the next steps too
                status, failed, content = skeleton_step(args, videos)
            else:
                if content is None:
                    content = read_skeletons(
                        osp.join(args.workdir, SKELETONS))
                status, failed = (strip_step(args, content) if step ==
                                  'strips' else text_step(args))
        except (OSError, ValueError) as error:
            print(f'error: {step}: {error}', file=sys.stderr)
            return 2
        failures[step] = failed
        if status == SHARD_DONE:
            print('skeletons: this shard is done; the last shard to finish '
                  'merges the pickle (then run the next steps)')
            return 0
        if status not in (0, 1):
            print(f'error: the {step} step failed (exit status {status}); '
                  f'rerun to resume', file=sys.stderr)
            return 2
        if failed and args.strict:
            print(f'error: {step}: {failed[0][0]}: {failed[0][1]} '
                  f'(--strict)', file=sys.stderr)
            return 1
    if content is None and osp.isfile(osp.join(args.workdir, SKELETONS)):
        content = read_skeletons(osp.join(args.workdir, SKELETONS))
    classes = write_classes(args, content) if content else None

    print('\nSummary:')
    if content is not None:
        total = f' of {len(videos)}' if videos is not None else ''
        print(f'  {len(content["annotations"])}{total} videos have '
              f'skeletons; {len(classes or [])} classes')
    for step, failed in failures.items():
        print(f'  {step}: {len(failed)} failed')
        for name, reason in failed:
            print(f'    FAILED {name}: {reason}')
    if failures.get('skeletons'):
        print('  Videos without skeletons are not in the pickle: fix or '
              'replace them and rerun.')
    if failures.get('strips') or failures.get('text'):
        print('  Samples without a strip or text feature stop MMCL '
              'training at start-up: fix them and rerun, or leave them out '
              'of the pickle\'s split (the baseline trains without '
              'them).')
    print_config_edits(args, classes)
    return 1 if any(failures.values()) else 0


__all__ = [
    'main', 'parse_args', 'TOOLS', 'STEPS', 'video_files',
    'read_skeletons', 'missing_videos', 'video_root', 'world_size'
]

"""Precompute the MMCL frame strips of NTU RGB+D from the RGB videos.

``python tools/data/ntu/make_ntu_strips.py data/skeleton/ntu60_3d.pkl \\
    data/nturgbd_rgb -o data/mmcl_strips/ntu60 --workers 8``

For every sample of the pickle (``--split``: of those splits only) the
video ``<video_root>/<name>_rgb.avi`` (``--video-pattern``) gives one strip
image ``<out_dir>/<name>.jpg``: ``--num-frames`` frames at the centres of
equal segments of the clip, each cropped to the box of the actors' 2-D
colour keypoints (``keypoint_2d`` (M, T, 25, 2) in 1920x1080 pixels, as
``convert_ntu_skeleton.py`` writes them) over those frames plus a margin,
fitted into (H, W // m) tiles pasted left to right (``--tile-fit pad``:
aspect ratio kept, black around; ``stretch``: resized to the tile).
``--layout release`` makes the MMCL release's strips instead: frames 0, k,
..., (m - 1) k (k = n // m), each cropped to the actors of that frame, on
a 480 x 480 canvas (``--strip-size`` changes it). It is exactly the strip
``BuildFrameStrip`` builds from the video for the sample without
``frame_inds`` (bit-identical with ``--ext .png``); only the chosen frames
are decoded. Train from them with ``strip_root=<out_dir>`` (and
``strip_suffix``) instead of ``video_root``.

Resumable: finished strips are skipped, writes are atomic, an output that
is cut short or of the wrong size is made again and temporary files of an
interrupted run are removed. ``<out_dir>/strip_settings.json`` records the
settings; a run with other settings into the same directory stops.

Samples with person boxes (``person_boxes`` (M, T, 4), ``--box-key``, as
the pose extraction of one's own videos writes them) are cropped to the
boxes instead of the keypoints; such pickles name their videos
(``filename``), so pass ``--video-pattern '{filename}'`` (and
``--keypoint-key keypoint`` for 2-D COCO keypoints).

Failures (missing or undecodable video, no 2-D keypoints) are listed by
sample at the end and in ``<out_dir>/failures.txt`` (``--failures-file``)
and the run goes on; ``--strict`` stops at the first. Exit status: 0, 1
when some sample failed, 2 on a fatal error.
"""
import argparse
import os.path as osp
import pickle
import sys
from typing import List, NoReturn, Optional

from tqdm import tqdm  # noqa: E402

from mmcl_tools.strips import (SETTINGS_FILE, StripError, StripSettings,  # noqa: E402
                               check_settings_file, load_annotations,
                               locked_out_dir, make_strips, make_tasks,
                               write_failures)
from mmcl_plugin.datasets.transforms.frame_strip import (  # noqa: E402
    LAYOUT_FRAMES, TILE_FITS)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='NTU RGB+D videos to MMCL frame-strip images')
    parser.add_argument('ann_file', help='mmaction2 skeleton pickle with 2-D '
                        'keypoints (convert_ntu_skeleton.py)')
    parser.add_argument('video_root', help='directory of the RGB videos')
    parser.add_argument('-o', '--out-dir', required=True,
                        help='strip image directory (strip_root)')
    parser.add_argument(
        '--split', action='append', default=[], metavar='SPLIT',
        help='only the samples of this split of the pickle (e.g. '
        'xsub_train); repeatable; default: all samples')
    parser.add_argument(
        '--video-pattern', default='{name}_rgb.avi',
        help='video path relative to video_root; {name} is the sample '
        'name, {filename} the annotation\'s filename (own videos: '
        '"{filename}") (default: %(default)s)')
    parser.add_argument('--num-frames', type=int, default=5,
                        help='m, frames per strip (default: %(default)s)')
    parser.add_argument(
        '--strip-size', type=int, nargs=2, default=None, metavar=('H', 'W'),
        help='strip height and width (default: 224 1120 for the tiles '
        'layout, 480 480 for the release layout)')
    parser.add_argument(
        '--layout', default='tiles', choices=sorted(LAYOUT_FRAMES),
        help='tiles: segment centres, one crop box; release: the MMCL '
        "release's frames 0, k, ..., (m-1)k with per-frame boxes on a "
        'square canvas (default: %(default)s)')
    parser.add_argument(
        '--tile-fit', default='pad', choices=TILE_FITS,
        help='pad: keep the aspect ratio of each crop (black around); '
        'stretch: resize it to its tile (earlier versions, the release) '
        '(default: %(default)s)')
    parser.add_argument(
        '--crop-margin', type=float, default=0.1,
        help='margin around the person box, fraction of its size on each '
        'side (default: %(default)s)')
    parser.add_argument('--keypoint-key', default='keypoint_2d',
                        help='annotation key of the (M, T, V, 2) pixel '
                        'keypoints (default: %(default)s)')
    parser.add_argument(
        '--box-key', default='person_boxes',
        help='annotation key of (M, T, 4) pixel person boxes that crop '
        'the frames when a sample has them; "none": keypoints only '
        '(default: %(default)s)')
    parser.add_argument('--backend', default='decord',
                        choices=('decord', 'opencv'),
                        help='video decoder (default: %(default)s)')
    parser.add_argument('--ext', default='.jpg',
                        choices=('.jpg', '.jpeg', '.png'),
                        help='image format; .png is lossless '
                        '(default: %(default)s)')
    parser.add_argument('--jpeg-quality', type=int, default=95)
    parser.add_argument(
        '--allow-missing-keypoints', action='store_true',
        help='make uncropped whole-frame strips for samples without 2-D '
        'keypoints instead of failing them')
    parser.add_argument('--workers', type=int, default=1,
                        help='worker processes; 0: in this process '
                        '(default: %(default)s)')
    parser.add_argument(
        '--failures-file', default=None,
        help='where to list the failed samples (default: '
        '<out_dir>/failures.txt)')
    parser.add_argument('--strict', action='store_true',
                        help='stop at the first failure')
    args = parser.parse_args(argv)
    if args.workers < 0:
        parser.error('--workers must be >= 0')
    return args


def fail(message: str) -> NoReturn:
    """Print a fatal error and exit with status 2."""
    print(f'error: {message}', file=sys.stderr)
    sys.exit(2)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        settings = StripSettings(
            strip=dict(
                type='BuildFrameStrip',
                num_frames=args.num_frames,
                strip_size=args.strip_size and tuple(args.strip_size),
                crop_margin=args.crop_margin,
                keypoint_key=args.keypoint_key,
                io_backend=args.backend,
                layout=args.layout,
                tile_fit=args.tile_fit,
                box_key=None if args.box_key.lower() == 'none' else
                args.box_key),
            ext=args.ext,
            jpeg_quality=args.jpeg_quality,
            require_keypoints=not args.allow_missing_keypoints)
        annotations = load_annotations(args.ann_file, args.split)
        tasks = make_tasks(annotations, args.video_root, args.out_dir,
                           args.video_pattern, settings.ext,
                           settings.keypoint_key, settings.box_key)
    except (OSError, KeyError, ValueError, EOFError,
            pickle.UnpicklingError) as error:
        # KeyError's str() quotes its message
        fail(error.args[0] if isinstance(error, KeyError) else str(error))
    # The tasks keep only the 2-D keypoints; free the 3-D skeletons.
    del annotations
    if tasks and settings.require_keypoints and all(
            task.keypoint_2d is None and task.person_boxes is None
            for task in tasks):
        # One clear message instead of every sample failing alike.
        fail(f'no annotation of {args.ann_file} has {args.keypoint_key!r} '
             f'(mmaction2\'s own NTU pickles have no 2-D keypoints; convert '
             f'with tools/data/ntu/convert_ntu_skeleton.py, or pass '
             f'--allow-missing-keypoints for uncropped strips)')
    failures_file = args.failures_file or osp.join(args.out_dir,
                                                   'failures.txt')
    try:
        with locked_out_dir(args.out_dir):
            check_settings_file(args.out_dir, settings)
            report = make_strips(
                tasks, settings, workers=args.workers, strict=args.strict,
                progress=lambda total: tqdm(total=total, unit='strip'))
    except StripError as error:  # --strict
        write_failures(failures_file, [str(error).split(': ', 1)])
        fail(f'{error} (--strict: stopped; rerun to resume)')
    except (RuntimeError, ValueError) as error:
        fail(str(error))
    write_failures(failures_file, report.failures)
    splits = f' (split {", ".join(args.split)})' if args.split else ''
    print(f'{len(tasks)} samples{splits} -> {args.out_dir}: '
          f'{report.summary()}')
    print(f'settings: {osp.join(args.out_dir, SETTINGS_FILE)}')
    for name, reason in report.failures:
        print(f'  FAILED {name}: {reason}')
    if report.failures:
        print(f'failures listed in {failures_file}')
    sys.exit(1 if report.failures else 0)


if __name__ == '__main__':
    main()

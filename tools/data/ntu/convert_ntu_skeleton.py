"""Convert NTU RGB+D 60/120 ``.skeleton`` files to an mmaction2 pickle.

``python tools/data/ntu/convert_ntu_skeleton.py \\
    nturgbd_skeletons_s001_to_s017.zip --benchmark ntu60 \\
    --missing NTU_RGBD_samples_with_missing_skeletons.txt \\
    --workers 8 --out data/skeleton/ntu60_3d.pkl``

For NTU120 pass both zips (or folders), ``--benchmark ntu120`` and the
NTU120 missing list. The zips are read without extracting. Splits: ntu60
``xsub_train/val``, ``xview_train/val``; ntu120 ``xsub_train/val``,
``xset_train/val``. Each annotation has ``keypoint`` (M, T, 25, 3) metres
and ``keypoint_2d`` (M, T, 25, 2) RGB pixels; noisy bodies are dropped as
described in :mod:`mmcl_tools.converters.ntu`.

Malformed files are listed at the end (file, line, reason) and skipped
(``--strict``: the first one is fatal and nothing is written). The exit
status is 1 when some file failed, 2 on a fatal error.
"""
import argparse
import sys

from mmcl_tools.converters.cli import (add_common_arguments, tqdm_progress)  # noqa: E402
from mmcl_tools.converters.ntu import (BENCHMARKS, MISSING, OTHER_BENCHMARK,  # noqa: E402
                                       NTUFormatError, convert_ntu,
                                       parse_missing_list)
from mmcl_plugin.utils import dump_pickle_atomic  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='NTU RGB+D .skeleton files to an mmaction2 pkl')
    parser.add_argument(
        'sources', nargs='+',
        help='folders of .skeleton files and/or the official zips '
        '(nturgbd_skeletons_s001_to_s017.zip, ..._s018_to_s032.zip)')
    parser.add_argument('-o', '--out', required=True, help='output .pkl')
    parser.add_argument('--benchmark', required=True,
                        choices=sorted(BENCHMARKS))
    parser.add_argument(
        '--missing', action='append', default=[], metavar='FILE',
        help='official list of samples with missing skeletons (one name '
        'a line); repeatable')
    parser.add_argument(
        '--drop-empty-frames', action='store_true',
        help='drop frames without any kept actor (default: keep them as '
        'zeros, so keypoint frame t is video frame t)')
    add_common_arguments(parser)
    args = parser.parse_args()
    if args.workers < 0 or args.chunksize < 1:
        parser.error('--workers must be >= 0 and --chunksize >= 1')
    return args


def main() -> None:
    args = parse_args()
    missing = set()
    for path in args.missing:
        with open(path, encoding='utf-8', errors='replace') as f:
            missing |= parse_missing_list(f.read())
    try:
        content, failures, skipped = convert_ntu(
            args.sources,
            args.benchmark,
            missing=missing,
            strict=args.strict,
            workers=args.workers,
            chunksize=args.chunksize,
            drop_empty_frames=args.drop_empty_frames,
            progress=tqdm_progress)
    except (NTUFormatError, FileNotFoundError) as error:
        print(f'error: {error}', file=sys.stderr)
        sys.exit(2)
    dump_pickle_atomic(content, args.out)
    splits = ', '.join(f'{key} {len(names)}'
                       for key, names in content['split'].items())
    print(f'{args.benchmark}: {len(content["annotations"])} converted -> '
          f'{args.out} ({splits})')
    print(f'skipped as missing: {len(skipped[MISSING])} '
          f'(listed: {len(missing)})')
    print(f'ignored, not in {args.benchmark}: '
          f'{len(skipped[OTHER_BENCHMARK])}')
    print(f'failed: {len(failures)}')
    for failure in failures:
        print(f'  FAILED {failure}')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()

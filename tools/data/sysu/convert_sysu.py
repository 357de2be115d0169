"""Convert SYSU-3D skeleton files (folder or zip) to an mmaction2 pickle.

``python tools/data/sysu/convert_sysu.py SYSU3D_skeletons/ \\
    data/skeleton/sysu_ntu25.pkl --workers 2``

One ``.txt`` (T x 20 x 3 numbers) or ``.mat`` (one 3-D variable) file per
sample; activity and subject come from the file's path through
``--name-pattern`` (groups ``action``, ``subject``, optional ``trial``;
default: ``a05_s12`` names or ``a05/s12/`` folders). Output in NTU's
25-joint layout by default (``--layout kinect_v1``: 20 joints). Splits:
``train`` (``--train-subjects``, default 1-20), ``val`` (the others),
``all``. Malformed files are listed and skipped (``--strict``: fatal);
exit status 1 when some file was skipped, 2 on a fatal error.
"""
import argparse

from mmcl_tools.converters.cli import (add_common_arguments,  # noqa: E402
                                       add_layout_argument, run_conversion)
from mmcl_tools.converters.sysu import (DEFAULT_NAME_PATTERN,  # noqa: E402
                                        DEFAULT_TRAIN_SUBJECTS,
                                        SYSUFormatError, convert_sysu)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='SYSU-3D to mmaction2 pkl')
    parser.add_argument('sources', nargs='+',
                        help='folder(s) and / or zip(s) of skeleton files')
    parser.add_argument('out', help='output .pkl')
    parser.add_argument('--name-pattern', default=DEFAULT_NAME_PATTERN,
                        help='regex on the path inside the source with the '
                        'groups action and subject (default: %(default)s)')
    parser.add_argument('--mat-key', default=None,
                        help='variable of the .mat files (default: their '
                        'only 3-D numeric variable)')
    parser.add_argument('--train-subjects', type=int, nargs='+',
                        default=list(DEFAULT_TRAIN_SUBJECTS),
                        help='subjects of the train split (default: 1-20)')
    add_layout_argument(parser)
    add_common_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    run_conversion(convert_sysu, args.out, [SYSUFormatError],
                   sources=args.sources, name_pattern=args.name_pattern,
                   layout=args.layout, mat_key=args.mat_key,
                   train_subjects=args.train_subjects, strict=args.strict,
                   workers=args.workers, chunksize=args.chunksize)


if __name__ == '__main__':
    main()

"""Convert UTD-MHAD skeletons (``Skeleton.zip`` or its folder) to a pkl.

``python tools/data/utd_mhad/convert_utd_mhad.py Skeleton.zip \\
    data/skeleton/utd_mhad_ntu25.pkl --workers 2``

Reads ``a{action}_s{subject}_t{trial}_skeleton.mat`` (``d_skel``, 20 x 3 x
T) and writes NTU's 25-joint layout by default (``--layout kinect_v1``
keeps the 20 joints; the mapping is documented in
:mod:`mmcl_tools.converters.kinect_v1`). Splits: ``train``
(subjects 1, 3, 5, 7), ``val`` (2, 4, 6, 8), ``all``. Malformed files are
listed and skipped (``--strict``: fatal); exit status 1 when some file was
skipped, 2 on a fatal error.
"""
import argparse

from mmcl_tools.converters.cli import (add_common_arguments,  # noqa: E402
                                       add_layout_argument, run_conversion)
from mmcl_tools.converters.utd_mhad import (UTDMHADFormatError,  # noqa: E402
                                            convert_utd_mhad)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='UTD-MHAD to mmaction2 pkl')
    parser.add_argument('sources', nargs='+',
                        help='Skeleton folder(s) and / or zip(s)')
    parser.add_argument('out', help='output .pkl')
    add_layout_argument(parser)
    add_common_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    run_conversion(convert_utd_mhad, args.out, [UTDMHADFormatError],
                   sources=args.sources, layout=args.layout,
                   strict=args.strict, workers=args.workers,
                   chunksize=args.chunksize)


if __name__ == '__main__':
    main()

"""Convert NW-UCLA (``all_sqe`` folder or zip) to an mmaction2 pickle.

::

    python tools/data/nwucla/convert_nwucla.py all_sqe.zip \
        data/skeleton/nwucla.pkl

Cross-view split: ``train`` = views 1, 2; ``val`` = view 3 (464 samples).
Malformed files are listed at the end and skipped (``--strict``: the first
one is fatal and nothing is written); exit status 1 when some file was
skipped, 2 on a fatal error. ``--workers N`` parses in N processes.
"""
import argparse

from mmcl_tools.converters.cli import (add_common_arguments, run_conversion)  # noqa: E402
from mmcl_tools.converters.nwucla import (NWUCLAFormatError, convert_nwucla)  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='NW-UCLA to mmaction2 pkl')
    parser.add_argument('source', help='all_sqe folder or all_sqe.zip')
    parser.add_argument('out', help='output .pkl')
    add_common_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    run_conversion(convert_nwucla, args.out, [NWUCLAFormatError],
                   source=args.source, strict=args.strict,
                   workers=args.workers, chunksize=args.chunksize)


if __name__ == '__main__':
    main()

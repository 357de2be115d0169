"""Shared command-line handling of the dataset converters in tools/data."""
import argparse
import sys
from typing import Callable, Dict, List, Sequence, Tuple, Type

from tqdm import tqdm

from mmcl_plugin.utils import dump_pickle_atomic


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--strict``, ``--workers`` and ``--chunksize``."""
    parser.add_argument('--strict', action='store_true',
                        help='stop at the first malformed file (nothing is '
                        'written)')
    parser.add_argument('--workers', type=int, default=1,
                        help='parsing processes (default: 1, in-process)')
    parser.add_argument('--chunksize', type=int, default=16,
                        help='files per worker task (default: 16)')


def add_layout_argument(parser: argparse.ArgumentParser) -> None:
    """``--layout`` of the Kinect v1 converters (UTD-MHAD, SYSU-3D)."""
    parser.add_argument('--layout', choices=('ntu', 'kinect_v1'),
                        default='ntu',
                        help='ntu: 25 NTU joints (default); kinect_v1: the '
                        '20 joints in Kinect SDK order')


def tqdm_progress(iterable, total: int):
    """The converters' ``progress`` callback: a tqdm bar over the files."""
    return tqdm(iterable, total=total, unit='file')


def run_conversion(convert: Callable[..., Tuple[Dict, List[str]]],
                   out: str,
                   fatal_errors: Sequence[Type[Exception]],
                   **kwargs) -> None:
    """Convert, write the pickle atomically, report, and exit.

    Exit status: 0 when every file converted, 1 when some were skipped
    (listed on stdout), 2 on a fatal error (``--strict`` failure, missing
    source; stderr), in which case nothing is written and an existing
    output is left as it was.

    Args:
        convert (Callable): A ``convert_*`` function returning the pickle
            content and the failures.
        out (str): Output ``.pkl``.
        fatal_errors (Sequence[type]): Errors that end the run.
        **kwargs: Passed to ``convert`` with ``progress`` added.
    """
    try:
        content, failures = convert(progress=tqdm_progress, **kwargs)
    except (FileNotFoundError, *fatal_errors) as error:
        print(f'error: {error}', file=sys.stderr)
        sys.exit(2)
    dump_pickle_atomic(content, out)
    splits = ', '.join(f'{key} {len(names)}'
                       for key, names in content['split'].items())
    print(f'{len(content["annotations"])} samples -> {out} ({splits})')
    print(f'failed: {len(failures)}')
    for failure in failures:
        print(f'  SKIPPED {failure}')
    sys.exit(1 if failures else 0)

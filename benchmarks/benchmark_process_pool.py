"""Files/s of the converters through the offline process pool against
``multiprocessing.Pool.imap``, in one run.

``nice python benchmarks/benchmark_process_pool.py [ZIP] [--workers 2]
[--chunksize 16] [--repeats 3]``

Parses every ``.json`` file of the NW-UCLA download (default
``../shared/data/nw_ucla/all_sqe.zip``) with the converter's parse
function, files read from the zip in this process as the converters read
them, in ``--workers`` processes:

* ``pool``: :func:`mmcl_plugin.utils.process_pool.imap_jobs`
  (``concurrent.futures`` workers, crash-tolerant, ordered, bounded);
* ``imap``: ``multiprocessing.Pool(workers).imap(..., chunksize)``, the
  converters' earlier pool, which waits forever for a dead worker's
  files.

Runs alternate (after one warm-up run each, which warms the page cache and
the forked workers' imports); prints the median seconds and files/s of
each and the pool/imap speed ratio, and checks that both give the same
annotations.
"""
import argparse
import multiprocessing
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List

import mmcl_plugin  # noqa: E402,F401  (compat fixes before mmaction)
import numpy as np  # noqa: E402

from mmcl_tools.converters.file_sources import iter_files  # noqa: E402
from mmcl_tools.converters.nwucla import (NWUCLAFormatError, parse_sample)  # noqa: E402
from mmcl_tools.converters.parallel import (_parse_job, _parse_job_died)  # noqa: E402
from mmcl_plugin.utils.process_pool import imap_jobs  # noqa

DEFAULT_ZIP = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), '..', 'shared', 'data',
    'nw_ucla', 'all_sqe.zip')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('zip', nargs='?', default=DEFAULT_ZIP,
                        help='NW-UCLA all_sqe.zip (default: %(default)s)')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--chunksize', type=int, default=16)
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed runs per mode (median reported)')
    return parser.parse_args()


def jobs(source: str):
    for file_name, read in iter_files(source, ('.json', )):
        yield parse_sample, NWUCLAFormatError, file_name, read()


def run_pool(source: str, workers: int, chunksize: int) -> List:
    return list(imap_jobs(_parse_job, jobs(source), workers,
                          died=_parse_job_died, chunksize=chunksize))


def run_imap(source: str, workers: int, chunksize: int) -> List:
    with multiprocessing.get_context('fork').Pool(workers) as pool:
        return list(pool.imap(_parse_job, jobs(source), chunksize))


def same(a: List, b: List) -> bool:
    """Whether two runs gave the same annotations and errors."""
    if len(a) != len(b):
        return False
    for (ann_a, err_a), (ann_b, err_b) in zip(a, b):
        if err_a != err_b or (ann_a is None) != (ann_b is None):
            return False
        if ann_a is not None and not (
                ann_a['frame_dir'] == ann_b['frame_dir']
                and np.array_equal(ann_a['keypoint'], ann_b['keypoint'])):
            return False
    return True


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.zip):
        sys.exit(f'error: {args.zip} not found (give the NW-UCLA zip)')
    modes: Dict[str, Callable] = dict(pool=run_pool, imap=run_imap)
    times: Dict[str, List[float]] = {mode: [] for mode in modes}
    results: Dict[str, List] = {}
    for run in range(args.repeats + 1):
        for mode, func in modes.items():
            start = time.perf_counter()
            results[mode] = func(args.zip, args.workers, args.chunksize)
            if run > 0:  # the first run of each mode warms up
                times[mode].append(time.perf_counter() - start)
    num_files = len(results['pool'])
    print(f'{num_files} NW-UCLA files, {args.workers} workers, chunksize '
          f'{args.chunksize}, median of {args.repeats} runs after a '
          f'warm-up run each')
    print('| mode | s | files/s |\n| --- | --- | --- |')
    medians = {mode: statistics.median(t) for mode, t in times.items()}
    for mode, seconds in medians.items():
        print(f'| {mode} | {seconds:.2f} | {num_files / seconds:.0f} |')
    print(f'pool / imap speed: {medians["imap"] / medians["pool"]:.2f}x; '
          f'same annotations: {same(results["pool"], results["imap"])}')


if __name__ == '__main__':
    main()

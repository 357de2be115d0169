"""Import time of mmcl_plugin against importing every component, one run.

``python benchmarks/benchmark_import.py [--repeats 5] [--repo DIR]``

Each statement runs in ``--repeats`` fresh interpreters with the checkout
``--repo`` (default: this one) first on ``sys.path``; the median wall time
of the whole process is reported, and its ratio to the *eager* baseline:
``import mmcl_plugin`` followed by importing every subpackage (tooling
included). ``python -c pass`` is the interpreter's own start-up, for
reference. Run it with ``--repo`` on another checkout to compare layouts.
"""
import argparse
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

BASELINE = 'eager (every subpackage)'


def statements(repo: str) -> Dict[str, str]:
    """name -> statement, the baseline last."""
    package = osp.join(repo, 'mmcl_plugin')
    subpackages = sorted(
        name for name in os.listdir(package)
        if osp.isfile(osp.join(package, name, '__init__.py')))
    return {
        'python -c pass': 'pass',
        'import mmcl_plugin.utils': 'import mmcl_plugin.utils',
        'import mmcl_plugin': 'import mmcl_plugin',
        BASELINE: 'import mmcl_plugin, ' + ', '.join(
            f'mmcl_plugin.{name}' for name in subpackages),
    }


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument(
        '--repo', default=REPO, help='checkout whose mmcl_plugin to import')
    return parser.parse_args(argv)


def seconds(statement: str, repo: str) -> float:
    """Wall time of one fresh interpreter running ``statement``."""
    start = time.perf_counter()
    subprocess.run([sys.executable, '-c', statement],
                   cwd=repo,
                   check=True,
                   stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    todo = statements(args.repo)
    times: Dict[str, List[float]] = {name: [] for name in todo}
    # interleaved, so that load changes hit every statement alike
    for _ in range(args.repeats):
        for name, statement in todo.items():
            times[name].append(seconds(statement, args.repo))
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f'{args.repo}: median of {args.repeats} fresh interpreters')
    print(f'| statement | s | x {BASELINE} |')
    print('| --- | --- | --- |')
    for name, median in medians.items():
        print(f'| `{name}` | {median:.2f} | '
              f'{median / medians[BASELINE]:.2f} |')


if __name__ == '__main__':
    main()

"""Convert NW-UCLA (``all_sqe`` folder or zip) to an mmaction2 pickle.

``python tools/data/nwucla/convert_nwucla.py all_sqe.zip data/skeleton/nwucla.pkl``

Cross-view split: ``train`` = views 1, 2; ``val`` = view 3 (464 samples).
Malformed files are listed at the end and skipped (``--strict``: fatal).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))))
from tqdm import tqdm  # noqa: E402

from mmcl_plugin.datasets.converters.nwucla import convert_nwucla  # noqa
from mmcl_plugin.utils import dump_pickle_atomic  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='NW-UCLA to mmaction2 pkl')
    parser.add_argument('source', help='all_sqe folder or all_sqe.zip')
    parser.add_argument('out', help='output .pkl')
    parser.add_argument('--strict', action='store_true',
                        help='stop at the first malformed file')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    content, failures = convert_nwucla(
        args.source, strict=args.strict,
        progress=lambda it: tqdm(it, unit='file'))
    dump_pickle_atomic(content, args.out)
    split = content['split']
    print(f'{len(content["annotations"])} samples -> {args.out} '
          f'(train {len(split["train"])}, val {len(split["val"])})')
    for failure in failures:
        print(f'  SKIPPED {failure}')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()

"""Fuse the test scores of several skeleton streams (multi-stream ensemble).

Each stream is a ``tools/test.py --dump`` pickle of the same test set::

    python tools/analysis/ensemble.py \\
        --dumps joint=j.pkl bone=b.pkl joint_motion=jm.pkl \\
        bone_motion=bm.pkl --weights 0.6 0.6 0.4 0.4 --out ensemble.json

Weights: ``--weights`` (one per stream); or ``--search-dumps`` with dumps
of the same streams on a *held-out* split (e.g. a validation part of the
training set: ``tools/test.py ... --cfg-options
test_dataloader.dataset.split=<split>``), where the best top-1 weights on
a simplex grid are searched and then applied to the test dumps; or, only
with ``--search-on-test``, a search on the test dumps themselves (an
optimistic number, marked as such); or ``--preset NAME``, a published
fusion (streams, weights and score kind), e.g. the MMCL release's
NTU120 X-Sub six streams::

    python tools/analysis/ensemble.py --preset mmcl-ntu120-xsub \
        --dumps J=j.pkl B=b.pkl JM=jm.pkl BM=bm.pkl HDJ=hdj.pkl HDB=hdb.pkl

Without any of them all streams weigh the same.

``--fuse probs`` (default) fuses probabilities (dumps of logits go
through a softmax first), ``--fuse logits`` raw logits (dumps written with
``tools/test.py --dump-kind logits``, or the official code's score
files ``{name: logits}``, whose labels come from the NTU names). Dumps of
the same named samples in another order are aligned by name.

Prints top-1, top-5 and mean-class accuracy of every stream and of the
fusion; ``--out`` writes them as JSON, ``--fused-dump`` the fused scores
in the dump format (for ``tools/analysis/analyze_results.py``). Dumps with
different sample counts, class counts, labels or samples are refused,
naming the file.
"""
import argparse
import logging
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from tqdm import tqdm  # noqa: E402

from mmcl_tools.evaluation import (align_by_name, check_same_samples,  # noqa: E402
                                   load_score_dump, save_score_dump)
from mmcl_tools.evaluation import accuracy_report
from mmcl_tools.evaluation import (ENSEMBLE_PRESETS, FUSE_MODES, fuse_scores,  # noqa: E402
                                   scores_to_fuse, search_weights)
from mmcl_plugin.utils import dump_json_atomic  # noqa: E402

logger = logging.getLogger('mmcl.ensemble')


def parse_streams(specs: Sequence[str]) -> 'OrderedDict[str, str]':
    """``name=path`` (or ``path``, named by its file stem) -> {name: path}."""
    streams: 'OrderedDict[str, str]' = OrderedDict()
    for spec in specs:
        name, sep, path = spec.partition('=')
        if not sep:
            name, path = osp.splitext(osp.basename(spec))[0], spec
        if not name or not path:
            raise ValueError(f'bad stream {spec!r}, expected NAME=PATH')
        if name in streams:
            raise ValueError(f'stream {name!r} given twice')
        streams[name] = path
    return streams


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Fuse per-stream test scores (multi-stream ensemble)')
    parser.add_argument(
        '--dumps', nargs='+', required=True, metavar='NAME=PKL',
        help='test score dumps of the streams (tools/test.py --dump)')
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument(
        '--weights', nargs='+', type=float,
        help='one fusion weight per stream, in the order of --dumps')
    weights.add_argument(
        '--search-dumps', nargs='+', metavar='NAME=PKL',
        help='dumps of the same streams on a held-out split to search the '
        'weights on')
    weights.add_argument(
        '--search-on-test', action='store_true',
        help='search the weights on the test dumps themselves (optimistic)')
    weights.add_argument(
        '--preset', choices=sorted(ENSEMBLE_PRESETS),
        help='a published fusion: its stream names (the --dumps names), '
        'weights and score kind')
    parser.add_argument(
        '--search-step', type=float, default=0.1,
        help='weight grid step of the search (1/step must be an integer)')
    parser.add_argument(
        '--fuse', choices=FUSE_MODES, default=None,
        help='fuse probabilities (logit dumps go through a softmax) or raw '
        "logits; default: the preset's, else probs")
    parser.add_argument('--out', help='JSON report')
    parser.add_argument('--fused-dump', help='fused scores as a dump (.pkl)')
    return parser.parse_args(argv)


def load_streams(streams: Dict[str, str], fuse: str):
    """Load, align and check the dumps; -> (dumps, {name: scores to
    fuse})."""
    dumps = align_by_name([load_score_dump(path) for path in streams.values()])
    check_same_samples(dumps)
    scores = OrderedDict((name, scores_to_fuse(dump, fuse))
                         for name, dump in zip(streams, dumps))
    return dumps, scores


def preset_streams(streams: 'OrderedDict[str, str]',
                   preset: str) -> 'OrderedDict[str, str]':
    """The dumps in the preset's stream order; every stream once."""
    names = ENSEMBLE_PRESETS[preset].streams
    missing = [n for n in names if n not in streams]
    extra = [n for n in streams if n not in names]
    if missing or extra:
        raise ValueError(
            f'--preset {preset} fuses the streams {list(names)}; give them '
            f'as --dumps NAME=PKL (missing: {missing}, unknown: {extra})')
    return OrderedDict((n, streams[n]) for n in names)


def format_table(rows: Dict[str, Dict], weights: Dict[str, float]) -> str:
    header = f'{"stream":<24}{"weight":>8}{"top1":>9}{"top5":>9}' \
        f'{"mean cls":>10}'
    lines = [header, '-' * len(header)]
    for name, report in rows.items():
        weight = weights.get(name)
        lines.append(
            f'{name:<24}{"" if weight is None else f"{weight:.3f}":>8}'
            f'{100 * report["top1"]:>9.2f}{100 * report["top5"]:>9.2f}'
            f'{100 * report["mean_class"]:>10.2f}')
    return '\n'.join(lines)


def run(args: argparse.Namespace) -> Dict:
    """Fuse as the arguments say; returns the JSON report."""
    streams = parse_streams(args.dumps)
    preset = ENSEMBLE_PRESETS.get(args.preset) if args.preset else None
    fuse = args.fuse or (preset.fuse if preset else 'probs')
    if preset is not None:
        streams = preset_streams(streams, args.preset)
        if fuse != preset.fuse:
            logger.warning('--preset %s fuses %s; fusing %s as asked',
                           args.preset, preset.fuse, fuse)
    dumps, scores = load_streams(streams, fuse)
    labels = dumps[0].labels
    search_accuracy = None
    if preset is not None:
        if dumps[0].scores.shape[1] != preset.num_classes:
            raise ValueError(
                f'{dumps[0].path} has {dumps[0].scores.shape[1]} classes, '
                f'--preset {args.preset} is for {preset.num_classes}')
        weights = list(preset.weights)
        source = f'preset {args.preset} ({preset.source})'
    elif args.weights is not None:
        if len(args.weights) != len(streams):
            raise ValueError(f'{len(args.weights)} weights for '
                             f'{len(streams)} streams')
        weights, source = list(args.weights), 'given'
    elif args.search_dumps or args.search_on_test:
        if args.search_on_test:
            logger.warning('searching the weights on the test split: the '
                           'fused accuracy is optimistic')
            held_labels, held_scores = labels, scores
            source = 'searched on the test split (optimistic)'
        else:
            held = parse_streams(args.search_dumps)
            if list(held) != list(streams):
                raise ValueError(
                    f'--search-dumps streams {list(held)} must be the '
                    f'--dumps streams {list(streams)}, in the same order')
            held_dumps, held_scores = load_streams(held, fuse)
            if held_dumps[0].scores.shape[1] != dumps[0].scores.shape[1]:
                raise ValueError(
                    f'{held_dumps[0].path} has '
                    f'{held_dumps[0].scores.shape[1]} classes, '
                    f'{dumps[0].path} has {dumps[0].scores.shape[1]}')
            held_labels = held_dumps[0].labels
            source = 'searched on the held-out split'
        found, search_accuracy = search_weights(
            list(held_scores.values()), held_labels, args.search_step,
            progress=lambda grid: tqdm(grid, desc='weight search',
                                       leave=False))
        weights = found.tolist()
    else:
        weights, source = [1.0] * len(streams), 'equal'
    fused = fuse_scores(list(scores.values()), weights)

    rows = OrderedDict(
        (name, accuracy_report(s, labels)) for name, s in scores.items())
    rows['fusion'] = accuracy_report(fused, labels)
    named_weights = dict(zip(streams, weights))
    print(format_table(rows, named_weights))
    print(f'weights: {source}' + (
        f' (held-out top1 {100 * search_accuracy:.2f})'
        if search_accuracy is not None and args.search_dumps else ''))
    print(f'fused: {fuse}')
    report = dict(
        streams=OrderedDict(
            (n, dict(path=p, kind=dump.kind, **rows[n]))
            for (n, p), dump in zip(streams.items(), dumps)),
        fusion=rows['fusion'],
        weights=named_weights,
        weight_source=source,
        search_top1=search_accuracy,
        fuse=fuse,
        preset=args.preset)
    if args.out:
        dump_json_atomic(report, args.out)
    if args.fused_dump:
        save_score_dump(fused, labels, args.fused_dump, dumps[0].names,
                        kind=fuse)
    return report


def main(argv: Optional[List[str]] = None) -> Dict:
    logging.basicConfig(level=logging.INFO, format='%(levelname)s %(message)s')
    return run(parse_args(argv))


if __name__ == '__main__':
    try:
        main()
    except ValueError as error:
        sys.exit(f'error: {error}')

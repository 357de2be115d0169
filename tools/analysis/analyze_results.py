"""Per-class accuracy, confusion matrix and fine-grained pairs of a model.

Reads ``tools/test.py --dump`` pickles (or ``ensemble.py --fused-dump`` /
``transfer_eval.py --dump`` outputs)::

    python tools/analysis/analyze_results.py mmcl_scores.pkl \\
        --baseline baseline_scores.pkl --class-names ntu60 --out-dir analysis/

writes to ``--out-dir``:

- ``per_class_accuracy.csv`` and ``.png``: top-1 of every class (and the
  baseline's, with the difference);
- ``confusion_matrix.png`` (and ``confusion_matrix_baseline.png``): rows
  normalised per true class;
- ``fine_grained.md`` / ``.json``: the class pairs the baseline (or, without
  one, the model) confuses most and how the model changes them, like the
  MMCL paper's table (writing vs playing with phone, wear vs take off a
  shoe);
- ``summary.json``: top-1, top-5 and mean-class accuracy.
"""
import argparse
import csv
import io
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

import numpy as np  # noqa: E402

from mmcl_tools.evaluation import (check_same_samples, load_score_dump)  # noqa: E402
from mmcl_tools.evaluation import (accuracy_report, confusion_matrix,
                                   per_class_accuracy)
from mmcl_tools.evaluation import (fine_grained_report,  # noqa: E402
                                   format_fine_grained_markdown,
                                   get_class_names)
from mmcl_tools.evaluation.plotting import (plot_confusion_matrix,  # noqa: E402
                                            plot_per_class_accuracy)
from mmcl_plugin.utils import (dump_json_atomic,  # noqa: E402
                               write_text_atomic)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Per-class and fine-grained analysis of test scores')
    parser.add_argument('results', help='score dump of the model')
    parser.add_argument('--baseline', help='score dump of the baseline, '
                        'same test set')
    parser.add_argument(
        '--class-names',
        help='ntu60, ntu120, nwucla, utd_mhad, sysu or a file with one name '
        'per line (default: NTU by class count)')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--top-pairs', type=int, default=10,
                        help='number of confused pairs in the report')
    parser.add_argument('--name', default='MMCL', help='name of the model')
    parser.add_argument('--baseline-name', default='baseline')
    return parser.parse_args(argv)


def class_accuracy_vector(scores: np.ndarray, labels: np.ndarray,
                          num_classes: int) -> np.ndarray:
    """(C, ) top-1 per class (``per_class_accuracy``, so ties count as in
    the summary's accuracies); NaN for classes without samples."""
    vector = np.full(num_classes, np.nan)
    for c, accuracy in per_class_accuracy(scores, labels).items():
        vector[c] = accuracy
    return vector


def run(args: argparse.Namespace) -> Dict:
    model = load_score_dump(args.results)
    dumps = [model]
    baseline = None
    if args.baseline:
        baseline = load_score_dump(args.baseline)
        dumps.append(baseline)
        check_same_samples(dumps)
    num_classes = model.scores.shape[1]
    names = get_class_names(args.class_names, num_classes)
    labels = model.labels
    os.makedirs(args.out_dir, exist_ok=True)

    summary = {args.name: accuracy_report(model.scores, labels)}
    preds = {args.name: model.scores.argmax(axis=1)}
    accuracies = {
        args.name: class_accuracy_vector(model.scores, labels, num_classes)
    }
    if baseline is not None:
        summary[args.baseline_name] = accuracy_report(baseline.scores, labels)
        preds[args.baseline_name] = baseline.scores.argmax(axis=1)
        accuracies[args.baseline_name] = class_accuracy_vector(
            baseline.scores, labels, num_classes)
    cms = {k: confusion_matrix(p, labels, num_classes)
           for k, p in preds.items()}
    counts = cms[args.name].sum(axis=1)

    # per-class table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator='\n')
    header = ['class_id', 'class_name', 'num_samples', f'top1_{args.name}']
    if baseline is not None:
        header += [f'top1_{args.baseline_name}', 'difference']
    writer.writerow(header)
    for c in range(num_classes):
        row = [c, names[c], int(counts[c]), accuracies[args.name][c]]
        if baseline is not None:
            base = accuracies[args.baseline_name][c]
            row += [base, accuracies[args.name][c] - base]
        writer.writerow(['' if isinstance(v, float) and np.isnan(v) else
                         (f'{v:.4f}' if isinstance(v, float) else v)
                         for v in row])
    write_text_atomic(buffer.getvalue(),
                      osp.join(args.out_dir, 'per_class_accuracy.csv'))
    order = ([args.baseline_name, args.name] if baseline is not None else
             [args.name])
    plot_per_class_accuracy({k: accuracies[k] for k in order}, names,
                            osp.join(args.out_dir, 'per_class_accuracy.png'))
    plot_confusion_matrix(cms[args.name], names,
                          osp.join(args.out_dir, 'confusion_matrix.png'),
                          title=f'{args.name}: confusion matrix')
    if baseline is not None:
        plot_confusion_matrix(
            cms[args.baseline_name], names,
            osp.join(args.out_dir, 'confusion_matrix_baseline.png'),
            title=f'{args.baseline_name}: confusion matrix')

    # fine-grained pairs: those the baseline confuses most
    reference = args.baseline_name if baseline is not None else args.name
    pairs = fine_grained_report(
        labels, preds[reference],
        preds[args.name] if baseline is not None else None, names,
        args.top_pairs)
    markdown = format_fine_grained_markdown(pairs, reference, args.name)
    write_text_atomic(markdown + '\n',
                      osp.join(args.out_dir, 'fine_grained.md'))
    dump_json_atomic(pairs, osp.join(args.out_dir, 'fine_grained.json'))
    dump_json_atomic(summary, osp.join(args.out_dir, 'summary.json'))

    for name, report in summary.items():
        print(f'{name}: top1 {100 * report["top1"]:.2f}  top5 '
              f'{100 * report["top5"]:.2f}  mean class '
              f'{100 * report["mean_class"]:.2f}  '
              f'({report["num_samples"]} samples)')
    print(f'most confused pairs ({reference}):')
    print(markdown)
    print(f'written to {args.out_dir}')
    return dict(summary=summary, pairs=pairs)


def main(argv: Optional[List[str]] = None) -> Dict:
    return run(parse_args(argv))


if __name__ == '__main__':
    try:
        main()
    except ValueError as error:
        sys.exit(f'error: {error}')

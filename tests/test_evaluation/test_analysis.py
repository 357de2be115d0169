"""Fine-grained pair analysis and the PNG figures."""
import json

import numpy as np
import pytest
from matplotlib.image import imread

from mmcl_tools.evaluation import (fine_grained_report,
                                   format_fine_grained_markdown,
                                   most_confused_pairs, pair_stats)
from mmcl_tools.evaluation.plotting import (curve, load_scalars,
                                            plot_confusion_matrix,
                                            plot_per_class_accuracy,
                                            plot_training_curves)

NAMES = ('writing', 'playing with phone/tablet', 'wear a shoe',
         'take off a shoe')


def test_most_confused_pairs_by_hand():
    cm = np.array([[8, 2, 0, 0],   # class 0: 20 % as 1
                   [1, 4, 0, 0],   # class 1: 20 % as 0 -> pair (0, 1) 0.4
                   [0, 0, 9, 1],   # class 2: 10 % as 3
                   [0, 0, 0, 10]])
    assert most_confused_pairs(cm) == [(0, 1, pytest.approx(0.4)),
                                       (2, 3, pytest.approx(0.1))]
    assert most_confused_pairs(cm, top=1) == [(0, 1, pytest.approx(0.4))]
    assert pair_stats(cm, 0, 1) == dict(acc_a=0.8, acc_b=0.8, a_as_b=0.2,
                                        b_as_a=0.2)
    empty = np.zeros((2, 2), int)
    assert pair_stats(empty, 0, 1)['acc_a'] is None


def test_fine_grained_report_compares_with_the_baseline():
    labels = np.array([0] * 5 + [1] * 5 + [2] * 4 + [3] * 4)
    baseline = labels.copy()
    baseline[[0, 1]] = 1  # writing -> phone twice
    baseline[5] = 0  # phone -> writing once
    baseline[10] = 3  # wear -> take off a shoe once
    model = labels.copy()
    model[0] = 1  # MMCL: writing -> phone once, the rest right
    rows = fine_grained_report(labels, baseline, model, NAMES, top=5)
    assert [(r['class_a'], r['class_b']) for r in rows] == [(0, 1), (2, 3)]
    first = rows[0]
    assert first['name_a'] == 'writing'
    assert first['confusion'] == pytest.approx(0.4 + 0.2)
    assert first['baseline'] == dict(acc_a=0.6, acc_b=0.8, a_as_b=0.4,
                                     b_as_a=0.2)
    assert first['model'] == dict(acc_a=0.8, acc_b=1.0, a_as_b=0.2,
                                  b_as_a=0.0)
    assert first['confusion_model'] == pytest.approx(0.2)
    table = format_fine_grained_markdown(rows, 'CTR-GCN', 'MMCL')
    assert '| 0 writing | 1 playing with phone/tablet | 60.0 → 80.0 | ' \
        '80.0 → 100.0 | 40.0 → 20.0 | 20.0 → 0.0 |' in table
    alone = fine_grained_report(labels, baseline, None, NAMES)
    assert 'model' not in alone[0]
    assert '| 60.0 | 80.0 | 40.0 | 20.0 |' in \
        format_fine_grained_markdown(alone)


def png_shape(path):
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    return imread(path).shape


def test_confusion_and_accuracy_pngs(tmp_path):
    cm = np.array([[3, 1, 0, 0], [0, 4, 0, 0], [0, 0, 2, 2], [0, 0, 0, 4]])
    path = str(tmp_path / 'cm.png')
    plot_confusion_matrix(cm, NAMES, path)
    height, width, _ = png_shape(path)
    assert height > 600 and width > 600
    many = str(tmp_path / 'cm120.png')
    rng = np.random.default_rng(0)
    plot_confusion_matrix(rng.integers(0, 5, (120, 120)),
                          [f'class {i}' for i in range(120)], many)
    assert min(png_shape(many)[:2]) > 2000  # 120 names stay legible
    bars = str(tmp_path / 'acc.png')
    plot_per_class_accuracy(dict(baseline=np.array([0.5, 1, np.nan, 0.2]),
                                 mmcl=np.array([0.7, 1, np.nan, 0.4])),
                            NAMES, bars)
    assert png_shape(bars)[0] > 200
    with pytest.raises(ValueError, match='accuracies for 4 classes'):
        plot_per_class_accuracy(dict(a=np.zeros(3)), NAMES, bars)


def write_run(work_dir, stamp, entries):
    vis = work_dir / stamp / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'scalars.json').write_text(
        '\n'.join(json.dumps(e) for e in entries) + '\n')


def test_training_curves_from_a_resumed_work_dir(tmp_path):
    work = tmp_path / 'mmcl'
    write_run(work, '20260101_000000', [
        dict(lr=0.1, loss=2.0, loss_cls=1.5, epoch=1, iter=10, step=10),
        dict(lr=0.1, loss=1.8, loss_cls=1.4, epoch=1, iter=20, step=20),
        {'acc/top1': 0.3, 'step': 1},
    ])
    write_run(work, '20260101_010000', [  # resumed: iteration 20 again
        dict(lr=0.1, loss=1.7, loss_cls=1.3, epoch=2, iter=20, step=20),
        dict(lr=0.05, loss=1.2, loss_cls=1.0, epoch=2, iter=30, step=30),
        {'acc/top1': 0.5, 'step': 2},
    ])
    entries = load_scalars(str(work))
    assert len(entries) == 6
    xs, ys, label = curve(entries, 'loss')
    assert xs.tolist() == [10, 20, 30] and ys.tolist() == [2.0, 1.7, 1.2]
    assert label == 'iteration'
    xs, ys, label = curve(entries, 'acc/top1')
    assert xs.tolist() == [1, 2] and label == 'epoch'
    path = str(tmp_path / 'curves.png')
    keys = plot_training_curves(dict(mmcl=entries), None, path)
    assert keys == ['lr', 'loss', 'loss_cls', 'acc/top1']
    assert png_shape(path)[1] > 1000
    with pytest.raises(ValueError, match=r"keys \['loss_align'\] are in "
                       'none of the logs'):
        plot_training_curves(dict(mmcl=entries), ['loss_align'], path)


def test_bad_logs_are_reported(tmp_path):
    with pytest.raises(ValueError, match='no scalars.json'):
        load_scalars(str(tmp_path))
    log = tmp_path / 'scalars.json'
    log.write_text('{"loss": 1}\n{"loss": \n')
    with pytest.raises(ValueError, match='scalars.json line 2'):
        load_scalars(str(log))

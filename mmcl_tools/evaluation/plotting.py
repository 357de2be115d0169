"""PNG figures: confusion matrix, per-class accuracy, training curves.

Figures are drawn with matplotlib's object API on an Agg canvas (no pyplot
state, no display needed) and written atomically. Sizes grow with the
number of classes so that 120 NTU class names stay legible.
"""
import glob
import io
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmcl_plugin.utils import atomic_write
from .analysis import row_normalize


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path: str, dpi: int = 150) -> None:
    """Write ``fig`` to ``path`` as PNG, atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=dpi, bbox_inches='tight')
    with atomic_write(path) as f:
        f.write(buffer.getvalue())


def _tick_labels(class_names: Sequence[str], width: int = 32) -> List[str]:
    return [
        f'{i} {name}' if len(name) <= width else f'{i} {name[:width - 1]}…'
        for i, name in enumerate(class_names)
    ]


def plot_confusion_matrix(cm: np.ndarray,
                          class_names: Sequence[str],
                          path: str,
                          title: str = 'Confusion matrix',
                          normalize: bool = True) -> None:
    """Draw a (C, C) confusion matrix (rows: true, columns: predicted).

    Args:
        cm (np.ndarray): Counts.
        class_names (Sequence[str]): C names.
        path (str): Output PNG.
        title (str): Figure title.
        normalize (bool): Show rates per true class (else counts).
            Defaults to True.
    """
    num_classes = len(class_names)
    values = row_normalize(cm) if normalize else cm.astype(np.float64)
    side = max(6.0, 0.16 * num_classes + 3.5)
    fig = _figure(side + 1.5, side)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(values, cmap='Blues', vmin=0,
                      vmax=1 if normalize else max(values.max(), 1))
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.02,
                 label='fraction of the true class' if normalize else
                 'samples')
    fontsize = float(np.clip(700 / max(num_classes, 1), 4, 9))
    labels = _tick_labels(class_names)
    ax.set_xticks(range(num_classes))
    ax.set_yticks(range(num_classes))
    ax.set_xticklabels(labels, rotation=90, fontsize=fontsize)
    ax.set_yticklabels(labels, fontsize=fontsize)
    ax.set_xlabel('predicted class')
    ax.set_ylabel('true class')
    ax.set_title(title)
    if num_classes <= 30:  # cell values stay readable up to ~30 classes
        for (i, j), value in np.ndenumerate(values):
            if value > 0:
                text = f'{value:.2f}' if normalize else str(int(value))
                ax.text(j, i, text, ha='center', va='center',
                        fontsize=fontsize * 0.9,
                        color='white' if value > 0.5 * values.max() else
                        'black')
    save_figure(fig, path)


def plot_per_class_accuracy(accuracies: Dict[str, np.ndarray],
                            class_names: Sequence[str],
                            path: str,
                            title: str = 'Per-class top-1 accuracy') -> None:
    """Horizontal bars of per-class accuracy, one bar per model and class.

    Args:
        accuracies (dict[str, np.ndarray]): Model name -> (C, ) accuracy in
            [0, 1] (NaN for a class without samples: no bar).
        class_names (Sequence[str]): C names.
        path (str): Output PNG.
        title (str): Figure title.
    """
    num_classes = len(class_names)
    num_models = len(accuracies)
    fig = _figure(10, max(3.0, 0.14 * num_classes * max(num_models, 1) + 1.5))
    ax = fig.add_subplot(1, 1, 1)
    height = 0.8 / max(num_models, 1)
    positions = np.arange(num_classes)
    for index, (name, acc) in enumerate(accuracies.items()):
        acc = np.asarray(acc, dtype=np.float64)
        if acc.shape != (num_classes, ):
            raise ValueError(f'{name}: {acc.shape} accuracies for '
                             f'{num_classes} classes')
        ax.barh(positions + (index - (num_models - 1) / 2) * height,
                np.nan_to_num(100 * acc), height=height, label=name)
    ax.set_yticks(positions)
    ax.set_yticklabels(_tick_labels(class_names, 40),
                       fontsize=float(np.clip(900 / max(num_classes, 1), 4,
                                              9)))
    ax.invert_yaxis()  # class 0 on top
    ax.set_xlim(0, 100)
    ax.set_xlabel('top-1 accuracy (%)')
    ax.set_title(title)
    ax.grid(axis='x', alpha=0.3)
    if num_models > 1:
        ax.legend(loc='lower right')
    save_figure(fig, path)


def find_scalars_files(path: str) -> List[str]:
    """mmengine ``scalars.json`` logs of a file or a work dir.

    A work dir holds one ``<timestamp>/vis_data/scalars.json`` per run
    (a resumed training adds one); they are returned oldest first.
    """
    if osp.isfile(path):
        return [path]
    files = sorted(glob.glob(osp.join(path, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        raise ValueError(f'{path}: no scalars.json (expected a file or an '
                         'mmengine work dir with */vis_data/scalars.json)')
    return files


def load_scalars(path: str) -> List[Dict]:
    """Entries of the ``scalars.json`` logs of a file or work dir.

    Each line of such a log is a JSON object: training entries carry
    ``iter`` (global iteration), ``epoch`` and the losses; validation
    entries carry the metrics and ``step`` (the epoch).

    Raises:
        ValueError: A line that is not JSON, naming the file and line.
    """
    entries = []
    for file in find_scalars_files(path):
        with open(file, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise ValueError(f'{file} line {number}: {error}'
                                     ) from None
    return entries


def curve(entries: Sequence[Dict], key: str):
    """(x, y, x label) of one logged key; later entries win on equal x.

    Training keys are plotted against the iteration, validation keys
    against the epoch.
    """
    points: Dict[float, float] = {}
    x_label = 'epoch'
    for entry in entries:
        if key not in entry:
            continue
        if 'iter' in entry:
            x, x_label = entry['iter'], 'iteration'
        else:
            x = entry.get('step', entry.get('epoch'))
        if x is not None:
            points[x] = entry[key]  # a resumed run re-logs: keep the last
    xs = sorted(points)
    return np.asarray(xs), np.asarray([points[x] for x in xs]), x_label


def plot_training_curves(runs: Dict[str, Sequence[Dict]],
                         keys: Optional[Sequence[str]],
                         path: str) -> List[str]:
    """One panel per logged key, one line per run.

    Args:
        runs (dict[str, Sequence[dict]]): Run name -> scalars entries.
        keys (Sequence[str], optional): Keys to plot; None picks every
            ``loss*`` key, ``lr`` and every ``acc/*`` key logged.
        path (str): Output PNG.

    Returns:
        list[str]: The keys plotted.
    """
    present = []
    for entries in runs.values():
        for entry in entries:
            for key in entry:
                if key not in present:
                    present.append(key)
    if keys is None:
        keys = [k for k in present
                if k.startswith('loss') or k == 'lr' or
                k.startswith('acc/')]
    missing = [k for k in keys if k not in present]
    if missing:
        raise ValueError(f'keys {missing} are in none of the logs; logged: '
                         f'{sorted(present)}')
    if not keys:
        raise ValueError('nothing to plot: no loss, lr or acc/ key logged')
    columns = min(3, len(keys))
    rows = -(-len(keys) // columns)
    fig = _figure(5 * columns, 3.6 * rows)
    for index, key in enumerate(keys):
        ax = fig.add_subplot(rows, columns, index + 1)
        for name, entries in runs.items():
            xs, ys, x_label = curve(entries, key)
            if len(xs):
                ax.plot(xs, ys, marker='o' if len(xs) < 30 else None,
                        markersize=3, label=name)
        ax.set_title(key)
        ax.set_xlabel(x_label)
        ax.grid(alpha=0.3)
        if len(runs) > 1:
            ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)
    return list(keys)

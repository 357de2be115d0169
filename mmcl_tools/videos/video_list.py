"""Which videos, which class, which split.

Input is either

* a folder with one sub-folder per class: the class name is the folder
  name (spaces and non-ASCII names are fine), classes sorted by name, the
  videos found recursively inside (by :data:`VIDEO_EXTENSIONS`, hidden
  files skipped); or
* a text file, one video a line: ``relative/path label [split]``, the
  path relative to the list's folder (or ``video_root``) and allowed to
  contain spaces (the label, and the split when the last word is
  ``train``, ``val`` or ``test``, are the last words of the line); ``#``
  starts a comment line. Classes are the labels sorted by name (by value
  when all are integers).

Without a split column the videos are split per class (stratified) into
``train`` and ``val`` with a seeded shuffle: ``round(n * val_ratio)``
videos of a class of n go to ``val`` (at least one when n >= 2 and the
ratio is positive, never all).

Every video gets a ``frame_dir``: its path relative to the input without
the extension, ``/`` replaced by ``__`` (so the same file name in two
classes gives two names); the extension is kept where two files differ
only by it.
"""
import os
import os.path as osp
import random
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .video_reader import VIDEO_EXTENSIONS

SPLITS = ('train', 'val', 'test')


class VideoListError(ValueError):
    """Input that cannot be used; the message names the folder, file or
    line."""


@dataclass
class VideoSample:
    """One video of the dataset.

    Attributes:
        frame_dir (str): Unique sample name.
        filename (str): Path relative to the input (``/`` separated).
        path (str): Absolute path.
        label (int): Class index.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
    """
    frame_dir: str
    filename: str
    path: str
    label: int
    split: str


def _is_video(name: str) -> bool:
    return not name.startswith('.') and \
        osp.splitext(name)[1].lower() in VIDEO_EXTENSIONS


def scan_class_folders(root: str) -> Tuple[List[str], List[Tuple[str, str]]]:
    """Classes and (relative path, class) of a folder of class folders.

    Raises:
        VideoListError: No class folder, or a class folder without videos
            (named).
    """
    classes = sorted(
        name for name in os.listdir(root)
        if not name.startswith('.') and osp.isdir(osp.join(root, name)))
    if not classes:
        raise VideoListError(f'{root}: no class folders (one sub-folder '
                             'per class holding its videos)')
    items, empty = [], []
    for name in classes:
        found = []
        for folder, dirs, files in os.walk(osp.join(root, name)):
            dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
            for file in sorted(files):
                if _is_video(file):
                    found.append(
                        osp.relpath(osp.join(folder, file),
                                    root).replace(os.sep, '/'))
        if not found:
            empty.append(name)
        items.extend((rel, name) for rel in found)
    if empty:
        raise VideoListError(
            f'{root}: class folder(s) without videos: ' +
            ', '.join(repr(e) for e in empty) +
            f' (video endings: {" ".join(VIDEO_EXTENSIONS)})')
    return classes, items


def read_list_file(path: str) -> List[Tuple[str, str, Optional[str]]]:
    """(relative path, label, split or None) of each line of a list file.

    Raises:
        VideoListError: A line without a label (file and line named), or
            splits on some lines only.
    """
    rows = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            split = None
            words = line.split()
            if len(words) >= 3 and words[-1] in SPLITS:
                split = words[-1]
                line = line.rsplit(None, 1)[0]
            parts = line.rsplit(None, 1)
            if len(parts) < 2:
                raise VideoListError(
                    f'{path} line {number}: expected "relative/path label '
                    f'[split]", got {line!r}')
            rel, label = parts
            rows.append((rel, label, split))
    if not rows:
        raise VideoListError(f'{path}: no video listed')
    with_split = [r for r in rows if r[2] is not None]
    if with_split and len(with_split) != len(rows):
        raise VideoListError(f'{path}: {len(with_split)} of {len(rows)} '
                             'lines give a split; give it on all or none')
    return rows


def sorted_classes(labels: Sequence[str]) -> List[str]:
    """Distinct labels, by value when all are integers, else by name."""
    names = set(labels)
    if all(name.isdigit() for name in names):
        return sorted(names, key=int)
    return sorted(names)


def frame_dir_names(filenames: Sequence[str]) -> List[str]:
    """Unique sample names for relative paths (see the module
    docstring)."""
    stems = [osp.splitext(f)[0].replace('/', '__') for f in filenames]
    counts: Dict[str, int] = {}
    for stem in stems:
        counts[stem] = counts.get(stem, 0) + 1
    return [
        stem if counts[stem] == 1 else f.replace('/', '__')
        for stem, f in zip(stems, filenames)
    ]


def stratified_split(labels: Sequence[int], val_ratio: float,
                     seed: int) -> List[str]:
    """``'train'`` / ``'val'`` per item, per class, seeded."""
    if not 0 <= val_ratio < 1:
        raise VideoListError(f'--val-ratio must be in [0, 1), got '
                             f'{val_ratio}')
    rng = random.Random(seed)
    splits = ['train'] * len(labels)
    for label in sorted(set(labels)):
        members = [i for i, lab in enumerate(labels) if lab == label]
        rng.shuffle(members)
        n_val = int(round(len(members) * val_ratio))
        if val_ratio > 0 and len(members) >= 2:
            n_val = max(n_val, 1)
        n_val = min(n_val, len(members) - 1)
        for i in members[:n_val]:
            splits[i] = 'val'
    return splits


def load_video_list(source: str,
                    video_root: Optional[str] = None,
                    val_ratio: float = 0.2,
                    seed: int = 0) -> Tuple[List[VideoSample], List[str]]:
    """The samples and class names of an input folder or list file.

    Args:
        source (str): Folder of class folders, or a list file.
        video_root (str, optional): Folder the list's paths are relative
            to; default the list file's folder.
        val_ratio (float): Share of each class for ``val`` when no split
            is given.
        seed (int): Seed of that split.

    Returns:
        tuple: samples (in class, then path order) and class names.

    Raises:
        VideoListError: Missing input, empty class, bad line, a listed
            file that does not exist (all such files named).
    """
    if osp.isdir(source):
        classes, items = scan_class_folders(source)
        root = source
        rows = [(rel, name, None) for rel, name in items]
    elif osp.isfile(source):
        rows = read_list_file(source)
        root = video_root or osp.dirname(osp.abspath(source))
        classes = sorted_classes([r[1] for r in rows])
        missing = [r[0] for r in rows if not osp.isfile(osp.join(root, r[0]))]
        if missing:
            shown = ', '.join(missing[:20])
            more = f' and {len(missing) - 20} more' if len(missing) > 20 \
                else ''
            raise VideoListError(f'{source}: {len(missing)} listed video(s) '
                                 f'not found under {root}: {shown}{more}')
    else:
        raise VideoListError(f'{source}: no such folder or list file')
    index = {name: i for i, name in enumerate(classes)}
    labels = [index[r[1]] for r in rows]
    splits = [r[2] for r in rows]
    if splits and splits[0] is None:
        splits = stratified_split(labels, val_ratio, seed)
    names = frame_dir_names([r[0] for r in rows])
    if len(set(names)) != len(names):
        raise VideoListError(f'{source}: a video is listed twice')
    samples = [
        VideoSample(name, rel, osp.abspath(osp.join(root, rel)), label,
                    split)
        for name, (rel, _, _), label, split in zip(
            names, rows, labels, splits)
    ]
    return samples, classes


__all__ = [
    'VideoSample', 'VideoListError', 'load_video_list', 'read_list_file',
    'scan_class_folders', 'stratified_split', 'frame_dir_names',
    'sorted_classes', 'SPLITS'
]

"""Atomic file writes: a file is either absent or complete.

Every tool that writes datasets, caches or checkpoints goes through
:func:`atomic_write`, so a killed job never leaves a truncated file behind
that a resumed run would take for finished work.
"""
import contextlib
import json
import os
import os.path as osp
import pickle
import tempfile
from typing import Any, BinaryIO, Iterator

import numpy as np


@contextlib.contextmanager
def atomic_path(path: str, suffix: str = '') -> Iterator[str]:
    """A temporary path beside ``path``, renamed into place on success.

    For writers that take a path rather than a file object (e.g.
    ``cv2.VideoWriter``, which picks the container by the extension:
    ``suffix='.mp4'``). The temporary file
    ``.<name>.<8 random chars>.tmp<suffix>`` exists (empty) when the body
    starts, lives in the same directory (so ``os.replace`` is an atomic
    rename on one file system) and is removed if the body raises.

    Args:
        path (str): The final file path. Missing parent directories are
            created.
        suffix (str): Appended to the temporary name. Defaults to ''.

    Yields:
        str: The temporary path to write.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(
        dir=directory,
        prefix='.' + osp.basename(path) + '.',
        suffix='.tmp' + suffix)
    os.close(fd)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if osp.exists(tmp_path):
            os.remove(tmp_path)


@contextlib.contextmanager
def atomic_write(path: str) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; rename it into place on success.

    The temporary file (see :func:`atomic_path`) is flushed to disk before
    the rename and removed if the body raises.

    Args:
        path (str): The final file path. Missing parent directories are
            created.

    Yields:
        BinaryIO: A file object opened for binary writing.
    """
    with atomic_path(path) as tmp_path:
        with open(tmp_path, 'wb') as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


def dump_pickle_atomic(obj: Any, path: str) -> None:
    """``pickle.dump`` ``obj`` to ``path`` atomically."""
    with atomic_write(path) as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


def save_npy_atomic(array: np.ndarray, path: str) -> None:
    """``np.save`` ``array`` to ``path`` (.npy) atomically."""
    with atomic_write(path) as f:
        np.save(f, array)


def write_text_atomic(text: str, path: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically."""
    with atomic_write(path) as f:
        f.write(text.encode('utf-8'))


def dump_json_atomic(obj: Any, path: str, indent: int = 2,
                     sort_keys: bool = False) -> None:
    """Write ``obj`` as UTF-8 JSON (non-ASCII kept as is) to ``path``
    atomically."""
    write_text_atomic(
        json.dumps(obj, ensure_ascii=False, indent=indent,
                   sort_keys=sort_keys), path)

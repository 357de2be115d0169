"""Atomic file writes: a file is either absent or complete.

Every tool that writes datasets, caches or checkpoints goes through
:func:`atomic_write` or :func:`atomic_path`, so a killed job never leaves a
truncated file behind that a resumed run would take for finished work.

The temporary file is created with the mode a plain ``open(path, 'w')``
would give (``0o666`` minus the umask: 0644 under the usual 022), not
``tempfile.mkstemp``'s 0600, so the renamed file is as readable as any
other file the user writes.
"""
import contextlib
import json
import os
import os.path as osp
import pickle
import random
import re
from typing import Any, BinaryIO, Iterator, Tuple

import numpy as np

#: Characters of the random part of temporary names (``tempfile``'s).
_TEMP_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_'
#: Names of the temporary files (without a suffix):
#: ``.<final name>.<8 random chars>.tmp``.
TEMP_NAME = re.compile(r'^\.(?P<base>.+)\.[a-z0-9_]{8}\.tmp$')
_RANDOM = random.SystemRandom()


def _open_temp(path: str, suffix: str = '') -> Tuple[int, str]:
    """Create a new, empty temporary file beside ``path``.

    Created with ``O_EXCL`` and mode ``0o666``, which the kernel reduces by
    the umask (and default ACLs) as for any new file.

    Returns:
        tuple[int, str]: An open write-only descriptor and the file's path.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_CLOEXEC', 0)
    for _ in range(100):
        random_part = ''.join(_RANDOM.choice(_TEMP_CHARS) for _ in range(8))
        tmp_path = osp.join(
            directory, f'.{osp.basename(path)}.{random_part}.tmp{suffix}')
        try:
            return os.open(tmp_path, flags, 0o666), tmp_path
        except FileExistsError:
            continue
    raise FileExistsError(f'no free temporary name beside {path}')


def fsync_directory(directory: str) -> None:
    """Flush a directory's entries (a rename in it) to disk.

    Without it a power failure may lose a completed ``os.replace``. A no-op
    where directories cannot be opened (Windows).
    """
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str,
                suffix: str = '',
                sync_directory: bool = False) -> Iterator[str]:
    """A temporary path beside ``path``, renamed into place on success.

    For writers that take a path rather than a file object (e.g.
    ``cv2.VideoWriter``, which picks the container by the extension:
    ``suffix='.mp4'``, or mmengine's ``Runner.save_checkpoint``). The
    temporary file ``.<name>.<8 random chars>.tmp<suffix>`` exists (empty,
    with the umask's mode) when the body starts, lives in the same
    directory (so ``os.replace`` is an atomic rename on one file system),
    is flushed to disk before the rename and is removed if the body
    raises.

    Args:
        path (str): The final file path. Missing parent directories are
            created.
        suffix (str): Appended to the temporary name. Defaults to ''.
        sync_directory (bool): Also flush the directory after the rename,
            so that the new name survives a power failure. Defaults to
            False.

    Yields:
        str: The temporary path to write.
    """
    fd, tmp_path = _open_temp(path, suffix)
    os.close(fd)
    try:
        yield tmp_path
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp_path, path)
        if sync_directory:
            fsync_directory(osp.dirname(osp.abspath(path)))
    finally:
        if osp.lexists(tmp_path):
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

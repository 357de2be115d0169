"""Locks that keep two processes from writing the same outputs.

Both kinds are held by the kernel for the holding process and released
when it ends, however it ends, so no stale lock file ever needs cleaning
up (the lock files themselves stay, empty):

- :func:`exclusive_lock`: one holder per lock file (``flock``): a second
  process, or a second ``with`` in the same process, is refused. The strip
  tool holds one per output directory.
- :class:`IndexLocks`: one lock per index (e.g. a shard of a cache), POSIX
  record locks on byte ``i`` of one file. Processes that lock disjoint
  indices (the ranks of one extraction) coexist; two that want the same
  index do not. A process holds its record locks as long as it keeps the
  file open and does not open the same file elsewhere (closing *any*
  descriptor of it drops them, a POSIX rule).

On systems without ``fcntl`` (Windows) nothing is locked.
"""
import contextlib
import os
import os.path as osp
from typing import Iterable, Iterator, List, Optional

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None


class LockedError(RuntimeError):
    """Another process holds the lock; the message says what to do."""


@contextlib.contextmanager
def exclusive_lock(path: str, busy_message: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing).

    Args:
        path (str): The lock file; its directory must exist.
        busy_message (str): The error message when another holder has it.

    Raises:
        LockedError: Another holder has the lock.
    """
    if fcntl is None:
        yield
        return
    with open(path, 'a') as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(busy_message) from None
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


class IndexLocks:
    """Exclusive locks on indices, as POSIX record locks on one file.

    Index ``i`` is byte ``i`` of the lock file (the file stays empty: a
    record lock may lie beyond the end). Locks of this process on an index
    succeed again; the kernel drops them all when the process exits or
    calls :meth:`release`.

    Args:
        path (str): The lock file (created if missing, with its directory).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: Optional[int] = None
        if fcntl is not None:
            os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)

    def acquire(self, indices: Iterable[int]) -> List[int]:
        """Lock every free index of ``indices``.

        Returns:
            list[int]: The indices another process holds (not locked by
            this call), in the given order.
        """
        busy = []
        if self._fd is None:
            return busy
        for index in indices:
            try:
                fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1,
                            int(index))
            except OSError:  # EACCES or EAGAIN: held elsewhere
                busy.append(index)
        return busy

    def release(self) -> None:
        """Drop every lock of this object (closes the file)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> 'IndexLocks':
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


__all__ = ['LockedError', 'exclusive_lock', 'IndexLocks']

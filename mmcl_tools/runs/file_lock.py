"""Locks that keep two processes from writing the same outputs.

Both kinds are held by the kernel for the holding process and released
when it ends, however it ends, so no stale lock file ever needs cleaning
up (the lock files themselves stay, empty):

- :func:`exclusive_lock`: one holder per lock file (``flock``): a second
  process, or a second ``with`` in the same process, is refused. The strip
  tool holds one per output directory.
- :class:`OwnedLock`: as :func:`exclusive_lock`, and the lock file says
  who holds it (pid, host, start time, command), so that a refused process
  can name the holder, and the next holder can tell that the previous one
  ended without releasing it (killed). ``tools/train.py`` locks its work
  dir with it.
- :class:`IndexLocks`: one lock per index (e.g. a shard of a cache), POSIX
  record locks on byte ``i`` of one file. Processes that lock disjoint
  indices (the ranks of one extraction) coexist; two that want the same
  index do not. A process holds its record locks as long as it keeps the
  file open and does not open the same file elsewhere (closing *any*
  descriptor of it drops them, a POSIX rule).

On systems without ``fcntl`` (Windows) nothing is locked.
"""
import contextlib
import json
import os
import os.path as osp
import socket
import sys
import time
from typing import Dict, Iterable, Iterator, List, Optional

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


class OwnedLock:
    """An exclusive ``flock`` whose file records its holder.

    The holder's pid, host, start time and command are written into the
    lock file when the lock is taken and erased when it is released; the
    kernel releases the lock itself when the process ends, however it
    ends. So a refused process can name the holder, and a holder that
    finds a record left behind knows that the previous holder was killed
    (a stale lock, taken over).

    Args:
        path (str): The lock file (created if missing, with its directory).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._file = None

    @staticmethod
    def describe(holder: Dict) -> str:
        """'pid 12, host h, started 2026-01-01 10:00:00 UTC: cmd' of a
        holder record."""
        started = holder.get('started')
        when = time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(started)) \
            if isinstance(started, (int, float)) else '?'
        return (f'pid {holder.get("pid", "?")} on host '
                f'{holder.get("host", "?")}, started {when}: '
                f'{holder.get("command", "?")}')

    def holder(self) -> Optional[Dict]:
        """The record in the lock file (None if empty or unreadable)."""
        try:
            with open(self.path, encoding='utf-8') as f:
                text = f.read()
        except OSError:
            return None
        try:
            record = json.loads(text)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    def acquire(self) -> Optional[Dict]:
        """Take the lock and record this process as its holder.

        Returns:
            dict, optional: The record of a previous holder that ended
            without releasing (a stale lock now taken over), else None.

        Raises:
            LockedError: Another process holds the lock; the message
                names it.
        """
        if fcntl is None:
            return None
        os.makedirs(osp.dirname(osp.abspath(self.path)), exist_ok=True)
        lock = open(self.path, 'a+', encoding='utf-8')
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            holder = self.holder()
            raise LockedError(
                f'{self.path} is held by ' +
                (self.describe(holder) if holder else 'another process')
            ) from None
        stale = self.holder()
        lock.seek(0)
        lock.truncate()
        lock.write(json.dumps(dict(
            pid=os.getpid(), host=socket.gethostname(), started=time.time(),
            command=' '.join(sys.argv))))
        lock.flush()
        self._file = lock
        return stale

    def release(self) -> None:
        """Erase the record and release the lock."""
        if self._file is None:
            return
        try:
            self._file.seek(0)
            self._file.truncate()
            self._file.flush()
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        finally:
            self._file.close()
            self._file = None

    def __enter__(self) -> 'OwnedLock':
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


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


__all__ = ['LockedError', 'exclusive_lock', 'IndexLocks', 'OwnedLock']

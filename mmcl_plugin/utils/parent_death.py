"""Worker processes that end with the process that started them.

A data-loader or pool worker busy decoding a long video does not notice
that its parent was killed, and keeps the GPU host's CPUs (and its open
files) until it finishes or forever. On Linux, ``prctl(PR_SET_PDEATHSIG)``
makes the kernel send the worker a signal as soon as its parent exits;
:class:`DieWithParent` sets it up as a ``worker_init_fn`` of a torch
``DataLoader`` or the ``initializer`` of a process pool.
"""
import ctypes
import os
import signal
import sys
from typing import Optional

#: ``PR_SET_PDEATHSIG`` of <linux/prctl.h>.
PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent ends.

    The parent is the *thread* that started this process (its main thread
    for data-loader and pool workers started from the main thread).

    Args:
        sig (int): The signal. Defaults to SIGKILL (cannot be caught, so a
            worker stuck in a decoder dies too).

    Returns:
        bool: Whether it is set up (False on other systems than Linux).
    """
    if not sys.platform.startswith('linux'):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


class DieWithParent:
    """``worker_init_fn`` / pool ``initializer``: the worker dies with the
    process that made this object (picklable).

    Args:
        parent_pid (int, optional): The parent's pid; default: this
            process's. A worker whose parent is already gone when it starts
            (it died before ``prctl``) exits at once.
    """

    def __init__(self, parent_pid: Optional[int] = None) -> None:
        self.parent_pid = os.getpid() if parent_pid is None else parent_pid

    def __call__(self, worker_id: Optional[int] = None) -> None:
        die_with_parent()
        if os.getppid() != self.parent_pid:
            os._exit(1)


__all__ = ['die_with_parent', 'DieWithParent', 'PR_SET_PDEATHSIG']

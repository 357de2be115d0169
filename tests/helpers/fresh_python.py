"""Run code in a fresh interpreter: no compat fixes, registrations or
process groups of the test process, and this checkout's ``mmcl_plugin``
(the repository root is the working directory)."""
import os.path as osp
import socket
import subprocess
import sys
from typing import Mapping, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_python(code: str,
               *args: str,
               env: Optional[Mapping[str, str]] = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -c code args...`` from the repository root, output
    captured as text."""
    return subprocess.run([sys.executable, '-c', code, *args],
                          capture_output=True,
                          text=True,
                          timeout=timeout,
                          cwd=REPO,
                          env=None if env is None else dict(env))


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

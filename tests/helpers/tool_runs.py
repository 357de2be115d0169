"""Running the repository's command-line tools in tests.

:func:`run_tool` runs a command in a working directory with the checkout
on ``PYTHONPATH`` and the venv's ``bin`` on ``PATH`` (``MMCL_TRUST_PICKLES``
removed), captures its output and checks its exit status.

A Python script of this checkout (``[sys.executable, '<repo>/....py',
...]``) runs in a child forked from a server process that imported torch,
mmengine, mmaction2, mmpretrain and this plugin once (multiprocessing's
``forkserver`` with preloaded modules): it starts in a fraction of a
second instead of the ~6 CPU-seconds of those imports. The child gets the
command's argv, working directory, environment, ``sys.path`` (the
script's folder, ``PYTHONPATH``, site-packages, as a fresh interpreter
has), Python's and numpy's random states seeded anew and files for its
stdout / stderr; it runs the script as
``__main__`` and exits as the interpreter would: the ``SystemExit`` code,
1 after printing an uncaught exception, exit handlers run, ``os._exit``
and signals as they are. What it does not repeat is the import of the
preloaded modules: ``fresh=True`` (and every other command: ``mim``,
``torchrun``, ``bash``) runs a new interpreter. Each entry point starts
in a new interpreter in at least one test: ``tools/train.py`` (the SIGTERM
test, ``dist_train.sh``, the own-videos path), ``tools/test.py`` (the
demo pipeline), ``mim train`` (the demo pipeline, the data faults), the
video tools (the own-videos path); ``test_compat`` checks the import
order itself. :func:`run_ranks` forks the ranks of a distributed run with
the variables torchrun sets (``torchrun`` itself runs in
``dist_train.sh``'s test).
"""
import atexit
import json
import multiprocessing
import os
import os.path as osp
import random
import runpy
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Mapping, Optional, Sequence, Union

from mmcl_plugin.utils import TRUST_ENV

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BIN = osp.dirname(sys.executable)
#: Imported once by the server that forks the tool runs: what
#: ``tools/train.py`` / ``tools/test.py`` import, and the modules that
#: mmaction2's ``register_all_modules`` and the demo models import (the
#: plugin first: its compat fixes precede mmaction2, as in the tools).
PRELOAD = ('mmcl_plugin', 'mmengine.runner', 'mmaction.datasets',
           'mmaction.engine', 'mmaction.evaluation', 'mmaction.models',
           'mmaction.structures', 'mmaction.visualization',
           'mmpretrain.models', 'mmcl_tools.runs')
#: Exit status of a child that died before reporting one.
_LOST = 255


@dataclass
class ToolRun:
    """A finished command."""
    cmd: List[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        """stdout, then stderr."""
        return self.stdout + self.stderr


def tool_environment(**overrides: str) -> Dict[str, str]:
    """The environment of a tool run: this process's, with the checkout on
    ``PYTHONPATH``, the venv's ``bin`` first on ``PATH``, unbuffered
    output and no ``MMCL_TRUST_PICKLES``; then ``overrides``."""
    env = dict(os.environ, PYTHONPATH=REPO, PYTHONUNBUFFERED='1',
               PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    env.pop(TRUST_ENV, None)
    env.update(overrides)
    return env


def run_tool(cmd: Sequence, cwd, returncode: Optional[int] = 0,
             timeout: float = 900, fresh: bool = False,
             **env_overrides: str) -> ToolRun:
    """Run ``cmd`` in ``cwd`` and assert its exit status.

    Args:
        cmd: The command; paths may be ``pathlib.Path``.
        cwd: Its working directory.
        returncode: The expected exit status; None accepts any.
        timeout: Seconds before the run is killed and the test fails.
        fresh: Run a checkout script in a new interpreter too.
        **env_overrides: Environment variables of the run.

    Returns:
        ToolRun: Exit status and output.
    """
    cmd = [str(c) for c in cmd]
    env = tool_environment(**env_overrides)
    if not fresh and _is_checkout_script(cmd, str(cwd)):
        result = _run_forked(cmd, str(cwd), env, timeout)
    else:
        done = subprocess.run(cmd, cwd=str(cwd), env=env,
                              capture_output=True, text=True,
                              timeout=timeout)
        result = ToolRun(cmd, done.returncode, done.stdout, done.stderr)
    if returncode is not None:
        assert result.returncode == returncode, (
            f'{cmd}: exit {result.returncode}, expected {returncode}\n'
            f'{result.stdout[-4000:]}\n{result.stderr[-4000:]}')
    return result


def run_passing_output(cmd: Sequence, env: Optional[Mapping[str, str]] = None,
                       cwd=None) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, env=env, cwd=cwd)`` of code under test whose
    tools show their output (``monkeypatch.setattr(module, 'subprocess',
    SimpleNamespace(run=run_passing_output))``): a checkout script forks
    from the preloaded server with exactly ``env``; its stdout / stderr
    are written to this process's afterwards."""
    cmd = [str(c) for c in cmd]
    cwd = os.getcwd() if cwd is None else str(cwd)
    env = dict(os.environ if env is None else env)
    if _is_checkout_script(cmd, cwd):
        result = _run_forked(cmd, cwd, env, timeout=900)
        for text, stream in ((result.stdout, sys.stdout),
                             (result.stderr, sys.stderr)):
            stream.write(text)
            stream.flush()
        return subprocess.CompletedProcess(cmd, result.returncode)
    return subprocess.run(cmd, env=env, cwd=cwd)


def _is_checkout_script(cmd: List[str], cwd: str) -> bool:
    return (len(cmd) >= 2 and cmd[0] == sys.executable
            and cmd[1].endswith('.py') and osp.realpath(
                osp.join(cwd, cmd[1])).startswith(REPO + os.sep))


@lru_cache(maxsize=None)
def _site_path() -> tuple:
    """``sys.path`` of a fresh interpreter without ``PYTHONPATH``, less
    its script folder (the standard library, site-packages, editable
    installs)."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = subprocess.run(
        [sys.executable, '-c', 'import json, sys; print(json.dumps('
         'sys.path[1:]))'], capture_output=True, text=True, env=env,
        cwd=tempfile.gettempdir(), check=True).stdout
    return tuple(json.loads(out))


@lru_cache(maxsize=None)
def _context():
    context = multiprocessing.get_context('forkserver')
    context.set_forkserver_preload(list(PRELOAD))
    return context


def run_ranks(cmd: Sequence, cwd, world_size: int, port: int,
              timeout: float = 900, **env_overrides: str) -> List[ToolRun]:
    """A checkout script as ``torchrun --nproc-per-node world_size`` runs
    it on one machine, each rank forked from the preloaded server with
    the variables torchrun gives it (``RANK``, ``LOCAL_RANK``,
    ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``,
    ``MASTER_PORT``: what mmengine's ``pytorch`` launcher reads); asserts
    that every rank exits 0 and returns their runs, rank 0 first."""
    cmd = [str(c) for c in cmd]
    assert _is_checkout_script(cmd, str(cwd)), cmd
    ranks = []
    with tempfile.TemporaryDirectory(prefix='tool_run_') as tmp:
        for rank in range(world_size):
            env = tool_environment(
                RANK=str(rank), LOCAL_RANK=str(rank),
                WORLD_SIZE=str(world_size),
                LOCAL_WORLD_SIZE=str(world_size), MASTER_ADDR='127.0.0.1',
                MASTER_PORT=str(port), **env_overrides)
            ranks.append(_start_forked(cmd, str(cwd), env,
                                       osp.join(tmp, str(rank))))
        runs = [_finish_forked(cmd, *rank, timeout) for rank in ranks]
    for rank, run in enumerate(runs):
        assert run.returncode == 0, (
            f'{cmd} rank {rank}: exit {run.returncode}\n'
            f'{run.stdout[-3000:]}\n{run.stderr[-3000:]}')
    return runs


def _run_forked(cmd: List[str], cwd: str, env: Dict[str, str],
                timeout: float) -> ToolRun:
    with tempfile.TemporaryDirectory(prefix='tool_run_') as tmp:
        return _finish_forked(cmd, *_start_forked(cmd, cwd, env, tmp),
                              timeout)


def _start_forked(cmd: List[str], cwd: str, env: Dict[str, str],
                  folder: str) -> tuple:
    """Start ``cmd``'s child, its output into files in ``folder``."""
    os.makedirs(folder, exist_ok=True)
    out, err = osp.join(folder, 'stdout'), osp.join(folder, 'stderr')
    child = _context().Process(
        target=_run_script,
        args=(osp.join(cwd, cmd[1]), cmd[2:], cwd, env, _site_path(), out,
              err),
        name=osp.basename(cmd[1]))
    child.start()
    return child, out, err


def _finish_forked(cmd: List[str], child, out: str, err: str,
                   timeout: float) -> ToolRun:
    """Wait for a child of :func:`_start_forked` and read its output."""
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        raise AssertionError(f'{cmd}: still running after {timeout} s')
    code = _LOST if child.exitcode is None else child.exitcode
    texts = []
    for path in (out, err):
        with open(path, encoding='utf-8', errors='replace') as f:
            texts.append(f.read())
    return ToolRun(cmd, code, *texts)


def _run_script(script: str, args: List[str], cwd: str, env: Dict[str, str],
                site_path: Sequence[str], stdout_path: str,
                stderr_path: str) -> None:
    """In the forked child: become ``python script args...`` and exit with
    its status (never returns)."""
    for fd, path in ((1, stdout_path), (2, stderr_path)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    python_path = [p for p in env.get('PYTHONPATH', '').split(os.pathsep)
                   if p]
    sys.path[:] = [osp.dirname(osp.abspath(script)), *python_path,
                   *site_path]
    sys.argv = [script, *args]
    multiprocessing.set_start_method(None, force=True)  # unset, as new
    # the random states that a new interpreter seeds from the OS (forked
    # children would all share the server's)
    random.seed()
    if 'numpy' in sys.modules:
        sys.modules['numpy'].random.seed()
    code = 0
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as exit_:
        code = _exit_status(exit_.code)
    except BaseException:  # noqa: B902  (reported as the interpreter does)
        sys.excepthook(*sys.exc_info())
        code = 1
    try:
        threading._shutdown()  # non-daemon threads end first, as at exit
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def _exit_status(code: Union[int, str, None]) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1

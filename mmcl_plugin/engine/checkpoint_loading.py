"""Checkpoint loading with torch's weights-only unpickler.

mmengine's own local loader calls ``torch.load`` with torch's default,
which since torch 2.6 is ``weights_only=True`` and refuses the message hub
that mmengine stores in every checkpoint, so ``--resume`` fails. Instead
of full unpickling (which runs any code a checkpoint carries),
:func:`load_from_local` keeps ``weights_only=True`` and allow-lists
exactly the extra globals an mmengine 0.10 checkpoint holds
(:data:`CHECKPOINT_SAFE_GLOBALS`). It is mmengine's loader for local
paths only where asked for, never for the whole process:

- inside :func:`safe_checkpoint_loading` (a context manager, through
  mmengine's public ``CheckpointLoader.register_scheme``; mmengine's own
  loader is registered back on exit);
- in :class:`~mmcl_plugin.engine.runner.SafeRunner` (the runtime base's
  ``runner_type``), whose ``load_checkpoint`` (``load_from``,
  ``--resume``) runs inside it;
- in the tools, through :func:`load_checkpoint_file`.

Every loaded checkpoint that carries a checksum (:mod:`.checkpoint_checksum`,
written by ``SafeCheckpointHook`` and the export / conversion tools) is
verified: a mismatch raises
:class:`~.checkpoint_checksum.CheckpointChecksumError` naming the file; one
without a checksum (official, older or other tools' checkpoints) loads with
a warning.

A checkpoint with any other global raises
:class:`~mmcl_plugin.utils.safe_pickle.UntrustedPickleError`, naming the
file, the refused global and the opt-in (``MMCL_TRUST_PICKLES=1`` or the
tools' ``--trust-pickles``), which loads files the user trusts with full
unpickling.
"""
import contextlib
import logging
import os.path as osp
import pickle
import re
from typing import Any, Callable, Iterator, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

from ..utils.safe_pickle import (TRUST_ENV, UntrustedPickleError,
                                 numpy_core_function, pickles_trusted)
from .checkpoint_checksum import verify_checksum

#: What a checkpoint may hold without opt-in, for the error message.
CHECKPOINT_CONTENT = ('tensors and the mmengine message hub, optimizer, '
                      'scheduler and RNG states (plain data, NumPy arrays '
                      'of numeric dtypes)')

#: Methods ``HistoryBuffer`` pickles by reference (its statistics).
_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_statistic(owner: Any, name: str) -> Callable:
    """``getattr`` limited to ``HistoryBuffer``'s statistics methods.

    ``HistoryBuffer.__getstate__`` stores its ``statistics_methods`` dict,
    whose functions pickle (protocol 2) as ``getattr(HistoryBuffer,
    'min')``. A general ``getattr`` would reach any attribute of any
    allowed object, so only these names are resolved.
    """
    registered = set(_HISTORY_BUFFER_STATISTICS) | set(
        HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in registered:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({getattr(owner, "__name__", type(owner).__name__)}, '
        f'{name!r}) is not allowed')


def _numpy_multiarray(name: str) -> Tuple[Callable, ...]:
    """``numpy.core.multiarray.<name>`` under NumPy 1's and NumPy 2's
    module names (checkpoints written with either may be read)."""
    function = numpy_core_function('multiarray', name)
    return ((function, f'numpy.core.multiarray.{name}'),
            (function, f'numpy._core.multiarray.{name}'))


def _numeric_dtype_classes() -> List[type]:
    """The ``numpy.dtypes`` classes of bool, integer, float and complex
    dtypes (torch's unpickler builds a dtype only if its class is
    allowed)."""
    kinds = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
             np.uint16, np.uint32, np.uint64, np.float16, np.float32,
             np.float64, np.complex64, np.complex128)
    return [type(np.dtype(kind)) for kind in kinds]


#: The globals of an mmengine 0.10 checkpoint beyond torch's defaults
#: (tensors, storages, ``collections.OrderedDict``, ``_codecs.encode``),
#: found by disassembling checkpoints of the demo training:
#:
#: - ``HistoryBuffer``: the message hub's ``log_scalars`` (losses, lr,
#:   metrics), built by ``NEWOBJ`` + ``__setstate__``;
#: - ``builtins.getattr`` -> :func:`history_buffer_statistic`: the
#:   statistics methods a ``HistoryBuffer`` stores by reference;
#: - ``numpy.core.multiarray._reconstruct`` and ``numpy.ndarray``: the
#:   arrays of those buffers and numpy's RNG key;
#: - ``numpy.dtype`` and the numeric ``numpy.dtypes`` classes: the dtypes
#:   of those arrays and of numpy scalars (object dtypes stay refused);
#: - ``numpy.core.multiarray.scalar``: numpy scalars, e.g. the
#:   ``best_score`` the checkpoint hook keeps in the message hub.
CHECKPOINT_SAFE_GLOBALS: List[Union[Callable, Tuple[Callable, str]]] = [
    HistoryBuffer,
    (history_buffer_statistic, 'builtins.getattr'),
    *_numpy_multiarray('_reconstruct'),
    *_numpy_multiarray('scalar'),
    np.ndarray,
    np.dtype,
    *_numeric_dtype_classes(),
]

#: Patterns of torch's weights-only errors, each capturing the offender.
_REFUSAL_PATTERNS = (
    r'GLOBAL (\S+) was not an allowed global',
    r'unsupported GLOBAL (\S+) whose module',
    r'unrecognized function (.+?)(?: which belongs to .*)?$',
    r"(?:Can only build|Can only create new object).* but got "
    r"<class '([^']+)'>",
    r'(getattr\(.+\)) is not allowed',
)


def refused_global(message: str) -> Optional[str]:
    """The global or type named in a weights-only ``UnpicklingError``.

    Args:
        message (str): The error's text.

    Returns:
        str, optional: E.g. ``'posix.system'``; None if the error is not a
        refusal (e.g. a corrupt file).
    """
    for pattern in _REFUSAL_PATTERNS:
        match = re.search(pattern, message, flags=re.MULTILINE)
        if match:
            return match.group(1).rstrip('.')
    return None


def _unpickler_detail(message: str) -> str:
    """The weights-only unpickler's own words inside torch's message."""
    detail = message.split('WeightsUnpickler error:')[-1]
    detail = detail.split('Check the documentation of torch.load')[0]
    return ' '.join(detail.split()) or message


def load_from_local(filename: str, map_location: Optional[Any] = None) -> Any:
    """Load a local checkpoint with ``torch.load(weights_only=True)`` and
    verify its checksum.

    Registered as mmengine's ``CheckpointLoader`` for local paths.

    Args:
        filename (str): The checkpoint file (``~`` expanded).
        map_location: As for ``torch.load``.

    Returns:
        Any: The loaded object (usually a dict with ``state_dict``).

    Raises:
        FileNotFoundError: No such file.
        UntrustedPickleError: The file holds a global outside
            :data:`CHECKPOINT_SAFE_GLOBALS` and the user did not opt in.
        RuntimeError: The file is not a complete ``torch.save`` file (or
            its pickle uses opcodes the weights-only loader lacks).
        CheckpointChecksumError: Its tensors differ from the checksum
            stored at save time (a RuntimeError).
    """
    checkpoint = _torch_load(filename, map_location)
    if not verify_checksum(checkpoint, osp.expanduser(filename)):
        _warn_unverified(osp.expanduser(filename))
    return checkpoint


#: Files already warned about (one warning per file and process).
_UNVERIFIED_WARNED = set()


def _warn_unverified(filename: str) -> None:
    if filename in _UNVERIFIED_WARNED:
        return
    _UNVERIFIED_WARNED.add(filename)
    print_log(
        f'{filename} carries no checksum (written by another tool or an '
        'older version): its contents cannot be verified.',
        logger='current',
        level=logging.WARNING)


def _torch_load(filename: str, map_location: Optional[Any]) -> Any:
    """``torch.load`` with the allow-list (see :func:`load_from_local`)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if pickles_trusted():
        return torch.load(filename,
                          map_location=map_location,
                          weights_only=False)
    try:
        with torch.serialization.safe_globals(CHECKPOINT_SAFE_GLOBALS):
            return torch.load(filename,
                              map_location=map_location,
                              weights_only=True)
    except pickle.UnpicklingError as error:
        offending = refused_global(str(error))
        if offending is not None:
            raise UntrustedPickleError(filename, offending,
                                       CHECKPOINT_CONTENT) from None
        raise RuntimeError(
            f'{filename}: cannot read the checkpoint: '
            f'{_unpickler_detail(str(error))} (a corrupt file, or pickle '
            'data the weights-only loader does not read; '
            f'{TRUST_ENV}=1 loads files you trust with full unpickling)'
        ) from None
    except (RuntimeError, EOFError, OSError) as error:
        # a truncated zip fails in torch's reader with any of these
        raise RuntimeError(
            f'{filename}: cannot read the checkpoint: {error}') from error


#: Nesting depth of :func:`safe_checkpoint_loading` blocks.
_SAFE_DEPTH = 0


@contextlib.contextmanager
def safe_checkpoint_loading() -> Iterator[None]:
    """Within the block, mmengine reads local checkpoints with
    :func:`load_from_local` (``load_checkpoint``, ``_load_checkpoint``,
    ``Runner.load_checkpoint``); mmengine's own loader is registered back
    when the outermost block exits. Other schemes (``http://``,
    ``s3://`` ...) keep mmengine's loaders. Blocks nest.
    """
    global _SAFE_DEPTH
    if _SAFE_DEPTH == 0:
        CheckpointLoader.register_scheme(prefixes='',
                                         force=True)(load_from_local)
    _SAFE_DEPTH += 1
    try:
        yield
    finally:
        _SAFE_DEPTH -= 1
        if _SAFE_DEPTH == 0:
            CheckpointLoader.register_scheme(prefixes='', force=True)(
                mmengine_checkpoint.load_from_local)


def load_checkpoint_file(filename: str,
                         map_location: Optional[Any] = 'cpu') -> Any:
    """Read a checkpoint (a local path or any scheme mmengine reads) as
    the runner does: local files weights-only, checksums verified.

    Args:
        filename (str): Path or URL.
        map_location: As ``torch.load``'s. Defaults to 'cpu'.
    """
    with safe_checkpoint_loading():
        return CheckpointLoader.load_checkpoint(filename,
                                                map_location=map_location)

"""Reading user-supplied pickles without running code from them.

Unpickling can call any importable function, so a crafted annotation file
or score dump could run code as soon as it is read. :func:`load_pickle`
only rebuilds what these files legitimately hold:

- plain containers and scalars (dict, list, tuple, set, frozenset, str,
  bytes, bytearray, int, float, complex, bool, None), which pickle stores
  without naming a global, plus ``collections.OrderedDict``;
- NumPy arrays and scalars of non-object dtypes (``_reconstruct`` /
  ``_frombuffer`` / ``scalar`` and ``numpy.dtype``, under NumPy 1's
  ``numpy.core`` and NumPy 2's ``numpy._core`` names);
- torch tensors (``torch._utils._rebuild_tensor_v2``); their storage
  bytes (``torch.storage._load_from_bytes``, which torch itself loads with
  full unpickling) are read with torch's weights-only unpickler instead.

Anything else raises :class:`UntrustedPickleError`, naming the file, the
refused global and the opt-in: ``MMCL_TRUST_PICKLES=1`` in the
environment (the ``--trust-pickles`` flag of the tools sets it) loads
files the user trusts with full unpickling. The same switch lets
checkpoints load without restriction
(:mod:`mmcl_plugin.engine.checkpoint_loading`).
"""
import _compat_pickle
import codecs
import collections
import io
import os
import pickle
from typing import Any, Callable, Dict, Tuple

import numpy as np

#: Environment variable that turns the restrictions off (value 1/true/yes).
TRUST_ENV = 'MMCL_TRUST_PICKLES'
#: The command-line flag of the tools that sets :data:`TRUST_ENV`.
TRUST_FLAG = '--trust-pickles'


def pickles_trusted() -> bool:
    """Whether the user opted into full unpickling (:data:`TRUST_ENV`)."""
    return os.environ.get(TRUST_ENV,
                          '').strip().lower() in ('1', 'true', 'yes', 'y')


def trust_pickles() -> None:
    """Opt into full unpickling for this process and its children.

    Set through the environment so that data-loader workers and
    ``torchrun`` ranks started afterwards inherit it.
    """
    os.environ[TRUST_ENV] = '1'


def add_trust_argument(parser) -> None:
    """Add :data:`TRUST_FLAG` to an ``argparse`` parser."""
    parser.add_argument(
        TRUST_FLAG,
        action='store_true',
        help='load checkpoints and pickles with full unpickling, which can '
        f'run code stored in them (same as {TRUST_ENV}=1); only for files '
        'you trust')


class UntrustedPickleError(pickle.UnpicklingError):
    """A file holds a type that is not allowed without the user's trust.

    Args:
        path (str): The file.
        offending (str): The refused global or type.
        allowed (str): What this kind of file may hold.
    """

    def __init__(self, path: str, offending: str, allowed: str) -> None:
        self.path = path
        self.offending = offending
        self.allowed = allowed
        super().__init__(
            f'{path}: refusing to unpickle {offending}; without opt-in the '
            f'file may only hold {allowed}. Unpickling it fully can run '
            f'code stored in it: if you trust this file, set {TRUST_ENV}=1 '
            f'(or pass {TRUST_FLAG} to the tool).')

    def __reduce__(self):
        # picklable, e.g. from a worker process
        return type(self), (self.path, self.offending, self.allowed)


class _Refused(pickle.UnpicklingError):
    """Raised inside the unpickler; carries the offending global."""

    def __init__(self, offending: str) -> None:
        super().__init__(offending)
        self.offending = offending


#: What :func:`load_pickle` allows, for the error message.
PLAIN_PICKLE_CONTENT = ('plain containers, strings, numbers, NumPy arrays '
                        'of non-object dtypes and torch tensors')


def numpy_core_function(module: str, name: str) -> Callable:
    """A function of ``numpy.core.<module>`` (NumPy 1) or
    ``numpy._core.<module>`` (NumPy 2), whichever is installed."""
    import importlib
    numpy_2 = int(np.__version__.split('.')[0]) >= 2
    packages = ('numpy._core', 'numpy.core') if numpy_2 else ('numpy.core',
                                                              'numpy._core')
    for package in packages:
        try:
            return getattr(importlib.import_module(f'{package}.{module}'),
                           name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f'numpy has no {module}.{name}')


def checked_numpy_dtype(*args) -> np.dtype:
    """``numpy.dtype(*args)`` that refuses dtypes holding Python objects.

    Object arrays would be rebuilt from arbitrary pickled objects, which is
    not data these files need.
    """
    dtype = np.dtype(*args)
    if dtype.hasobject:
        raise _Refused(f'numpy.dtype({dtype}) (arrays of Python objects)')
    return dtype


def _load_storage_bytes(data: bytes):
    """A tensor storage pickled by ``pickle``: read it weights-only."""
    import torch
    try:
        return torch.load(io.BytesIO(data), weights_only=True)
    except pickle.UnpicklingError as error:
        raise _Refused(
            f'a tensor storage that is not plain data ({error})') from None


def _rebuild_tensor_v2(*args):
    """torch's tensor rebuild function (torch imported only when used)."""
    from torch._utils import _rebuild_tensor_v2
    return _rebuild_tensor_v2(*args)


def _allowed_globals() -> Dict[Tuple[str, str], Callable]:
    allowed: Dict[Tuple[str, str], Callable] = {
        ('collections', 'OrderedDict'): collections.OrderedDict,
        ('builtins', 'set'): set,
        ('builtins', 'frozenset'): frozenset,
        ('builtins', 'bytearray'): bytearray,
        ('builtins', 'complex'): complex,
        ('_codecs', 'encode'): codecs.encode,  # bytes in protocol 2
        ('numpy', 'ndarray'): np.ndarray,
        ('numpy', 'dtype'): checked_numpy_dtype,
        ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor_v2,
        ('torch.storage', '_load_from_bytes'): _load_storage_bytes,
    }
    for package in ('numpy.core', 'numpy._core'):
        for module, name in (('multiarray', '_reconstruct'),
                             ('multiarray', 'scalar'), ('numeric',
                                                        '_frombuffer')):
            allowed[(f'{package}.{module}',
                     name)] = numpy_core_function(module, name)
    return allowed


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals of plain data.

    See the module docstring for the list; ``find_class`` raises for any
    other global, so no other callable can be reached.
    """

    _allowed: Dict[Tuple[str, str], Callable] = {}

    def find_class(self, module: str, name: str) -> Any:
        # pickles of protocol < 3 name Python 2 modules (__builtin__, ...)
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if not RestrictedUnpickler._allowed:
            RestrictedUnpickler._allowed = _allowed_globals()
        try:
            return RestrictedUnpickler._allowed[(module, name)]
        except KeyError:
            raise _Refused(f'{module}.{name}') from None


def load_pickle(path: str, allowed: str = PLAIN_PICKLE_CONTENT) -> Any:
    """Unpickle a file that should hold plain data only.

    Args:
        path (str): The pickle file.
        allowed (str): What the file may hold, for the error message.

    Returns:
        Any: The unpickled object.

    Raises:
        UntrustedPickleError: The file names a global that plain data does
            not need, and :data:`TRUST_ENV` is not set.
        OSError: The file cannot be read.
    """
    with open(path, 'rb') as f:
        if pickles_trusted():
            return pickle.load(f)
        try:
            return RestrictedUnpickler(f).load()
        except _Refused as refused:
            raise UntrustedPickleError(path, refused.offending,
                                       allowed) from None

"""Import and run the official CTR-GCN code from a user-fetched checkout.

Shared by ``verify_official_parity.py`` and ``nwucla_side_by_side.py``.
Nothing of the official code is copied: it is imported from the checkout
(``git clone https://github.com/Uason-Chen/CTR-GCN``) after
:func:`apply_shims` adapts today's stack to it at runtime:

- NumPy >= 1.24 removed ``np.int`` (``feeders/feeder_ucla.py``,
  ``data/ntu/get_raw_skes_data.py``): ``np.int = int``;
- PyYAML >= 6 wants a ``Loader`` in ``yaml.load`` (``main.py``): the
  default becomes ``FullLoader``;
- ``tensorboardX``, ``h5py`` and ``torchpack`` are imported by ``main.py``
  and ``torchlight`` but not used on the paths run here; when they are not
  installed, empty stand-ins (a no-op ``SummaryWriter``) are registered;
- CPU: ``Tensor.cuda`` / ``Module.cuda`` return their object unchanged.
"""
import importlib.util
import os
import os.path as osp
import sys
import types
import zipfile
from typing import Dict, Optional

#: Files a CTR-GCN checkout must have.
REQUIRED_FILES = ('main.py', 'feeders/feeder_ucla.py', 'feeders/feeder_ntu.py',
                  'feeders/tools.py', 'graph/ucla.py', 'graph/ntu_rgb_d.py',
                  'model/ctrgcn.py', 'config/ucla/default.yaml',
                  'data/ntu/get_raw_skes_data.py',
                  'data/ntu/get_raw_denoised_data.py',
                  'data/ntu/seq_transformation.py')


def check_checkout(path: str) -> str:
    """The absolute checkout path; raise SystemExit if files are missing."""
    path = osp.abspath(path)
    missing = [f for f in REQUIRED_FILES if not osp.isfile(osp.join(path, f))]
    if missing:
        raise SystemExit(f'{path} is not a CTR-GCN checkout (git clone '
                         'https://github.com/Uason-Chen/CTR-GCN): missing '
                         + ', '.join(missing))
    return path


class _NoOpWriter:
    """Stand-in for ``tensorboardX.SummaryWriter``."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _stub(name: str, **attributes) -> None:
    if name in sys.modules:
        return
    try:
        importlib.import_module(name)
        return
    except ImportError:
        pass
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    sys.modules[name] = module


def apply_shims(cpu: bool = True) -> None:
    """Adapt NumPy, PyYAML, missing packages and CUDA calls (module doc)."""
    import numpy as np
    import yaml
    if not hasattr(np, 'int'):
        np.int = int
    if not getattr(yaml.load, '_official_shim', False):
        original = yaml.load

        def load(stream, Loader=None):  # noqa: N803  (PyYAML's name)
            return original(stream, Loader=Loader or yaml.FullLoader)

        load._official_shim = True
        yaml.load = load
    _stub('tensorboardX', SummaryWriter=_NoOpWriter)
    _stub('h5py')
    _stub('torchpack')
    _stub('torchpack.runner')
    _stub('torchpack.runner.hooks', PaviLogger=object)
    if cpu:
        import torch
        torch.Tensor.cuda = lambda self, *args, **kwargs: self
        torch.nn.Module.cuda = lambda self, *args, **kwargs: self


def add_to_path(checkout: str) -> None:
    """Make ``feeders``, ``graph``, ``model`` and ``torchlight`` importable."""
    for path in (osp.join(checkout, 'torchlight'), checkout):
        if path not in sys.path:
            sys.path.insert(0, path)


def load_module(path: str, name: Optional[str] = None) -> types.ModuleType:
    """Import one file of the checkout as a module (by path)."""
    name = name or osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def extract_nwucla(zip_path: str, root: str) -> str:
    """Unpack ``all_sqe.zip`` as the official feeder expects it.

    Args:
        zip_path (str): The NW-UCLA download (entries ``all_sqe/*.json``).
        root (str): Directory to run the official code in.

    Returns:
        str: ``root/data/NW-UCLA/all_sqe``, holding the JSON files.
    """
    target = osp.join(root, 'data', 'NW-UCLA')
    os.makedirs(target, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        members = [n for n in archive.namelist() if n.endswith('.json')]
        if not members or not all(n.startswith('all_sqe/') for n in members):
            raise SystemExit(f'{zip_path}: expected all_sqe/*.json entries')
        archive.extractall(target, members)
    return osp.join(target, 'all_sqe')


def nwucla_data_path(stream: str) -> str:
    """The official NW-UCLA feeder's ``data_path`` selecting a stream.

    The feeder looks for 'bone' and 'motion' in the string.
    """
    paths: Dict[str, str] = {
        'joint': 'joint',
        'bone': 'bone',
        'joint-motion': 'joint motion',
        'bone-motion': 'bone motion'
    }
    return paths[stream]

"""Run a function right before, or right after, a module is first imported.

``import mmcl_plugin`` has to prepare torchvision and ``mmaction.models``
(:mod:`mmcl_plugin.compat`) and make mmaction's registries find this
package's components (:mod:`mmcl_plugin.registration`) without importing
torch, mmengine or mmaction itself, which takes seconds. One finder at the
front of ``sys.meta_path`` does both:

- :func:`run_before_import` calls a function when the import system first
  looks for a module, before any other finder has found it;
- :func:`run_after_import` calls a function with the module as soon as it
  has executed (or at once if it is already imported), by wrapping the
  loader that the other finders return for it.

Each hook runs once. The finder only looks names up in two dicts for every
other import. Only the standard library is imported here.
"""
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Callable, Dict, List, Optional, Sequence

BeforeHook = Callable[[], None]
AfterHook = Callable[[ModuleType], None]


class _HookLoader(importlib.abc.Loader):
    """Wraps a module's loader: executes it, then the after-import hooks.

    The module gets the wrapped loader back as ``__loader__`` and
    ``__spec__.loader``, so it looks exactly as if imported without hooks.
    If executing the module fails, its hooks are kept for the next try.
    """

    def __init__(self, finder: '_HookFinder', loader: importlib.abc.Loader,
                 hooks: List[AfterHook]) -> None:
        self.finder = finder
        self.loader = loader
        self.hooks = hooks

    def create_module(self, spec: importlib.machinery.ModuleSpec):
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        try:
            self.loader.exec_module(module)
        except BaseException:
            self.finder.after.setdefault(module.__name__,
                                         []).extend(self.hooks)
            raise
        for hook in self.hooks:
            hook(module)


class _HookFinder(importlib.abc.MetaPathFinder):
    """The ``sys.meta_path`` entry that runs the hooks."""

    def __init__(self) -> None:
        self.before: Dict[str, List[BeforeHook]] = {}
        self.after: Dict[str, List[AfterHook]] = {}

    def find_spec(self,
                  fullname: str,
                  path: Optional[Sequence[str]],
                  target: Optional[ModuleType] = None):
        # popped first: a hook may import (or look for) the module itself
        for hook in self.before.pop(fullname, ()):
            hook()
        after = self.after.pop(fullname, None)
        if not after:
            return None
        spec = self._find_elsewhere(fullname, path, target)
        if spec is None or spec.loader is None or \
                not hasattr(spec.loader, 'exec_module'):
            # not found, or nothing to wrap (legacy loader): keep the hooks
            self.after[fullname] = after
            return spec
        spec.loader = _HookLoader(self, spec.loader, after)
        return spec

    def _find_elsewhere(self, fullname, path, target):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None


def _finder() -> _HookFinder:
    """The installed finder (installed on first use, at the front)."""
    for finder in sys.meta_path:
        if isinstance(finder, _HookFinder):
            return finder
    finder = _HookFinder()
    sys.meta_path.insert(0, finder)
    return finder


def run_before_import(name: str, hook: BeforeHook) -> bool:
    """Call ``hook()`` right before module ``name`` is first imported.

    Args:
        name (str): Full module name, e.g. ``'torchvision'``.
        hook (Callable[[], None]): Called once, when the import system
            first looks for ``name``.

    Returns:
        bool: False (and ``hook`` is never called) when ``name`` is
        already imported: it is too late.
    """
    if name in sys.modules:
        return False
    _finder().before.setdefault(name, []).append(hook)
    return True


def run_after_import(name: str, hook: AfterHook) -> None:
    """Call ``hook(module)`` once module ``name`` has been imported.

    Args:
        name (str): Full module name, e.g. ``'mmaction.registry'``.
        hook (Callable[[ModuleType], None]): Called once with the module:
            now if it is already imported, else right after it executed.
    """
    module = sys.modules.get(name)
    if module is not None:
        hook(module)
        return
    _finder().after.setdefault(name, []).append(hook)


__all__ = ['run_after_import', 'run_before_import']

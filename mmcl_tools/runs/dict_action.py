"""``--cfg-options`` parsing that keeps the spaces of plain values.

mmengine's ``DictAction`` removes every space of a value before parsing it
(``data_root=/data/my set`` becomes ``/data/myset``) so that lists such as
``[1, 2]`` parse. :class:`DictAction` parses values that hold no list or
tuple (no ``[``, ``(`` or ``,``) itself, as mmengine would but with the
spaces kept, and leaves the others to mmengine.
"""
import argparse
import copy
from typing import Any, Optional, Sequence

from mmengine.config import DictAction as MMEngineDictAction


def parse_scalar(value: str) -> Any:
    """A plain option value as mmengine's ``DictAction`` reads it (int,
    float, bool, None or str), spaces inside kept; surrounding quotes are
    removed."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in '\'"':
        value = value[1:-1]
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        pass
    if value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    if value == 'None':
        return None
    return value


class DictAction(MMEngineDictAction):
    """mmengine's ``DictAction``, keeping the spaces of plain values
    (e.g. paths)."""

    def __call__(self,
                 parser: argparse.ArgumentParser,
                 namespace: argparse.Namespace,
                 values: Sequence[str],
                 option_string: Optional[str] = None) -> None:
        options = copy.copy(getattr(namespace, self.dest, None) or {})
        iterables = []
        for item in values:
            key, sep, value = item.partition('=')
            if sep and not any(c in value for c in '[](),'):
                options[key] = parse_scalar(value)
            else:
                iterables.append(item)
        if iterables:
            setattr(namespace, self.dest, options)
            super().__call__(parser, namespace, iterables, option_string)
            options.update(getattr(namespace, self.dest))
        setattr(namespace, self.dest, options)


__all__ = ['DictAction', 'parse_scalar']

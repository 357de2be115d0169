"""Resolved-config snapshots of every config in this repository.

A snapshot maps each config (its path relative to the repository root,
e.g. ``configs/mmcl_ctrgcn_ntu60.py``) to its *resolved* dict: what
``mmengine.Config.fromfile`` returns after all inheritance, in canonical
JSON form (keys sorted, tuples as lists). ``test_configs.py`` compares the
configs with ``resolved_configs.json.gz`` so that a change of the config
layout (inheritance, ``_base_`` blocks) provably leaves what every config
means unchanged.

An *intended* change of resolved configs is listed in
``test_configs.MEANT_TO_CHANGE``; or the snapshot is regenerated (review
what changed with ``--diff`` first) and that list emptied::

    python tests/test_configs/config_snapshot.py --diff   # what changed
    python tests/test_configs/config_snapshot.py          # rewrite it

New configs need not be in the snapshot.

Configs are the ``.py`` files under ``configs/`` and
``projects/*/configs/``, except the ``_base_`` blocks (they are not meant
to be used alone).
"""
import argparse
import glob
import gzip
import io
import json
import os.path as osp
import sys
import warnings
from typing import Any, Dict, Iterator, List, Optional, Tuple

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SNAPSHOT = osp.join(osp.dirname(osp.abspath(__file__)),
                    'resolved_configs.json.gz')


def config_files(root: str = REPO_ROOT) -> List[str]:
    """Every config (not ``_base_`` block), relative to ``root``, sorted."""
    patterns = ('configs/**/*.py', 'projects/*/configs/**/*.py')
    found = set()
    for pattern in patterns:
        for path in glob.glob(osp.join(root, pattern), recursive=True):
            rel = osp.relpath(path, root).replace(osp.sep, '/')
            if '_base_' not in rel.split('/'):
                found.add(rel)
    return sorted(found)


def _not_json(value: Any) -> Any:
    raise TypeError(f'{type(value).__name__} value {value!r} has no JSON '
                    'form; resolved configs must hold plain data')


def canonical(cfg: dict) -> dict:
    """The JSON form of a config dict: keys sorted, tuples as lists.

    Raises:
        TypeError: A value that is not plain data (e.g. a function).
    """
    return json.loads(json.dumps(cfg, sort_keys=True, default=_not_json))


def resolve(rel: str, root: str = REPO_ROOT) -> dict:
    """Canonical resolved dict of the config ``rel`` (relative to ``root``).

    Raises:
        TypeError: The config holds a value without a JSON form (the error
            names the config).
    """
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(root, rel)).to_dict()
    try:
        return canonical(cfg)
    except TypeError as err:
        raise TypeError(f'{rel}: {err}') from err


def resolve_all(root: str = REPO_ROOT) -> Dict[str, dict]:
    """``{config: canonical resolved dict}`` for every config."""
    return {rel: resolve(rel, root) for rel in config_files(root)}


def load_snapshot(path: str = SNAPSHOT) -> Dict[str, dict]:
    """The stored ``{config: resolved dict}``."""
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        return json.load(f)


def write_snapshot(snapshot: Dict[str, dict], path: str = SNAPSHOT) -> None:
    """Write a snapshot byte-reproducibly (sorted keys, no gzip mtime)."""
    text = json.dumps(snapshot, sort_keys=True, indent=1) + '\n'
    buffer = io.BytesIO()
    with gzip.GzipFile(filename='', mode='wb', fileobj=buffer,
                       mtime=0) as f:
        f.write(text.encode('utf-8'))
    with open(path, 'wb') as f:
        f.write(buffer.getvalue())


def differences(old: Any,
                new: Any,
                path: Tuple[str, ...] = ()) -> Iterator[Tuple[str, Any, Any]]:
    """``(dotted key path, old, new)`` for every leaf where two canonical
    dicts differ (a missing key reads as ``<absent>``; lists of different
    length differ as a whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            yield from differences(
                old.get(key, ABSENT), new.get(key, ABSENT), path + (key, ))
    elif (isinstance(old, list) and isinstance(new, list)
          and len(old) == len(new)):
        for index, (a, b) in enumerate(zip(old, new)):
            yield from differences(a, b, path + (str(index), ))
    elif old != new:
        yield '.'.join(path), old, new


class _Absent:

    def __repr__(self) -> str:
        return '<absent>'


#: Stands for a key one side lacks in :func:`differences`.
ABSENT = _Absent()


def describe(diffs: List[Tuple[str, Any, Any]], limit: int = 300) -> str:
    """Readable lines ``path: old -> new`` (long values shortened)."""

    def short(value: Any) -> str:
        text = repr(value) if value is ABSENT else json.dumps(
            value, sort_keys=True)
        return text if len(text) <= limit else text[:limit] + '...'

    return '\n'.join(f'  {path}: {short(old)} -> {short(new)}'
                     for path, old, new in diffs)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--diff',
        action='store_true',
        help='print how the configs differ from the stored snapshot '
        'instead of rewriting it')
    parser.add_argument('--out', default=SNAPSHOT, help='snapshot file')
    args = parser.parse_args(argv)
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    current = resolve_all()
    if not args.diff:
        write_snapshot(current, args.out)
        print(f'{len(current)} configs -> {args.out}')
        return 0
    stored = load_snapshot(args.out)
    names = sorted(set(stored) | set(current))
    changed = 0
    for rel in names:
        if rel not in current:
            report = 'removed'
        elif rel not in stored:
            report = 'new'
        else:
            report = describe(list(differences(stored[rel], current[rel])))
            report = report and '\n' + report
        if report:
            changed += 1
            print(f'{rel}: {report}')
    print(f'{changed} of {len(names)} configs differ')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""A resumable output directory of strip images.

Writes are atomic (``utils.atomic_write``: a temporary file beside the
output, then ``os.replace``), so an output that exists is complete unless
something else damaged it; :func:`is_complete_strip` tells a whole image
of the strip size from the rest, which a run makes again. What a killed
run leaves behind is only its temporary files, which
:func:`remove_stale_temp_files` removes. ``strip_settings.json``
(:func:`check_settings_file`) keeps a run with other settings from mixing
its strips with those there, and :func:`locked_out_dir` keeps two runs out
of the same directory.
"""
import contextlib
import json
import os
import os.path as osp
import re
from typing import Dict, Iterator, Sequence, Tuple

from mmcl_plugin.datasets.media import MediaError, read_image_file
from mmcl_plugin.utils import dump_json_atomic, write_text_atomic
from mmcl_tools.runs.file_lock import exclusive_lock
from .strip_settings import (StripSettings, identity_differences,
                             recorded_identity)
from .strip_tasks import StripTask

#: File in the output directory recording the settings of its strips.
SETTINGS_FILE = 'strip_settings.json'
#: Lock file in the output directory, held while a run writes there.
LOCK_FILE = '.strips.lock'

#: Names of the temporary files of :func:`atomic_write`:
#: ``.<output name>.<8 random chars>.tmp``.
TEMP_NAME = re.compile(r'^\.(?P<base>.+)\.[a-z0-9_]{8}\.tmp$')


def is_complete_strip(path: str, strip_size: Sequence[int]) -> bool:
    """Whether ``path`` is a whole, decodable image of ``strip_size``.

    A file whose format trailer (JPEG EOI, PNG IEND) is missing counts as
    cut short, since decoders may still return an image for it
    (:func:`~..media.read_image_file`).

    Args:
        path (str): Image file; its extension gives the format.
        strip_size (Sequence[int]): (H, W) expected.
    """
    try:
        image = read_image_file(path)
    except MediaError:
        return False
    return image.shape[:2] == tuple(strip_size)


def remove_stale_temp_files(tasks: Sequence[StripTask]) -> int:
    """Remove temporary files a killed run left beside the tasks' outputs.

    Only the names :func:`atomic_write` makes for these outputs
    (``.<name><ext>.<8 random chars>.tmp``) are removed. Safe only while
    no other run writes these outputs (see :func:`locked_out_dir`).

    Returns:
        int: How many were removed.
    """
    by_dir: Dict[str, set] = {}
    for task in tasks:
        folder, base = osp.split(osp.abspath(task.out_path))
        by_dir.setdefault(folder, set()).add(base)
    removed = 0
    for folder, bases in by_dir.items():
        if not osp.isdir(folder):
            continue
        for entry in os.scandir(folder):
            match = TEMP_NAME.match(entry.name)
            if match and match['base'] in bases and entry.is_file():
                os.remove(entry.path)
                removed += 1
    return removed


@contextlib.contextmanager
def locked_out_dir(out_dir: str) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` (created if missing).

    A second run on the same directory would otherwise remove the first
    one's temporary files as stale. The lock is released when the process
    ends, however it ends (:func:`~mmcl_plugin.utils.exclusive_lock`).

    Raises:
        LockedError: Another process holds the lock (a RuntimeError).
    """
    os.makedirs(out_dir, exist_ok=True)
    with exclusive_lock(
            osp.join(out_dir, LOCK_FILE),
            f'another run is writing strips to {out_dir}; wait for it to '
            f'end'):
        yield


def check_settings_file(out_dir: str, settings: StripSettings) -> None:
    """Record the settings in ``<out_dir>/strip_settings.json``, or check
    that the strips already there were made with the same ones.

    A file of an earlier version (flat keys, ``backend`` for
    ``io_backend``) is read as it is and left unchanged.

    Raises:
        ValueError: The directory holds strips of other settings (naming
            the settings that differ), or the file is no settings file.
    """
    path = osp.join(out_dir, SETTINGS_FILE)
    wanted = settings.identity()
    if not osp.exists(path):
        dump_json_atomic(wanted, path, sort_keys=True)
        return
    try:
        with open(path, encoding='utf-8') as f:
            recorded = json.load(f)
    except ValueError as error:
        raise ValueError(f'{path} is not valid JSON ({error}); use another '
                         f'output directory, or delete the file if the '
                         f'strips there are yours') from None
    differ = identity_differences(recorded_identity(recorded, path), wanted)
    if differ:
        lines = ', '.join(f'{key}: {old!r} there, {new!r} now'
                          for key, (old, new) in differ.items())
        raise ValueError(
            f'{out_dir} holds strips made with other settings ({lines}); '
            f'use another output directory, or delete this one to '
            f'start over')


def write_failures(path: str, failures: Sequence[Tuple[str, str]]) -> None:
    """Write ``<sample>\\t<reason>`` lines atomically (an empty file when
    nothing failed, so an old list never outlives a clean run)."""
    write_text_atomic(
        ''.join(f'{name}\t{reason}\n' for name, reason in failures), path)


__all__ = [
    'SETTINGS_FILE', 'LOCK_FILE', 'is_complete_strip',
    'remove_stale_temp_files', 'locked_out_dir', 'check_settings_file',
    'write_failures'
]

"""Listing and reading the sample files of a dataset download.

Downloads come as folders or as zips; both are read the same way, and a zip
is never extracted: each member is read when it is needed.
"""
import os
import os.path as osp
import zipfile
from typing import Callable, Iterator, List, Sequence, Tuple

#: (base name, reader): ``reader()`` returns the file's bytes.
FileEntry = Tuple[str, Callable[[], bytes]]


def list_files(path: str, suffixes: Sequence[str]) -> List[str]:
    """The files of a folder (recursive) or zip whose names end in a suffix.

    Args:
        path (str): Folder or zip.
        suffixes (Sequence[str]): e.g. ``('.skeleton', )``.

    Returns:
        list[str]: Sorted full paths (folder) or member names (zip).

    Raises:
        FileNotFoundError: ``path`` is neither a folder nor a zip.
    """
    suffixes = tuple(suffixes)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return sorted(m for m in archive.namelist()
                          if m.endswith(suffixes) and not m.endswith('/'))
    if osp.isdir(path):
        return sorted(
            osp.join(root, file) for root, _, files in os.walk(path)
            for file in files if file.endswith(suffixes))
    raise FileNotFoundError(
        f'{path}: neither a folder nor a zip of {"/".join(suffixes)} files')


def iter_files(path: str,
               suffixes: Sequence[str],
               relative: bool = False) -> Iterator[FileEntry]:
    """(name, reader) of every matching file of a folder or zip.

    The reader is valid until the iterator moves on, so files that are
    skipped are never read (or unzipped).

    Args:
        path (str): Folder or zip.
        suffixes (Sequence[str]): See :func:`list_files`.
        relative (bool): Name files by their path inside the folder / zip
            (``/``-separated) instead of their base name, for datasets
            whose folders carry the labels.

    Yields:
        FileEntry: Name and reader.
    """

    def name_of(file: str) -> str:
        if not relative:
            return osp.basename(file)
        if osp.isdir(path):
            file = osp.relpath(file, path)
        return file.replace(os.sep, '/')

    members = list_files(path, suffixes)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in members:
                yield name_of(member), (
                    lambda member=member: archive.read(member))
        return
    for file in members:

        def read(file: str = file) -> bytes:
            with open(file, 'rb') as f:
                return f.read()

        yield name_of(file), read

"""Parse the files of a download in worker processes, in order.

Every converter follows the same pattern: read a file in the main process
(folders and zips alike, see :mod:`.file_sources`), parse it in a worker of
the offline process pool (:func:`~..offline.process_pool.imap_jobs`: files
read only as workers need them, results in order, a worker that dies
fails only its file), keep the annotation or record why the file failed.
The parse function of a dataset raises its ``*FormatError`` (a
``ValueError``) naming the file and the problem; a failure never stops the
run unless ``strict`` is set.
"""
from typing import (Callable, Dict, Iterator, List, Optional, Sequence, Tuple,
                    Type)

from mmcl_plugin.utils.process_pool import imap_jobs
from .file_sources import iter_files, list_files

#: ``parse(raw, file_name) -> annotation``.
ParseFn = Callable[[bytes, str], Dict]

#: Failure of a file whose worker process died (e.g. killed for memory).
WORKER_DIED = 'the worker process died while parsing this file'


def pool_workers(workers: int) -> int:
    """Processes of :func:`imap_jobs` for a converter's ``workers``:
    ``workers <= 1`` parses in this process."""
    return workers if workers > 1 else 0


def _parse_job(job: Tuple[ParseFn, Type[Exception], str, bytes]
               ) -> Tuple[Optional[Dict], str]:
    """Worker: (parse, error type, file name, raw) -> (annotation, error)."""
    parse, error_type, file_name, raw = job
    try:
        return parse(raw, file_name), ''
    except error_type as error:
        return None, str(error)


def _parse_job_died(job: Tuple) -> Tuple[None, str]:
    """(annotation, error) of a file whose worker process died."""
    return None, f'{job[2]}: {WORKER_DIED}'


def convert_files(sources: Sequence[str],
                  suffixes: Sequence[str],
                  parse: ParseFn,
                  error_type: Type[Exception],
                  strict: bool = False,
                  workers: int = 1,
                  chunksize: int = 16,
                  progress: Optional[Callable] = None,
                  relative_names: bool = False
                  ) -> Tuple[List[Dict], List[str]]:
    """Parse every matching file of folders / zips into annotations.

    Args:
        sources (Sequence[str]): Folders and / or zips.
        suffixes (Sequence[str]): File name endings to take.
        parse (ParseFn): Module-level function ``(raw, file_name) ->
            annotation`` with a ``frame_dir``; raises ``error_type`` on a
            malformed file.
        error_type (type): The dataset's format error.
        strict (bool): Raise the first failure instead of listing it.
        workers (int): Parsing processes; <= 1 parses in this process.
        chunksize (int): Files per task of a worker.
        progress (Callable, optional): Called as ``progress(iterable,
            total)`` to wrap the results (e.g. tqdm).
        relative_names (bool): Give ``parse`` the path inside the source
            instead of the base name (see :func:`iter_files`).

    Returns:
        tuple[list[dict], list[str]]: Annotations sorted by ``frame_dir``
        and the error messages of the failed files (a sample found twice
        is a failure; the first one is kept).

    Raises:
        error_type: With ``strict``, the first failure.
    """
    total = sum(len(list_files(source, suffixes)) for source in sources)

    def jobs() -> Iterator[Tuple]:
        for source in sources:
            for file_name, read in iter_files(source, suffixes,
                                              relative_names):
                yield parse, error_type, file_name, read()

    annotations: Dict[str, Dict] = {}
    failures: List[str] = []
    results = imap_jobs(_parse_job, jobs(), pool_workers(workers),
                        died=_parse_job_died, chunksize=chunksize)
    try:
        stream = results if progress is None else progress(results, total)
        for annotation, message in stream:
            if annotation is not None and \
                    annotation['frame_dir'] in annotations:
                annotation, message = None, (
                    f'{annotation["frame_dir"]}: duplicate sample (found '
                    'more than once); the first one is kept')
            if annotation is None:
                if strict:
                    raise error_type(message)
                failures.append(message)
            else:
                annotations[annotation['frame_dir']] = annotation
    finally:
        results.close()
    return [annotations[name] for name in sorted(annotations)], failures

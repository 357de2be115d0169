"""Parse the files of a download in worker processes, in order.

Every converter follows the same pattern: read a file in the main process
(folders and zips alike, see :mod:`.file_sources`), parse it in a worker,
keep the annotation or record why the file failed. The parse function of a
dataset raises its ``*FormatError`` (a ``ValueError``) naming the file and
the problem; a failure never stops the run unless ``strict`` is set.
"""
import multiprocessing
import threading
from typing import (Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple, Type)

from .file_sources import iter_files, list_files

#: ``parse(raw, file_name) -> annotation``.
ParseFn = Callable[[bytes, str], Dict]


def ordered_imap(func: Callable, jobs: Iterable, workers: int,
                 chunksize: int) -> Iterator:
    """``map(func, jobs)`` over ``workers`` processes, results in order.

    At most ``4 * workers * chunksize`` jobs are in flight, so a job that
    carries a file's bytes is read only when a worker is about to need it
    (a 5 GB zip is not loaded at once). ``workers <= 1`` runs in this
    process.

    Args:
        func (Callable): A picklable (module-level) function of one job.
        jobs (Iterable): The jobs, consumed lazily.
        workers (int): Processes.
        chunksize (int): Jobs per task sent to a worker.

    Yields:
        The results, in the order of ``jobs``.
    """
    if workers <= 1:
        for job in jobs:
            yield func(job)
        return
    slots = threading.Semaphore(4 * workers * chunksize)
    stop = threading.Event()

    def bounded() -> Iterator:
        # runs in the pool's task thread: wait for a free slot, but give up
        # when the consumer stops, so that the pool can be terminated
        for job in jobs:
            while not slots.acquire(timeout=0.1):
                if stop.is_set():
                    return
            if stop.is_set():
                return
            yield job

    pool = multiprocessing.Pool(workers)
    try:
        for result in pool.imap(func, bounded(), chunksize):
            slots.release()
            yield result
        pool.close()
        pool.join()
    finally:
        stop.set()
        pool.terminate()


def _parse_job(job: Tuple[ParseFn, Type[Exception], str, bytes]
               ) -> Tuple[Optional[Dict], str]:
    """Worker: (parse, error type, file name, raw) -> (annotation, error)."""
    parse, error_type, file_name, raw = job
    try:
        return parse(raw, file_name), ''
    except error_type as error:
        return None, str(error)


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
    results = ordered_imap(_parse_job, jobs(), workers, chunksize)
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

"""The process pool of the start-up media check and of the tools' offline
data production (``mmcl_tools``): lazy, bounded, ordered on
request, and tolerant of workers that die.

Converters parse tens of thousands of files, the strip tool decodes as
many videos and the demo generator renders its videos; all of them run a
picklable function over a stream of jobs through :func:`imap_jobs`.

* Jobs are taken from their iterable only when a worker is about to need
  them (at most ``max_in_flight`` chunks are sent and not yet yielded), so
  a job that carries a file's bytes does not load a 5 GB zip at once.
* Results come in the jobs' order (``ordered=True``) or as they finish.
* A worker that dies (a decoder segfault, the OOM killer) breaks a
  ``concurrent.futures`` pool: it kills the other workers and fails every
  job in flight. Those jobs are run again one by one, each in a process of
  its own, which pins the crash on the job that causes it; that job's
  result is ``died(job)`` (the caller names the sample), and the rest goes
  on in a new pool. (``multiprocessing.Pool`` instead waits forever for a
  dead worker's job.)
* An exception raised by the function itself is a bug of the caller (who
  turns a sample's own problems into results) and is raised again here.
* Workers die with the process that started them
  (:class:`~mmcl_plugin.utils.DieWithParent`): a killed tool leaves no
  worker decoding on.
"""
import functools
import multiprocessing
from concurrent.futures import (FIRST_COMPLETED, Future, ProcessPoolExecutor,
                                wait)
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from .parent_death import DieWithParent

#: A chunk of jobs as (index of the chunk, its jobs).
Chunk = Tuple[int, List]


def _init_worker(die_with_parent: DieWithParent,
                 initializer: Optional[Callable[[], None]]) -> None:
    """Worker start: die with the parent, then the caller's initializer."""
    die_with_parent()
    if initializer is not None:
        initializer()


def new_pool(workers: int,
             initializer: Optional[Callable[[], None]] = None
             ) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` of ``workers`` processes.

    'fork' where there is one: the workers inherit the imported modules
    (the mmaction registry takes seconds to import per worker) and the
    functions tests patch.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context(
        'fork' if 'fork' in methods else None)
    return ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=functools.partial(_init_worker, DieWithParent(),
                                      initializer))


def _run_chunk(func: Callable, jobs: List) -> List:
    """Worker: ``func`` of every job of a chunk."""
    return [func(job) for job in jobs]


def _run_alone(func: Callable, job, died: Callable,
               initializer: Optional[Callable[[], None]]):
    """``func(job)`` in a fresh one-process pool; ``died(job)`` when that
    process dies."""
    pool = new_pool(1, initializer)
    try:
        return pool.submit(func, job).result()
    except BrokenProcessPool:
        return died(job)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def imap_jobs(func: Callable,
              jobs: Iterable,
              workers: int,
              died: Callable,
              ordered: bool = True,
              chunksize: int = 1,
              max_in_flight: Optional[int] = None,
              initializer: Optional[Callable[[], None]] = None,
              on_lost: Optional[Callable[[List], None]] = None) -> Iterator:
    """``func`` of every job, in ``workers`` processes that may die.

    Args:
        func (Callable): A picklable function of one job (module level, or
            a ``functools.partial`` of one).
        jobs (Iterable): The jobs, consumed lazily; picklable.
        workers (int): Processes; 0 or less runs every job in this process
            (no protection against a job that kills the process).
        died (Callable): Called in this process with a job whose process
            died even when run alone; returns that job's result (or
            raises).
        ordered (bool): Yield in the order of ``jobs`` (else as the jobs
            finish). Defaults to True.
        chunksize (int): Jobs sent to a worker at once. Defaults to 1.
        max_in_flight (int, optional): Chunks sent but not yet yielded.
            Defaults to ``4 * workers``.
        initializer (Callable, optional): Run in every worker at start.
        on_lost (Callable, optional): Called with the jobs a broken pool
            lost, before they are run again (e.g. to remove what they
            left half-written).

    Yields:
        One result per job. Closing the generator stops the workers after
        the chunks they are running.

    Raises:
        ValueError: ``chunksize`` or ``max_in_flight`` is below 1.
        Exception: What ``func`` raised for a job.
    """
    if workers <= 0:
        for job in jobs:
            yield func(job)
        return
    if max_in_flight is None:
        max_in_flight = 4 * workers
    if chunksize < 1 or max_in_flight < 1:
        raise ValueError(f'chunksize and max_in_flight must be >= 1, got '
                         f'{chunksize} and {max_in_flight}')
    job_iter = iter(jobs)
    chunks = enumerate(iter(lambda: list(islice(job_iter, chunksize)), []))
    # Finished chunks waiting for an earlier one (ordered) or to be yielded.
    finished: Dict[int, List] = {}
    next_out = 0  # index of the next chunk to yield, when ordered

    def ready() -> Iterator:
        nonlocal next_out
        if not ordered:
            for index in sorted(finished):
                yield from finished.pop(index)
            return
        while next_out in finished:
            yield from finished.pop(next_out)
            next_out += 1

    exhausted = False
    while not exhausted:
        lost: List[Chunk] = []
        pool = new_pool(workers, initializer)
        try:
            in_flight: Dict[Future, Chunk] = {}
            while not lost:
                while not exhausted and \
                        len(in_flight) + len(finished) < max_in_flight:
                    chunk = next(chunks, None)
                    if chunk is None:
                        exhausted = True
                        break
                    try:
                        future = pool.submit(_run_chunk, func, chunk[1])
                    except BrokenProcessPool:  # broke since the last wait
                        lost.append(chunk)
                        break
                    in_flight[future] = chunk
                if not in_flight:
                    break
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                if lost or any(f.exception() is not None for f in done):
                    # A broken pool fails every chunk in flight: collect
                    # what the other workers finished.
                    done, _ = wait(in_flight)
                for future in done:
                    chunk = in_flight.pop(future)
                    error = future.exception()
                    if isinstance(error, BrokenProcessPool):
                        lost.append(chunk)
                    elif error is not None:
                        raise error
                    else:
                        finished[chunk[0]] = future.result()
                yield from ready()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if lost:
            lost.sort(key=lambda chunk: chunk[0])
            if on_lost is not None:
                on_lost([job for _, chunk_jobs in lost for job in chunk_jobs])
            for index, chunk_jobs in lost:
                finished[index] = [
                    _run_alone(func, job, died, initializer)
                    for job in chunk_jobs
                ]
                yield from ready()


__all__ = ['imap_jobs', 'new_pool']

"""mmcl_plugin.utils.process_pool: ordered or completion-order
results, lazy bounded job intake, crashes pinned on their job."""
import os
import time

import pytest

from mmcl_plugin.utils.process_pool import imap_jobs


def slow_square(job):
    # the early jobs finish last, so completion order differs from job order
    time.sleep(0.02 * (job % 3 == 0))
    return job * job


def square_or_die(job):
    if job == 5:
        os._exit(3)  # as a segfaulting decoder would
    return job * job


def square_or_raise(job):
    if job == 3:
        raise ZeroDivisionError('a bug of the caller')
    return job * job


def pid(job):
    return os.getpid()


def never_died(job):
    raise AssertionError(f'job {job} reported dead')


@pytest.mark.parametrize('chunksize', [1, 3])
def test_results_follow_the_jobs_order(chunksize):
    results = list(imap_jobs(slow_square, range(10), 2, died=never_died,
                             chunksize=chunksize))
    assert results == [j * j for j in range(10)]
    unordered = list(imap_jobs(slow_square, range(10), 2, died=never_died,
                               ordered=False, chunksize=chunksize))
    assert sorted(unordered) == results


def test_jobs_are_taken_only_as_workers_need_them():
    taken = []

    def jobs():
        for job in range(20):
            taken.append(job)
            yield job

    results = imap_jobs(slow_square, jobs(), 2, died=never_died, chunksize=2,
                        max_in_flight=2)
    assert next(results) == 0
    # two chunks of two jobs in flight, nothing read ahead of them
    assert len(taken) == 4
    assert list(results) == [j * j for j in range(1, 20)]
    assert len(taken) == 20


def test_a_job_that_kills_its_worker_is_pinned_on_it():
    lost = []
    results = list(imap_jobs(square_or_die, range(12), 2,
                             died=lambda job: ('died', job), chunksize=2,
                             on_lost=lost.extend))
    # every other job of the broken pool was run again, alone
    assert results == [('died', 5) if j == 5 else j * j for j in range(12)]
    assert 5 in lost and lost == sorted(lost)


def test_an_error_of_the_function_is_raised():
    with pytest.raises(ZeroDivisionError, match='a bug of the caller'):
        list(imap_jobs(square_or_raise, range(8), 2, died=never_died))


def test_no_workers_runs_in_this_process():
    assert list(imap_jobs(pid, range(3), 0, died=never_died)) == \
        [os.getpid()] * 3
    assert os.getpid() not in set(imap_jobs(pid, range(3), 1,
                                            died=never_died))


def test_invalid_chunks():
    with pytest.raises(ValueError, match='chunksize'):
        list(imap_jobs(pid, range(3), 1, died=never_died, chunksize=0))

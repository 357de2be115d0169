"""Shared test set-up: compat fixes first, mmaction2's default scope.
``tests/helpers`` (test doubles, the official reference models) is on the
path through ``pythonpath`` in ``pytest.ini``."""
import os

import pytest

import mmcl_plugin  # noqa: F401  (compat fixes before mmaction)
from mmaction.utils import register_all_modules

register_all_modules(init_default_scope=True)


#: ``MMCL_TEST_THREADS=N``: every test runs with N torch threads (the
#: numerics matrix, ``tools/run_numerics_matrix.sh``); the single_thread
#: fixture then leaves N in place.
TEST_THREADS = os.environ.get('MMCL_TEST_THREADS')


def _test_threads() -> int:
    """Torch threads of this test process: ``MMCL_TEST_THREADS``, else this
    process's share of the CPUs among the pytest-xdist workers (one each
    on 2 CPUs: more threads than cores make OpenMP's barriers stall)."""
    if TEST_THREADS:
        return int(TEST_THREADS)
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    return max(1, len(os.sched_getaffinity(0)) // workers)


THREADS = _test_threads()
if TEST_THREADS or 'PYTEST_XDIST_WORKER' in os.environ:
    import torch
    torch.set_num_threads(THREADS)
    # the tools that tests run as subprocesses inherit the share
    os.environ['OMP_NUM_THREADS'] = str(THREADS)


@pytest.fixture(scope='module')
def single_thread():
    """One intra-op thread for a module's tests (small convolutions run
    fastest and steadiest so on the shared CI cores), unless
    ``MMCL_TEST_THREADS`` sets the count; use with
    ``pytestmark = pytest.mark.usefixtures('single_thread')``."""
    if TEST_THREADS:
        yield
        return
    import torch
    num_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(num_threads)


@pytest.fixture(autouse=True)
def _float64_marker(request):
    """``@pytest.mark.float64``: the test builds its models and tensors in
    float64 (the default dtype), so that equivalence checks compare two
    float64 computations whose rounding cannot reach a real discrepancy on
    any CPU or thread count."""
    if request.node.get_closest_marker('float64') is None:
        yield
        return
    import torch
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def pytest_collection_modifyitems(config, items):
    """Test files with ``slow`` tests first, the longest first (by the
    marker's ``seconds``: ``pytest.mark.slow(seconds=85)``, about how long
    the file's slow tests take on 2 cores), otherwise in collection order:
    pytest-xdist hands out whole files in this order, so the long
    end-to-end files start at once and the short ones fill the workers'
    remaining time instead of one long file running alone at the end."""
    weight = {}
    for item in items:
        marker = item.get_closest_marker('slow')
        if marker is not None:
            weight[item.path] = max(weight.get(item.path, 0),
                                    marker.kwargs.get('seconds', 0))
    items.sort(key=lambda item: (item.path not in weight,
                                 -weight.get(item.path, 0)))

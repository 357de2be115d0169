"""Resuming benchmarks/nwucla_side_by_side.py keeps the seeds it finished."""
import importlib.util
import json
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_harness():
    path = osp.join(REPO, 'benchmarks', 'nwucla_side_by_side.py')
    spec = importlib.util.spec_from_file_location('nwucla_side_by_side', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Args:
    max_iters = 0
    max_test_samples = 0
    epochs = 2
    repeat = 5
    batch_size = 16
    threads = 1
    workers = 1

    def __init__(self, seed):
        self.seed = seed


def test_finished_seed_matches_a_run_with_other_seeds():
    harness = load_harness()
    three = harness.schedule_text(Args([1, 2, 3]), 318, 1020, 464)
    two = harness.schedule_text(Args([1, 2]), 318, 1020, 464)
    assert 'seeds [1, 2, 3]' in three and 'seeds [1, 2]' in two
    # a seed finished in `--seed 1 2 3` is reused by `--seed 1 2`
    assert harness.same_schedule(three, two)
    assert harness.same_schedule(two, two)


def test_other_schedules_run_again():
    harness = load_harness()
    base = harness.schedule_text(Args([1]), 318, 1020, 464)
    longer = Args([1])
    longer.epochs = 3
    assert not harness.same_schedule(
        harness.schedule_text(longer, 318, 1020, 464), base)
    smoke = Args([1])
    smoke.max_iters = 4
    assert not harness.same_schedule(
        harness.schedule_text(smoke, 318, 1020, 464), base)
    assert not harness.same_schedule(
        harness.schedule_text(Args([1]), 318, 1020, 100), base)


def test_side_runs_once_and_clears_an_unfinished_attempt(tmp_path):
    harness = load_harness()
    seed_work = str(tmp_path)
    # an attempt killed mid-run left its folders (main.py would append a
    # second run to log.txt, mmengine add a second timestamped run)
    stale = tmp_path / 'official_work_dir'
    stale.mkdir()
    (stale / 'log.txt').write_text('[ epoch 1 of a killed run ]\n')
    calls = []

    def official():
        assert not stale.exists()
        calls.append('official')
        return dict(top1=81.0)

    first = harness.run_side('official', seed_work, 'schedule A, seeds [3], ',
                             official)
    assert first == dict(top1=81.0) and calls == ['official']
    assert (tmp_path / 'official_result.json').is_file()
    # the same experiment again (another seed list): read back, not run
    again = harness.run_side('official', seed_work,
                             'schedule A, seeds [1, 2, 3], ', official)
    assert again == first and calls == ['official']
    # another schedule runs again
    harness.run_side('official', seed_work, 'schedule B, seeds [3], ',
                     official)
    assert calls == ['official', 'official']


def test_finished_seed_record(tmp_path):
    harness = load_harness()
    done_file = str(tmp_path / 'result.json')
    assert harness.finished_before(done_file, 'A, seeds [1], ', 'seed 1') \
        is None
    record = dict(schedule='A, seeds [1, 2, 3], ', run=dict(seed=1))
    (tmp_path / 'result.json').write_text(json.dumps(record))
    assert harness.finished_before(done_file, 'A, seeds [1, 2], ',
                                   'seed 1') == record
    assert harness.finished_before(done_file, 'B, seeds [1, 2], ',
                                   'seed 1') is None

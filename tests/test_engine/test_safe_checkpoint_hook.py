"""SafeCheckpointHook on a tiny real mmengine training: file order, modes,
RNG states, exact resume, and a kill at every stage of a save."""
import glob
import os
import os.path as osp
import shutil
import sys

import pytest
import torch
from checkpoint_faults import (FAULT_ENV, FAULT_EXIT_CODE,
                               FaultInjectionCheckpointHook)
from fresh_python import free_port
from tool_runs import run_ranks, run_tool
from toy_training import make_runner

from mmcl_plugin.engine import SafeCheckpointHook
from mmcl_plugin.engine.checkpoint_loading import load_from_local
from mmcl_plugin.engine.hooks.safe_checkpoint_hook import (RNG_KEY,
                                                           SAVE_STAGES)

TOY = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'helpers',
               'toy_training.py')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def train(work_dir, max_epochs, **kwargs):
    """Run the toy training; returns the final model's state dict."""
    runner = make_runner(str(work_dir), max_epochs, **kwargs)
    runner.train()
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


def same_weights(a, b) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def log_text(work_dir) -> str:
    logs = sorted(glob.glob(osp.join(str(work_dir), '*', '*.log')))
    assert logs, f'no log under {work_dir}'
    with open(logs[-1]) as f:
        return f.read()


def last_checkpoint(work_dir) -> str:
    with open(osp.join(str(work_dir), 'last_checkpoint')) as f:
        return f.read().strip()


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """Weights of an uninterrupted 3-epoch toy training."""
    return train(tmp_path_factory.mktemp('reference'), 3)


def test_files_order_modes_and_rng_states(tmp_path, reference):
    previous = os.umask(0o027)
    try:
        weights = train(tmp_path, 3)
    finally:
        os.umask(previous)
    assert same_weights(weights, reference)  # the umask changes nothing
    # max_keep_ckpts=1 and a new best at every epoch: only the last remain
    files = sorted(n for n in os.listdir(tmp_path)
                   if osp.isfile(tmp_path / n) and not n.endswith('.py'))
    assert files == ['best_acc_epoch_3.pth', 'epoch_3.pth', 'last_checkpoint']
    for name in files:  # 0o666 & ~0o027, not mkstemp's 0600
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o640, name
    assert last_checkpoint(tmp_path) == str(tmp_path / 'epoch_3.pth')

    checkpoint = load_from_local(str(tmp_path / 'epoch_3.pth'))
    states = checkpoint[RNG_KEY]
    assert states['world_size'] == 1 and len(states['ranks']) == 1
    rank = states['ranks'][0]
    assert rank['torch'].dtype == torch.uint8
    assert rank['numpy'][0] == 'MT19937' and rank['numpy'][1].shape == (624, )
    assert len(rank['python'][1]) == 625
    assert states['sampler']['type'] == 'DefaultSampler'
    assert isinstance(states['sampler']['seed'], int)
    # the message hub points at the files that exist
    runtime = checkpoint['message_hub']['runtime_info']
    assert runtime['keep_ckpt_ids'] == [3]
    assert runtime['best_ckpt'] == str(tmp_path / 'best_acc_epoch_3.pth')


@pytest.mark.parametrize('num_workers', [0, 2])
def test_resumed_run_ends_with_the_uninterrupted_weights(
        tmp_path, reference, num_workers):
    if num_workers:
        reference = train(tmp_path / 'reference', 3, num_workers=2)
    train(tmp_path / 'run', 1, num_workers=num_workers)
    resumed = train(tmp_path / 'run', 3, resume=True, num_workers=num_workers)
    assert same_weights(resumed, reference)
    assert 'Restored the RNG states of epoch 1' in log_text(tmp_path / 'run')


def test_without_the_rng_states_a_resumed_run_drifts(tmp_path):
    # the control for the test above: mmengine's CheckpointHook
    reference = train(tmp_path / 'reference', 3, hook='CheckpointHook')
    train(tmp_path / 'run', 1, hook='CheckpointHook')
    resumed = train(tmp_path / 'run', 3, resume=True, hook='CheckpointHook')
    assert not same_weights(resumed, reference)


def test_load_from_keeps_the_runs_own_random_state(tmp_path):
    train(tmp_path / 'first', 1)
    runner = make_runner(str(tmp_path / 'second'), 1)
    runner._load_from = str(tmp_path / 'first' / 'epoch_1.pth')
    runner.train()
    text = log_text(tmp_path / 'second')
    assert 'Load checkpoint from' in text
    assert 'Restored the RNG states' not in text


def test_stale_temporaries_are_removed_and_foreign_files_kept(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    stale = [
        '.epoch_2.pth.k3j_x9q2.tmp', '.last_checkpoint.abcdefgh.tmp',
        '.best_acc_epoch_1.pth.a1b2c3d4.tmp'
    ]
    foreign = ['.notes.txt.abcdefgh.tmp', 'epoch_2.pth.bak']
    for name in stale + foreign:
        (tmp_path / name).write_bytes(b'partial')
    train(tmp_path, 1)
    left = set(os.listdir(tmp_path))
    assert not left & set(stale)
    assert set(foreign) <= left


def test_remote_storage_and_unknown_fault_stages_are_refused(
        tmp_path, monkeypatch):
    runner = make_runner(str(tmp_path), 1)
    hook = SafeCheckpointHook(interval=1,
                              file_client_args=dict(backend='disk'))
    with pytest.raises(ValueError, match='local file system'):
        hook.before_train(runner)
    monkeypatch.setenv(FAULT_ENV, 'half-write:epoch_1.pth')
    with pytest.raises(ValueError, match="unknown stage 'half-write'"):
        FaultInjectionCheckpointHook(interval=1)


def run_toy(work_dir, max_epochs, **env):
    return run_tool([sys.executable, TOY, work_dir, max_epochs], REPO,
                    FAULT_EXIT_CODE, timeout=600, **env)


@pytest.mark.slow
@pytest.mark.parametrize('stage', SAVE_STAGES)
def test_a_kill_at_any_stage_of_a_save_leaves_a_resumable_run(
        tmp_path, reference, stage):
    result = run_toy(tmp_path, 3, **{FAULT_ENV: f'{stage}:epoch_2.pth'})
    assert f'exiting at {stage} of epoch_2.pth' in result.stderr
    # last_checkpoint names a complete checkpoint, whatever the stage
    named = last_checkpoint(tmp_path)
    expected = 'epoch_1.pth' if stage in (
        'partial-write', 'before-replace',
        'before-last-checkpoint') else 'epoch_2.pth'
    assert named == str(tmp_path / expected)
    meta = load_from_local(named)['meta']
    assert meta['epoch'] == int(expected[6])
    temporaries = glob.glob(str(tmp_path / '.epoch_2.pth.*.tmp'))
    assert len(temporaries) == (stage in ('partial-write', 'before-replace'))
    if stage == 'partial-write':
        with pytest.raises(RuntimeError, match='cannot read the checkpoint'):
            load_from_local(temporaries[0])
    # the run goes on from there and ends where an uninterrupted one
    # does, without the temporary and expired files
    resumed = train(tmp_path, 3, resume=True)
    assert same_weights(resumed, reference)
    assert not glob.glob(str(tmp_path / '.*.tmp'))
    assert sorted(n for n in os.listdir(tmp_path) if n.endswith('.pth')) \
        == ['best_acc_epoch_3.pth', 'epoch_3.pth']


@pytest.mark.slow
def test_two_ranks_resume_exactly(tmp_path):
    # every rank's RNG states are gathered into the checkpoint and each
    # rank gets its own back (two gloo ranks, as torchrun starts them)
    def two_ranks(work_dir, epochs, *extra):
        runs = run_ranks([sys.executable, TOY, work_dir, epochs,
                          '--launcher', 'pytorch', *extra], REPO, 2,
                         free_port(), timeout=600)
        return [line for run in runs for line in run.stdout.splitlines()
                if line.startswith('weights')]

    # an uninterrupted run that keeps its checkpoints, then a run resumed
    # from its first one
    reference = two_ranks(tmp_path / 'reference', 3, '--max-keep-ckpts',
                          '3')
    assert len(reference) == 2 and reference[0] == reference[1]
    (tmp_path / 'run').mkdir()
    first = tmp_path / 'run' / 'epoch_1.pth'
    shutil.copy2(tmp_path / 'reference' / 'epoch_1.pth', first)
    (tmp_path / 'run' / 'last_checkpoint').write_text(str(first))
    assert two_ranks(tmp_path / 'run', 3, '--resume') == reference
    states = load_from_local(str(tmp_path / 'run' / 'epoch_3.pth'))[RNG_KEY]
    assert states['world_size'] == 2 and len(states['ranks']) == 2
    assert 'Restored the RNG states of epoch 1' in log_text(tmp_path / 'run')


def test_a_resume_from_an_earlier_checkpoint_keeps_the_later_ones(tmp_path):
    """Resumed from epoch 1 of 3, the run would write epoch_2/3.pth (and
    a best checkpoint of a later epoch) again: the files of the first run
    are kept as <name>.kept-<time>, unchanged; every save has a checksum
    that the loader verifies."""
    train(tmp_path, 3, max_keep_ckpts=3)
    names = sorted(p.name for p in tmp_path.glob('*.pth'))
    before = {name: (tmp_path / name).read_bytes() for name in names}
    runner = make_runner(str(tmp_path), 3, resume=True, max_keep_ckpts=3)
    runner._load_from = str(tmp_path / 'epoch_1.pth')
    runner.train()
    for name in ('epoch_2.pth', 'epoch_3.pth'):
        kept = list(tmp_path.glob(f'{name}.kept-*'))
        assert len(kept) == 1 and kept[0].read_bytes() == before[name]
        assert f'{tmp_path / name} is later than the resumed checkpoint ' \
            '(epoch 1, iter 4)' in log_text(tmp_path)
    later_best = [n for n in names if n.startswith('best_')
                  and not n.endswith('_1.pth')]
    for name in later_best:
        assert list(tmp_path.glob(f'{name}.kept-*'))
    from mmcl_plugin.engine.checkpoint_loading import load_from_local
    assert 'mmcl_checksum' in load_from_local(
        str(tmp_path / 'epoch_3.pth'))['meta']

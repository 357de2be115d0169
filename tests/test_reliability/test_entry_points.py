"""Faults through the real entry points on (a small) demo dataset and the
demo config with a narrower CTR-GCN: a kill while ``tools/train.py`` saves
a checkpoint, then ``--resume``; checkpoints and annotation files that
carry code, given to ``tools/train.py``, ``tools/test.py`` and the deploy
tools.

Slow: five trainings of one or two short epochs and four short tool runs.
"""
import glob
import os
import os.path as osp
import pickle
import sys
from pathlib import Path

import pytest
import torch
from checkpoint_faults import FAULT_ENV, FAULT_EXIT_CODE
from demo_runs import NARROW_DEMO_CONFIG as CONFIG
from demo_runs import demo_workspace
from tool_runs import run_tool

from mmcl_plugin.engine.checkpoint_loading import load_from_local
from mmcl_plugin.utils import TRUST_ENV
from mmcl_tools.evaluation import load_score_dump

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools')
HELPERS = osp.join(REPO, 'tests', 'helpers')

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    """data/demo with 16 training (2 iterations) and 8 validation clips."""
    return Path(demo_workspace(tmp_path_factory.mktemp('reliability'),
                               num_train=16, num_val=8))


def run(cmd, cwd, returncode=0, **env):
    return run_tool(cmd, cwd, returncode, timeout=1800, **env)


def train(work_dir, epochs, *extra, options=(), config=CONFIG,
          hook='SafeCheckpointHook'):
    """tools/train.py with the crash-safe checkpoint hook (the demo keeps
    one checkpoint: max_keep_ckpts=1)."""
    return [
        sys.executable,
        osp.join(TOOLS, 'train.py'), config, '--work-dir',
        str(work_dir), *extra, '--cfg-options',
        f'train_cfg.max_epochs={epochs}',
        f'default_hooks.checkpoint.type={hook}', *options
    ]


def faulty_config(directory) -> str:
    """The demo config importing the tests' fault-injecting hook too."""
    path = osp.join(str(directory), 'faulty.py')
    with open(path, 'w') as f:
        f.write(f'_base_ = [{CONFIG!r}]\n'
                "custom_imports = dict(imports=['mmcl_plugin', "
                "'checkpoint_faults'], allow_failed_imports=False)\n")
    return path


def last_checkpoint(work_dir) -> str:
    with open(osp.join(str(work_dir), 'last_checkpoint')) as f:
        return f.read().strip()


@pytest.fixture(scope='module')
def uninterrupted(workspace):
    """The work dir of a 2-epoch training without faults."""
    work_dir = workspace / 'work_dirs' / 'uninterrupted'
    run(train(work_dir, 2), workspace)
    return work_dir


def test_a_kill_while_saving_resumes_to_the_uninterrupted_weights(
        workspace, uninterrupted):
    work_dir = workspace / 'work_dirs' / 'killed'
    # killed after training epoch 2, half way through writing its file
    faulty = train(work_dir, 2, config=faulty_config(workspace),
                   hook='FaultInjectionCheckpointHook')
    result = run(faulty, workspace, FAULT_EXIT_CODE,
                 PYTHONPATH=os.pathsep.join([REPO, HELPERS]),
                 **{FAULT_ENV: 'partial-write:epoch_2.pth'})
    assert 'exiting at partial-write of epoch_2.pth' in result.stderr
    # mmengine would have deleted epoch_1.pth first (max_keep_ckpts=1)
    named = last_checkpoint(work_dir)
    assert named == str(work_dir / 'epoch_1.pth')
    assert load_from_local(named)['meta']['epoch'] == 1
    half = glob.glob(str(work_dir / '.epoch_2.pth.*.tmp'))
    assert len(half) == 1 and not (work_dir / 'epoch_2.pth').exists()
    with pytest.raises(RuntimeError, match='cannot read the checkpoint'):
        load_from_local(half[0])

    result = run(train(work_dir, 2, '--resume'), workspace)
    assert 'Restored the RNG states of epoch 1' in result.stdout + \
        result.stderr
    assert not glob.glob(str(work_dir / '.*.tmp'))
    assert last_checkpoint(work_dir) == str(work_dir / 'epoch_2.pth')
    assert not (work_dir / 'epoch_1.pth').exists()
    # the resumed epoch drew the random numbers the uninterrupted one did
    resumed = load_from_local(str(work_dir / 'epoch_2.pth'))['state_dict']
    reference = load_from_local(str(uninterrupted /
                                    'epoch_2.pth'))['state_dict']
    assert resumed.keys() == reference.keys()
    different = [
        k for k in reference if not torch.equal(resumed[k], reference[k])
    ]
    assert not different, different[:5]
    umask = os.umask(0)
    os.umask(umask)
    for name in ('epoch_2.pth', 'last_checkpoint'):
        assert os.stat(work_dir / name).st_mode & 0o777 == 0o666 & ~umask


class _Payload:
    """Creates a file when unpickled (stands for any code)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def test_files_with_code_are_refused_unless_trusted(workspace, uninterrupted,
                                                    tmp_path):
    marker = tmp_path / 'ran'
    checkpoint = load_from_local(str(uninterrupted / 'epoch_2.pth'))
    checkpoint['meta']['note'] = _Payload(str(marker))
    evil = str(tmp_path / 'evil.pth')
    torch.save(checkpoint, evil)
    out = str(tmp_path / 'deployed.pth')
    for cmd in ([sys.executable,
                 osp.join(TOOLS, 'test.py'), CONFIG, evil], [
                     sys.executable,
                     osp.join(TOOLS, 'deploy', 'export_inference_model.py'),
                     CONFIG, evil, out
                 ]):
        result = run(cmd, workspace, 1)
        assert f'{evil}: refusing to unpickle io.open' in result.stderr
        assert f'{TRUST_ENV}=1' in result.stderr
        assert not marker.exists() and not osp.exists(out)

    # the user vouches for the file: it loads (and its code runs)
    dump = str(tmp_path / 'scores.pkl')
    run([
        sys.executable,
        osp.join(TOOLS, 'test.py'), CONFIG, evil, '--trust-pickles', '--dump',
        dump, '--work-dir',
        str(tmp_path / 'test')
    ], workspace)
    assert marker.exists()
    # tools/test.py's dumps are plain data for the restricted reader
    assert load_score_dump(dump).scores.shape == (8, 4)

    with open(workspace / 'data' / 'demo' / 'demo_ntu25.pkl', 'rb') as f:
        annotations = pickle.load(f)
    annotations['annotations'][0]['note'] = _Payload(str(marker))
    evil_ann = str(tmp_path / 'evil_ann.pkl')
    with open(evil_ann, 'wb') as f:
        pickle.dump(annotations, f)
    marker.unlink()
    result = run(
        train(tmp_path / 'train',
              1,
              options=[f'train_dataloader.dataset.ann_file={evil_ann}']),
        workspace, 1)
    assert f'{evil_ann}: refusing to unpickle io.open' in result.stderr
    assert not marker.exists()

"""End to end on the generated demo data: ``mim train``, export of the
skeleton-only model and its test, and ``--resume`` of that run.

The slowest module of the suite: one 8-epoch demo training (64 clips, the
demo config with a narrower CTR-GCN) that the other tests reuse.
Two-process training and the frozen-FAM project run in their own modules
(on smaller data), so that the test workers run them beside this one.
"""
import os.path as osp
import pickle
import shutil
import sys

import pytest
from demo_runs import NARROW_DEMO_CONFIG as CONFIG
from demo_runs import REPO, demo_workspace, scalars
from tool_runs import BIN, run_tool

pytestmark = pytest.mark.slow(seconds=85)


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    """data/demo: 64 training (8 iterations) and 32 validation clips."""
    return demo_workspace(tmp_path_factory.mktemp('demo_workspace'),
                          num_train=64, num_val=32)


@pytest.fixture(scope='module')
def trained(workspace):
    """The demo's 8-epoch MMCL training through ``mim train`` (a new
    interpreter: mim runs ``tools/train.py`` as a subprocess)."""
    work_dir = osp.join(workspace, 'work_dirs', 'mim')
    run_tool([osp.join(BIN, 'mim'), 'train', 'mmaction', CONFIG,
              '--work-dir', work_dir, '--cfg-options',
              'default_hooks.logger.interval=1'],
             workspace)
    return work_dir


def test_mim_train_lowers_the_loss_and_reports_accuracy(trained):
    logs = scalars(trained)
    train = [e for e in logs if 'loss' in e]
    assert {'loss_cls', 'loss_align', 'loss_refine'} <= set(train[0])
    # mean loss of the first and of the last epoch (8 iterations each)
    first = sum(e['loss'] for e in train[:8]) / 8
    last = sum(e['loss'] for e in train[-8:]) / 8
    assert last < 0.7 * first, f'loss did not drop: {first:.3f} -> {last:.3f}'
    val = [e for e in logs if 'acc/top1' in e]
    assert len(val) == 8  # validated after every epoch
    assert 0.0 <= val[-1]['acc/top1'] <= 1.0
    # 4 balanced classes: the trained model must be far above chance (25 %)
    # (0.91 measured with seed 0)
    assert val[-1]['acc/top1'] > 0.7, val
    assert osp.exists(osp.join(trained, 'epoch_8.pth'))


def test_export_and_skeleton_only_test(trained, workspace):
    out = osp.join(trained, 'deployed.pth')
    result = run_tool([sys.executable,
                       osp.join(REPO, 'tools', 'deploy',
                                'export_inference_model.py'), CONFIG,
                       osp.join(trained, 'epoch_8.pth'), out], workspace)
    assert 'parameters' in result.stdout
    dump = osp.join(trained, 'scores.pkl')
    # a new interpreter: tools/test.py's own start-up (the other tests of
    # tools/test.py fork from the preloaded server)
    result = run_tool([sys.executable, osp.join(REPO, 'tools', 'test.py'),
                       osp.join(trained, 'deployed.py'), out, '--dump', dump,
                       '--work-dir', osp.join(trained, 'test')], workspace,
                      fresh=True)
    assert 'acc/top1' in result.text
    with open(dump, 'rb') as f:
        scores = pickle.load(f)
    assert len(scores) == 32
    assert scores[0]['pred_score'].shape == (4, )
    # the exported model gives the accuracy the MMCL model validated with
    accuracy = sum(int(s['pred_score'].argmax() == s['gt_label'].item())
                   for s in scores) / len(scores)
    val = [e for e in scalars(trained) if 'acc/top1' in e]
    assert accuracy == pytest.approx(val[-1]['acc/top1'], abs=1e-6)


def test_resume_continues_from_the_checkpoint(trained, workspace, tmp_path):
    """``tools/train.py --resume`` on a copy of the mim run's checkpoint
    trains epoch 9 only, from the saved iteration count."""
    work_dir = tmp_path / 'resume'
    work_dir.mkdir()
    shutil.copy2(osp.join(trained, 'epoch_8.pth'), work_dir / 'epoch_8.pth')
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_8.pth'))
    result = run_tool([sys.executable, osp.join(REPO, 'tools', 'train.py'),
                       CONFIG, '--work-dir', work_dir, '--resume',
                       '--no-validate', '--cfg-options',
                       'train_cfg.max_epochs=9',
                       'default_hooks.logger.interval=1'],
                      workspace)
    text = result.text.lower()
    assert 'resumed epoch: 8' in text or 'resumed epoch 8' in text, \
        text[-3000:]
    assert osp.exists(work_dir / 'epoch_9.pth')
    iters = [e['iter'] for e in scalars(str(work_dir)) if 'loss' in e]
    # epoch 9 only: iterations 65 to 72 of 8 per epoch, none before
    assert iters == list(range(65, 73)), iters

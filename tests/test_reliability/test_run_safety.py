"""Issue 25 through the real entry points, on the demo set (8 training, 4
validation clips, the demo config with a narrower CTR-GCN): ``--resume``
never starts over or overwrites, corrupted checkpoints are refused, two
runs never share a work dir, SIGTERM saves a resumable checkpoint, a NaN
loss stops before any save, ``tools/test.py`` loads strictly, and the
start-up checks list every annotation fault.

Every run is a process of ``tools/train.py`` / ``tools/test.py`` (forked
from the preloaded server of ``tool_runs``; the SIGTERM test starts a new
interpreter); files that existed before a run are compared by hash
afterwards. Slow: one training fixture and eleven short tool runs.
"""
import glob
import hashlib
import os
import os.path as osp
import pickle
import shutil
import signal
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from demo_runs import NARROW_DEMO_CONFIG as CONFIG
from demo_runs import demo_workspace
from tool_runs import run_tool, tool_environment

from mmcl_plugin.engine.checkpoint_checksum import CHECKSUM_KEY
from mmcl_plugin.engine.checkpoint_loading import load_from_local
from mmcl_plugin.engine.hooks.graceful_stop_hook import PREEMPTED_EXIT_CODE

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools')
REFUSED = 2  # tools/train.py's exit code for a start-up refusal


def run(cmd, cwd, returncode=0):
    return run_tool(cmd, cwd, returncode).text


def train(work_dir, *extra, epochs=1, options=()):
    return [sys.executable, osp.join(TOOLS, 'train.py'), CONFIG,
            '--work-dir', str(work_dir), *extra, '--cfg-options',
            f'train_cfg.max_epochs={epochs}', *options]


def digest(path) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def digests(directory) -> dict:
    return {p.name: digest(p) for p in sorted(directory.iterdir())
            if p.is_file() and p.suffix == '.pth'}


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    return Path(demo_workspace(tmp_path_factory.mktemp('run_safety'),
                               num_train=8, num_val=4))


@pytest.fixture(scope='module')
def trained(workspace):
    """A work dir after one epoch: epoch_1.pth, last_checkpoint."""
    work_dir = workspace / 'work_dirs' / 'trained'
    run(train(work_dir, '--no-validate'), workspace)
    return work_dir


def copy_run(trained, tmp_path, name='run'):
    work_dir = tmp_path / name
    work_dir.mkdir()
    for path in trained.iterdir():
        if path.is_file():
            shutil.copy2(path, work_dir / path.name)
    return work_dir


def corrupt_a_tensor(path):
    """Overwrite 64 bytes inside the largest tensor's data; the zip stays
    readable (torch.load does not check its CRCs)."""
    with zipfile.ZipFile(path) as archive:
        info = max(archive.infolist(), key=lambda i: i.file_size)
    with open(path, 'r+b') as f:
        f.seek(info.header_offset)
        header = f.read(30)  # the local file header
        name_len, extra_len = struct.unpack('<HH', header[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len +
               info.file_size // 2)
        f.write(b'\x7f' * 64)


# ------------------------------------------------------------- checksums
@pytest.mark.slow
def test_every_checkpoint_carries_a_checksum_and_a_corrupt_one_is_refused(
        trained, tmp_path):
    loaded = load_from_local(str(trained / 'epoch_1.pth'))
    assert loaded['meta'][CHECKSUM_KEY]['algorithm'] == 'sha256-tensors-v1'
    bad = tmp_path / 'epoch_1.pth'
    shutil.copy2(trained / 'epoch_1.pth', bad)
    corrupt_a_tensor(bad)
    # the loader of resume, load_from, tools/test.py and the deploy tools
    with pytest.raises(RuntimeError, match=f'{bad}: checksum mismatch'):
        load_from_local(str(bad))


# ----------------------------------------------------------------- resume
@pytest.mark.slow
def test_resume_takes_the_newest_verified_checkpoint_and_overwrites_none(
        workspace, trained, tmp_path):
    """The issue's case: last_checkpoint names a missing file and the
    newest checkpoint is corrupted: --resume takes epoch_1.pth, says so,
    and keeps the corrupted epoch_2.pth instead of overwriting it."""
    work_dir = copy_run(trained, tmp_path)
    shutil.copy2(work_dir / 'epoch_1.pth', work_dir / 'epoch_2.pth')
    corrupt_a_tensor(work_dir / 'epoch_2.pth')
    os.utime(work_dir / 'epoch_2.pth')  # the newest file
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_9.pth'))
    before = digests(work_dir)
    text = run(train(work_dir, '--resume', '--no-validate'), workspace)
    assert f'names {work_dir}/epoch_9.pth, which does not exist' in text
    assert f'Skipped {work_dir}/epoch_2.pth: {work_dir}/epoch_2.pth: ' \
        'checksum mismatch' in text
    assert f'Resuming from {work_dir}/epoch_1.pth (epoch 1, iter 1)' in text
    kept = glob.glob(str(work_dir / 'epoch_2.pth.kept-*'))
    assert len(kept) == 1 and f'kept as {kept[0]}' in text
    assert digest(kept[0]) == before['epoch_2.pth']
    assert digest(work_dir / 'epoch_1.pth') == before['epoch_1.pth']


@pytest.mark.slow
def test_resume_refuses_a_work_dir_without_checkpoints(workspace, trained,
                                                       tmp_path):
    # a mistyped --work-dir: nothing is created
    missing = tmp_path / 'typo'
    text = run(train(missing, '--resume'), workspace, REFUSED)
    assert f'--resume: the work dir {missing} does not exist' in text
    assert not missing.exists()
    # a work dir with only a corrupted checkpoint and an empty
    # last_checkpoint: nothing to resume, nothing touched
    work_dir = copy_run(trained, tmp_path)
    corrupt_a_tensor(work_dir / 'epoch_1.pth')
    (work_dir / 'last_checkpoint').write_text('')
    before = digests(work_dir)
    text = run(train(work_dir, '--resume'), workspace, REFUSED)
    assert f'--resume: no checkpoint to resume in the work dir {work_dir}' \
        in text
    assert f'{work_dir}/last_checkpoint is empty' in text
    assert 'checksum mismatch' in text
    assert digests(work_dir) == before


@pytest.mark.slow
def test_a_new_run_does_not_overwrite_checkpoints(workspace, trained,
                                                  tmp_path):
    work_dir = copy_run(trained, tmp_path)
    before = digests(work_dir)
    text = run(train(work_dir), workspace, REFUSED)
    assert f'the work dir {work_dir} holds checkpoints of an earlier run: ' \
        'epoch_1.pth, last_checkpoint' in text
    assert '--overwrite-checkpoints' in text
    assert digests(work_dir) == before


# ----------------------------------------------------------------- locks
HOLDER = r'''
import sys, time
from mmcl_tools.runs import OwnedLock
lock = OwnedLock(sys.argv[1])
lock.acquire()
print('locked', flush=True)
time.sleep(600)
'''


@pytest.mark.slow
def test_a_second_run_is_refused_and_a_stale_lock_taken_over(
        workspace, trained, tmp_path):
    work_dir = tmp_path / 'locked'
    work_dir.mkdir()
    holder = subprocess.Popen(
        [sys.executable, '-c', HOLDER, str(work_dir / 'train.lock')],
        env=tool_environment(), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        text = run(train(work_dir), workspace, REFUSED)
        assert f'the work dir {work_dir} is in use by another training' \
            in text
        assert f'held by pid {holder.pid} on host ' in text
        assert 'started 20' in text  # the holder's start time
    finally:
        holder.kill()  # as kill -9: its record stays in the lock file
        holder.wait()
    # the next run takes the lock over (and stops at the checkpoint it
    # finds, so that it does not train here)
    shutil.copy2(trained / 'epoch_1.pth', work_dir / 'epoch_1.pth')
    text = run(train(work_dir), workspace, REFUSED)
    assert f'Took over the stale lock of {work_dir} from a run that ended ' \
        f'without releasing it (pid {holder.pid} on host' in text
    assert (work_dir / 'train.lock').read_text() == ''  # released


# ---------------------------------------------------------------- signals
@pytest.mark.slow
def test_sigterm_saves_a_resumable_checkpoint_and_exits_75(workspace,
                                                           tmp_path):
    """A real SIGTERM to a real tools/train.py: the iteration under way
    ends, a checkpoint is saved atomically and named, exit 75; --resume
    continues from it."""
    work_dir = tmp_path / 'preempted'
    cmd = train(work_dir, '--no-validate',
                options=['train_dataloader.batch_size=1',
                         'default_hooks.logger.interval=1'])
    process = subprocess.Popen([str(c) for c in cmd], cwd=str(workspace),
                               env=tool_environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if 'Epoch(train) [1][1/8]' in line:  # in iteration 2 of 8
            process.send_signal(signal.SIGTERM)
            break
    lines += process.stdout.readlines()
    assert process.wait(timeout=600) == PREEMPTED_EXIT_CODE, ''.join(lines)
    text = ''.join(lines)
    assert 'Stopped by SIGTERM at ' in text
    saved = (work_dir / 'last_checkpoint').read_text()
    assert f'saved the resumable checkpoint {saved}' in text
    checkpoint = load_from_local(saved)  # complete, checksum verified
    assert checkpoint['meta']['mmcl_interrupted'] == saved
    assert not glob.glob(str(work_dir / '.*.tmp'))

    text = run(cmd[:5] + ['--resume'] + cmd[5:], workspace)
    assert f'Resuming from {saved}' in text
    assert (work_dir / 'epoch_1.pth').exists()
    if checkpoint['meta']['epoch'] == 0:  # stopped mid-epoch
        assert not osp.exists(saved)  # replaced by epoch_1.pth


# ----------------------------------------------------------- NaN losses
@pytest.mark.slow
def test_a_nan_loss_stops_training_before_any_save(workspace, tmp_path):
    work_dir = tmp_path / 'nan'
    text = run(train(work_dir, '--no-validate',
                     options=['model.frm_head.loss_refine.loss_weight=nan']),
               workspace, 1)
    assert 'NonFiniteLossError: Non-finite loss at epoch 1, iteration 1 ' \
        'of 1 (iteration 1 of the run): loss=nan, loss_refine=nan.' in text
    assert 'no checkpoint was saved by this run' in text
    assert not glob.glob(str(work_dir / '*.pth'))


# ------------------------------------------------------ strict evaluation
@pytest.mark.slow
def test_test_refuses_a_checkpoint_of_another_class_count(
        workspace, trained, tmp_path):
    text = run([
        sys.executable, osp.join(TOOLS, 'test.py'), CONFIG,
        trained / 'epoch_1.pth', '--work-dir', tmp_path / 'test',
        '--cfg-options', 'model.cls_head.num_classes=5',
        'test_dataloader.dataset.num_classes=5'
    ], workspace, 1)
    assert f'{trained}/epoch_1.pth does not fit the model' in text
    assert 'cls_head.fc.weight (checkpoint (4, 64), model (5, 64))' in text
    assert 'acc/top1' not in text


# ----------------------------------------------------- annotation faults
@pytest.mark.slow
def test_annotation_faults_listed_in_one_error_before_training(
        workspace, tmp_path):
    """Every fault of the issue in one training split, in a file whose
    path has spaces (given through --cfg-options): one error names them
    all, nothing is written to the work dir."""
    with open(workspace / 'data' / 'demo' / 'demo_ntu25.pkl', 'rb') as f:
        content = pickle.load(f)
    anns = {a['frame_dir']: a for a in content['annotations']}
    train_split = list(content['split']['train'])
    a, b, c, d, e, f_, g = train_split[:7]
    twin = dict(anns[a], label=(anns[a]['label'] + 1) % 4)
    content['annotations'].append(twin)  # a: two annotations
    content['split']['train'] += [b, 'S999C001P001R001A001']  # b twice
    del anns[c]['keypoint']
    anns[d]['keypoint'] = np.concatenate(
        [anns[d]['keypoint'], anns[d]['keypoint'][..., :1]], axis=-1)
    anns[e]['keypoint'] = anns[e]['keypoint'].astype(np.int16)
    anns[f_]['keypoint'] = anns[f_]['keypoint'] * 1000  # millimetres
    folder = tmp_path / 'my data'
    folder.mkdir()
    ann_file = folder / 'bad ann.pkl'
    with open(ann_file, 'wb') as f:
        pickle.dump(content, f)
    work_dir = tmp_path / 'work'
    text = run(train(work_dir, options=[
        f'train_dataloader.dataset.ann_file={ann_file}']), workspace, 1)
    assert f"samples of {ann_file} (split 'train') are invalid" in text
    assert f"{b}: listed 2 times in split 'train'" in text
    assert "S999C001P001R001A001: listed in split 'train' but has no " \
        'annotation' in text
    assert f'{a}: 2 annotations of this frame_dir' in text
    assert f"{c}: no 'keypoint'" in text
    assert f'{d}: keypoint has 4 coordinates per joint' in text
    assert f'{e}: keypoint has dtype int16' in text
    assert f'{f_}: keypoint coordinates up to ' in text
    assert 'millimetres among metres' in text
    assert not glob.glob(str(work_dir / '*.pth'))


def test_empty_split_names_file_and_split(workspace, tmp_path):
    from mmcl_plugin.datasets import MMCLPoseDataset
    with open(workspace / 'data' / 'demo' / 'demo_ntu25.pkl', 'rb') as f:
        content = pickle.load(f)
    content['split']['train'] = []
    ann_file = str(tmp_path / 'empty.pkl')
    with open(ann_file, 'wb') as f:
        pickle.dump(content, f)
    with pytest.raises(ValueError,
                       match=f"{ann_file}: split 'train' is empty"):
        MMCLPoseDataset(ann_file, [], split='train')


@pytest.mark.slow
def test_train_val_overlap_is_refused(workspace, tmp_path):
    text = run(train(tmp_path / 'overlap', options=[
        'val_dataloader.dataset.split=train']), workspace, 1)
    assert '8 samples are in the training and the validation datasets ' \
        'both' in text
    assert not glob.glob(str(tmp_path / 'overlap' / '*.pth'))


@pytest.mark.slow
def test_a_string_num_classes_is_named(workspace, tmp_path):
    config = tmp_path / 'quoted.py'
    config.write_text(f"_base_ = ['{CONFIG}']\n"
                      "model = dict(cls_head=dict(num_classes='4'))\n")
    text = run([sys.executable, osp.join(TOOLS, 'train.py'), config,
                '--work-dir', tmp_path / 'w'], workspace, REFUSED)
    assert "model.cls_head.num_classes is '4' (a str); it must be an int: " \
        'write 4 without quotes' in text
    assert not (tmp_path / 'w').exists()


# ------------------------------------------------------------ slurm script
FAKE_SRUN = '''#!/usr/bin/env bash
echo "srun $*" >> "$LOG"
exit "${SRUN_EXIT:-0}"
'''
FAKE_SCONTROL = '''#!/usr/bin/env bash
echo "scontrol $*" >> "$LOG"
'''


def test_slurm_script_requeues_a_preempted_run_and_resumes_it(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name, body in (('srun', FAKE_SRUN), ('scontrol', FAKE_SCONTROL)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / 'calls.log'
    script = osp.join(TOOLS, 'slurm_train.sh')
    env = dict(os.environ, PATH=f'{bin_dir}:{os.environ["PATH"]}',
               LOG=str(log), SLURM_JOB_ID='42', SRUN_EXIT='75')
    args = ['bash', script, 'part', 'job', 'cfg.py', '--work-dir', 'w d']
    # preempted (exit 75) inside a job: requeued, exit 0
    assert subprocess.run(args, env=env, capture_output=True).returncode == 0
    calls = log.read_text().splitlines()
    assert calls[0].endswith('train.py cfg.py --launcher=slurm --work-dir '
                             'w d')
    assert calls[1] == 'scontrol requeue 42'
    # the requeued job resumes
    log.unlink()
    env.update(SLURM_RESTART_COUNT='1', SRUN_EXIT='0')
    assert subprocess.run(args, env=env, capture_output=True).returncode == 0
    assert log.read_text().splitlines()[0].endswith('--work-dir w d --resume')
    # outside a job (no SLURM_JOB_ID): exit 75, no requeue
    log.unlink()
    env.pop('SLURM_JOB_ID')
    env.update(SRUN_EXIT='75')
    assert subprocess.run(args, env=env, capture_output=True).returncode == 75
    assert 'scontrol' not in log.read_text()

"""Faults of the data (issue #14, part B) through the real entry points:
``tools/train.py``, ``tools/test.py``, ``mim train`` and
``tools/extract_text_features.py`` on one small generated demo dataset
(and the demo config with a narrower CTR-GCN).

Each fault must stop the run with an error that names the sample or file
(and what makes the file), before any step runs where the fault allows
it, and must leave what was already written intact. Most runs fail at
start-up (a dataset build: about a second in a child of the preloaded
server of ``tool_runs``); the skip-and-report run trains one epoch of two
iterations.
"""
import glob
import hashlib
import os.path as osp
import pickle
import shutil
import sys

import numpy as np
import pytest
from demo_runs import NARROW_DEMO_CONFIG as CONFIG
from tool_runs import BIN, run_tool

from mmcl_tools.demo import make_demo_dataset
from mmcl_tools.mllm.cache_writer import lock_shards, plan_shards

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CACHE_CONFIG = osp.join(
    REPO, 'projects', 'mllm_text_cache', 'configs',
    'mmcl-ctrgcn-textcache_1xb8-joint-u32-8e_demo-keypoint-3d.py')
TOOLS = osp.join(REPO, 'tools')
ANN = osp.join('data', 'demo', 'demo_ntu25.pkl')

pytestmark = pytest.mark.slow(seconds=45)


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    """data/demo: 16 training clips (2 iterations), 8 validation clips,
    per-sample text features and a text-feature cache."""
    root = tmp_path_factory.mktemp('data_faults')
    make_demo_dataset(str(root / 'data' / 'demo'),
                      seed=0,
                      num_train=16,
                      num_val=8,
                      progress=False,
                      text_cache=True)
    return root


def run(cmd, cwd, returncode=0):
    return run_tool(cmd, cwd, returncode, timeout=600).text


def train(work_dir, *options, config=CONFIG, extra=()):
    return [
        sys.executable,
        osp.join(TOOLS, 'train.py'), config, '--work-dir', work_dir, *extra,
        '--cfg-options', 'train_cfg.max_epochs=1', *options
    ]


def digest(path) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def faulty_annotations(workspace, name, edit):
    """A copy of the demo pickle under data/demo/ changed by ``edit``
    (samples by name); returns its path relative to the workspace."""
    with open(workspace / ANN, 'rb') as f:
        content = pickle.load(f)
    edit({a['frame_dir']: a for a in content['annotations']}, content)
    rel = osp.join('data', 'demo', name)
    with open(workspace / rel, 'wb') as f:
        pickle.dump(content, f)
    return rel


def split_names(workspace, split):
    with open(workspace / ANN, 'rb') as f:
        return list(pickle.load(f)['split'][split])


def test_train_split_faults_listed_in_one_error(workspace):
    """Label out of range, another joint layout, an empty clip and one
    1e30 coordinate in the training split: one error at start-up names
    all four samples, no checkpoint is written, the work dir's earlier
    files stay."""
    names = split_names(workspace, 'train')

    def edit(samples, content):
        samples[names[0]]['label'] = 7
        samples[names[1]]['keypoint'] = samples[names[1]]['keypoint'][
            :, :, :20]
        samples[names[2]]['total_frames'] = 0
        samples[names[3]]['keypoint'][0, 3, 5, 1] = 1e30

    rel = faulty_annotations(workspace, 'bad_train.pkl', edit)
    work_dir = workspace / 'work_dirs' / 'bad_train'
    work_dir.mkdir(parents=True)
    (work_dir / 'epoch_3.pth').write_bytes(b'an earlier checkpoint')
    before = digest(workspace / rel)
    # (a new training into a work dir with checkpoints needs the flag)
    text = run(train(work_dir, f'train_dataloader.dataset.ann_file={rel}',
                     extra=('--overwrite-checkpoints', )),
               workspace, returncode=1)
    assert f'4 of 16 samples of {rel} (split \'train\') are invalid' in text
    assert f'{names[0]}: label 7 is out of range [0, 4)' in text
    assert f'{names[1]}: keypoint has 20 joints, expected 25' in text
    assert f'{names[2]}: total_frames is 0 (an empty clip)' in text
    assert f'{names[3]}: keypoint has 1 coordinates beyond ' \
        'max_abs_coordinate=10000' in text
    assert 'make_demo_dataset.py' in text  # what makes the file
    assert digest(workspace / rel) == before
    assert (work_dir / 'epoch_3.pth').read_bytes() == b'an earlier checkpoint'
    assert not glob.glob(str(work_dir / 'epoch_1.pth'))


def test_test_split_is_validated_too(workspace):
    """A label out of range and a 20-joint clip in the val/test split:
    tools/test.py refuses to score them (top-1 would silently change)."""
    names = split_names(workspace, 'val')

    def edit(samples, content):
        samples[names[0]]['label'] = 4
        samples[names[1]]['keypoint'] = samples[names[1]]['keypoint'][
            :, :, :20]

    rel = faulty_annotations(workspace, 'bad_val.pkl', edit)
    text = run([
        sys.executable,
        osp.join(TOOLS, 'test.py'), CONFIG, 'no_checkpoint_needed.pth',
        '--work-dir', workspace / 'work_dirs' / 'bad_val', '--cfg-options',
        f'test_dataloader.dataset.ann_file={rel}'
    ], workspace, returncode=1)
    assert f'2 of 8 samples of {rel} (split \'val\') are invalid' in text
    assert f'{names[0]}: label 4 is out of range [0, 4)' in text
    assert f'{names[1]}: keypoint has 20 joints, expected 25' in text


@pytest.mark.parametrize('fault', ['truncated', 'no_split'])
def test_malformed_annotation_file_is_named_with_its_maker(
        workspace, fault):
    rel = osp.join('data', 'demo', f'{fault}.pkl')
    if fault == 'truncated':
        data = (workspace / ANN).read_bytes()
        (workspace / rel).write_bytes(data[:len(data) // 2])
        expected = f'{rel} is not a readable annotation pickle'
    else:
        faulty_annotations(workspace, f'{fault}.pkl',
                           lambda samples, content: content.pop('split'))
        expected = f'{rel}: no "split"'
    text = run(train(workspace / 'work_dirs' / fault,
                     f'train_dataloader.dataset.ann_file={rel}'),
               workspace, returncode=1)
    assert expected in text
    assert 'How to make it: python tools/data/make_demo_dataset.py' in text


def test_missing_data_file_at_mim_train_names_its_maker(workspace):
    missing = osp.join('data', 'skeleton', 'ntu60_3d.pkl')
    text = run([
        osp.join(BIN, 'mim'), 'train', 'mmaction', CONFIG, '--work-dir',
        workspace / 'work_dirs' / 'mim_missing', '--cfg-options',
        f'train_dataloader.dataset.ann_file={missing}'
    ], workspace, returncode=1)
    assert f'annotation file {missing} does not exist' in text
    assert 'tools/data/ntu/convert_ntu_skeleton.py' in text


def test_text_feature_width_is_checked_before_training(workspace):
    """One sample's text feature of width 16 (the FRM takes 32): the run
    stops before the first iteration, naming the sample."""
    name = split_names(workspace, 'train')[5]
    root = workspace / 'data' / 'demo' / 'bad_text_features'
    shutil.copytree(workspace / 'data' / 'demo' / 'text_features', root)
    np.save(root / f'{name}.npy', np.ones((3, 16), np.float32))
    work_dir = workspace / 'work_dirs' / 'bad_width'
    text = run(train(work_dir, 'train_dataloader.dataset.text_feature_root='
                     'data/demo/bad_text_features/'),
               workspace, returncode=1)
    assert 'The datasets do not fit the model' in text
    assert f'{name}: text feature width 16, FRMHead text_channels=32' in text
    assert not glob.glob(str(work_dir / 'epoch_*.pth'))


def test_corrupt_text_cache_shard_is_refused(workspace):
    """A flipped byte in a shard of the text-feature cache (same size):
    the training reader's checksum names the shard and the fix."""
    cache = workspace / 'data' / 'demo' / 'bad_text_cache'
    shutil.copytree(workspace / 'data' / 'demo' / 'text_cache', cache)
    shard = cache / 'shards' / '000000.safetensors'
    data = bytearray(shard.read_bytes())
    data[-5] ^= 0xFF
    shard.write_bytes(bytes(data))
    text = run(train(workspace / 'work_dirs' / 'bad_cache',
                     'train_dataloader.dataset.text_feature_cache='
                     'data/demo/bad_text_cache/', config=CACHE_CONFIG),
               workspace, returncode=1)
    assert 'shards/000000.safetensors: SHA-256 mismatch (corrupt)' in text
    assert 'Re-run tools/extract_text_features.py' in text


@pytest.fixture(scope='module')
def truncated_video(workspace):
    """The demo with one training video cut in half (data/demo_cut)."""
    root = workspace / 'data' / 'demo_cut'
    shutil.copytree(workspace / 'data' / 'demo' / 'videos', root / 'videos')
    name = split_names(workspace, 'train')[2]
    path = root / 'videos' / f'{name}.mp4'
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return name, 'data/demo_cut/videos/'


def test_check_media_finds_a_truncated_video_at_start_up(
        workspace, truncated_video):
    name, video_root = truncated_video
    text = run(train(workspace / 'work_dirs' / 'check_media',
                     f'train_dataloader.dataset.video_root={video_root}',
                     extra=['--check-media', '0']),
               workspace, returncode=1)
    assert '1 of 16 samples of data/demo/demo_ntu25.pkl have unreadable ' \
        'media' in text
    assert f'{name}: video {video_root}{name}.mp4' in text
    assert 'skip_bad_media' in text  # the way out


def test_skip_bad_media_trains_and_reports_the_sample(
        workspace, truncated_video):
    name, video_root = truncated_video
    work_dir = workspace / 'work_dirs' / 'skip_media'
    text = run(train(work_dir,
                     f'train_dataloader.dataset.video_root={video_root}',
                     extra=['--skip-bad-media', '2']), workspace)
    assert f'skipped sample {name} (skip_bad_media)' in text
    assert 'Epoch 1: 1 samples skipped for unreadable media (1 in the run, ' \
        'skip_bad_media allows 2)' in text
    assert f'  {name}: BuildFrameStrip: cannot read the video of sample ' \
        f"'{name}'" in text
    assert osp.exists(work_dir / 'epoch_1.pth')


def test_second_extraction_on_one_directory_is_refused(workspace,
                                                     tmp_path):
    """A finished extraction, then a run of tools/extract_text_features.py
    while another process holds the cache's shards: refused at once (exit
    2) with the shards already written unchanged."""
    from PIL import Image
    from tiny_mllms import build_tiny_mllm
    model = build_tiny_mllm('qwen2-vl', str(tmp_path / 'qwen2-vl'))
    strips = tmp_path / 'strips'
    strips.mkdir()
    rng = np.random.default_rng(0)
    names = [f'S{i:03d}' for i in range(5)]
    for name in names:
        Image.fromarray(rng.integers(0, 256, (24, 80, 3), np.uint8)).save(
            str(strips / f'{name}.png'))
    cache = tmp_path / 'cache'
    extract = [
        sys.executable,
        osp.join(TOOLS, 'extract_text_features.py'), '--strip-dir', strips,
        '--model', model, '--out-dir', cache, '--max-new-tokens', '2',
        '--shard-size', '2', '--num-workers', '0', '--no-progress'
    ]
    assert 'cache complete: 5 of 5' in run(extract, workspace)
    shards = sorted(glob.glob(str(cache / 'shards' / '*')))
    before = {path: digest(path) for path in shards}
    held = lock_shards(str(cache), plan_shards(names, 2)[1:2])
    try:
        text = run(extract, workspace, returncode=2)
    finally:
        held.release()
    assert f'{cache}: 1 of the 3 shards of this run (shard 1) are held by ' \
        'another extraction process' in text
    assert {path: digest(path) for path in shards} == before

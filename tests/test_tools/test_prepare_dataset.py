"""tools/data/videos/prepare_dataset.py (mmcl_tools.videos.preparation):
skeletons -> strips -> text features in one command over a folder of
labelled videos; each step resumes, failures are listed by name, the
config edits are printed. The skeleton step's tool is replaced by a
stand-in that writes the pickle of the synthetic videos (the real
extraction is tested with its tool). The steps' tools fork from the
preloaded server of ``tool_runs`` (``preloaded_tools``)."""
import os
import os.path as osp
import pickle
import shutil
import sys
from types import SimpleNamespace

import pytest
from pose_videos import real_video, write_cut
from tiny_mllms import build_tiny_mllm
from tool_runs import run_passing_output, run_tool

import mmcl_tools.videos.preparation as tool
from mmcl_plugin.text_cache.cache_reader import TextFeatureCache
from own_videos import make_own_videos

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'data', 'videos', 'prepare_dataset.py')
HIDDEN = 32
FRAMES = 16  # of the real clip

#: Stand-in for extract_skeletons.py: copies $FAKE_SKELETONS to -o, after
#: checking the arguments prepare_dataset passes.
FAKE_EXTRACT = '''
import os, shutil, sys
argv = sys.argv[1:]
assert argv[1] == '-o' and '--layout' in argv and '--max-persons' in argv
with open(os.environ['FAKE_LOG'], 'a') as f:
    f.write(' '.join(argv) + '\\n')
shutil.copy(os.environ['FAKE_SKELETONS'], argv[2])
'''


@pytest.fixture(autouse=True)
def preloaded_tools(monkeypatch):
    """The steps' tools (checkout scripts) fork from the preloaded server
    instead of starting an interpreter each."""
    monkeypatch.setattr(tool, 'subprocess',
                        SimpleNamespace(run=run_passing_output))


def test_the_script_runs_the_module(tmp_path):
    """The command line is a thin wrapper: the module's exit status and
    errors come through it."""
    missing = tmp_path / 'nothing'
    result = run_tool([sys.executable, TOOL, missing, tmp_path / 'work'],
                      REPO, returncode=2)
    assert f'error: {missing} does not exist' in result.stderr
    assert len(open(TOOL).read().splitlines()) < 30


@pytest.fixture(scope='module')
def mllm(tmp_path_factory):
    return build_tiny_mllm('blip-vqa', str(tmp_path_factory.mktemp('blip')),
                           hidden_size=HIDDEN)


@pytest.fixture
def own(tmp_path, monkeypatch):
    video_dir, ann_file, annotations = make_own_videos(
        str(tmp_path), ('wave', 'clap'), per_class=2)
    fake = tmp_path / 'fake_extract.py'
    fake.write_text(FAKE_EXTRACT)
    monkeypatch.setitem(tool.TOOLS, 'skeletons', str(fake))
    monkeypatch.setenv('FAKE_SKELETONS', ann_file)
    monkeypatch.setenv('FAKE_LOG', str(tmp_path / 'extract.log'))
    return video_dir, ann_file, tmp_path / 'work'


def visible(folder):
    return [n for n in os.listdir(folder) if not n.startswith('.')]


def run(own, *extra, mllm=None):
    video_dir, _, work = own
    argv = [video_dir, str(work), '--video-backend', 'opencv', '--workers',
            '0', '--max-new-tokens', '3', '--text-batch-size', '2']
    if mllm:
        argv += ['--mllm', mllm]
    return tool.main(argv + list(extra))


@pytest.mark.slow
def test_three_steps_then_resume(own, mllm, capfd, tmp_path):
    video_dir, _, work = own
    assert run(own, mllm=mllm) == 0
    out = capfd.readouterr().out
    assert (tmp_path / 'extract.log').read_text().count('\n') == 1
    names = ['wave__wave_0', 'wave__wave_1', 'clap__clap_0',
             'clap__clap_1']
    assert sorted(visible(work / 'strips')) == sorted(
        [f'{n}.jpg' for n in names] + ['failures.txt',
                                       'strip_settings.json'])
    cache = TextFeatureCache(str(work / 'text_features'))
    assert all(name in cache for name in names) and not cache.failed
    assert (work / 'classes.txt').read_text() == 'wave\nclap\n'
    # what to edit, with the values of this dataset
    assert f"prepared = '{work}/'" in out
    assert 'num_classes = 2' in out
    assert f"mllm = '{mllm}'" in out
    assert f'text_channels = {HIDDEN}' in out
    assert '4 of 4 videos have skeletons; 2 classes' in out

    # a second run: every step finds its work done (the extraction tool
    # runs again: it resumes, and would refuse changed settings)
    assert run(own, mllm=mllm) == 0
    out = capfd.readouterr().out
    assert (tmp_path / 'extract.log').read_text().count('\n') == 2
    assert '0 written, 4 already done' in out


@pytest.mark.slow
def test_new_videos_rerun_the_extraction_and_failures_are_listed(
        own, capfd, tmp_path):
    video_dir, ann_file, work = own
    work.mkdir()
    # a pickle of an earlier run without clap_1: extracted again
    with open(ann_file, 'rb') as f:
        content = pickle.load(f)
    content['annotations'] = content['annotations'][:3]
    with open(work / 'skeletons.pkl', 'wb') as f:
        pickle.dump(content, f)
    # the stand-in's pickle has a sample whose video is broken
    with open(ann_file, 'rb') as f:
        full = pickle.load(f)
    broken = dict(full['annotations'][0], frame_dir='broken',
                  filename='wave/broken.avi')
    full['annotations'].append(broken)
    with open(ann_file, 'wb') as f:
        pickle.dump(full, f)
    with open(osp.join(video_dir, 'wave', 'broken.avi'), 'wb') as f:
        f.write(b'not a video')
    assert run(own, '--steps', 'skeletons,strips') == 1
    out = capfd.readouterr().out
    # the earlier pickle lacks clap_1 and broken: the tool ran
    assert (tmp_path / 'extract.log').read_text().count('\n') == 1
    assert 'FAILED broken:' in out
    assert 'strips: 1 failed' in out
    assert sorted(visible(work / 'strips')) == [
        'clap__clap_0.jpg', 'clap__clap_1.jpg', 'failures.txt',
        'strip_settings.json', 'wave__wave_0.jpg', 'wave__wave_1.jpg']
    # --strict stops at the step with the failure
    assert run(own, '--steps', 'strips', '--strict') != 0


def test_fatal_errors(own, tmp_path, capfd):
    video_dir, _, work = own
    assert tool.main([str(tmp_path / 'nothing'), str(work)]) == 2
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert tool.main([str(empty), str(work)]) == 2
    err = capfd.readouterr().err
    assert f'{tmp_path / "nothing"} does not exist' in err
    assert f'{empty}: no class folders' in err
    # a skeleton tool that crashes: exit 2, nothing after it runs
    crash = tmp_path / 'crash.py'
    crash.write_text('import sys; sys.exit(2)\n')
    tool.TOOLS['skeletons'] = str(crash)
    assert run(own) == 2
    assert 'the skeletons step failed (exit status 2)' in \
        capfd.readouterr().err
    assert not (work / 'strips').exists()
    with pytest.raises(SystemExit):
        tool.main([video_dir, str(work), '--steps', 'pose'])
    assert sys.executable  # the tools run with this interpreter
    shutil.rmtree(work, ignore_errors=True)


def test_list_file_input_runs_the_extraction_on_it(own, tmp_path, capfd):
    video_dir, _, work = own
    listing = osp.join(video_dir, 'videos.txt')
    with open(listing, 'w') as f:
        f.write('wave/wave_0.avi wave\nclap/clap_0.avi clap\n')
    assert tool.main([listing, str(work), '--steps', 'skeletons']) == 0
    log = (tmp_path / 'extract.log').read_text()
    assert log.startswith(f'{listing} -o {work}/skeletons.pkl')
    # the tool itself skips what it has done: it runs again
    assert tool.main([listing, str(work), '--steps', 'skeletons']) == 0
    assert (tmp_path / 'extract.log').read_text().count('\n') == 2
    assert (work / 'classes.txt').read_text() == 'wave\nclap\n'
    args = tool.parse_args([listing, str(work)])
    assert tool.video_root(args) == video_dir


def test_ranks_run_one_step_at_a_time(
        own, tmp_path, monkeypatch, capfd):
    video_dir, _, work = own
    monkeypatch.setenv('WORLD_SIZE', '2')
    for steps in ('skeletons,strips,text', 'strips', 'skeletons,text'):
        assert tool.main([video_dir, str(work), '--steps', steps]) == 2
        assert 'one step at a time' in capfd.readouterr().err
    # a shard that finds no merged pickle: done, the last rank merges
    quiet = tmp_path / 'shard.py'
    quiet.write_text('import sys; sys.exit(0)\n')
    monkeypatch.setitem(tool.TOOLS, 'skeletons', str(quiet))
    assert tool.main([video_dir, str(work), '--steps', 'skeletons']) == 0
    assert 'this shard is done' in capfd.readouterr().out
    assert not (work / 'text_features').exists()


@pytest.mark.slow
@pytest.mark.real_data
def test_real_videos_skeletons_and_strips(tmp_path, capfd):
    """Two classes of a real two-person clip (the first 16 frames of
    demo_skeleton.mp4): the real extraction, then strips cropped to the
    two persons' boxes."""
    for cls in ('meet', 'talk'):
        (tmp_path / 'videos' / cls).mkdir(parents=True)
        write_cut(real_video('demo_skeleton.mp4'),
                  str(tmp_path / 'videos' / cls / 'a.avi'), FRAMES)
    work = tmp_path / 'work'
    try:
        status = tool.main([str(tmp_path / 'videos'), str(work), '--steps',
                            'skeletons,strips', '--video-backend',
                            'opencv'])
    finally:
        out = capfd.readouterr().out
    assert status == 0, out
    with open(work / 'skeletons.pkl', 'rb') as f:
        content = pickle.load(f)
    assert content['classes'] == ['meet', 'talk']
    for ann in content['annotations']:
        assert ann['keypoint'].shape[:3] == (2, FRAMES, 17)
        assert ann['person_boxes'].shape == (2, FRAMES, 4)
    strips = sorted(visible(work / 'strips'))
    assert strips[:2] == ['failures.txt', 'meet__a.jpg']
    assert 'num_classes = 2' in out


def test_text_tool_ending_without_a_cache_fails_the_step(
        own, tmp_path, monkeypatch, capfd):
    """A text tool that crashes (Python exits 1, as for some failed
    samples) and leaves no cache index: the step failed as a whole."""
    video_dir, _, work = own
    quiet = tmp_path / 'quiet.py'
    quiet.write_text('import sys; sys.exit(0)\n')
    crash = tmp_path / 'crash.py'
    crash.write_text('raise OSError("cannot load the MLLM")\n')
    monkeypatch.setitem(tool.TOOLS, 'strips', str(quiet))
    monkeypatch.setitem(tool.TOOLS, 'text', str(crash))
    assert tool.main([video_dir, str(work)]) == 2
    err = capfd.readouterr().err
    assert 'cannot load the MLLM' in err
    assert 'the text step failed (exit status 2)' in err

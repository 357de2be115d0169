"""demo/run_own_videos.sh on the real videos: a labelled set cut from
them (with a broken file in a class folder) -> skeletons (BlazePose),
strips, text features (a tiny local MLLM) -> MMCL training -> the
exported skeleton-only model -> a held-out clip labelled, drawn and
written as JSON. One run of the command for the module (short clips, one
training iteration); each test checks one product of it."""
import glob
import json
import math
import os
import os.path as osp
import pickle
import subprocess
import sys

import cv2
import numpy as np
import pytest
from pose_videos import VIDEO_DIR
from tiny_mllms import build_tiny_mllm

from mmcl_tools.videos.example_set import EXAMPLE_VIDEOS, make_example_set

pytestmark = [pytest.mark.slow(seconds=85), pytest.mark.real_data]

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'demo', 'run_own_videos.sh')
CLIPS, CLIP_FRAMES, HIDDEN = 2, 12, 32
CLASSES = sorted(cls for cls, _ in EXAMPLE_VIDEOS)


@pytest.fixture(scope='module')
def path_run(tmp_path_factory):
    """The command's run: (completed process, work dir, example set)."""
    if not all(osp.isfile(osp.join(VIDEO_DIR, name))
               for _, name in EXAMPLE_VIDEOS):
        pytest.skip(f'the real videos are not in {VIDEO_DIR}')
    root = tmp_path_factory.mktemp('own_videos')
    mllm = build_tiny_mllm('blip-vqa', str(root / 'tiny_blip'),
                           hidden_size=HIDDEN)
    work = root / 'work'
    # the set cut beforehand (the command keeps clips already cut), plus
    # a file that is not a video in a class folder
    example = make_example_set(VIDEO_DIR, str(work / 'example_set'), CLIPS,
                               CLIP_FRAMES)
    with open(osp.join(example.video_dir, 'interacting', 'broken.mp4'),
              'wb') as f:
        f.write(b'not a video')
    env = dict(os.environ, WORK_DIR=str(work), MLLM=mllm, CLIPS=str(CLIPS),
               CLIP_FRAMES=str(CLIP_FRAMES), EPOCHS='1', VIDEOS=VIDEO_DIR,
               PYTHONPATH=REPO, PATH=osp.dirname(sys.executable) +
               os.pathsep + os.environ.get('PATH', ''))
    result = subprocess.run(['bash', SCRIPT], env=env, capture_output=True,
                            text=True, timeout=600)
    return result, work, example


def output(result) -> str:
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def skeletons(path_run):
    with open(path_run[1] / 'prepared' / 'skeletons.pkl', 'rb') as f:
        return pickle.load(f)


def test_broken_file_is_named_and_the_rest_completes(path_run):
    result, work, _ = path_run
    text = output(result)
    assert result.returncode == 1, text[-4000:]
    assert 'FAILED interacting/broken.mp4' in text
    assert 'some videos failed in the prepare step' in text
    for step in range(1, 6):
        assert f'[own_videos] {step}/5' in text
    assert (work / 'labelled_interacting.json').is_file(), text[-4000:]


def test_every_clip_extracted_with_its_shapes(path_run, skeletons):
    _, _, example = path_run
    assert skeletons['classes'] == CLASSES
    by_file = {a['filename']: a for a in skeletons['annotations']}
    clips = {f'{cls}/{osp.basename(p)}'
             for cls, paths in example.clips.items() for p in paths}
    assert set(by_file) == clips  # the broken file is left out
    for filename, ann in by_file.items():
        assert ann['label'] == CLASSES.index(filename.split('/')[0])
        num_persons = ann['keypoint'].shape[0]
        assert 1 <= num_persons <= 2
        assert ann['keypoint'].shape == (num_persons, CLIP_FRAMES, 17, 2)
        assert ann['keypoint_score'].shape == (num_persons, CLIP_FRAMES, 17)
        assert ann['person_boxes'].shape == (num_persons, CLIP_FRAMES, 4)
        assert ann['total_frames'] == CLIP_FRAMES
    # stratified: every class in both splits
    for split in ('train', 'val'):
        labels = {by_file[f]['label'] for f in skeletons['split'][split]}
        assert labels == set(range(len(CLASSES))), (split, labels)


def test_persons_found_in_every_frame_of_the_interacting_clips(skeletons):
    """demo_skeleton.mp4's two people: somebody in every frame of every
    clip, both of them in the clip of its first frames (its later frames,
    cut on their own, give the detector one person: docs/own_videos.md,
    "Measured")."""
    interacting = {a['filename']: a for a in skeletons['annotations']
                   if a['filename'].startswith('interacting/')}
    assert len(interacting) == CLIPS
    for filename, ann in interacting.items():
        persons = (ann['keypoint_score'].max(-1) > 0).sum(0)
        assert (persons >= 1).all(), (filename, persons)
        boxes = ann['person_boxes'][0]
        assert (boxes[:, 2] > boxes[:, 0]).all()
    first = interacting['interacting/interacting_0.mp4']
    persons = (first['keypoint_score'].max(-1) > 0).sum(0)
    assert np.mean(persons == 2) >= 0.9, persons


def test_strips_and_text_features_of_every_clip(path_run, skeletons):
    from mmcl_plugin.text_cache.cache_reader import TextFeatureCache
    prepared = path_run[1] / 'prepared'
    names = [a['frame_dir'] for a in skeletons['annotations']]
    for name in names:
        strip = cv2.imread(str(prepared / 'strips' / f'{name}.jpg'))
        assert strip is not None and strip.shape == (224, 1120, 3), name
    cache = TextFeatureCache(str(prepared / 'text_features'))
    assert all(name in cache for name in names) and not cache.failed
    assert (prepared / 'classes.txt').read_text().split() == CLASSES


def test_training_logs_the_three_losses(path_run):
    logs = glob.glob(str(path_run[1] / 'train' / '*' / 'vis_data' /
                         'scalars.json'))
    assert logs
    with open(logs[0]) as f:
        entries = [json.loads(line) for line in f]
    train = [e for e in entries if 'loss_cls' in e]
    assert train
    for key in ('loss_cls', 'loss_align', 'loss_refine'):
        assert math.isfinite(train[-1][key]) and train[-1][key] > 0, key


def test_exported_model_is_the_bare_gcn(path_run):
    import torch
    from mmaction.registry import MODELS
    from mmengine.config import Config
    work = path_run[1]
    cfg = Config.fromfile(str(work / 'skeleton_only.py'))
    assert 'fam_head' not in cfg.model and 'frm_head' not in cfg.model
    model = MODELS.build(cfg.model)
    state = torch.load(str(work / 'skeleton_only.pth'), map_location='cpu',
                       weights_only=False)['state_dict']
    model.load_state_dict(state, strict=True)
    assert model.cls_head.fc.out_features == len(CLASSES)


def test_held_out_clip_labelled(path_run):
    result, work, _ = path_run
    with open(work / 'labelled_interacting.json') as f:
        labels = json.load(f)
    assert labels['num_frames'] == CLIP_FRAMES
    assert labels['frames_with_pose'] == CLIP_FRAMES
    names = [entry['name'] for entry in labels['topk']]
    assert sorted(names) == CLASSES  # --topk = the classes of the set
    scores = [entry['score'] for entry in labels['topk']]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
    assert abs(sum(scores) - 1) < 1e-3
    for stage in ('decode', 'pose', 'model', 'drawing'):
        assert labels['ms_per_frame'][stage] > 0
    video = cv2.VideoCapture(str(work / 'labelled_interacting.mp4'))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == CLIP_FRAMES
    video.release()
    assert f'{labels["topk"][0]["name"]}' in result.stdout

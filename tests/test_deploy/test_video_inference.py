"""tools/deploy/infer_video.py's library (mmcl_tools.deploy.video_inference):
an MMCL checkpoint labels a video's skeletons with the bare GCN, as the
MMCL model's own test path scores them; the labelled video shows the
skeletons and the label; the JSON holds the top-k and the stage timings;
bad inputs are named. The pose part is injected (a sample, or a fake
extraction); the full path (real video -> extract_video -> labels) runs
when mmcl_tools.videos and its pose backend are there."""
import copy
import json
import os.path as osp
import time

import cv2
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from mmcl_tools.deploy.video_inference import (STAGES, VideoExtractor,
                                               VideoClassifier,
                                               VideoInferenceError,
                                               label_video, skeleton_edges)
from own_videos import annotation, person_boxes, write_video

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMCL_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'own_videos',
    'mmcl-stgcnpp_8xb16-joint-u100-80e_own-videos-keypoint-2d.py')
NAMES = ('wave', 'clap', 'sit')
SHARED_VIDEOS = osp.join(REPO_ROOT, '..', 'shared', 'data', 'videos')

pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """An MMCL config of 3 classes, short test clips, and a checkpoint of
    its MMCLRecognizer (FAM and FRM included)."""
    cfg = Config.fromfile(MMCL_CONFIG)
    cfg.model.cls_head.num_classes = len(NAMES)
    cfg.model.fam_head.image_encoder.init_cfg = None
    cfg.model.frm_head.text_channels = 8
    for step in cfg.test_dataloader.dataset.pipeline:
        if step['type'] == 'UniformSampleFrames':
            step.update(clip_len=16, num_clips=3)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():  # scores that differ between classes
        model.cls_head.fc.bias.copy_(torch.tensor([0.5, -0.3, 0.1]))
    model.eval()
    path = str(tmp_path_factory.mktemp('ckpt') / 'mmcl.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return cfg, model, path


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    root = tmp_path_factory.mktemp('video')
    path = write_video(str(root / 'clip.avi'), person_boxes())
    sample = annotation('clip', 0, 'clip.avi')
    sample.pop('label')
    return path, sample


def test_mmcl_checkpoint_scores_as_the_mmcl_models_test_path(trained,
                                                             video):
    cfg, model, path = trained
    _, sample = video
    classifier = VideoClassifier(cfg, path, NAMES)
    assert type(classifier.classifier.backbone).__name__ == 'STGCN'
    assert not hasattr(classifier.classifier, 'fam_head')
    assert classifier.layout == 'coco17'
    scores = classifier(sample)
    # the MMCL recognizer's own skeleton-only test path on the same clips
    packed = Compose(cfg.test_dataloader.dataset.pipeline)(
        dict(sample, start_index=0, modality='Pose'))
    with torch.no_grad():
        expected = model.test_step(pseudo_collate([packed]))[0].pred_score
    np.testing.assert_allclose(scores, expected.double().numpy(),
                               rtol=1e-5, atol=1e-6 * float(
                                   np.abs(expected).max()))
    assert scores.sum() == pytest.approx(1., rel=1e-6)  # 'prob' averaging


def test_label_video_draws_and_writes_json(trained, video, tmp_path):
    cfg, _, path = trained
    video_path, sample = video
    classifier = VideoClassifier(cfg, path, NAMES)
    out_video = str(tmp_path / 'labelled.mp4')
    out_json = str(tmp_path / 'labels.json')
    result = label_video(video_path, classifier, NAMES, sample=sample,
                         topk=2, out_video=out_video, out_json=out_json)
    scores = classifier(sample)
    best = int(np.argmax(scores))
    assert result.topk[0][:2] == (best, NAMES[best])
    assert [t[0] for t in result.topk] == list(np.argsort(-scores)[:2])
    assert result.frames_with_pose == result.frames_with_two_persons == 12
    # no decode / pose stage for a given sample
    assert result.ms_per_frame['decode'] is None
    assert result.ms_per_frame['pose'] is None
    assert result.ms_per_frame['model'] > 0
    assert result.ms_per_frame['drawing'] > 0
    saved = json.loads(open(out_json).read())
    assert saved['topk'][0] == dict(class_id=best, name=NAMES[best],
                                    score=pytest.approx(scores[best]))
    assert set(saved['ms_per_frame']) == set(STAGES)

    # the labelled video: every frame, skeleton lines along the bones,
    # the label band at the top left, the rest as it was
    original = cv2.VideoCapture(video_path)
    labelled = cv2.VideoCapture(out_video)
    edges = skeleton_edges('coco17')
    frames = 0
    while True:
        ok_a, before = original.read()
        ok_b, after = labelled.read()
        assert ok_a == ok_b
        if not ok_a:
            break
        t = frames
        diff = np.abs(before.astype(int) - after.astype(int)).max(-1)
        # midpoints of person 0's bones are drawn over
        points = sample['keypoint'][0, t]
        mids = [((points[i] + points[j]) / 2).astype(int) for i, j in edges]
        drawn = np.mean([diff[y, x] > 60 for x, y in mids])
        assert drawn > 0.8, (t, drawn)
        # the bottom-right corner (background, no person, no text) kept
        assert np.median(diff[-10:, -10:]) < 20
        # the label band darkens the top-left corner
        assert after[6:14, 1:6].mean() < before[6:14, 1:6].mean() / 2
        frames += 1
    assert frames == 12


def test_extraction_timing_gives_decode_and_pose(trained, video):
    """extract_video's ``timing`` (ms per frame): tracking counts as pose;
    an extraction without one has its whole time as pose."""
    cfg, _, path = trained
    video_path, sample = video
    classifier = VideoClassifier(cfg, path, NAMES)
    timed = dict(sample, timing=dict(decode=1.5, pose=20., detector=12.,
                                     tracking=0.5),
                 notes=['variable frame rate'])
    result = label_video(video_path, classifier, NAMES,
                         extract=lambda p: timed)
    assert result.ms_per_frame['decode'] == 1.5
    assert result.ms_per_frame['pose'] == 20.5
    assert result.ms_per_frame['drawing'] is None
    assert result.notes == ['variable frame rate']

    def slow(p):
        time.sleep(0.12)
        return dict(sample)

    result = label_video(video_path, classifier, NAMES, extract=slow)
    assert result.ms_per_frame['decode'] is None
    assert result.ms_per_frame['pose'] >= 120 / 12


def test_bad_inputs_are_named(trained, video, tmp_path):
    cfg, _, path = trained
    video_path, sample = video
    classifier = VideoClassifier(cfg, path, NAMES)
    nobody = dict(sample, keypoint=np.zeros_like(sample['keypoint']),
                  keypoint_score=np.zeros_like(sample['keypoint_score']))
    with pytest.raises(VideoInferenceError,
                       match='clip.avi: no person was found in any of its '
                       '12 frames'):
        label_video(video_path, classifier, NAMES, sample=nobody)
    missing = str(tmp_path / 'missing.mp4')
    with pytest.raises(VideoInferenceError, match='missing.mp4: no such'):
        label_video(missing, classifier, NAMES, extract=lambda p: sample)

    def broken(path):
        raise RuntimeError('cannot decode frame 3')

    with pytest.raises(VideoInferenceError,
                       match='pose extraction failed: RuntimeError: cannot '
                       'decode frame 3'):
        label_video(video_path, classifier, NAMES, extract=broken)

    def nobody_found(path):
        raise RuntimeError(f'{path}: no person found in any of its 12 '
                           'frames')

    with pytest.raises(VideoInferenceError) as error:
        label_video(video_path, classifier, NAMES, extract=nobody_found)
    assert str(error.value) == (f'{video_path}: no person found in any of '
                                'its 12 frames')
    wrong = dict(sample, keypoint=np.zeros((1, 12, 25, 2), np.float32) + 1)
    with pytest.raises(VideoInferenceError, match='25 joints, the model '
                       'takes 17'):
        label_video(video_path, classifier, NAMES, sample=wrong)
    with pytest.raises(ValueError, match='2 class names for a model of 3'):
        VideoClassifier(cfg, path, NAMES[:2])
    # skeletons of frames of another size (e.g. a rotated video decoded
    # sideways) are not drawn on the wrong pixels
    height, width = sample['img_shape']
    turned = dict(sample, img_shape=(width, height))
    with pytest.raises(VideoInferenceError,
                       match=f'clip.avi: OpenCV decodes {width}x{height} '
                       f'frames, the skeletons are of {height}x{width}'):
        label_video(video_path, classifier, NAMES, sample=turned,
                    out_video=str(tmp_path / 'turned.mp4'))
    assert not (tmp_path / 'turned.mp4').exists()


def test_class_names_from_the_training_data(trained, tmp_path):
    """Without names: classes.txt beside the training pickle (written by
    the extraction), else numbered."""
    cfg, _, path = trained
    cfg = copy.deepcopy(cfg)  # the fixture's stays as it is
    assert VideoClassifier(cfg, path).class_names == ('class 0', 'class 1',
                                                      'class 2')
    (tmp_path / 'classes.txt').write_text('wave\nclap\nsit\n')
    cfg.train_dataloader.dataset.dataset.ann_file = str(
        tmp_path / 'skeletons.pkl')
    assert VideoClassifier(cfg, path).class_names == NAMES


def test_video_extractor_calls_extract_video(video):
    video_path, sample = video
    seen = []

    def extract_video(path, backend, layout, max_persons):
        seen.append((path, backend, layout, max_persons))
        return sample

    extract = VideoExtractor('fake', 'coco17', extract_video=extract_video)
    assert extract(video_path) is sample
    assert seen == [(video_path, 'fake', 'coco17', 2)]


@pytest.mark.slow
@pytest.mark.real_data
def test_real_video_through_extract_video(trained, tmp_path):
    """A real video of two people: BlazePose -> extract_video -> the
    model's labels, the drawn video and the JSON."""
    video_path = osp.join(SHARED_VIDEOS, 'demo_skeleton.mp4')
    if not osp.isfile(video_path):
        pytest.skip(f'{video_path} not here')
    from mmcl_tools.pose import build_pose_backend
    try:
        backend = build_pose_backend('blazepose')
    except (ImportError, OSError) as error:
        pytest.skip(f'BlazePose unavailable: {error}')
    cfg, _, path = trained
    classifier = VideoClassifier(cfg, path, NAMES)
    extract = VideoExtractor(backend, classifier.layout)
    result = label_video(video_path, classifier, NAMES, extract=extract,
                         out_video=str(tmp_path / 'out.mp4'),
                         out_json=str(tmp_path / 'out.json'))
    assert result.frames_with_pose > 0.5 * result.num_frames
    assert all(result.ms_per_frame[s] is not None for s in STAGES)
    assert len(result.topk) == 3
    assert osp.getsize(tmp_path / 'out.mp4') > 0

"""mmcl_tools.strips.strip_features: the samples and strip
settings of a training config, and their whole-clip strips for the
feature caches."""

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmcl_plugin.datasets import BuildFrameStrip
from mmcl_tools.strips import (StripDataset, collate_strips,
                               offline_data_infos, strip_step_cfg)

from strip_videos import (annotation, tile_colours,  # noqa: E402
                          whole_frame_keypoints, write_ann_file, write_video)

NAMES = ['S001C001P001R001A001', 'S001C002P002R001A002']
STEP = dict(type='BuildFrameStrip', num_frames=5, strip_size=(24, 120))


def training_config(tmp_path, **extra):
    """A config whose train dataset (inside a RepeatDataset) has two
    samples with videos and names caches that do not exist yet."""
    videos = tmp_path / 'videos'
    videos.mkdir(exist_ok=True)
    for name in NAMES:
        write_video(str(videos / f'{name}_rgb.avi'))
    ann_file = write_ann_file(
        str(tmp_path / 'ann.pkl'),
        [annotation(n, whole_frame_keypoints()) for n in NAMES],
        dict(train=NAMES, val=NAMES[1:]))
    dataset = dict(type='MMCLPoseDataset', ann_file=ann_file, split='train',
                   video_root=str(videos), video_suffix='_rgb.avi',
                   text_feature_root=str(tmp_path / 'no_text'),
                   text_feature_cache=str(tmp_path / 'no_cache'),
                   strip_feature_root=str(tmp_path / 'no_features'),
                   pipeline=[dict(type='UniformSampleFrames', clip_len=8),
                             STEP])
    return Config(dict(train_dataloader=dict(
        dataset=dict(type='RepeatDataset', times=3, dataset=dataset)),
                       **extra))


def test_samples_and_strip_step_of_a_config(tmp_path):
    cfg = training_config(tmp_path)
    assert strip_step_cfg(cfg) == STEP
    other = dict(type='BuildFrameStrip', num_frames=3, strip_size=(8, 24))
    assert strip_step_cfg(training_config(tmp_path,
                                          strip_step=other)) == other
    # the caches being made need not exist; no pipeline runs
    infos = offline_data_infos(cfg)
    assert [info['frame_dir'] for info in infos] == NAMES
    assert infos[0]['video_path'].endswith(f'{NAMES[0]}_rgb.avi')
    assert 'frame_inds' not in infos[0]
    assert [i['frame_dir'] for i in offline_data_infos(cfg, 'val')] == \
        NAMES[1:]
    cfg.train_dataloader.dataset.dataset.pipeline = []
    with pytest.raises(KeyError, match='neither `strip_step` nor'):
        strip_step_cfg(cfg)


def test_strip_dataset_gives_whole_clip_strips_or_errors(tmp_path):
    infos = offline_data_infos(training_config(tmp_path))
    infos[0]['frame_inds'] = np.array([10, 11, 12])  # a training window
    infos.append(dict(frame_dir='S001C003P001R001A003',
                      video_path=str(tmp_path / 'missing.avi')))
    dataset = StripDataset(infos, BuildFrameStrip(**{
        k: v for k, v in STEP.items() if k != 'type'}))
    names, strips, errors = collate_strips([dataset[i] for i in range(3)])
    assert names == NAMES + ['S001C003P001R001A003']
    assert errors[:2] == [None, None] and strips[2] is None
    assert errors[2].startswith('MediaError: BuildFrameStrip: cannot '
                                "read the video of sample 'S001C003")
    for strip in strips[:2]:
        assert strip.shape == (3, 24, 120) and strip.dtype == torch.uint8
        # the whole 20-frame clip, not the window 10..12
        assert tile_colours(strip.permute(1, 2, 0).numpy(),
                            5) == [2, 6, 10, 14, 18]

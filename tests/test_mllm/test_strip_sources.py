"""Where strips come from: arrays, an image directory, an MMCL config."""
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from mllm_helpers import DEMO_TRAIN, REPO

from mmcl_tools.mllm.strip_sources import (DatasetStripSource,
                                           ImageDirectorySource,
                                           InMemoryStripSource, collate_items)

DEMO_CACHE_CONFIG = osp.join(
    REPO, 'projects', 'mllm_text_cache', 'configs',
    'mmcl-ctrgcn-textcache_1xb8-joint-u32-8e_demo-keypoint-3d.py')


def test_in_memory_source():
    strips = {'a': np.zeros((4, 6, 3), np.uint8), 'b': np.ones((4, 6))}
    source = InMemoryStripSource(strips)
    assert source.names() == ['a', 'b']
    dataset = source.dataset(['b', 'a'])
    name, strip, error = dataset[1]
    assert name == 'a' and strip.shape == (4, 6, 3) and error is None
    name, strip, error = dataset[0]
    assert name == 'b' and strip is None and '(H, W, 3) uint8' in error
    assert collate_items([dataset[1]]) == [dataset[1]]


def test_image_directory_source(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (8, 20, 3), np.uint8)
    Image.fromarray(rgb).save(str(tmp_path / 'S001.png'))
    Image.fromarray(rgb[..., 0]).save(str(tmp_path / 'S002.jpg'))  # grey
    (tmp_path / 'S003.jpg').write_bytes(b'not an image')
    (tmp_path / 'notes.txt').write_text('ignored')
    source = ImageDirectorySource(str(tmp_path))
    assert source.names() == ['S001', 'S002', 'S003']
    dataset = source.dataset(source.names())
    np.testing.assert_array_equal(dataset[0][1], rgb)  # PNG: lossless
    assert dataset[1][1].shape == (8, 20, 3)  # grey becomes RGB
    name, strip, error = dataset[2]
    assert strip is None and 'S003.jpg' in error
    Image.fromarray(rgb).save(str(tmp_path / 'S001.jpg'))
    with pytest.raises(ValueError, match='several images'):
        ImageDirectorySource(str(tmp_path))
    os.makedirs(str(tmp_path / 'empty'))
    with pytest.raises(ValueError, match='no .*images'):
        ImageDirectorySource(str(tmp_path / 'empty'))
    with pytest.raises(FileNotFoundError):
        ImageDirectorySource(str(tmp_path / 'nowhere'))


def test_dataset_source_makes_whole_clip_strips(demo_workspace, monkeypatch):
    monkeypatch.chdir(demo_workspace)
    cfg = Config.fromfile(DEMO_CACHE_CONFIG)
    source = DatasetStripSource(cfg)
    names = source.names()
    assert len(names) == DEMO_TRAIN
    name, strip, error = source.dataset(names[:1])[0]
    assert error is None and name == names[0]
    assert strip.shape == (64, 320, 3) and strip.dtype == np.uint8
    # the whole clip: the same strip every time
    np.testing.assert_array_equal(source.dataset(names[:1])[0][1], strip)
    assert len(DatasetStripSource(cfg, split='val').names()) == 4

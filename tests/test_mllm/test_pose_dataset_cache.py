"""MMCLPoseDataset(text_feature_cache=...): samples joined with the cache,
missing or failed samples reported at start-up."""
import os.path as osp

import numpy as np
import pytest

from mllm_helpers import DEMO_TRAIN, write_synthetic_cache

from mmcl_plugin.datasets import MMCLPoseDataset


def demo_paths(workspace):
    root = osp.join(workspace, 'data', 'demo')
    return (osp.join(root, 'demo_ntu25.pkl'), osp.join(root, 'text_cache'),
            osp.join(root, 'text_features'))


def test_samples_read_their_cached_features(demo_workspace):
    ann_file, cache, npy_dir = demo_paths(demo_workspace)
    dataset = MMCLPoseDataset(
        ann_file, [dict(type='LoadTextFeatureFromCache')],
        split='train',
        text_feature_cache=cache)
    assert len(dataset) == DEMO_TRAIN
    for index in (0, DEMO_TRAIN - 1):
        sample = dataset[index]
        assert sample['text_feature_cache'] == cache
        # the (L, D) answer tokens of the demo's .npy files, as one prompt
        expected = np.load(osp.join(npy_dir, sample['frame_dir'] + '.npy'))
        np.testing.assert_array_equal(sample['text_feature'],
                                      expected.astype(np.float32)[None])
        assert sample['text_feature'].dtype == np.float32
        assert sample['text_mask'].shape == (1, len(expected))
        assert sample['text_mask'].all()


def test_samples_missing_or_failed_in_the_cache(demo_workspace, tmp_path):
    ann_file, _, _ = demo_paths(demo_workspace)
    names = [
        info['frame_dir'] for info in MMCLPoseDataset(
            ann_file, [], split='train').load_data_list()
    ]
    cache = str(tmp_path / 'partial')
    write_synthetic_cache(
        cache,
        names[:5] + names[6:7],
        failed={names[6]: 'ValueError: bad video'})
    with pytest.raises(FileNotFoundError) as error:
        MMCLPoseDataset(ann_file, [], split='train', text_feature_cache=cache)
    message = str(error.value)
    assert f'{DEMO_TRAIN} samples' in message
    assert '3 without text_feature_cache' in message
    assert f'{names[5]} (text_feature_cache): {cache} (not in the index)' \
        in message
    assert f'{names[6]} (text_feature_cache): {cache} (extraction ' \
        'failed: ValueError: bad video)' in message

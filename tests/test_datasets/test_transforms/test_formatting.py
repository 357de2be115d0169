import numpy as np
import pytest
import torch
from mmaction.datasets.transforms import PackActionInputs

from mmcl_plugin.datasets.transforms import PackMMCLInputs

META_KEYS = ('frame_dir', )


def skeleton_results():
    rng = np.random.default_rng(0)
    return dict(frame_dir='S001',
                label=3,
                keypoint=rng.normal(size=(1, 2, 8, 25, 3)).astype(np.float32))


def test_mmcl_fields_are_packed():
    rng = np.random.default_rng(1)
    strip = rng.integers(0, 256, size=(4, 10, 3), dtype=np.uint8)
    text = rng.normal(size=(5, 7)).astype(np.float16)
    strip_feature = rng.normal(size=(9, )).astype(np.float64)
    results = dict(skeleton_results(),
                   frame_strip=strip,
                   text_feature=text,
                   strip_feature=strip_feature)

    packed = PackMMCLInputs(meta_keys=META_KEYS)(results)
    sample = packed['data_samples']

    assert packed['inputs'].shape == (1, 2, 8, 25, 3)
    assert sample.frame_strip.dtype == torch.uint8
    assert sample.frame_strip.shape == (3, 4, 10)
    # channel-first, same pixels: (H, W, C) -> (C, H, W)
    np.testing.assert_array_equal(sample.frame_strip.numpy(),
                                  strip.transpose(2, 0, 1))
    assert sample.text_feature.dtype == torch.float32
    assert sample.text_feature.shape == (5, 7)
    np.testing.assert_allclose(sample.text_feature.numpy(), text)
    assert sample.strip_feature.dtype == torch.float32
    assert sample.strip_feature.shape == (9, )
    np.testing.assert_allclose(sample.strip_feature.numpy(),
                               strip_feature,
                               rtol=1e-6)
    assert sample.gt_label.item() == 3
    assert sample.metainfo['frame_dir'] == 'S001'


def test_only_present_fields_are_packed():
    results = dict(skeleton_results(), text_feature=np.ones((2, 3)))
    sample = PackMMCLInputs()(results)['data_samples']
    assert 'text_feature' in sample
    assert 'frame_strip' not in sample and 'strip_feature' not in sample


def test_without_extras_equals_pack_action_inputs():
    ours = PackMMCLInputs(meta_keys=META_KEYS)(skeleton_results())
    theirs = PackActionInputs(meta_keys=META_KEYS)(skeleton_results())
    assert ours.keys() == theirs.keys()
    torch.testing.assert_close(ours['inputs'], theirs['inputs'])
    ours, theirs = ours['data_samples'], theirs['data_samples']
    assert type(ours) is type(theirs)
    assert set(ours.keys()) == set(theirs.keys())
    assert ours.metainfo == theirs.metainfo
    torch.testing.assert_close(ours.gt_label, theirs.gt_label)


@pytest.mark.parametrize('extra', [
    dict(frame_strip=np.zeros((4, 10), dtype=np.uint8)),
    dict(frame_strip=np.zeros((4, 10, 3), dtype=np.float32)),
    dict(text_feature=np.zeros((2, 3, 4))),
    dict(strip_feature=np.zeros((1, 4))),
])
def test_malformed_fields_are_rejected(extra):
    with pytest.raises(ValueError):
        PackMMCLInputs()(dict(skeleton_results(), **extra))

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
    text = rng.normal(size=(2, 5, 7)).astype(np.float16)
    mask = np.ones((2, 5), dtype=bool)
    mask[1, 3:] = False
    strip_feature = rng.normal(size=(9, )).astype(np.float64)
    results = dict(skeleton_results(),
                   frame_strip=strip,
                   text_feature=text,
                   text_mask=mask,
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
    assert sample.text_feature.shape == (2, 5, 7)
    np.testing.assert_allclose(sample.text_feature.numpy(), text)
    assert sample.text_mask.dtype == torch.bool
    np.testing.assert_array_equal(sample.text_mask.numpy(), mask)
    assert sample.strip_feature.dtype == torch.float32
    assert sample.strip_feature.shape == (9, )
    np.testing.assert_allclose(sample.strip_feature.numpy(),
                               strip_feature,
                               rtol=1e-6)
    assert sample.gt_label.item() == 3
    assert sample.metainfo['frame_dir'] == 'S001'


def test_only_present_fields_are_packed():
    results = dict(skeleton_results(), text_feature=np.ones((1, 2, 3)))
    sample = PackMMCLInputs()(results)['data_samples']
    assert 'text_feature' in sample
    # no mask in the results: none packed (all tokens valid)
    assert 'text_mask' not in sample
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


@pytest.mark.parametrize('extra,problem', [
    (dict(frame_strip=np.zeros((4, 10), dtype=np.uint8)),
     r'frame_strip must be \(H, W, 3\) uint8, got \(4, 10\) uint8'),
    (dict(frame_strip=np.zeros((4, 10, 3), dtype=np.float32)),
     'got \\(4, 10, 3\\) float32'),
    (dict(frame_strip=np.zeros((4, 10, 4), dtype=np.uint8)),
     r'\(H, W, 3\) uint8, got \(4, 10, 4\)'),
    # (L, D) is not guessed to be one prompt: loaders give (P, L, D)
    (dict(text_feature=np.zeros((3, 4))),
     r'text_feature must be \(P, L, D\) float32, got \(3, 4\)'),
    (dict(text_feature=np.array([[['a']]])), r'got \(1, 1, 1\) <U1'),
    (dict(text_feature=np.zeros((1, 3, 4)), text_mask=np.ones((3, ), bool)),
     r'text_mask must be \(P, L\) bool like its text_feature \(1, 3, 4\)'
     r', got \(3,\) bool'),
    (dict(text_feature=np.zeros((1, 3, 4)), text_mask=np.ones((1, 3))),
     r'got \(1, 3\) float64'),
    (dict(strip_feature=np.zeros((1, 4))),
     r'strip_feature must be \(D, \) float32'),
])
def test_malformed_fields_are_rejected(extra, problem):
    with pytest.raises(ValueError, match="PackMMCLInputs: sample 'S001': "):
        PackMMCLInputs()(dict(skeleton_results(), **extra))
    with pytest.raises(ValueError, match=problem):
        PackMMCLInputs()(dict(skeleton_results(), **extra))

import pytest
import torch
from mmaction.structures import ActionDataSample

from mmcl_plugin.models.data_preprocessors import MMCLDataPreprocessor



def sample(strip=None, text=None, name='s', mask=None, strip_feature=None):
    data_sample = ActionDataSample().set_gt_label(0)
    data_sample.set_metainfo(dict(frame_dir=name))
    if strip is not None:
        data_sample.set_field(strip, 'frame_strip')
    if strip_feature is not None:
        data_sample.set_field(strip_feature, 'strip_feature')
    if text is not None:
        data_sample.set_field(text, 'text_feature')
    if mask is not None:
        data_sample.set_field(mask, 'text_mask')
    return data_sample


def batch(*samples):
    return dict(inputs=[torch.zeros(1, 1, 4, 25, 3)] * len(samples),
                data_samples=list(samples))


def test_strips_are_normalised_with_config_mean_std():
    pre = MMCLDataPreprocessor(strip_mean=[10, 20, 30], strip_std=[2, 4, 5])
    strip = torch.full((3, 2, 4), 50, dtype=torch.uint8)
    out = pre(batch(sample(strip), sample(strip)), training=True)
    assert out['frame_strips'].shape == (2, 3, 2, 4)
    assert out['frame_strips'].dtype == torch.float32
    expected = torch.tensor([20., 7.5, 4.])
    torch.testing.assert_close(out['frame_strips'][0, :, 0, 0], expected)
    assert out['inputs'].shape == (2, 1, 1, 4, 25, 3)


def test_strip_features_are_stacked():
    pre = MMCLDataPreprocessor()
    out = pre(batch(sample(strip_feature=torch.ones(5)),
                    sample(strip_feature=torch.zeros(5))), training=True)
    assert set(out) == {'inputs', 'data_samples', 'strip_features'}
    torch.testing.assert_close(out['strip_features'],
                               torch.stack([torch.ones(5), torch.zeros(5)]))


def test_aux_inputs_only_in_training():
    pre = MMCLDataPreprocessor()
    data = batch(sample(torch.zeros(3, 2, 2, dtype=torch.uint8),
                        torch.ones(1, 2, 3)))
    assert set(pre(data, training=False)) == {'inputs', 'data_samples'}


def test_text_features_are_padded_per_prompt_with_a_mask():
    pre = MMCLDataPreprocessor()
    a = torch.arange(2 * 2 * 3, dtype=torch.float32).view(2, 2, 3) + 1
    a_mask = torch.tensor([[True, True], [True, False]])
    b = -torch.ones(2, 4, 3)
    out = pre(batch(sample(text=a, mask=a_mask, name='a'),
                    sample(text=b, name='b')), training=True)
    features, masks = out['text_features'], out['text_masks']
    assert features.shape == (2, 2, 4, 3) and features.dtype == torch.float32
    assert masks.shape == (2, 2, 4) and masks.dtype == torch.bool
    torch.testing.assert_close(features[0, :, :2], a)
    assert features[0, :, 2:].abs().sum() == 0  # zero padding
    torch.testing.assert_close(features[1], b)
    # the sample's own mask, then padding; no mask: all tokens valid
    assert masks[0].tolist() == [[True, True, False, False],
                                 [True, False, False, False]]
    assert bool(masks[1].all())


def test_samples_with_different_prompt_counts_are_named():
    pre = MMCLDataPreprocessor()
    data = batch(sample(text=torch.ones(2, 3, 4), name='two_a'),
                 sample(text=torch.ones(1, 5, 4), name='S001C001P001R001A007'),
                 sample(text=torch.ones(2, 1, 4), name='two_b'))
    with pytest.raises(ValueError) as error:
        pre(data, training=True)
    message = str(error.value)
    assert 'agree on P of text_feature (P, L, D)' in message
    assert "2 in ['two_a', 'two_b']" in message
    assert "1 in ['S001C001P001R001A007']" in message


def test_badly_shaped_fields_are_named():
    pre = MMCLDataPreprocessor()
    # (L, D) is not guessed to be one prompt
    with pytest.raises(ValueError,
                       match=r"text_feature of sample 'old' has shape "
                       r'\(5, 4\), expected \(P, L, D\)'):
        pre(batch(sample(text=torch.ones(5, 4), name='old')), training=True)
    with pytest.raises(ValueError, match=r'agree on D.*4 in \[.a.\]'):
        pre(batch(sample(text=torch.ones(1, 2, 4), name='a'),
                  sample(text=torch.ones(1, 2, 6), name='b')), training=True)
    with pytest.raises(ValueError,
                       match=r"sample 'm': text_mask must be \(P, L\) bool"):
        pre(batch(sample(text=torch.ones(1, 2, 4), name='m',
                         mask=torch.ones(1, 3, dtype=torch.bool))),
            training=True)
    with pytest.raises(ValueError, match=r'got \(1, 2\) int64'):
        pre(batch(sample(text=torch.ones(1, 2, 4), name='m',
                         mask=torch.ones(1, 2, dtype=torch.long))),
            training=True)
    with pytest.raises(ValueError, match=r'agree on H of frame_strip'):
        pre(batch(sample(torch.zeros(3, 2, 4, dtype=torch.uint8)),
                  sample(torch.zeros(3, 5, 4, dtype=torch.uint8))),
            training=True)
    with pytest.raises(ValueError, match=r'expected \(3, H, W\)'):
        pre(batch(sample(torch.zeros(4, 2, 4, dtype=torch.uint8))),
            training=True)


def test_partially_missing_field_names_the_samples():
    pre = MMCLDataPreprocessor()
    data = batch(sample(text=torch.ones(1, 2, 3), name='a'),
                 sample(name='S001C001P001R001A007'))
    with pytest.raises(ValueError, match='S001C001P001R001A007'):
        pre(data, training=True)


def test_strips_resized_to_a_short_side_before_normalising():
    pre = MMCLDataPreprocessor(strip_mean=[10, 20, 30], strip_std=[2, 4, 5],
                               strip_short_side=6)
    strip = torch.full((3, 2, 8), 50, dtype=torch.uint8)
    strip[:, :, 4:] = 90
    data = dict(inputs=[torch.zeros(1, 1, 4, 25, 3)],
                data_samples=[sample(strip)])
    strips = pre(data, training=True)['frame_strips']
    assert strips.shape == (1, 3, 6, 24)  # aspect 1:4 kept
    # a constant region stays constant; then normalised per channel
    torch.testing.assert_close(strips[0, :, 0, 0],
                               torch.tensor([20., 7.5, 4.]))
    torch.testing.assert_close(strips[0, :, 0, -1],
                               torch.tensor([40., 17.5, 12.]))
    with pytest.raises(ValueError, match='strip_short_side'):
        MMCLDataPreprocessor(strip_short_side=0)

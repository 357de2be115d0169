import pytest
import torch
from mmaction.structures import ActionDataSample

from mmcl_plugin.models.data_preprocessors import MMCLDataPreprocessor
from mmcl_plugin.models.data_preprocessors.mmcl_data_preprocessor import \
    pad_token_features


def sample(strip=None, text=None, name='s'):
    data_sample = ActionDataSample().set_gt_label(0)
    data_sample.set_metainfo(dict(frame_dir=name))
    if strip is not None:
        data_sample.set_field(strip, 'frame_strip')
    if text is not None:
        data_sample.set_field(text, 'text_feature')
    return data_sample


def test_strips_are_normalised_with_config_mean_std():
    pre = MMCLDataPreprocessor(strip_mean=[10, 20, 30], strip_std=[2, 4, 5])
    strip = torch.full((3, 2, 4), 50, dtype=torch.uint8)
    data = dict(inputs=[torch.zeros(1, 1, 4, 25, 3)] * 2,
                data_samples=[sample(strip), sample(strip)])
    out = pre(data, training=True)
    assert out['frame_strips'].shape == (2, 3, 2, 4)
    assert out['frame_strips'].dtype == torch.float32
    expected = torch.tensor([20., 7.5, 4.])
    torch.testing.assert_close(out['frame_strips'][0, :, 0, 0], expected)
    assert out['inputs'].shape == (2, 1, 1, 4, 25, 3)


def test_aux_inputs_only_in_training():
    pre = MMCLDataPreprocessor()
    data = dict(inputs=[torch.zeros(1, 1, 4, 25, 3)],
                data_samples=[sample(torch.zeros(3, 2, 2, dtype=torch.uint8),
                                     torch.ones(2, 3))])
    assert set(pre(data, training=False)) == {'inputs', 'data_samples'}


def test_text_features_are_padded_with_a_mask():
    features = [torch.ones(2, 3), 2 * torch.ones(4, 3)]
    batch, mask = pad_token_features(features)
    assert batch.shape == (2, 4, 3)
    assert mask.tolist() == [[True, True, False, False], [True] * 4]
    assert batch[0, 2:].abs().sum() == 0 and batch[1].min() == 2


def test_partially_missing_field_names_the_samples():
    pre = MMCLDataPreprocessor()
    data = dict(
        inputs=[torch.zeros(1, 1, 4, 25, 3)] * 2,
        data_samples=[sample(text=torch.ones(2, 3), name='a'),
                      sample(name='S001C001P001R001A007')])
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

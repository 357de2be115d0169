"""The modality table: its entries, the helpers, and that a new entry is
all the packer and the preprocessor need."""
import inspect

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from mmcl_plugin.datasets.transforms import PackMMCLInputs
from mmcl_plugin.datasets.transforms import formatting
from mmcl_plugin.models import modalities
from mmcl_plugin.models.data_preprocessors import MMCLDataPreprocessor
from mmcl_plugin.models.data_preprocessors import mmcl_data_preprocessor
from mmcl_plugin.models.heads import FAMHead, FRMHead
from mmcl_plugin.models.modalities import (MODALITIES, MODALITY_INPUT_NAMES,
                                           Modality, head_inputs, pad_tokens)


def test_the_table():
    names = {m.field: (m.results_key, m.input_names, m.head, m.layout,
                       m.dtype, m.batching) for m in MODALITIES}
    assert names == {
        'frame_strip': ('frame_strip', ('frame_strips', ), 'fam_head',
                        '(3, H, W)', 'uint8', 'normalise'),
        'strip_feature': ('strip_feature', ('strip_features', ), 'fam_head',
                          '(D, )', 'float32', 'stack'),
        'text_feature': ('text_feature', ('text_features', 'text_masks'),
                         'frm_head', '(P, L, D)', 'float32', 'pad'),
    }
    assert MODALITY_INPUT_NAMES == ('frame_strips', 'strip_features',
                                    'text_features', 'text_masks')
    strip = modalities.FRAME_STRIP
    assert strip.results_layout == '(H, W, 3)'
    assert strip.results_axes == (2, 0, 1)
    assert modalities.TEXT_FEATURE.results_axes is None


@pytest.mark.parametrize('head_type,head', [(FAMHead, 'fam_head'),
                                            (FRMHead, 'frm_head')])
def test_every_input_is_a_keyword_of_its_consumer_head(head_type, head):
    """MMCLRecognizer.loss passes a head its modalities' inputs by name."""
    params = inspect.signature(head_type.loss).parameters
    names = [n for m in MODALITIES if m.head == head for n in m.input_names]
    assert names and all(name in params for name in names)


def test_head_inputs():
    text = torch.ones(1)
    assert head_inputs('frm_head', dict(text_features=text)) == dict(
        text_features=text, text_masks=None)
    assert head_inputs('fam_head', dict(text_features=text)) == dict(
        frame_strips=None, strip_features=None)
    with pytest.raises(TypeError, match=r"unknown modality inputs \['tex"):
        head_inputs('frm_head', dict(text_feature=text))


def test_table_entries_are_checked():
    common = dict(results_key='x', field='x', input_name='xs', head='h',
                  dims=('L', 'D'), dtype='float32', cast=True)
    with pytest.raises(ValueError, match='batching must be one of'):
        Modality(batching='concat', **common)
    with pytest.raises(ValueError, match="only for, batching='pad'"):
        Modality(batching='pad', **common)
    with pytest.raises(ValueError, match="only for, batching='pad'"):
        Modality(batching='stack', mask_key='m', **common)
    with pytest.raises(ValueError, match='not a reordering'):
        Modality(batching='stack', results_dims=('L', 'C'), **common)


def test_pad_tokens():
    features = [torch.ones(2, 3), 2 * torch.ones(4, 3)]
    batch, mask = pad_tokens(features)
    assert batch.shape == (2, 4, 3)
    assert mask.tolist() == [[True, True, False, False], [True] * 4]
    assert batch[0, 2:].abs().sum() == 0 and batch[1].min() == 2
    # leading dims (prompts) and given masks
    batch, mask = pad_tokens(
        [torch.ones(2, 1, 3), torch.ones(2, 3, 3)],
        [torch.tensor([[True], [False]]), None])
    assert batch.shape == (2, 2, 3, 3)
    assert mask[0].tolist() == [[True, False, False], [False, False, False]]
    with pytest.raises(ValueError, match='only L may differ'):
        pad_tokens([torch.ones(2, 1, 3), torch.ones(3, 1, 3)])
    with pytest.raises(ValueError, match=r'mask #0 has shape \(2,\)'):
        pad_tokens([torch.ones(1, 2, 3)], [torch.ones(2, dtype=torch.bool)])


def test_a_new_table_entry_is_packed_and_batched(monkeypatch):
    """Adding a modality needs no edit of the packer or the preprocessor:
    a made-up per-sample depth map, packed channel-first and stacked."""
    depth = Modality(results_key='depth_map', field='depth_map',
                     input_name='depth_maps', head='fam_head',
                     dims=(1, 'H', 'W'), results_dims=('H', 'W', 1),
                     dtype='float32', cast=True, batching='stack')
    table = MODALITIES + (depth, )
    monkeypatch.setattr(formatting, 'MODALITIES', table)
    monkeypatch.setattr(mmcl_data_preprocessor, 'MODALITIES', table)
    samples = []
    for i in range(2):
        results = dict(frame_dir=f's{i}', label=0,
                       keypoint=np.zeros((1, 1, 4, 25, 3), np.float32),
                       depth_map=np.full((2, 3, 1), i, np.float16))
        samples.append(PackMMCLInputs()(results)['data_samples'])
    assert samples[1].depth_map.shape == (1, 2, 3)
    assert samples[1].depth_map.dtype == torch.float32
    out = MMCLDataPreprocessor().batch_aux_inputs(samples)
    assert out['depth_maps'].shape == (2, 1, 2, 3)
    assert out['depth_maps'][1].unique().tolist() == [1.0]
    with pytest.raises(ValueError, match=r'depth_map must be \(H, W, 1\)'):
        PackMMCLInputs()(dict(results, depth_map=np.zeros((2, 3))))
    assert isinstance(samples[0], ActionDataSample)

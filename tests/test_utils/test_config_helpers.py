import pytest
from mmengine.config import ConfigDict

from mmcl_plugin.utils import find_transform, innermost_dataset_cfg

PIPELINE = [
    dict(type='PreNormalize3D'),
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(64, 320)),
    dict(type='BuildFrameStrip', num_frames=3),
]


def test_find_transform_returns_a_copy_of_the_first_match():
    step = find_transform(PIPELINE, 'BuildFrameStrip')
    assert step == dict(type='BuildFrameStrip', num_frames=5,
                        strip_size=(64, 320))
    step['num_frames'] = 9
    assert PIPELINE[1]['num_frames'] == 5
    config_step = find_transform([ConfigDict(type='A', x=[1])], 'A')
    assert type(config_step) is dict and config_step['x'] == [1]


def test_find_transform_names_the_missing_type():
    with pytest.raises(KeyError, match='no LoadStripFeature step'):
        find_transform(PIPELINE, 'LoadStripFeature')


def test_innermost_dataset_cfg_unwraps_dataset_wrappers():
    inner = dict(type='MMCLPoseDataset', ann_file='a.pkl')
    loader = ConfigDict(
        batch_size=2,
        dataset=dict(
            type='RepeatDataset',
            times=5,
            dataset=dict(type='ClassBalancedDataset', dataset=inner)))
    found = innermost_dataset_cfg(loader)
    assert found['type'] == 'MMCLPoseDataset'
    assert found['ann_file'] == 'a.pkl'
    # the config itself, so that callers can edit it in place
    assert found is loader.dataset.dataset.dataset
    assert innermost_dataset_cfg(dict(dataset=inner)) is inner
    with pytest.raises(KeyError, match='no `dataset`'):
        innermost_dataset_cfg(dict(batch_size=2))

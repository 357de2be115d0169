import pytest
from mmengine.config import ConfigDict

from mmcl_plugin.utils import (find_transform, innermost_dataset_cfg,
                               train_pipeline_cfg, with_mmcl_steps)

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


#: mmaction2's STGCN++ training pipeline (skeleton only).
SKELETON = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=100),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', )),
]
MMCL_STEPS = [
    dict(type='BuildFrameStrip', num_frames=5),
    dict(type='LoadTextFeature'),
]


def test_with_mmcl_steps_extends_a_skeleton_pipeline():
    skeleton = ConfigDict(dict(pipeline=SKELETON)).pipeline
    steps = with_mmcl_steps(skeleton, MMCL_STEPS)
    assert [s['type'] for s in steps] == [
        'PreNormalize3DWithFrameMap', 'GenSkeFeat', 'UniformSampleFrames',
        'PoseDecode', 'BuildFrameStrip', 'LoadTextFeature', 'FormatGCNInput',
        'PackMMCLInputs'
    ]
    # the other steps and every argument are kept
    assert steps[1:4] == SKELETON[1:4] and steps[6] == SKELETON[4]
    assert steps[-1] == dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
    assert steps[4:6] == MMCL_STEPS and steps[4] is not MMCL_STEPS[0]
    # the inputs are left as they were
    assert skeleton[0]['type'] == 'PreNormalize3D'
    assert skeleton[-1]['type'] == 'PackActionInputs'


@pytest.mark.parametrize('pipeline, error', [
    (SKELETON[:4] + SKELETON[5:], 'before FormatGCNInput'),
    (SKELETON[:5], 'end with PackActionInputs'),
    (with_mmcl_steps(SKELETON, MMCL_STEPS), 'MMCL steps already'),
])
def test_with_mmcl_steps_names_what_it_cannot_extend(pipeline, error):
    with pytest.raises(ValueError, match=error):
        with_mmcl_steps(pipeline, MMCL_STEPS)


def test_train_pipeline_cfg_adds_the_datasets_mmcl_steps():
    assert train_pipeline_cfg(dict(pipeline=SKELETON)) == SKELETON
    assert train_pipeline_cfg(dict(pipeline=SKELETON, mmcl_steps=None)) == \
        SKELETON
    assert train_pipeline_cfg(
        dict(pipeline=SKELETON, mmcl_steps=MMCL_STEPS)) == with_mmcl_steps(
            SKELETON, MMCL_STEPS)

import json
import os.path as osp
import pickle
import zipfile

import numpy as np
import pytest

from mmcl_tools.converters.nwucla import (NWUCLA_LAYOUT, NWUCLAFormatError,
                                          convert_nwucla, parse_name)

SHARED = osp.join(osp.dirname(__file__), '..', '..', '..', 'shared',
                  'data', 'nw_ucla')


def write_sample(folder, name, label, frames, seed):
    rng = np.random.default_rng(seed)
    skeleton = rng.normal(size=(frames, 20, 3)).round(5)
    with open(osp.join(folder, name + '.json'), 'w') as f:
        json.dump(dict(file_name=name, skeletons=skeleton.tolist(),
                       label=label), f)
    return skeleton


def make_folder(tmp_path):
    folder = tmp_path / 'all_sqe'
    folder.mkdir()
    written = {}
    for i, (view, label) in enumerate([(1, 1), (2, 10), (3, 4), (3, 1)]):
        name = f'a0{label % 10}_s0{i + 1}_e00_v0{view}'
        written[name] = (label, write_sample(str(folder), name, label, 5 + i,
                                             i))
    return folder, written


def test_values_labels_and_cross_view_split(tmp_path):
    folder, written = make_folder(tmp_path)
    content, failures = convert_nwucla(str(folder))
    assert failures == []
    by_name = {ann['frame_dir']: ann for ann in content['annotations']}
    assert set(by_name) == set(written)
    for name, (label, skeleton) in written.items():
        ann = by_name[name]
        assert ann['label'] == label - 1
        assert ann['keypoint'].shape == (1, len(skeleton), 20, 3)
        assert ann['keypoint'].dtype == np.float32
        np.testing.assert_allclose(ann['keypoint'][0], skeleton, atol=1e-6)
        assert ann['total_frames'] == len(skeleton)
    assert sorted(content['split']['val']) == sorted(
        n for n in written if n.endswith('_v03'))
    assert sorted(content['split']['train']) == sorted(
        n for n in written if not n.endswith('_v03'))


def test_zip_gives_the_same_result(tmp_path):
    folder, _ = make_folder(tmp_path)
    archive = tmp_path / 'all_sqe.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        for file in sorted(folder.iterdir()):
            z.write(file, f'all_sqe/{file.name}')
    from_dir, _ = convert_nwucla(str(folder))
    for workers in (1, 2):
        from_zip, _ = convert_nwucla(str(archive), workers=workers,
                                     chunksize=1)
        assert from_zip['split'] == from_dir['split']
        assert len(from_zip['annotations']) == len(from_dir['annotations'])
        for a, b in zip(from_zip['annotations'], from_dir['annotations']):
            assert a['frame_dir'] == b['frame_dir']
            np.testing.assert_array_equal(a['keypoint'], b['keypoint'])


def test_malformed_files_are_named_and_skipped(tmp_path):
    folder, _ = make_folder(tmp_path)
    (folder / 'a01_s09_e00_v01.json').write_text('{"file_name": "a01_s09')
    with open(folder / 'a02_s09_e00_v01.json', 'w') as f:
        json.dump(dict(file_name='a02_s09_e00_v01', label=2,
                       skeletons=np.zeros((4, 25, 3)).tolist()), f)
    content, failures = convert_nwucla(str(folder))
    assert len(content['annotations']) == 4
    assert any('a01_s09_e00_v01.json' in f and 'JSON' in f
               for f in failures)
    assert any('a02_s09_e00_v01.json' in f and '(4, 25, 3)' in f
               for f in failures)
    with pytest.raises(NWUCLAFormatError, match='a01_s09_e00_v01'):
        convert_nwucla(str(folder), strict=True)


def test_name_parsing_and_layout():
    assert parse_name('a12_s06_e04_v03') == dict(
        action=12, subject=6, episode=4, view=3)
    with pytest.raises(NWUCLAFormatError, match='a01_s01_e00_v01'):
        parse_name('video_3')
    from mmaction.models.utils import Graph
    graph = Graph(layout=NWUCLA_LAYOUT, mode='spatial')
    assert graph.A.shape == (3, 20, 20)
    # every joint is reachable: a tree with 19 bones
    assert len(NWUCLA_LAYOUT['inward']) == 19


@pytest.mark.real_data
@pytest.mark.skipif(
    not osp.exists(osp.join(SHARED, 'all_sqe.zip')),
    reason='NW-UCLA data not present')
def test_real_nwucla_val_split_equals_the_standard_list():
    content, failures = convert_nwucla(osp.join(SHARED, 'all_sqe.zip'))
    assert failures == []
    with open(osp.join(SHARED, 'val_label.pkl'), 'rb') as f:
        val_list = pickle.load(f)
    assert len(val_list) == 464
    assert sorted(content['split']['val']) == sorted(
        x['file_name'] for x in val_list)
    assert len(content['split']['train']) == 1020
    by_name = {ann['frame_dir']: ann for ann in content['annotations']}
    for item in val_list:
        ann = by_name[item['file_name']]
        assert ann['label'] == item['label'] - 1
        assert ann['total_frames'] == item['length']

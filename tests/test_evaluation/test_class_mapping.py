"""Class names and the transfer class-mapping tables."""
import glob
import json
import os.path as osp

import numpy as np
import pytest

from mmcl_tools.evaluation import (NTU60_CLASSES, NTU120_CLASSES,
                                   build_class_mapping, get_class_names,
                                   load_class_mapping, restrict_scores)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TABLES = osp.join(REPO, 'configs', 'transfer')


def test_ntu_class_lists():
    assert len(NTU120_CLASSES) == 120 and len(set(NTU120_CLASSES)) == 120
    assert NTU60_CLASSES == NTU120_CLASSES[:60]
    # 0-based id = A-number - 1
    spot = {0: 'drink water', 7: 'sitting down', 11: 'writing',
            15: 'wear a shoe', 16: 'take off a shoe', 22: 'hand waving',
            28: 'playing with phone/tablet', 59: 'walking apart from each '
            'other', 62: 'shoot at the basket', 79: 'squat down',
            86: 'put on bag', 88: 'put something into a bag',
            95: 'cross arms',
            119: 'finger-guessing game (playing rock-paper-scissors)'}
    for index, name in spot.items():
        assert NTU120_CLASSES[index] == name
    assert all(name.isascii() for name in NTU120_CLASSES)


def test_get_class_names(tmp_path):
    assert get_class_names('ntu60') == NTU60_CLASSES
    assert get_class_names(None, 120) == NTU120_CLASSES
    assert get_class_names(None, 4) == ('class 0', 'class 1', 'class 2',
                                        'class 3')
    assert get_class_names('utd_mhad')[26] == 'squat'
    assert get_class_names('sysu')[4] == 'wearing backpacks'
    names = tmp_path / 'names.txt'
    names.write_text('run\njump\n\n')
    assert get_class_names(str(names), 2) == ('run', 'jump')
    with pytest.raises(ValueError, match='list 2 classes, the model has 3'):
        get_class_names(str(names), 3)
    names.write_text('run\n\njump\n')
    with pytest.raises(ValueError, match='line 2: empty class name'):
        get_class_names(str(names))
    with pytest.raises(ValueError, match='unknown class names'):
        get_class_names('kinetics')


def test_utd_mhad_table_is_the_papers_mapping():
    mapping = load_class_mapping(osp.join(TABLES, 'utd_mhad_to_ntu120.json'))
    assert mapping.source_to_target == {2: 22, 5: 95, 6: 62, 23: 8, 24: 7,
                                        26: 79}
    names = {mapping.source_names[s]: mapping.target_names[t]
             for s, t in mapping.pairs}
    assert names == {
        'wave': 'hand waving', 'arm cross': 'cross arms',
        'basketball shoot': 'shoot at the basket',
        'sit to stand': 'standing up (from sitting position)',
        'stand to sit': 'sitting down', 'squat': 'squat down'}
    assert mapping.target_ids == (7, 8, 22, 62, 79, 95)


def test_sysu_table_and_every_table_is_valid():
    mapping = load_class_mapping(osp.join(TABLES, 'sysu_to_ntu120.json'))
    assert mapping.source_to_target == {0: 0, 2: 27, 3: 28, 4: 86, 5: 88,
                                        6: 7}
    tables = sorted(glob.glob(osp.join(TABLES, '*.json')))
    assert len(tables) == 4
    for path in tables:
        mapping = load_class_mapping(path)
        with open(path) as f:
            table = json.load(f)
        assert all('reason' in e for e in table.get('excluded', []))
        if mapping.target == 'ntu60':  # a subset of the NTU120 table
            full = load_class_mapping(path.replace('ntu60', 'ntu120'))
            assert set(mapping.pairs) <= set(full.pairs)
            assert max(mapping.target_ids) < 60


def test_map_labels_and_restrict():
    mapping = load_class_mapping(osp.join(TABLES, 'utd_mhad_to_ntu120.json'))
    targets, mapped = mapping.map_labels(np.array([2, 0, 26, 24]))
    assert targets.tolist() == [22, -1, 79, 7]
    assert mapped.tolist() == [True, False, True, True]
    with pytest.raises(ValueError, match='source labels must be in 0..26'):
        mapping.map_labels(np.array([27]))
    scores = restrict_scores(np.ones((2, 120)), mapping.target_ids)
    assert np.isfinite(scores).sum() == 12
    assert np.isfinite(scores[0, [7, 8, 22, 62, 79, 95]]).all()


def table(**pair):
    return dict(source='utd_mhad', target='ntu120', pairs=[
        dict(dict(source_id=2, source_name='wave', target_id=22,
                  target_name='hand waving'), **pair)])


def test_bad_tables_are_reported(tmp_path):
    with pytest.raises(ValueError, match=r"t\.json: pair 0: target_name "
                       r"'hand waving' is not class 23 of ntu120"):
        build_class_mapping(table(target_id=23), 't.json')
    with pytest.raises(ValueError, match='source_id 30 is outside 0..26'):
        build_class_mapping(table(source_id=30, source_name=None))
    with pytest.raises(ValueError, match='must be an integer'):
        build_class_mapping(table(target_id='22'))
    twice = table()
    twice['pairs'] *= 2
    with pytest.raises(ValueError, match='pair 1: source class 2 is already'
                       ' mapped by pair 0'):
        build_class_mapping(twice)
    with pytest.raises(ValueError, match="missing 'pairs'"):
        build_class_mapping(dict(source='sysu', target='ntu60'))
    path = tmp_path / 'broken.json'
    path.write_text('{"source": ')
    with pytest.raises(ValueError, match='broken.json: not valid JSON'):
        load_class_mapping(str(path))
    # names files relative to the table
    (tmp_path / 'mine.txt').write_text('a\nb\nc\n')
    custom = tmp_path / 'custom.json'
    custom.write_text(json.dumps(dict(source='mine.txt', target='ntu60',
                                      pairs=[dict(source_id=1,
                                                  target_id=0)])))
    assert load_class_mapping(str(custom)).source_names == ('a', 'b', 'c')

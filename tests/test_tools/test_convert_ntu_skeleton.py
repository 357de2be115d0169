import os.path as osp
import pickle
import sys
import zipfile

import numpy as np
from ntu_writer import one_actor_frames, skeleton_text
from tool_runs import run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'data', 'ntu', 'convert_ntu_skeleton.py')

GOOD = ['S001C001P001R001A001', 'S001C002P003R001A002']
EMPTY = 'S001C003P001R001A004'  # listed as missing
BROKEN = 'S001C001P001R002A003'


def make_zip(tmp_path):
    archive = tmp_path / 'nturgbd_skeletons_s001_to_s017.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        for i, name in enumerate(GOOD):
            z.writestr(f'nturgb+d_skeletons/{name}.skeleton',
                       skeleton_text(one_actor_frames(5, seed=i), '\r\n'))
        z.writestr(f'nturgb+d_skeletons/{EMPTY}.skeleton',
                   skeleton_text(one_actor_frames(2, empty=(0, 1))))
        broken = skeleton_text(one_actor_frames(2)).replace(
            '\n25\n', '\n24\n', 1)
        z.writestr(f'nturgb+d_skeletons/{BROKEN}.skeleton', broken)
    missing = tmp_path / 'NTU_RGBD_samples_with_missing_skeletons.txt'
    missing.write_text(f'{EMPTY}\r\n')
    return str(archive), str(missing)


def run(*args):
    return run_tool([sys.executable, TOOL, *args], REPO, returncode=None)


def test_converts_a_zip_lists_failures_and_exits_1(tmp_path):
    archive, missing = make_zip(tmp_path)
    out = tmp_path / 'out' / 'ntu60_3d.pkl'
    result = run(archive, '--benchmark', 'ntu60', '--missing', missing,
                 '--workers', '2', '-o', str(out))
    assert result.returncode == 1, result.stderr
    assert f'FAILED {BROKEN}.skeleton line 4: expected 25 joints, got 24' \
        in result.stdout
    assert 'skipped as missing: 1' in result.stdout
    with open(out, 'rb') as f:
        content = pickle.load(f)
    assert [a['frame_dir'] for a in content['annotations']] == GOOD
    assert content['split']['xsub_train'] == [GOOD[0]]
    assert content['split']['xsub_val'] == [GOOD[1]]
    ann = content['annotations'][0]
    assert ann['keypoint'].shape == (1, 5, 25, 3)
    assert ann['keypoint_2d'].shape == (1, 5, 25, 2)
    assert np.isfinite(ann['keypoint']).all()


def test_strict_stops_and_keeps_an_existing_output(tmp_path):
    archive, missing = make_zip(tmp_path)
    out = tmp_path / 'ntu60_3d.pkl'
    out.write_bytes(b'previous result')
    result = run(archive, '--benchmark', 'ntu60', '--missing', missing,
                 '--strict', '-o', str(out))
    assert result.returncode == 2
    assert f'{BROKEN}.skeleton line 4' in result.stderr
    assert out.read_bytes() == b'previous result'

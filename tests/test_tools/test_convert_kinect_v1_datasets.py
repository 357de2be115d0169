"""The UTD-MHAD, SYSU-3D and NW-UCLA converter commands."""
import json
import os.path as osp
import pickle
import sys

import numpy as np
from scipy.io import savemat
from tool_runs import run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run(tool, *args):
    return run_tool(
        [sys.executable, osp.join(REPO, 'tools', 'data', *tool), *args],
        REPO, returncode=None)


def test_utd_mhad_command(tmp_path):
    folder = tmp_path / 'Skeleton'
    folder.mkdir()
    savemat(str(folder / 'a24_s1_t1_skeleton.mat'),
            dict(d_skel=np.ones((20, 3, 8))))
    (folder / 'a25_s2_t1_skeleton.mat').write_bytes(b'garbage')
    out = tmp_path / 'utd.pkl'
    result = run(('utd_mhad', 'convert_utd_mhad.py'), str(folder), str(out),
                 '--workers', '2')
    assert result.returncode == 1, result.stderr
    assert '1 samples' in result.stdout
    assert 'SKIPPED a25_s2_t1_skeleton.mat: not a readable' in result.stdout
    with open(out, 'rb') as f:
        content = pickle.load(f)
    assert content['annotations'][0]['keypoint'].shape == (1, 8, 25, 3)
    assert content['annotations'][0]['label'] == 23
    result = run(('utd_mhad', 'convert_utd_mhad.py'), str(folder), str(out),
                 '--strict')
    assert result.returncode == 2
    assert 'a25_s2_t1_skeleton.mat' in result.stderr


def test_sysu_command_kinect_layout(tmp_path):
    root = tmp_path / 'sysu'
    root.mkdir()
    np.savetxt(root / 'a04_s30.txt', np.ones((5, 60)))
    out = tmp_path / 'sysu.pkl'
    result = run(('sysu', 'convert_sysu.py'), str(root), str(out),
                 '--layout', 'kinect_v1', '--train-subjects', '30')
    assert result.returncode == 0, result.stderr
    with open(out, 'rb') as f:
        content = pickle.load(f)
    assert content['split']['train'] == ['a04_s30']
    assert content['annotations'][0]['keypoint'].shape == (1, 5, 20, 3)


def test_nwucla_command_workers_and_missing_source(tmp_path):
    folder = tmp_path / 'all_sqe'
    folder.mkdir()
    for name, label in (('a01_s01_e00_v01', 1), ('a02_s01_e00_v03', 2)):
        with open(folder / f'{name}.json', 'w') as f:
            json.dump(dict(file_name=name, label=label,
                           skeletons=np.ones((4, 20, 3)).tolist()), f)
    out = tmp_path / 'nwucla.pkl'
    result = run(('nwucla', 'convert_nwucla.py'), str(folder), str(out),
                 '--workers', '2')
    assert result.returncode == 0, result.stderr
    assert 'train 1, val 1' in result.stdout
    result = run(('nwucla', 'convert_nwucla.py'), str(tmp_path / 'nope'),
                 str(out))
    assert result.returncode == 2
    assert 'neither a folder nor a zip' in result.stderr

"""Backend construction: registry names, missing packages, wrong model
files."""
import os
import shutil

import numpy as np
import pytest

from mmcl_tools.pose import (POSE_BACKENDS, MissingDependencyError,
                             PoseModelError, build_pose_backend)
from mmcl_tools.pose.model_files import (DETECTOR_FILE, LANDMARK_FILE,
                                         model_path)
from mmcl_tools.pose.mmpose_backend import missing_requirements


def test_registered_backends():
    assert {'blazepose', 'mediapipe_legacy', 'mmpose'} <= set(
        POSE_BACKENDS.module_dict)
    with pytest.raises(KeyError, match='unknown pose backend .openpose.'):
        build_pose_backend('openpose')


@pytest.mark.skipif(not missing_requirements(),
                    reason='mmdet and mmpose are installed')
def test_mmpose_names_what_is_missing():
    with pytest.raises(MissingDependencyError) as info:
        build_pose_backend('mmpose', det_config='a.py',
                           det_checkpoint='a.pth', pose_config='b.py',
                           pose_checkpoint='b.pth')
    message = str(info.value)
    for requirement in missing_requirements():
        assert requirement in message
    assert 'mmcv-lite' in message and 'blazepose' in message


def test_model_files_are_checked(tmp_path):
    good = os.path.dirname(os.path.dirname(os.path.dirname(
        model_path(DETECTOR_FILE))))
    copy = tmp_path / 'models'
    for name in (DETECTOR_FILE, LANDMARK_FILE):
        (copy / os.path.dirname(name)).mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(good, name), copy / name)
    assert model_path(DETECTOR_FILE, str(copy)).startswith(str(copy))
    with open(copy / LANDMARK_FILE, 'r+b') as f:  # another model version
        f.seek(1000)
        f.write(b'\x00' * 8)
    with pytest.raises(PoseModelError, match='sha256'):
        build_pose_backend('blazepose', model_dir=str(copy))
    with pytest.raises(PoseModelError, match='not found'):
        model_path(DETECTOR_FILE, str(tmp_path / 'nothing'))


def test_blazepose_on_an_empty_frame_finds_nobody():
    backend = build_pose_backend('blazepose')
    assert backend(np.full((240, 320, 3), 90, np.uint8)) == []
    assert backend.layout == 'blazepose33'

"""The start-up checks of every sample (labels, skeletons, frame counts,
2-D keypoints), annotation-file faults and corrupt strip images, in this
process; tests/test_reliability/test_data_faults.py runs them through the
tools."""
import pickle

import cv2
import numpy as np
import pytest

from mmcl_plugin.datasets import MMCLPoseDataset
from mmcl_plugin.datasets.annotation_file import (AnnotationFileError,
                                                  read_annotation_file,
                                                  split_content)
from mmcl_plugin.datasets.media import MediaError, read_image_file
from mmcl_plugin.datasets.sample_checks import (MAX_LISTED,
                                                image_keypoint_problem,
                                                keypoint_problem,
                                                label_problems,
                                                sample_problems)
from mmcl_plugin.datasets.transforms.frame_strip import BuildFrameStrip
from mmcl_plugin.utils import how_to_make


def sample(name, label=0, frames=10, joints=25):
    return dict(frame_dir=name, label=label, total_frames=frames,
                keypoint=np.zeros((1, frames, joints, 3), np.float32))


def test_keypoint_bound_and_non_finite():
    keypoint = np.zeros((1, 4, 25, 3), np.float32)
    assert keypoint_problem(keypoint, 25, 1e4) == ''
    keypoint[0, 1, 2, 0] = -2e4
    assert keypoint_problem(keypoint, 25, 1e4) == (
        'keypoint has 1 coordinates beyond max_abs_coordinate=10000 (up to '
        '2e+04)')
    assert keypoint_problem(keypoint, 25, None) == ''  # finite only
    keypoint[0, 0, 0, 0] = np.nan
    assert keypoint_problem(keypoint, 25, 1e4) == \
        'keypoint contains NaN/inf at 1 values'
    assert 'is empty' in keypoint_problem(np.zeros((1, 0, 25, 3)), 25)


def test_image_keypoints_far_outside_the_image():
    xy = np.zeros((1, 3, 25, 2), np.float32)
    xy[..., 0], xy[..., 1] = 150, 100  # inside 160x120
    assert image_keypoint_problem(xy, (120, 160)) == ''
    xy[0, 0, 0] = (-20, 200)  # out of view, within one image size
    assert image_keypoint_problem(xy, (120, 160)) == ''
    xy[0, 1, 3] = (1900, 50)  # 1920-wide keypoints on a 160-wide video
    assert image_keypoint_problem(xy, (120, 160)) == (
        'keypoint_2d has 1 points more than one image size outside the '
        '160x120 image (x in [-20, 1900], y in [50, 200])')
    xy[0, 1, 3] = (100, np.inf)
    assert 'NaN/inf at 1 values' in image_keypoint_problem(xy, (120, 160))


def test_labels_vectorised_and_not():
    assert label_problems(np.arange(6).tolist(), 4) == {
        4: 'label 4 is out of range [0, 4)',
        5: 'label 5 is out of range [0, 4)'
    }
    assert label_problems([0, -1, None, 1.0, [1, 9]], 4) == {
        1: 'label -1 is out of range [0, 4)',
        2: 'no label',
        3: 'label 1.0 is not an integer class index',
        4: 'label 9 is out of range [0, 4)'
    }


def test_all_problems_of_a_sample_in_one_line():
    bad = sample('B', label=5, frames=10, joints=20)
    bad['total_frames'] = 0
    found = sample_problems([sample('A'), bad], num_classes=4,
                            num_joints=25)
    assert found == [('B', 'label 5 is out of range [0, 4); keypoint has 20 '
                      'joints, expected 25; total_frames is 0 (an empty '
                      'clip)')]
    other = sample('C', frames=10)
    other['total_frames'] = 12
    assert sample_problems([other]) == [
        ('C', 'total_frames is 12, but keypoint has 10 frames')]


def test_dataset_lists_every_bad_sample_of_a_val_split(tmp_path):
    names = [f'S{i:03d}' for i in range(13)]
    annotations = [sample(name, label=9) for name in names]
    path = tmp_path / 'ann.pkl'
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(val=names), annotations=annotations), f)
    with pytest.raises(ValueError) as error:
        MMCLPoseDataset(str(path), [], split='val', test_mode=True,
                        num_classes=4)
    text = str(error.value)
    assert f"13 of 13 samples of {path} (split 'val') are invalid" in text
    assert 'S000: label 9 is out of range [0, 4)' in text
    assert f'... and {13 - MAX_LISTED} more' in text


def test_annotation_file_faults(tmp_path):
    path = tmp_path / 'ntu60_3d.pkl'
    data = pickle.dumps(dict(split=dict(train=['a']),
                             annotations=[dict(frame_dir='a')]))
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(AnnotationFileError) as error:
        read_annotation_file(str(path))
    assert f'{path} is not a readable annotation pickle' in str(error.value)
    assert 'convert_ntu_skeleton.py' in str(error.value)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        read_annotation_file(str(tmp_path / 'none.pkl'))
    with pytest.raises(AnnotationFileError, match='no "split"'):
        split_content(dict(annotations=[]), 'x.pkl', need_split=True)
    with pytest.raises(AnnotationFileError, match='annotation 1 is a str'):
        split_content([dict(frame_dir='a'), 'b'], 'x.pkl', need_split=False)
    assert how_to_make('data/skeleton/nwucla.pkl') == (
        'python tools/data/nwucla/convert_nwucla.py all_sqe.zip '
        'data/skeleton/nwucla.pkl')


@pytest.mark.parametrize('ext', ['.jpg', '.png'])
def test_cut_strip_image_is_an_error_naming_the_sample(tmp_path, ext):
    image = np.random.default_rng(0).integers(0, 256, (32, 96, 3), np.uint8)
    path = str(tmp_path / f'strip{ext}')
    cv2.imwrite(path, image)
    whole = read_image_file(path)  # RGB
    assert whole.shape == image.shape
    if ext == '.png':  # lossless
        np.testing.assert_array_equal(whole, image[..., ::-1])
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    if ext == '.jpg':  # what the check is for: OpenCV decodes it anyway
        assert cv2.imread(path) is not None
    with pytest.raises(MediaError, match='cut short'):
        read_image_file(path)
    with pytest.raises(MediaError) as error:
        BuildFrameStrip(strip_size=(32, 96))(
            dict(frame_dir='S7', strip_path=path))
    assert f"sample 'S7' ({path})" in str(error.value)

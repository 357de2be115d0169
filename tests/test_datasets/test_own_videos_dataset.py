"""MMCLPoseDataset on the pickle of one's own videos: the video of a
sample is ``<video_root>/<filename>`` (``video_from_filename``), the
split may list ``filename``s (mmaction2's way) or ``frame_dir``s, and the
online strip is cropped to the person boxes."""
import pickle

import numpy as np
import pytest

from mmcl_plugin.datasets import MMCLPoseDataset
from own_videos import PERSON_COLOURS, make_own_videos

PIPELINE = [dict(type='BuildFrameStrip', num_frames=2, strip_size=(32, 64),
                 crop_margin=0., tile_fit='stretch', io_backend='opencv',
                 layout='release')]


def names(dataset):
    return [dataset.get_data_info(i)['frame_dir'] for i in range(len(dataset))]


@pytest.fixture
def own(tmp_path):
    return make_own_videos(str(tmp_path), ('wave', 'clap'), per_class=2)


def test_videos_by_filename_and_strips_from_boxes(own):
    video_dir, ann_file, _ = own
    dataset = MMCLPoseDataset(ann_file, PIPELINE, split='train',
                              video_root=video_dir,
                              video_from_filename=True, num_classes=2)
    paths = [dataset.get_data_info(i)['video_path']
             for i in range(len(dataset))]
    assert paths == [
        f'{video_dir}/wave/wave_0.avi', f'{video_dir}/clap/clap_0.avi']
    strip = dataset[0]['frame_strip']
    # only the two persons' boxes (release: per frame), red left of blue
    red = (np.abs(strip.astype(float) - PERSON_COLOURS[0]).max(-1) < 40)
    blue = (np.abs(strip.astype(float) - PERSON_COLOURS[1]).max(-1) < 40)
    assert red.mean() > 0.2 and blue.mean() > 0.2
    # without video_from_filename: <root>/<frame_dir><suffix>, missing
    with pytest.raises(FileNotFoundError, match='wave__wave_0.mp4'):
        MMCLPoseDataset(ann_file, PIPELINE, split='train',
                        video_root=video_dir)


def test_split_of_filenames_is_taken_too(own, tmp_path):
    """extract_skeletons.py lists frame_dirs; mmaction2 lists filenames
    when the annotations have them: both select the samples."""
    _, ann_file, annotations = own
    dataset = MMCLPoseDataset(ann_file, [], split='val')
    assert names(dataset) == ['wave__wave_1', 'clap__clap_1']
    with open(ann_file, 'rb') as f:
        content = pickle.load(f)
    content['split'] = dict(train=['wave/wave_0.avi', 'clap/clap_0.avi'],
                            val=['wave/wave_1.avi'])
    path = tmp_path / 'by_filename.pkl'
    path.write_bytes(pickle.dumps(content))
    dataset = MMCLPoseDataset(str(path), [], split='train')
    assert names(dataset) == ['wave__wave_0', 'clap__clap_0']


def test_annotation_without_filename_is_named(own, tmp_path):
    video_dir, ann_file, _ = own
    with open(ann_file, 'rb') as f:
        content = pickle.load(f)
    for ann in content['annotations']:
        ann.pop('filename')
    content['split'] = dict(train=['wave__wave_0'])
    path = tmp_path / 'no_filename.pkl'
    path.write_bytes(pickle.dumps(content))
    with pytest.raises(FileNotFoundError, match=r'wave__wave_0 \(video\).*no '
                       '`filename`'):
        MMCLPoseDataset(str(path), PIPELINE, split='train',
                        video_root=video_dir, video_from_filename=True)

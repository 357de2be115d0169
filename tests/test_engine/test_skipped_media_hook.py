"""skip_bad_media: a dataset replaces unreadable samples by the next
ones, recording them; SkippedMediaHook stops the run past the cap."""
import pickle

import numpy as np
import pytest
from mmaction.structures import ActionDataSample

from mmcl_plugin.datasets import MMCLPoseDataset
from mmcl_plugin.datasets.media import MediaError
from mmcl_plugin.engine.hooks.skipped_media_hook import (SKIPPED_KEY,
                                                         SkippedMediaHook)

NAMES = ['A', 'B', 'C', 'D']


def unreadable(bad):
    def step(results):
        if results['frame_dir'] in bad:
            raise MediaError(f"cannot read the video of {results['frame_dir']}")
        sample = ActionDataSample()
        return dict(inputs=results['frame_dir'], data_samples=sample)
    return step


def dataset(tmp_path, bad, max_skipped):
    path = tmp_path / 'ann.pkl'
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(train=NAMES), annotations=[
            dict(frame_dir=n, label=0, total_frames=2,
                 keypoint=np.zeros((1, 2, 25, 3), np.float32))
            for n in NAMES]), f)
    return MMCLPoseDataset(str(path), [unreadable(bad)], split='train',
                           skip_bad_media=dict(max_skipped=max_skipped))


def test_next_sample_stands_in_and_records_the_skipped(tmp_path):
    data = dataset(tmp_path, {'B'}, 1)[1]
    assert data['inputs'] == 'C'
    assert data['data_samples'].metainfo[SKIPPED_KEY] == [
        ('B', 'cannot read the video of B')]
    assert SKIPPED_KEY not in dataset(tmp_path, {'B'}, 1)[0][
        'data_samples'].metainfo
    with pytest.raises(MediaError, match=r'2 samples in a row have '
                       r'unreadable media \(skip_bad_media allows 1\)'):
        dataset(tmp_path, {'B', 'C'}, 1)[1]


def test_hook_stops_past_the_cap():
    hook = SkippedMediaHook()
    hook.max_skipped = 1
    sample = ActionDataSample()
    sample.set_metainfo({SKIPPED_KEY: [('B', 'cut short')]})
    hook.after_train_iter(None, 0, dict(data_samples=[sample]))
    other = ActionDataSample()
    other.set_metainfo({SKIPPED_KEY: [('C', 'no frames')]})
    with pytest.raises(RuntimeError) as error:
        hook.after_train_iter(None, 1, dict(data_samples=[other]))
    assert str(error.value) == (
        '2 training samples (this rank) have unreadable media, more than '
        'skip_bad_media allows (max_skipped=1):\n  B: cut short\n'
        '  C: no frames')

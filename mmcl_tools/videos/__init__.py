"""Your own labelled videos to an mmaction2 skeleton pickle
(``tools/data/videos/extract_skeletons.py``).

* :mod:`.video_reader`: every frame decoded, problems noted;
* :mod:`.extraction`: :func:`extract_video`, one video to one annotation
  (pose backend, tracking, joint layout);
* :mod:`.video_list`: class folders or list files, splits, sample names;
* :mod:`.extraction_run`: a whole dataset, resumable, parallel, sharded;
* :mod:`.cli`: the command line;
* :mod:`.kinect_agreement`: ``ntu25`` extractions against NTU's Kinect
  joints (``benchmarks/ntu_kinect_agreement.py``);
* :mod:`.preparation`: skeletons, strips and text features of a labelled
  video folder in one command (``tools/data/videos/prepare_dataset.py``);
* :mod:`.example_set`: a small labelled set cut from the real videos
  (``tools/data/videos/make_example_set.py``, ``demo/run_own_videos.sh``).
"""
from mmcl_tools.pose import build_pose_backend
from .extraction import NoPersonError, extract_video
from .extraction_run import (ExtractionError, ExtractReport, ExtractSettings,
                             merge_results, run_extraction)
from .video_list import VideoListError, VideoSample, load_video_list
from .video_reader import (VIDEO_EXTENSIONS, VideoError, VideoInfo,
                           iter_frames, probe_video)

__all__ = [
    'extract_video', 'build_pose_backend', 'ExtractSettings',
    'ExtractReport', 'ExtractionError', 'run_extraction', 'merge_results',
    'VideoListError', 'VideoSample', 'load_video_list', 'NoPersonError',
    'VideoError', 'VideoInfo', 'iter_frames', 'probe_video',
    'VIDEO_EXTENSIONS'
]

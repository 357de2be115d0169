"""Your own labelled videos to an mmaction2 skeleton pickle
(``tools/data/videos/extract_skeletons.py``).

* :mod:`.video_reader`: every frame decoded, problems noted;
* :mod:`.extraction`: :func:`extract_video`, one video to one annotation
  (pose backend, tracking, joint layout).
"""
from .extraction import NoPersonError, extract_video
from .video_reader import (VIDEO_EXTENSIONS, VideoError, VideoInfo,
                           iter_frames, probe_video)

__all__ = [
    'extract_video', 'NoPersonError', 'VideoError', 'VideoInfo',
    'iter_frames', 'probe_video', 'VIDEO_EXTENSIONS'
]

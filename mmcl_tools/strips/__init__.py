"""Offline data production: what tools write once so that training reads
files instead of recomputing them.

* precomputed frame strips (``tools/data/ntu/make_ntu_strips.py``):
  :mod:`.strip_settings` (how), :mod:`.strip_tasks` (which samples, what
  happened), :mod:`.output_dir` (the resumable output directory) and
  :mod:`.strip_runner` (making them);
* whole-clip strips of a config's samples for the feature caches
  (``tools/extract_strip_features.py``, the MLLM text extraction):
  :mod:`.strip_features`;
* :mod:`.process_pool`, the crash-tolerant process pool of these tools and
  of the dataset converters.
"""
from mmcl_plugin.utils.process_pool import imap_jobs
from .output_dir import (SETTINGS_FILE, check_settings_file, is_complete_strip,
                         locked_out_dir, remove_stale_temp_files,
                         write_failures)
from .strip_features import (StripDataset, collate_strips, offline_data_infos,
                             strip_step_cfg)
from .strip_runner import (WORKER_DIED, build_strip, iter_results, make_strips,
                           process_task)
from .strip_settings import IMAGE_FORMATS, StripSettings
from .strip_tasks import (DONE, FAILED, WRITTEN, StripError, StripReport,
                          StripResult, StripTask, check_video_pattern,
                          keypoint_problem, load_annotations, make_tasks)

__all__ = [
    'StripSettings', 'StripTask', 'StripResult', 'StripReport', 'StripError',
    'load_annotations', 'make_tasks', 'check_video_pattern',
    'keypoint_problem', 'build_strip', 'is_complete_strip',
    'remove_stale_temp_files', 'locked_out_dir', 'check_settings_file',
    'process_task', 'iter_results', 'make_strips', 'write_failures',
    'imap_jobs', 'StripDataset', 'collate_strips', 'offline_data_infos',
    'strip_step_cfg', 'IMAGE_FORMATS', 'SETTINGS_FILE', 'WORKER_DIED',
    'WRITTEN', 'DONE', 'FAILED'
]

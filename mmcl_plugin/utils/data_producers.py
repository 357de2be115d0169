"""Which tool makes which data file, for the errors about missing ones.

A missing or unreadable annotation pickle, video directory or feature
cache is reported with the command that makes it: one table here, read by
every place that reports such a file (the dataset, the text-feature cache
reader, the strip tool), instead of a hint string per site.
"""
import fnmatch
import os.path as osp
from typing import Optional, Tuple

#: (glob of the path as configs name it, how the file is made). Checked in
#: this order before :data:`PRODUCERS_BY_ARGUMENT`; ``{path}`` is the path.
DATA_PRODUCERS: Tuple[Tuple[str, str], ...] = (
    ('*demo/text_cache*',
     'python tools/data/make_demo_dataset.py --out-dir DIR --text-cache'),
    ('*demo/*', 'python tools/data/make_demo_dataset.py --out-dir DIR '
     '(the demo dataset: pickle, videos, text features)'),
    ('*ntu60*.pkl',
     'python tools/data/ntu/convert_ntu_skeleton.py '
     'nturgbd_skeletons_s001_to_s017.zip --benchmark ntu60 --missing '
     'NTU_RGBD_samples_with_missing_skeletons.txt -o {path}'),
    ('*ntu120*.pkl',
     'python tools/data/ntu/convert_ntu_skeleton.py '
     'nturgbd_skeletons_s001_to_s017.zip nturgbd_skeletons_s018_to_s032.zip '
     '--benchmark ntu120 --missing '
     'NTU_RGBD120_samples_with_missing_skeletons.txt -o {path}'),
    ('*nwucla*.pkl',
     'python tools/data/nwucla/convert_nwucla.py all_sqe.zip {path}'),
    ('*utd_mhad*.pkl',
     'python tools/data/utd_mhad/convert_utd_mhad.py Skeleton.zip {path}'),
    ('*sysu*.pkl', 'python tools/data/sysu/convert_sysu.py SYSU3D/ {path}'),
)

#: How the files of each ``MMCLPoseDataset`` argument are made, for paths
#: that no entry of :data:`DATA_PRODUCERS` matches.
PRODUCERS_BY_ARGUMENT = dict(
    ann_file='a converter of tools/data/ (README.md, "Data")',
    video_root="the dataset's RGB videos, as downloaded from its authors "
    '(README.md, "Data")',
    strip_root='python tools/data/ntu/make_ntu_strips.py ANN_FILE '
    'VIDEO_ROOT -o {path}',
    strip_feature_root='python tools/extract_strip_features.py CONFIG '
    '--out-dir {path}',
    text_feature_cache='python tools/extract_text_features.py CONFIG '
    '--out-dir {path}',
    text_feature_root='one <frame_dir>.npy of MLLM answer features per '
    'sample (README.md, "FRM text features from a multimodal LLM"; '
    'tools/extract_text_features.py makes a text_feature_cache instead)',
)


def how_to_make(path: str, argument: Optional[str] = None) -> str:
    """The command (or source) that makes the data file ``path``.

    Args:
        path (str): The file or directory, as the config names it.
        argument (str, optional): The ``MMCLPoseDataset`` argument it
            comes from (a key of :data:`PRODUCERS_BY_ARGUMENT`), for paths
            that no pattern matches.

    Returns:
        str: E.g. ``'python tools/data/nwucla/convert_nwucla.py all_sqe.zip
        data/skeleton/nwucla.pkl'``; '' if unknown.
    """
    normalized = path.replace(osp.sep, '/')
    for pattern, producer in DATA_PRODUCERS:
        if fnmatch.fnmatch(normalized, pattern):
            return producer.format(path=path)
    producer = PRODUCERS_BY_ARGUMENT.get(argument or '', '')
    return producer.format(path=path)


def make_hint(path: str, argument: Optional[str] = None) -> str:
    """``' How to make it: <command>.'`` for :func:`how_to_make`, or ''."""
    producer = how_to_make(path, argument)
    return f' How to make it: {producer}.' if producer else ''


__all__ = [
    'DATA_PRODUCERS', 'PRODUCERS_BY_ARGUMENT', 'how_to_make', 'make_hint'
]

"""Skeleton dataset joined with MMCL's per-sample RGB and text files."""
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS

from ..utils import load_pickle

#: How many offending samples an error message lists.
MAX_LISTED = 10


def keypoint_problem(keypoint: np.ndarray,
                     num_joints: Optional[int] = None) -> str:
    """What is wrong with a sample's skeleton, or '' if nothing.

    Args:
        keypoint (np.ndarray): Expected (M, T, V, C).
        num_joints (int, optional): Expected V.

    Returns:
        str: The problem, e.g. 'keypoint has 20 joints, expected 25'.
    """
    keypoint = np.asarray(keypoint)
    if keypoint.ndim != 4:
        return (f'keypoint has shape {keypoint.shape}, expected 4 dims '
                f'(M, T, V, C)')
    if num_joints is not None and keypoint.shape[2] != num_joints:
        return (f'keypoint has {keypoint.shape[2]} joints, expected '
                f'{num_joints}')
    if not np.issubdtype(keypoint.dtype, np.number):
        return f'keypoint has non-numeric dtype {keypoint.dtype}'
    finite = np.isfinite(keypoint)
    if not finite.all():
        num_bad = keypoint.size - int(np.count_nonzero(finite))
        return f'keypoint contains NaN/inf at {num_bad} values'
    return ''


class DirectoryListings:
    """Whether files exist, listing each directory once.

    One ``listdir`` per directory instead of one ``stat`` per file keeps
    the check of NTU's 57k samples fast, also on network file systems.
    """

    def __init__(self) -> None:
        self._listings: Dict[str, frozenset] = {}

    def exists(self, path: str) -> bool:
        """Whether ``path`` is an entry of its directory."""
        directory, name = osp.split(path)
        if directory not in self._listings:
            try:
                entries = frozenset(os.listdir(directory or '.'))
            except (FileNotFoundError, NotADirectoryError):
                entries = frozenset()
            self._listings[directory] = entries
        return name in self._listings[directory]


def missing_files_message(missing: Sequence[Tuple[str, str, str]],
                          num_samples: int, ann_file: str) -> str:
    """The error message for samples without some of their files.

    Args:
        missing (Sequence[tuple[str, str, str]]): (sample, modality,
            expected path) of each missing file.
        num_samples (int): Samples of the dataset.
        ann_file (str): The annotation file.

    Returns:
        str: Counts per modality and the first :data:`MAX_LISTED` files.
    """
    counts: Dict[str, int] = {}
    for _, modality, _ in missing:
        counts[modality] = counts.get(modality, 0) + 1
    per_modality = ', '.join(f'{count} without {modality}'
                             for modality, count in counts.items())
    lines = [
        f'MMCLPoseDataset: of {num_samples} samples of {ann_file}, '
        f'{per_modality} file. First missing:'
    ]
    lines += [
        f'  {sample} ({modality}): {path}'
        for sample, modality, path in missing[:MAX_LISTED]
    ]
    if len(missing) > MAX_LISTED:
        lines.append(f'  ... and {len(missing) - MAX_LISTED} more')
    return '\n'.join(lines)


@DATASETS.register_module()
class MMCLPoseDataset(PoseDataset):
    """:class:`PoseDataset` joined with MMCL's per-sample files.

    Each sample's files are found by its ``frame_dir``:
    ``<root>/<frame_dir><suffix>``, stored in the data info as
    ``video_path``, ``strip_path``, ``text_feature_path`` and
    ``strip_feature_path`` for the roots that are set. All files are
    checked when the dataset is built, so a missing file fails at once
    rather than in the middle of an epoch.

    Args:
        ann_file (str): mmaction2 skeleton pickle, whose annotations have
            ``frame_dir``, ``label``, ``total_frames``, ``img_shape``,
            ``keypoint`` (M, T, V, C) and optionally ``keypoint_2d``
            (M, T, V, 2) pixel (x, y) in the RGB video.
        pipeline (list[dict | callable]): Data transforms.
        video_root (str, optional): Directory of the RGB videos.
        video_suffix (str): Video file suffix; '_rgb.avi' for NTU RGB+D.
            Defaults to '.mp4'.
        strip_root (str, optional): Directory of precomputed strip images.
        strip_suffix (str): Defaults to '.jpg'.
        text_feature_root (str, optional): Directory of the MLLM text
            features, (L, D) arrays or the other layouts of
            ``LoadTextFeature``.
        text_feature_suffix (str): Defaults to '.npy'.
        strip_feature_root (str, optional): Directory of cached strip
            features of a frozen image encoder, (D, ) arrays.
        strip_feature_suffix (str): Defaults to '.npy'.
        text_feature_cache (str, optional): A text-feature cache of
            ``tools/extract_text_features.py``, read by
            ``LoadTextFeatureFromCache``; every sample must be in it (and
            not have failed), and it must not hold other features than the
            caches of the other datasets in use. Stored in the data infos
            as ``text_feature_cache``.
        num_joints (int, optional): Expected V of every skeleton; None
            accepts any.
        check_keypoints (bool): Check that every skeleton is 4-D, has
            ``num_joints`` joints and only finite values. Defaults to True.
        **kwargs: Arguments of :class:`PoseDataset` (``split``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 video_root: Optional[str] = None,
                 video_suffix: str = '.mp4',
                 strip_root: Optional[str] = None,
                 strip_suffix: str = '.jpg',
                 text_feature_root: Optional[str] = None,
                 text_feature_suffix: str = '.npy',
                 strip_feature_root: Optional[str] = None,
                 strip_feature_suffix: str = '.npy',
                 text_feature_cache: Optional[str] = None,
                 num_joints: Optional[int] = None,
                 check_keypoints: bool = True,
                 **kwargs) -> None:
        # (data info key, root, suffix) of each modality
        self.file_modalities = [(key, root, suffix) for key, root, suffix in (
            ('video_path', video_root, video_suffix),
            ('strip_path', strip_root, strip_suffix),
            ('text_feature_path', text_feature_root, text_feature_suffix),
            ('strip_feature_path', strip_feature_root, strip_feature_suffix),
        ) if root is not None]
        self.text_feature_cache = text_feature_cache
        self.num_joints = num_joints
        self.check_keypoints = check_keypoints
        super().__init__(ann_file, pipeline, **kwargs)

    def load_data_list(self) -> List[Dict]:
        """Load the annotations of the split, join the files, check them.

        Raises:
            UntrustedPickleError: The annotation pickle holds more than
                plain data (see :func:`~mmcl_plugin.utils.load_pickle`).
            FileNotFoundError: Some samples miss some of their files.
            ValueError: A skeleton has a wrong shape or NaN/inf values, or
                the pickle lacks the split.
        """
        data_list = self._load_annotations()
        self._join_files(data_list)
        if self.text_feature_cache is not None:
            self._join_text_feature_cache(data_list)
        if self.check_keypoints:
            self._check_keypoints(data_list)
        return data_list

    def _load_annotations(self) -> List[Dict]:
        """The annotations of ``self.split``, as ``PoseDataset`` selects
        them, read with the restricted unpickler (``PoseDataset`` uses
        ``mmengine.load``, which runs any code a pickle holds)."""
        content = load_pickle(self.ann_file)
        if self.split is None:
            if isinstance(content, dict) and 'annotations' in content:
                return content['annotations']
            return content
        if not (isinstance(content, dict) and 'split' in content
                and 'annotations' in content):
            raise ValueError(f'{self.ann_file}: split={self.split!r} needs '
                             'a dict with "split" and "annotations" (an '
                             'mmaction2 skeleton pickle)')
        if self.split not in content['split']:
            raise ValueError(f'{self.ann_file}: no split {self.split!r}; it '
                             f'has {sorted(content["split"])}')
        annotations = content['annotations']
        identifier = ('filename' if annotations
                      and 'filename' in annotations[0] else 'frame_dir')
        keep = set(content['split'][self.split])
        data_list = [a for a in annotations if a[identifier] in keep]
        video_prefix = self.data_prefix.get('video')
        if video_prefix:
            for info in data_list:
                for key in ('filename', 'frame_dir'):
                    if key in info:
                        info[key] = osp.join(video_prefix, info[key])
        return data_list

    def _join_files(self, data_list: List[Dict]) -> None:
        """Add the file paths to the data infos; all must exist."""
        if not self.file_modalities:
            return
        listings = DirectoryListings()
        missing = []
        for info in data_list:
            sample = str(info['frame_dir'])
            for key, root, suffix in self.file_modalities:
                path = osp.join(root, sample + suffix)
                info[key] = path
                if not listings.exists(path):
                    modality = key[:-len('_path')]
                    missing.append((sample, modality, path))
        if missing:
            raise FileNotFoundError(
                missing_files_message(missing, len(data_list), self.ann_file))

    def _join_text_feature_cache(self, data_list: List[Dict]) -> None:
        """Point the data infos at the text-feature cache; every sample
        must have features there."""
        from mmcl_plugin.mllm.cache_reader import open_text_feature_cache
        cache = open_text_feature_cache(self.text_feature_cache)
        # held so that the cache counts as in use while the dataset lives
        self._text_cache = cache
        missing = []
        for info in data_list:
            sample = str(info['frame_dir'])
            info['text_feature_cache'] = self.text_feature_cache
            if sample not in cache:
                reason = cache.failed.get(sample)
                where = f'{self.text_feature_cache} ' + (
                    f'(extraction failed: {reason})'
                    if reason else '(not in the index)')
                missing.append((sample, 'text_feature_cache', where))
        if missing:
            raise FileNotFoundError(
                missing_files_message(missing, len(data_list), self.ann_file))

    def _check_keypoints(self, data_list: List[Dict]) -> None:
        """Check every skeleton loaded with the annotations."""
        problems = []
        for info in data_list:
            # Skeletons loaded per sample (data_prefix 'skeleton') are not
            # here yet; they cannot be checked now.
            if 'keypoint' not in info:
                continue
            problem = keypoint_problem(info['keypoint'], self.num_joints)
            if problem:
                problems.append((info.get('frame_dir'), problem))
        if problems:
            lines = [
                f'MMCLPoseDataset: {len(problems)} samples of '
                f'{self.ann_file} have invalid skeletons:'
            ]
            lines += [
                f'  {sample}: {problem}'
                for sample, problem in problems[:MAX_LISTED]
            ]
            if len(problems) > MAX_LISTED:
                lines.append(f'  ... and {len(problems) - MAX_LISTED} more')
            raise ValueError('\n'.join(lines))


__all__ = ['MMCLPoseDataset']

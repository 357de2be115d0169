"""Skeleton dataset joined with MMCL's per-sample RGB and text files."""
import logging
import os
import os.path as osp
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS
from mmengine.logging import print_log

from mmcl_plugin.engine.hooks.skipped_media_hook import SKIPPED_KEY
from mmcl_plugin.utils import how_to_make, make_hint
from mmcl_plugin.utils.config_helpers import with_mmcl_steps
from .annotation_file import (AnnotationFileError, read_annotation_file,
                              split_content)
from .media import MediaError
from .sample_checks import (DEFAULT_MAX_ABS_COORDINATE,
                            DEFAULT_SCALE_OUTLIER_FACTOR,
                            invalid_samples_message, label_problems, listed,
                            sample_problems)
from .transforms.frame_strip import BuildFrameStrip
from .transforms.loading import (LoadTextFeature, LoadTextFeatureFromCache,
                                 feature_file_shape, text_feature_dims)


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
                          num_samples: int,
                          ann_file: str,
                          roots: Optional[Dict[str, str]] = None) -> str:
    """The error message for samples without some of their files.

    Args:
        missing (Sequence[tuple[str, str, str]]): (sample, modality,
            expected path) of each missing file; the modality is the
            dataset argument without ``_root`` ('video', 'text_feature',
            ...) or 'text_feature_cache'.
        num_samples (int): Samples of the dataset.
        ann_file (str): The annotation file.
        roots (dict[str, str], optional): The directory of each modality,
            to say which tool makes its files.

    Returns:
        str: Counts per modality, the first files (``listed``) and
        the tool that makes the files of each modality.
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
    lines += listed([(f'{sample} ({modality})', path)
                     for sample, modality, path in missing])
    for modality in counts:
        root = (roots or {}).get(modality)
        argument = modality if modality.endswith('_cache') \
            else f'{modality}_root'
        producer = how_to_make(root, argument) if root else ''
        if producer:
            lines.append(f'{modality} files are made by: {producer}')
    return '\n'.join(lines)


@DATASETS.register_module()
class MMCLPoseDataset(PoseDataset):
    """:class:`PoseDataset` joined with MMCL's per-sample files, checked
    when it is built.

    Each sample's files are found by its ``frame_dir``:
    ``<root>/<frame_dir><suffix>``, stored in the data info as
    ``video_path``, ``strip_path``, ``text_feature_path`` and
    ``strip_feature_path`` for the roots that are set.

    Every split (train, val and test alike) is checked when the dataset is
    built, so a bad sample fails at start-up instead of silently changing
    test metrics or crashing mid-epoch. Each check lists every offending
    sample in one error (``name: what is wrong``):

    - the annotation file: missing, truncated or of another layout (the
      error names the file and the tool that makes it); an empty split;
    - the split: entries listed twice or naming no annotation, samples
      with two annotations of one ``frame_dir``;
    - keys: ``frame_dir``, ``label``, ``total_frames``, ``keypoint``;
    - labels: integers in ``[0, num_classes)``;
    - skeletons (``check_keypoints``): (M, T, V, C) floating point with
      ``num_joints`` joints and C 2 or 3, finite coordinates within
      ``max_abs_coordinate``, none off by orders of magnitude from the
      split's other samples (``scale_outlier_factor``),
      ``total_frames >= 1`` and equal to T;
    - 2-D keypoints that crop strips from videos (``BuildFrameStrip``'s
      ``keypoint_key``): finite, at most one image size outside the image;
    - files: every sample's files exist; per-sample text features have a
      readable header of a text-feature shape; a text-feature cache has
      every sample (and its shards pass their checksums);
    - with ``check_media``: every video / strip image decodes.

    The check of the text features' width against ``FRMHead``'s
    ``text_channels`` needs the model: ``DatasetCheckHook`` does it (and
    compares ``num_classes`` with the classifier's) before training.

    With ``skip_bad_media`` a training sample whose video or strip image
    cannot be read (:class:`~.media.MediaError`) is replaced by the next
    sample; ``SkippedMediaHook`` lists the skipped samples at the end of
    each epoch and stops the run when there are more than ``max_skipped``.

    Args:
        ann_file (str): mmaction2 skeleton pickle, whose annotations have
            ``frame_dir``, ``label``, ``total_frames``, ``img_shape``,
            ``keypoint`` (M, T, V, C) and optionally ``keypoint_2d``
            (M, T, V, 2) pixel (x, y) in the RGB video, ``person_boxes``
            (M, T, 4) pixel boxes (strips crop to them) and ``filename``
            (the video, see ``video_from_filename``). A split lists
            ``frame_dir``s, or ``filename``s when the annotations have
            them (mmaction2's convention).
        pipeline (list[dict | callable]): Data transforms.
        video_root (str, optional): Directory of the RGB videos.
        video_suffix (str): Video file suffix; '_rgb.avi' for NTU RGB+D.
            Defaults to '.mp4'.
        video_from_filename (bool): A sample's video is
            ``<video_root>/<filename>``, the annotation's ``filename``
            (the video's path relative to the folder the skeletons were
            extracted from, as ``tools/data/videos/extract_skeletons.py``
            writes it), instead of ``<video_root>/<frame_dir><suffix>``.
            Defaults to False.
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
        num_classes (int, optional): Labels must lie in [0, num_classes)
            (the configs set the classifier's class count); None accepts
            any non-negative label (``DatasetCheckHook`` then checks them
            against the model).
        num_joints (int, optional): Expected V of every skeleton; None
            accepts any.
        max_abs_coordinate (float, optional): Bound of the skeletons'
            ``|coordinate|``; None checks only that they are finite.
            Defaults to 1e4 (above real coordinates in metres,
            millimetres or pixels, far below float32 overflow; see
            :data:`~.sample_checks.DEFAULT_MAX_ABS_COORDINATE`).
        check_keypoints (bool): Check the skeletons and ``total_frames``
            (and the 2-D keypoints). Defaults to True.
        scale_outlier_factor (float, optional): Report a sample whose
            largest ``|coordinate|`` is more than this factor times the
            split's median (or below its inverse): another unit. None
            disables it. Defaults to 100.
        check_media (bool | dict): Probe every video / strip image when
            the dataset is built, with a progress bar (``True`` or
            ``dict(num_workers=N)``, default 4 processes). Defaults to
            False.
        skip_bad_media (dict, optional): ``dict(max_skipped=N)``: in
            training, replace a sample whose media cannot be read by the
            next one and report it; more than N bad samples stop the run.
            None (default): such a sample stops the run at once.
        mmcl_steps (list[dict], optional): MMCL's training-only steps
            (frame strip, text features) added to the skeleton
            ``pipeline`` by
            :func:`~mmcl_plugin.utils.config_helpers.with_mmcl_steps`:
            before ``FormatGCNInput``, with ``PackMMCLInputs`` as the
            packer. How an MMCL config extends its baseline's pipeline
            (``configs/_base_/mmcl.py``). None: ``pipeline`` as it is.
        **kwargs: Arguments of :class:`PoseDataset` (``split``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 video_root: Optional[str] = None,
                 video_suffix: str = '.mp4',
                 video_from_filename: bool = False,
                 strip_root: Optional[str] = None,
                 strip_suffix: str = '.jpg',
                 text_feature_root: Optional[str] = None,
                 text_feature_suffix: str = '.npy',
                 strip_feature_root: Optional[str] = None,
                 strip_feature_suffix: str = '.npy',
                 text_feature_cache: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 num_joints: Optional[int] = None,
                 max_abs_coordinate: Optional[float] = (
                     DEFAULT_MAX_ABS_COORDINATE),
                 check_keypoints: bool = True,
                 check_media: Union[bool, Dict] = False,
                 skip_bad_media: Optional[Dict] = None,
                 scale_outlier_factor: Optional[float] = (
                     DEFAULT_SCALE_OUTLIER_FACTOR),
                 mmcl_steps: Optional[List[Dict]] = None,
                 **kwargs) -> None:
        for key, value in (('num_classes', num_classes),
                           ('num_joints', num_joints)):
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, int)):
                raise TypeError(
                    f'MMCLPoseDataset({ann_file!r}): {key} must be an int, '
                    f'got {value!r} (a {type(value).__name__})')
        self.scale_outlier_factor = scale_outlier_factor
        #: (sample, problem) of the split found while reading the file.
        self.split_problems: List[Tuple[str, str]] = []
        self.mmcl_steps = mmcl_steps
        if mmcl_steps:
            pipeline = with_mmcl_steps(pipeline, mmcl_steps)
        # (data info key, root, suffix) of each modality
        self.file_modalities = [(key, root, suffix) for key, root, suffix in (
            ('video_path', video_root, video_suffix),
            ('strip_path', strip_root, strip_suffix),
            ('text_feature_path', text_feature_root, text_feature_suffix),
            ('strip_feature_path', strip_feature_root, strip_feature_suffix),
        ) if root is not None]
        self.video_from_filename = video_from_filename
        self.text_feature_cache = text_feature_cache
        self.num_joints = num_joints
        self.max_abs_coordinate = max_abs_coordinate
        self.check_keypoints = check_keypoints
        self.check_media = self._media_check_cfg(check_media)
        self.skip_bad_media = self._skip_cfg(skip_bad_media)
        #: Label of every sample, by name (for ``label_problems``).
        self.sample_labels: Dict[str, Any] = {}
        #: (P, D) of every per-sample text feature file, by sample name.
        self.text_feature_dims: Dict[str, Tuple[int, int]] = {}
        super().__init__(ann_file, pipeline, num_classes=num_classes,
                         **kwargs)

    @staticmethod
    def _media_check_cfg(check_media: Union[bool, Dict]) -> Optional[Dict]:
        if check_media is False or check_media is None:
            return None
        cfg = dict(num_workers=4)
        if isinstance(check_media, dict):
            unknown = set(check_media) - set(cfg)
            if unknown:
                raise ValueError(f'check_media takes {sorted(cfg)}, got '
                                 f'{sorted(unknown)}')
            cfg.update(check_media)
        elif check_media is not True:
            raise ValueError(f'check_media must be a bool or dict('
                             f'num_workers=N), got {check_media!r}')
        return cfg

    @staticmethod
    def _skip_cfg(skip_bad_media: Optional[Dict]) -> Optional[Dict]:
        if skip_bad_media is None:
            return None
        if not isinstance(skip_bad_media, dict) or \
                set(skip_bad_media) != {'max_skipped'} or \
                not isinstance(skip_bad_media['max_skipped'], int) or \
                skip_bad_media['max_skipped'] < 1:
            raise ValueError(f'skip_bad_media must be dict(max_skipped=N) '
                             f'with N >= 1, got {skip_bad_media!r}')
        return dict(skip_bad_media)

    # ------------------------------------------------------------ loading
    def load_data_list(self) -> List[Dict]:
        """Load the annotations of the split, check them, join the files.

        Raises:
            FileNotFoundError: The annotation file or some samples' files
                are missing (naming them and the tools that make them).
            AnnotationFileError: The annotation file is truncated, not a
                pickle or of another layout, or lacks the split (a
                ValueError).
            UntrustedPickleError: The annotation pickle holds more than
                plain data (see :func:`~mmcl_plugin.utils.load_pickle`).
            ValueError: Some samples are invalid (listed), or their text
                feature files are unreadable.
        """
        data_list = self._load_annotations()
        self._check_samples(data_list)
        self._join_files(data_list)
        if self.text_feature_cache is not None:
            self._join_text_feature_cache(data_list)
        self._read_text_feature_headers(data_list)
        if self.check_media is not None:
            self._check_media(data_list)
        return data_list

    def _load_annotations(self) -> List[Dict]:
        """The annotations of ``self.split``, as ``PoseDataset`` selects
        them, read with the restricted unpickler (``PoseDataset`` uses
        ``mmengine.load``, which runs any code a pickle holds)."""
        content = read_annotation_file(self.ann_file)
        annotations, splits = split_content(content, self.ann_file,
                                            self.split is not None)
        if self.split is None:
            if not annotations:
                raise AnnotationFileError(
                    f'{self.ann_file} has no annotations.'
                    f'{make_hint(self.ann_file, "ann_file")}')
            return annotations
        if self.split not in splits:
            raise AnnotationFileError(
                f'{self.ann_file}: no split {self.split!r}; it has '
                f'{sorted(splits)} (set the dataset\'s split to one of '
                f'them).{make_hint(self.ann_file, "ann_file")}')
        entries = list(splits[self.split])
        # mmaction2 lists samples by `filename` when they have one; a
        # split of `frame_dir`s is taken too
        identifier = 'frame_dir'
        if annotations and 'filename' in annotations[0]:
            filenames = {a.get('filename') for a in annotations}
            if not entries or any(e in filenames for e in entries):
                identifier = 'filename'
        if not entries:
            raise AnnotationFileError(
                f'{self.ann_file}: split {self.split!r} is empty (0 '
                f'entries; the file\'s splits: '
                f'{ {k: len(v) for k, v in splits.items()} }).'
                f'{make_hint(self.ann_file, "ann_file")}')
        keep = set(entries)
        data_list = [a for a in annotations if a.get(identifier) in keep]
        self.split_problems = self._split_problems(entries, data_list,
                                                   identifier)
        video_prefix = self.data_prefix.get('video')
        if video_prefix:
            for info in data_list:
                for key in ('filename', 'frame_dir'):
                    if key in info:
                        info[key] = osp.join(video_prefix, info[key])
        return data_list

    def _split_problems(self, entries: List, data_list: List[Dict],
                        identifier: str) -> List[Tuple[str, str]]:
        """Entries listed twice, entries without an annotation and
        samples with several annotations, as (sample, problem)."""
        problems = []
        counts: Dict[Any, int] = {}
        for entry in entries:
            counts[entry] = counts.get(entry, 0) + 1
        for entry, count in counts.items():
            if count > 1:
                problems.append((str(entry), f'listed {count} times in split '
                                 f'{self.split!r}'))
        annotated: Dict[Any, List[Dict]] = {}
        for info in data_list:
            annotated.setdefault(info[identifier], []).append(info)
        for entry in counts:
            if entry not in annotated:
                problems.append((str(entry), f'listed in split '
                                 f'{self.split!r} but has no annotation'))
        for name, infos in annotated.items():
            if len(infos) > 1:
                labels = ', '.join(str(info.get('label')) for info in infos)
                problems.append((str(name), f'{len(infos)} annotations of '
                                 f'this {identifier} (labels {labels})'))
        return problems

    def _pipeline_step(self, step_type: type) -> Optional[Callable]:
        """The pipeline's first transform of ``step_type``, if any."""
        return next((t for t in getattr(self.pipeline, 'transforms', [])
                     if isinstance(t, step_type)), None)

    def _check_samples(self, data_list: List[Dict]) -> None:
        """Check labels, skeletons, frame counts and 2-D keypoints."""
        self.sample_labels = {
            str(info.get('frame_dir')): info.get('label')
            for info in data_list
        }
        build_strip = self._pipeline_step(BuildFrameStrip)
        image_keypoint_key = None
        if build_strip is not None and any(
                key == 'video_path' for key, _, _ in self.file_modalities):
            image_keypoint_key = build_strip.keypoint_key
        problems = self.split_problems + sample_problems(
            data_list,
            num_classes=self.num_classes,
            num_joints=self.num_joints,
            max_abs_coordinate=self.max_abs_coordinate,
            check_keypoints=self.check_keypoints,
            image_keypoint_key=image_keypoint_key,
            scale_outlier_factor=self.scale_outlier_factor)
        if problems:
            raise ValueError(
                invalid_samples_message(problems, len(data_list),
                                        self.ann_file, self.split))

    def _join_files(self, data_list: List[Dict]) -> None:
        """Add the file paths to the data infos; all must exist."""
        if not self.file_modalities:
            return
        listings = DirectoryListings()
        missing = []
        for info in data_list:
            sample = str(info['frame_dir'])
            for key, root, suffix in self.file_modalities:
                if key == 'video_path' and self.video_from_filename:
                    if not info.get('filename'):
                        missing.append((sample, 'video', 'no `filename` in '
                                        'the annotation (video_from_filename'
                                        '=True)'))
                        continue
                    path = osp.join(root, str(info['filename']))
                else:
                    path = osp.join(root, sample + suffix)
                info[key] = path
                if not listings.exists(path):
                    modality = key[:-len('_path')]
                    missing.append((sample, modality, path))
        if missing:
            roots = {key[:-len('_path')]: root
                     for key, root, _ in self.file_modalities}
            raise FileNotFoundError(
                missing_files_message(missing, len(data_list), self.ann_file,
                                      roots))

    def _join_text_feature_cache(self, data_list: List[Dict]) -> None:
        """Point the data infos at the text-feature cache; every sample
        must have features there (opening it verifies its shards)."""
        from mmcl_plugin.text_cache.cache_reader import open_text_feature_cache
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
                missing_files_message(
                    missing, len(data_list), self.ann_file,
                    dict(text_feature_cache=self.text_feature_cache)))

    def _read_text_feature_headers(self, data_list: List[Dict]) -> None:
        """Read the shape of every per-sample text feature file (its
        header only: about 25 µs a file), for ``text_feature_problems``.

        Raises:
            ValueError: Listing the files that are unreadable, cut short
                or not of a text-feature shape.
        """
        self.text_feature_dims = {}
        if not any(key == 'text_feature_path'
                   for key, _, _ in self.file_modalities):
            return
        problems = []
        for info in data_list:
            sample, path = str(info['frame_dir']), info['text_feature_path']
            try:
                self.text_feature_dims[sample] = text_feature_dims(
                    feature_file_shape(path))
            except (OSError, ValueError) as error:
                problems.append((sample, f'{path}: {error}'))
        if problems:
            raise ValueError('\n'.join(
                [f'MMCLPoseDataset: {len(problems)} of {len(data_list)} '
                 f'text feature files of {self.ann_file} are unreadable:'] +
                listed(problems) +
                ['Make them again (or leave the samples out of the split).']))

    def _check_media(self, data_list: List[Dict]) -> None:
        """Probe every sample's video / strip image (``check_media``)."""
        from .media_check import check_media
        build_strip = self._pipeline_step(BuildFrameStrip)
        failures = check_media(
            data_list,
            io_backend=getattr(build_strip, 'io_backend', 'decord'),
            num_workers=self.check_media['num_workers'])
        if failures:
            raise MediaError('\n'.join(
                [f'MMCLPoseDataset: {len(failures)} of {len(data_list)} '
                 f'samples of {self.ann_file} have unreadable media:'] +
                listed(failures) +
                ['Replace these files, leave the samples out of the split, '
                 'or train with skip_bad_media=dict(max_skipped=N).']))

    # ------------------------------------------- checks against the model
    def label_problems(self, num_classes: int) -> List[Tuple[str, str]]:
        """The samples whose labels are not in [0, num_classes), e.g. the
        classifier's class count when the dataset has none."""
        names = list(self.sample_labels)
        return [(names[index], problem) for index, problem in
                label_problems(list(self.sample_labels.values()),
                               num_classes).items()]

    def text_feature_problems(self, text_channels: int,
                              num_prompts: int = 1) -> List[Tuple[str, str]]:
        """The samples whose text features the FRM cannot take.

        Per-sample files: every file's (P, D) from its header. A cache:
        one sample through the pipeline's ``LoadTextFeatureFromCache``
        (a cache has one width), reported for that sample and the cache.

        Args:
            text_channels (int): ``FRMHead.text_channels`` (D).
            num_prompts (int): ``FRMHead.num_prompts`` (P).

        Returns:
            list[tuple[str, str]]: (sample, problem) pairs; empty when the
            pipeline loads no text features.
        """

        def problem(num: int, width: int) -> str:
            found = []
            if width != text_channels:
                found.append(f'text feature width {width}, FRMHead '
                             f'text_channels={text_channels}')
            if num != num_prompts:
                found.append(f'{num} prompts, FRMHead '
                             f'num_prompts={num_prompts}')
            return '; '.join(found)

        problems = []
        if self._pipeline_step(LoadTextFeature) is not None:
            for sample, (num, width) in self.text_feature_dims.items():
                found = problem(num, width)
                if found:
                    problems.append((sample, found))
        from_cache = self._pipeline_step(LoadTextFeatureFromCache)
        if from_cache is not None and len(self) > 0:
            info = self.get_data_info(0)
            feature = from_cache.transform(dict(info))['text_feature']
            found = problem(feature.shape[0], feature.shape[-1])
            if found:
                cache = from_cache.cache_dir or info.get('text_feature_cache')
                problems.append((str(info['frame_dir']),
                                 f'{found} (as every sample of the cache '
                                 f'{cache})'))
        return problems

    # ------------------------------------------------------ skip and report
    def prepare_data(self, idx: int) -> Any:
        """The pipeline's output for sample ``idx``; with
        ``skip_bad_media`` in training, the next readable sample's instead
        of one whose media fail, recording the skipped ones in its data
        sample's metainfo (``skipped_media``).

        Raises:
            MediaError: Without ``skip_bad_media`` (or in test mode), for
                an unreadable sample; with it, when more than
                ``max_skipped`` samples in a row are unreadable.
        """
        if self.skip_bad_media is None or self.test_mode:
            return super().prepare_data(idx)
        limit = self.skip_bad_media['max_skipped']
        skipped: List[Tuple[str, str]] = []
        for attempt in range(min(limit + 1, len(self))):
            index = (idx + attempt) % len(self)
            try:
                data = super().prepare_data(index)
            except MediaError as error:
                name = str(self.get_data_info(index)['frame_dir'])
                skipped.append((name, str(error)))
                print_log(
                    f'skipped sample {name} (skip_bad_media): {error}',
                    logger='current',
                    level=logging.WARNING)
                continue
            if skipped:
                samples = data.get('data_samples') \
                    if isinstance(data, dict) else None
                if samples is not None and hasattr(samples, 'set_metainfo'):
                    samples.set_metainfo({SKIPPED_KEY: skipped})
            return data
        raise MediaError('\n'.join(
            [f'MMCLPoseDataset: {len(skipped)} samples in a row have '
             f'unreadable media (skip_bad_media allows {limit}):'] +
            listed(skipped)))


__all__ = ['MMCLPoseDataset']

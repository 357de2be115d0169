"""Reading an mmaction2 skeleton pickle, with its faults named.

A missing, truncated or malformed annotation file is reported with the
file and the tool that makes it (:func:`~mmcl_plugin.utils.how_to_make`)
instead of a bare ``FileNotFoundError`` or ``pickle data was truncated``
from deep inside a training run.
"""
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple

from mmcl_plugin.utils import UntrustedPickleError, load_pickle, make_hint

#: The layout the messages describe.
EXPECTED_LAYOUT = ("an mmaction2 skeleton pickle: dict(split=dict(<split>="
                   "[frame_dir, ...]), annotations=[dict(frame_dir=..., "
                   "label=..., total_frames=..., keypoint=...), ...])")


class AnnotationFileError(ValueError):
    """An annotation file that is not a readable skeleton pickle; the
    message names the file, what is wrong and how to make it again."""


def read_annotation_file(ann_file: str) -> Any:
    """Unpickle an annotation file (restricted to plain data).

    Raises:
        FileNotFoundError: The file does not exist (naming the tool that
            makes it).
        AnnotationFileError: It cannot be unpickled (truncated, not a
            pickle).
        UntrustedPickleError: It holds more than plain data.
    """
    if not osp.isfile(ann_file):
        raise FileNotFoundError(
            f'annotation file {ann_file} does not exist.'
            f'{make_hint(ann_file, "ann_file")}')
    try:
        return load_pickle(ann_file)
    except (UntrustedPickleError, OSError):
        raise
    except Exception as error:  # noqa: BLE001 (any unpickling fault)
        raise AnnotationFileError(
            f'{ann_file} is not a readable annotation pickle ('
            f'{type(error).__name__}: {error}); it is cut short or not a '
            f'pickle (an interrupted copy?). Make it again.'
            f'{make_hint(ann_file, "ann_file")}') from None


def malformed(ann_file: str, problem: str) -> AnnotationFileError:
    """The error for an annotation file of the wrong layout."""
    return AnnotationFileError(
        f'{ann_file}: {problem}; expected {EXPECTED_LAYOUT}.'
        f'{make_hint(ann_file, "ann_file")}')


def split_content(content: Any, ann_file: str,
                  need_split: bool) -> Tuple[List[Dict], Dict[str, list]]:
    """The annotations and the split lists of a loaded annotation file.

    Args:
        content: What :func:`read_annotation_file` returned.
        ann_file (str): The file, for messages.
        need_split (bool): The caller selects a split, so the file must
            have them.

    Returns:
        tuple[list[dict], dict[str, list]]: The annotations (each a dict
        with ``frame_dir`` or ``filename``) and the splits (empty for a
        bare list of annotations).

    Raises:
        AnnotationFileError: Another layout.
    """
    if isinstance(content, dict):
        if 'annotations' not in content:
            raise malformed(ann_file, f'no "annotations" (keys: '
                            f'{sorted(map(str, content))})')
        annotations, splits = content['annotations'], content.get('split')
        if splits is None:
            if need_split:
                raise malformed(ann_file, 'no "split"')
            splits = {}
    elif isinstance(content, list) and not need_split:
        annotations, splits = content, {}
    else:
        raise malformed(ann_file,
                        f'a {type(content).__name__}' + (
                            ' without splits' if need_split else ''))
    if not isinstance(annotations, list):
        raise malformed(ann_file, f'"annotations" is a '
                        f'{type(annotations).__name__}')
    if not isinstance(splits, dict):
        raise malformed(ann_file, f'"split" is a {type(splits).__name__}')
    for index, ann in enumerate(annotations):
        problem = annotation_problem(ann)
        if problem:
            raise malformed(ann_file, f'annotation {index} {problem}')
    return annotations, splits


def annotation_problem(ann: Any) -> Optional[str]:
    """Why one annotation is not a sample's dict, or None."""
    if not isinstance(ann, dict):
        return f'is a {type(ann).__name__}, not a dict'
    if 'frame_dir' not in ann and 'filename' not in ann:
        return f'has no "frame_dir" (keys: {sorted(map(str, ann))})'
    return None


__all__ = [
    'AnnotationFileError', 'read_annotation_file', 'split_content',
    'annotation_problem', 'EXPECTED_LAYOUT'
]

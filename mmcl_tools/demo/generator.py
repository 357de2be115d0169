"""Generate (or complete) the demo dataset: annotations here, videos and
text features in worker processes, the pickle last."""
import os
import os.path as osp
import pickle
from typing import Dict, List, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from mmcl_plugin.utils import (atomic_write, load_pickle, save_npy_atomic,
                               write_text_atomic)
from mmcl_plugin.utils.process_pool import imap_jobs
from .readme import readme_text
from .rendering import render_background, render_frames
from .samples import (CLASS_NAMES, HOLDING, PKL_NAME, build_annotation,
                      sample_rng)
from .text_features import text_feature, write_text_cache
from .video_codec import pick_fourcc, write_video_atomic


def write_sample_files(out_dir: str, ann: Dict, split: str, index: int,
                       seed: int, fourcc: str,
                       overwrite: bool = False) -> List[str]:
    """Write the video and text feature of one sample, if missing.

    Args:
        out_dir (str): dataset root.
        ann (dict): the sample's annotation (``build_annotation``).
        split (str): 'train' or 'val'.
        index (int): position in the split.
        seed (int): dataset seed.
        fourcc (str): video codec.
        overwrite (bool): write them even if they exist.

    Returns:
        list[str]: the paths written now.
    """
    name, label = ann['frame_dir'], ann['label']
    written = []
    video = osp.join(out_dir, 'videos', name + '.mp4')
    if overwrite or not osp.exists(video):
        background = render_background(sample_rng(seed, split, index, 1))
        frames = render_frames(ann['keypoint'], ann['keypoint_2d'],
                               HOLDING[label], background)
        write_video_atomic(frames, video, fourcc)
        written.append(video)
    text = osp.join(out_dir, 'text_features', name + '.npy')
    if overwrite or not osp.exists(text):
        save_npy_atomic(
            text_feature(HOLDING[label], ann['keypoint'].shape[0],
                         sample_rng(seed, split, index, 2)), text)
        written.append(text)
    return written


def _work(task: Tuple) -> List[str]:
    """Worker: :func:`write_sample_files` of one task tuple."""
    return write_sample_files(*task)


def _worker_died(task: Tuple) -> List[str]:
    raise RuntimeError(f'{task[1]["frame_dir"]}: the worker process died '
                       f'while writing its video and text feature')


def stale_samples(pkl: str, annotations: Sequence[Dict]) -> List[str]:
    """Samples whose files an earlier, different run made (another seed).

    Args:
        pkl (str): the pickle of the earlier run (may be missing).
        annotations (Sequence[dict]): the annotations of this run.

    Returns:
        list[str]: ``frame_dir`` of the samples whose skeletons differ from
        the earlier pickle's, so that their video and text feature must be
        remade. Empty when there is no readable earlier pickle.
    """
    try:
        old = {a['frame_dir']: a for a in load_pickle(pkl)['annotations']}
    except Exception:  # noqa: BLE001 (missing or unreadable: nothing known)
        return []
    stale = []
    for ann in annotations:
        prev = old.get(ann['frame_dir'])
        if prev is not None and not (
                prev.get('label') == ann['label']
                and np.array_equal(prev.get('keypoint'), ann['keypoint'])):
            stale.append(ann['frame_dir'])
    return stale


def make_demo_dataset(out_dir: str, seed: int = 0, num_train: int = 64,
                      num_val: int = 32, num_workers: int = 0,
                      progress: bool = True, text_cache: bool = False) -> str:
    """Generate (or complete) the demo dataset under ``out_dir``.

    Labels go round robin, so the splits are balanced when their sizes are
    multiples of 4. Existing videos and text features are kept, except those
    of samples that an earlier pickle in ``out_dir`` describes differently
    (another seed); the pickle is written last, atomically.

    Args:
        out_dir (str): dataset root.
        seed (int): random seed.
        num_train (int): training samples.
        num_val (int): validation samples.
        num_workers (int): worker processes (0: this process).
        progress (bool): show a tqdm bar.
        text_cache (bool): also write the text features as a text-feature
            cache (``text_cache/``, see ``write_text_cache``).

    Returns:
        str: path of the skeleton pickle.
    """
    if num_train < 1 or num_val < 1:
        raise ValueError('num_train and num_val must be positive')
    for sub in ('videos', 'text_features'):
        os.makedirs(osp.join(out_dir, sub), exist_ok=True)
    fourcc = pick_fourcc(osp.join(out_dir, 'videos'))
    # Annotations are made here (cheap); workers only render and write.
    # The pickle then holds only this process's objects, so it is the same
    # byte for byte with or without workers.
    indices = [(split, i) for split, num in (('train', num_train),
                                             ('val', num_val))
               for i in range(num)]
    annotations = [build_annotation(split, i, seed) for split, i in indices]
    pkl = osp.join(out_dir, PKL_NAME)
    stale = set(stale_samples(pkl, annotations))
    tasks = [(out_dir, ann, split, i, seed, fourcc, ann['frame_dir'] in stale)
             for ann, (split, i) in zip(annotations, indices)]
    results = imap_jobs(_work, tasks, num_workers, died=_worker_died)
    for _ in tqdm(results, total=len(tasks), disable=not progress,
                  unit='sample'):
        pass
    split = dict(train=[a['frame_dir'] for a in annotations[:num_train]],
                 val=[a['frame_dir'] for a in annotations[num_train:]])
    if text_cache:
        write_text_cache(out_dir, annotations, indices, seed)
    write_text_atomic(''.join(name + '\n' for name in CLASS_NAMES),
                      osp.join(out_dir, 'label_map.txt'))
    write_text_atomic(readme_text(seed, num_train, num_val, fourcc),
                      osp.join(out_dir, 'README.md'))
    with atomic_write(pkl) as f:
        pickle.dump(dict(split=split, annotations=annotations), f, protocol=4)
    return pkl


__all__ = ['make_demo_dataset', 'write_sample_files', 'stale_samples']

"""The checkpoints of a work dir: which one ``--resume`` takes, and which
ones a fresh run would overwrite.

mmengine's auto-resume trusts ``last_checkpoint``: without it (deleted,
empty, naming a missing file) a ``--resume`` started from scratch and
overwrote ``epoch_1.pth``, ``epoch_2.pth`` ...; a corrupted newest
checkpoint was loaded as it was. :func:`find_resumable_checkpoint` instead
looks at every checkpoint file of the work dir, newest first, and takes
the first that loads and verifies (checksum, see
:mod:`.checkpoint_checksum`), saying why it skipped the others.
``tools/train.py`` gives the chosen file to the runner as an explicit
resume path.
"""
import os
import os.path as osp
from typing import List, Optional, Tuple

from mmcl_plugin.engine.checkpoint_loading import load_from_local

#: File name suffix of checkpoints.
CHECKPOINT_SUFFIX = '.pth'


def existing_checkpoints(work_dir: str) -> List[str]:
    """The checkpoint files (``*.pth``) and ``last_checkpoint`` directly in
    ``work_dir``, sorted by name (temporary files of a save excluded)."""
    if not osp.isdir(work_dir):
        return []
    found = []
    for entry in os.scandir(work_dir):
        if entry.name.startswith('.') or not entry.is_file():
            continue
        if entry.name.endswith(CHECKPOINT_SUFFIX) or \
                entry.name == 'last_checkpoint':
            found.append(entry.path)
    return sorted(found)


def _last_checkpoint_target(work_dir: str) -> Optional[str]:
    path = osp.join(work_dir, 'last_checkpoint')
    try:
        with open(path, encoding='utf-8') as f:
            target = f.read().strip()
    except OSError:
        return None
    return target or None


def _resume_candidates(work_dir: str) -> List[str]:
    """Checkpoint files, newest first (modification time; of one time, a
    periodic checkpoint before a ``best_*`` one)."""
    files = [p for p in existing_checkpoints(work_dir)
             if p.endswith(CHECKPOINT_SUFFIX)]
    target = _last_checkpoint_target(work_dir)
    if target and osp.isfile(target) and \
            osp.abspath(target) not in map(osp.abspath, files):
        files.append(target)  # an out_dir outside the work dir
    return sorted(files, key=lambda p: (-os.stat(p).st_mtime_ns,
                                        osp.basename(p).startswith('best_'),
                                        p))


def _training_state(checkpoint) -> Optional[Tuple[int, int]]:
    """(epoch, iter) of a checkpoint a run can resume, else None."""
    if not isinstance(checkpoint, dict):
        return None
    meta = checkpoint.get('meta')
    if not isinstance(meta, dict) or 'iter' not in meta or \
            'state_dict' not in checkpoint or \
            'message_hub' not in checkpoint:
        return None
    return int(meta.get('epoch', 0)), int(meta['iter'])


def find_resumable_checkpoint(
        work_dir: str) -> Tuple[Optional[str], List[str]]:
    """The newest checkpoint of ``work_dir`` that loads and verifies.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        tuple[str | None, list[str]]: The checkpoint (None if there is
        none) and log lines: what ``last_checkpoint`` said if it was not
        usable, every skipped file with the reason, and the choice.
    """
    notes = []
    target = _last_checkpoint_target(work_dir)
    last_file = osp.join(work_dir, 'last_checkpoint')
    if osp.exists(last_file) and target is None:
        notes.append(f'{last_file} is empty.')
    elif target is not None and not osp.isfile(target):
        notes.append(f'{last_file} names {target}, which does not exist.')
    elif not osp.exists(last_file):
        notes.append(f'{last_file} does not exist.')
    chosen, state = None, None
    for path in _resume_candidates(work_dir):
        try:
            checkpoint = load_from_local(path, map_location='cpu')
        except Exception as error:  # noqa: BLE001 (any unreadable file)
            reason = (str(error).splitlines() or [type(error).__name__])[0]
            notes.append(f'Skipped {path}: {reason}')
            continue
        found = _training_state(checkpoint)
        del checkpoint
        if found is None:
            notes.append(f'Skipped {path}: not a training checkpoint (no '
                         'meta / message hub to resume).')
            continue
        if chosen is None:
            chosen, state = path, found
            if not osp.basename(path).startswith('best_'):
                break
        elif found == state:  # the periodic file of the same step
            chosen = path
            break
        else:
            break
    if chosen is not None:
        notes.append(f'Resuming from {chosen} (epoch {state[0]}, iter '
                     f'{state[1]}): the newest checkpoint of {work_dir} '
                     'that verifies.')
    return chosen, notes


__all__ = ['existing_checkpoints', 'find_resumable_checkpoint']

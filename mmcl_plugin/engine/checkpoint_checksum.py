"""Checksums of checkpoints: written at save time, verified at every load.

A ``torch.save`` file is a zip whose CRCs ``torch.load`` does not check:
bytes overwritten inside a tensor load silently (a NaN loss from the first
resumed iteration). Every checkpoint this package writes
(``SafeCheckpointHook``, the export and conversion tools) therefore
carries the SHA-256 of its payload in ``meta[CHECKSUM_KEY]``, inside the
same file (so the same atomic write), and the weights-only loader
(:mod:`.checkpoint_loading`, mmengine's loader for local files: resume,
``load_from``, ``tools/test.py``, the deploy tools) recomputes and
compares it.

The payload is every tensor and NumPy array of the checkpoint (model,
optimizer, scheduler, RNG states), with its key path, dtype and shape,
walked in a fixed order; other values (numbers, strings, the message
hub's buffers) are not covered. The hash survives any loader that returns
the same tensors (``map_location`` included): it is computed on the
loaded values, not on the file's bytes.
"""
import hashlib
from typing import Any, Mapping, Optional

import numpy as np
import torch

#: Key in ``checkpoint['meta']``.
CHECKSUM_KEY = 'mmcl_checksum'
#: Name of the algorithm stored beside the digest (a later change of what
#: is hashed gets a new name).
ALGORITHM = 'sha256-tensors-v1'


class CheckpointChecksumError(RuntimeError):
    """A checkpoint whose payload does not match its stored checksum."""


def _update(digest: 'hashlib._Hash', path: str, value: Any) -> None:
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
        if tensor.layout != torch.strided or tensor.is_quantized:
            return
        tensor = tensor.cpu().contiguous()
        digest.update(f'{path}|{tensor.dtype}|{tuple(tensor.shape)}\n'
                      .encode())
        if tensor.numel():
            digest.update(
                memoryview(tensor.reshape(-1).view(torch.uint8).numpy()))
    elif isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            return
        digest.update(f'{path}|{value.dtype.str}|{value.shape}\n'.encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, Mapping):
        for key in sorted(value, key=repr):
            _update(digest, f'{path}/{key!r}', value[key])
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _update(digest, f'{path}/{index}', item)


def _without_checksum(checkpoint: Mapping) -> Mapping:
    meta = checkpoint.get('meta')
    if isinstance(meta, Mapping) and CHECKSUM_KEY in meta:
        meta = {k: v for k, v in meta.items() if k != CHECKSUM_KEY}
        return {**checkpoint, 'meta': meta}
    return checkpoint


def payload_checksum(checkpoint: Mapping) -> str:
    """The SHA-256 hex digest of a checkpoint's tensors and arrays (its
    stored checksum excluded)."""
    digest = hashlib.sha256()
    _update(digest, '', _without_checksum(checkpoint))
    return digest.hexdigest()


def add_checksum(checkpoint: dict) -> dict:
    """Store the payload's checksum in ``checkpoint['meta']`` (in place;
    a missing ``meta`` is created).

    Returns:
        dict: ``checkpoint``.
    """
    meta = checkpoint.get('meta')
    if not isinstance(meta, dict):
        meta = checkpoint['meta'] = dict(meta or {})
    meta.pop(CHECKSUM_KEY, None)
    meta[CHECKSUM_KEY] = dict(
        algorithm=ALGORITHM, digest=payload_checksum(checkpoint))
    return checkpoint


def stored_checksum(checkpoint: Any) -> Optional[Mapping]:
    """The checksum a loaded checkpoint carries, or None."""
    if not isinstance(checkpoint, Mapping):
        return None
    meta = checkpoint.get('meta')
    if not isinstance(meta, Mapping):
        return None
    stored = meta.get(CHECKSUM_KEY)
    return stored if isinstance(stored, Mapping) else None


def verify_checksum(checkpoint: Any, filename: str) -> bool:
    """Compare a loaded checkpoint with the checksum it carries.

    Args:
        checkpoint: What ``torch.load`` returned.
        filename (str): The file, for the message.

    Returns:
        bool: True if verified, False if the checkpoint has no checksum
        (written by another tool or an older version).

    Raises:
        CheckpointChecksumError: The payload differs from the checksum
            (the file changed after it was saved), or the algorithm is
            unknown.
    """
    stored = stored_checksum(checkpoint)
    if stored is None:
        return False
    if stored.get('algorithm') != ALGORITHM:
        raise CheckpointChecksumError(
            f'{filename}: unknown checksum algorithm '
            f'{stored.get("algorithm")!r} (this version knows {ALGORITHM})')
    actual = payload_checksum(checkpoint)
    if actual != stored.get('digest'):
        raise CheckpointChecksumError(
            f'{filename}: checksum mismatch: its tensors do not match the '
            f'SHA-256 stored when it was saved ({stored.get("digest")}, '
            f'now {actual}); the file was corrupted or changed after it '
            'was written. Use another checkpoint.')
    return True


__all__ = [
    'ALGORITHM', 'CHECKSUM_KEY', 'CheckpointChecksumError', 'add_checksum',
    'payload_checksum', 'stored_checksum', 'verify_checksum'
]

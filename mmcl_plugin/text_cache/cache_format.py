"""On-disk format of the sharded text-feature cache.

A cache directory holds::

    meta.json                  what made the features (CacheMeta)
    shards/000000.safetensors  features of shard 0 (see below)
    shards/000000.json         shard record: members, rows, answers,
                               size and SHA-256 of the .safetensors file
    ...
    index.json                 every sample -> shard, rows, lengths,
                               answers (+ the meta and shard checksums);
                               written once all shards are complete
    .extraction.lock           locks of the shards extraction processes
                               own (empty file)

Samples are sorted by name and cut into shards of ``shard_size``; shard
``s`` holds samples ``[s * shard_size, (s + 1) * shard_size)``. A shard is
the unit of work and of atomicity: its tensor file is written first, then
its record (both through a temporary file and a rename), so a record exists
only for a complete tensor file, and a killed run loses at most the shards
it was computing.

The tensor file of a shard with entries ``e = 0 .. E-1`` (one per sample
and prompt, sample-major) has

- ``tokens``: (R, D) the answer-token features of all entries, entry ``e``
  in rows ``[row_e, row_e + length_e)``;
- ``pooled``: (E, D) their mean, when the cache pools (``pool='mean'``);
- ``sentence``: (E, D_s) the sentence-encoder vector of each answer, when
  the cache has a sentence encoder;
- ``token_ids``: (E, 1 + max_new_tokens) int32, the ids ``generate()``
  returned for each answer (decoder start token where the model has one,
  answer, stop token), padded with -1, when the cache stores them
  (``token_ids`` in its identity).
"""
import dataclasses
import hashlib
import json
import os.path as osp
from typing import Any, Dict, List, Optional

FORMAT_NAME = 'mmcl-text-feature-cache'
FORMAT_VERSION = 1

META_FILE = 'meta.json'
INDEX_FILE = 'index.json'
SHARD_DIR = 'shards'
#: Record locks of the shards being computed (byte s = shard s), held by
#: the extraction processes (``cache_writer.lock_shards``).
LOCK_FILE = '.extraction.lock'

TOKENS_KEY = 'tokens'
POOLED_KEY = 'pooled'
SENTENCE_KEY = 'sentence'
TOKEN_IDS_KEY = 'token_ids'
#: Fills the ``token_ids`` rows after each answer's ids.
TOKEN_IDS_PAD = -1

#: Bytes read at a time when hashing a shard.
_HASH_CHUNK = 1 << 22


class CacheMismatchError(ValueError):
    """Features of another model, prompt or layout would be mixed."""


def shard_data_path(cache_dir: str, shard: int) -> str:
    """Path of shard ``shard``'s tensor file."""
    return osp.join(cache_dir, SHARD_DIR, f'{shard:06d}.safetensors')


def shard_record_path(cache_dir: str, shard: int) -> str:
    """Path of shard ``shard``'s record (JSON)."""
    return osp.join(cache_dir, SHARD_DIR, f'{shard:06d}.json')


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace, for hashing."""
    return json.dumps(
        obj, sort_keys=True, separators=(',', ':'), ensure_ascii=False)


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(_HASH_CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def load_json(path: str) -> Optional[Any]:
    """The JSON in ``path``, or None if it is missing or unreadable.

    An unreadable record is treated like a missing one (its shard is
    redone); it cannot come from a complete atomic write.
    """
    try:
        with open(path, 'rb') as f:
            return json.loads(f.read().decode())
    except (OSError, ValueError):
        return None


@dataclasses.dataclass
class CacheMeta:
    """What made a cache's features, and how they are laid out.

    Args:
        identity (dict): The settings that determine the features (must have
            ``model`` and ``prompts``); caches with different identities
            must never be mixed.
        storage_dtype (str): 'float16' or 'float32'.
        hidden_size (int): Width D of the token features.
        shard_size (int): Samples per shard.
        pool (str, optional): 'mean' if ``pooled`` vectors are stored.
        sentence_dim (int, optional): Width of the ``sentence`` vectors,
            None without a sentence encoder.
        info (dict): Informational details (prompt texts after templating,
            model type, library versions); not compared.
    """

    identity: Dict[str, Any]
    storage_dtype: str
    hidden_size: int
    shard_size: int
    pool: Optional[str] = None
    sentence_dim: Optional[int] = None
    info: Dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in ('model', 'prompts'):
            if key not in self.identity:
                raise ValueError(f'cache identity needs {key!r}, got '
                                 f'{sorted(self.identity)}')
        if not self.identity['prompts']:
            raise ValueError('cache identity has no prompts')
        if self.storage_dtype not in ('float16', 'float32'):
            raise ValueError(f'storage_dtype must be float16 or float32, '
                             f'got {self.storage_dtype!r}')
        if self.shard_size < 1:
            raise ValueError(f'shard_size must be positive, got '
                             f'{self.shard_size}')
        if self.pool not in (None, 'mean'):
            raise ValueError(f"pool must be None or 'mean', got "
                             f'{self.pool!r}')
        if self.identity.get('token_ids') and \
                'max_new_tokens' not in self.identity:
            raise ValueError('a cache with token_ids needs max_new_tokens in '
                             'its identity (the width of the id rows)')

    @property
    def model(self) -> str:
        """The model that made the features."""
        return self.identity['model']

    @property
    def prompts(self) -> List[str]:
        """The prompts, in entry order."""
        return list(self.identity['prompts'])

    @property
    def token_ids_width(self) -> Optional[int]:
        """Width of the ``token_ids`` rows (a start token and up to
        ``max_new_tokens`` answer ids), None if the cache has none."""
        if not self.identity.get('token_ids'):
            return None
        return 1 + int(self.identity['max_new_tokens'])

    @property
    def fingerprint(self) -> str:
        """Hash of what determines the features (identity, widths,
        storage dtype): equal fingerprints = interchangeable features."""
        return sha256_bytes(
            canonical_json(
                dict(
                    identity=self.identity,
                    storage_dtype=self.storage_dtype,
                    hidden_size=self.hidden_size,
                    sentence_dim=self.sentence_dim)).encode())[:32]

    def to_json(self) -> Dict[str, Any]:
        """JSON-serialisable form (``meta.json``)."""
        return dict(
            format=FORMAT_NAME,
            version=FORMAT_VERSION,
            fingerprint=self.fingerprint,
            **dataclasses.asdict(self))

    @classmethod
    def from_json(cls, data: Dict[str, Any], source: str) -> 'CacheMeta':
        """Parse ``meta.json`` content.

        Args:
            data (dict): The parsed JSON.
            source (str): File name for error messages.

        Raises:
            ValueError: Not a cache of this format or version.
        """
        if not isinstance(data, dict) or data.get('format') != FORMAT_NAME:
            raise ValueError(f'{source} is not a {FORMAT_NAME} file')
        if data.get('version') != FORMAT_VERSION:
            raise ValueError(f'{source} has format version '
                             f'{data.get("version")}, this code reads '
                             f'{FORMAT_VERSION}')
        fields = {field.name for field in dataclasses.fields(cls)}
        meta = cls(**{k: v for k, v in data.items() if k in fields})
        if data.get('fingerprint') != meta.fingerprint:
            raise ValueError(f'{source}: recorded fingerprint does not match '
                             'its content (edited by hand?)')
        return meta


def meta_differences(old: CacheMeta,
                     new: CacheMeta,
                     check_widths: bool = True) -> List[str]:
    """How ``new`` differs from ``old`` in what must match to share a cache.

    Args:
        old (CacheMeta): The recorded meta.
        new (CacheMeta): The meta of this run.
        check_widths (bool): Also compare ``hidden_size`` and
            ``sentence_dim`` (known only once the model is loaded).

    Returns:
        list[str]: One line per difference; empty if compatible.
    """
    lines = []
    keys = sorted(set(old.identity) | set(new.identity))
    for key in keys:
        if old.identity.get(key) != new.identity.get(key):
            lines.append(f'{key}: cache has {old.identity.get(key)!r}, '
                         f'this run {new.identity.get(key)!r}')
    names = ['storage_dtype', 'shard_size', 'pool']
    if check_widths:
        names += ['hidden_size', 'sentence_dim']
    for name in names:
        if getattr(old, name) != getattr(new, name):
            lines.append(f'{name}: cache has {getattr(old, name)!r}, this '
                         f'run {getattr(new, name)!r}')
    # the texts the prompts became (chat template of the processor): known
    # once the model is loaded; a changed template changes the features
    old_texts = old.info.get('prompt_texts')
    new_texts = new.info.get('prompt_texts')
    if check_widths and old_texts is not None and new_texts is not None \
            and old_texts != new_texts:
        lines.append(f'prompt_texts: cache has {old_texts!r}, this run '
                     f'{new_texts!r}')
    return lines


def mismatch_message(cache_dir: str, differences: List[str]) -> str:
    """Error message for a cache recorded with other settings."""
    return (f'{cache_dir} holds text features made with other settings; '
            f'mixing them is not allowed. Use another out dir (or delete '
            f'this one). Differences:\n  ' + '\n  '.join(differences))


def read_meta(cache_dir: str) -> Optional[CacheMeta]:
    """The cache's recorded meta, None if it has none yet.

    Raises:
        ValueError: ``meta.json`` exists but is not a valid cache meta.
    """
    path = osp.join(cache_dir, META_FILE)
    if not osp.exists(path):
        return None
    data = load_json(path)
    if data is None:
        raise ValueError(f'{path} is not readable JSON')
    return CacheMeta.from_json(data, path)


__all__ = [
    'CacheMeta', 'CacheMismatchError', 'meta_differences', 'read_meta',
    'shard_data_path', 'shard_record_path'
]

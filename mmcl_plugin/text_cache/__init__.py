"""The MLLM text-feature cache: what the FRM trains from.

- :mod:`.cache_format`: the on-disk layout (sharded safetensors, shard
  records, index, ``meta.json``) and its checks;
- :mod:`.cache_reader`: the O(1) memory-mapped reader of the dataset and
  ``LoadTextFeatureFromCache``;
- :mod:`.answers`: the paper's yes/no one-hot answer variant.

The training side (``mmcl_plugin.datasets``) reads caches without the
extraction code; the extraction tooling (``mmcl_tools.mllm``, with the
resumable, checksummed ``cache_writer``) writes them on this format. Only NumPy (and
safetensors when a shard is read or written) is needed here.
"""
from .answers import YES_NO_CLASSES, parse_yes_no, yes_no_onehot
from .cache_format import CacheMeta, CacheMismatchError, read_meta
from .cache_reader import TextFeatureCache, open_text_feature_cache

__all__ = [
    'CacheMeta', 'CacheMismatchError', 'TextFeatureCache', 'YES_NO_CLASSES', 'open_text_feature_cache',
    'parse_yes_no', 'read_meta', 'yes_no_onehot'
]

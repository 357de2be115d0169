"""The MLLM text-feature cache: what the FRM trains from.

- :mod:`.cache_format`: the on-disk layout (sharded safetensors, shard
  records, index, ``meta.json``) and its checks;
- :mod:`.cache_writer`: the resumable, checksummed writer that
  :mod:`mmcl_plugin.mllm` extraction fills;
- :mod:`.cache_reader`: the O(1) memory-mapped reader of the dataset and
  ``LoadTextFeatureFromCache``;
- :mod:`.answers`: the paper's yes/no one-hot answer variant.

The training side (``mmcl_plugin.datasets``) reads caches without the
extraction code, and the extraction side (``mmcl_plugin.mllm``) writes
them; both import this package, never each other upward. Only NumPy (and
safetensors when a shard is read or written) is needed here.
"""
from .answers import YES_NO_CLASSES, parse_yes_no, yes_no_onehot
from .cache_format import CacheMeta, CacheMismatchError, read_meta
from .cache_reader import TextFeatureCache, open_text_feature_cache
from .cache_writer import PromptFeatures, TextFeatureCacheWriter

__all__ = [
    'CacheMeta', 'CacheMismatchError', 'PromptFeatures', 'TextFeatureCache',
    'TextFeatureCacheWriter', 'YES_NO_CLASSES', 'open_text_feature_cache',
    'parse_yes_no', 'read_meta', 'yes_no_onehot'
]

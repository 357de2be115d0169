"""Text features of multimodal LLMs for the FRM: extraction and cache.

- :mod:`.settings`: what to extract (model, prompts, layer, dtypes);
- :mod:`.answer_extractor`: batched greedy VQA with any transformers
  image-text-to-text / VQA model, answer-token hidden states;
- :mod:`.sentence_encoder`: the sentence-transformers route;
- :mod:`.cache_writer` / :mod:`.cache_reader`: the sharded, resumable,
  checksummed cache and its O(1) memory-mapped reader;
- :mod:`.extraction`: the resumable multi-rank run
  (``tools/extract_text_features.py``);
- :mod:`.answers`: the paper's yes/no one-hot answer variant;
- :mod:`.testing`: tiny random models of each family for tests.

transformers and sentence-transformers are imported only where a model is
loaded, so importing this package (and ``mmcl_plugin``) stays light.
"""
from .answers import parse_yes_no, yes_no_onehot
from .cache_format import CacheMeta, CacheMismatchError
from .cache_reader import TextFeatureCache, open_text_feature_cache
from .cache_writer import PromptFeatures, TextFeatureCacheWriter
from .extraction import ExtractionSummary, extract_text_features
from .settings import DEFAULT_PROMPT, ExtractionSettings
from .strip_sources import (DatasetStripSource, ImageDirectorySource,
                            InMemoryStripSource, StripSource)

__all__ = [
    'CacheMeta', 'CacheMismatchError', 'DEFAULT_PROMPT', 'DatasetStripSource',
    'ExtractionSettings', 'ExtractionSummary', 'ImageDirectorySource',
    'InMemoryStripSource', 'PromptFeatures', 'StripSource', 'TextFeatureCache',
    'TextFeatureCacheWriter', 'extract_text_features',
    'open_text_feature_cache', 'parse_yes_no', 'yes_no_onehot'
]

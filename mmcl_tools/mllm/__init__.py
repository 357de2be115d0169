"""Text features of multimodal LLMs for the FRM: the extraction side.

- :mod:`.settings`: what to extract (model, prompts, layer, dtypes);
- :mod:`.answer_extractor`: batched greedy VQA with any transformers
  image-text-to-text / VQA model, answer-token hidden states;
- :mod:`.sentence_encoder`: the sentence-transformers route;
- :mod:`.strip_sources`: where the strips the MLLM is asked about come
  from (a training config's dataset, an image folder, memory);
- :mod:`.extraction`: the resumable multi-rank run
  (``tools/extract_text_features.py``) that fills a
  :mod:`mmcl_plugin.text_cache` cache.

The cache format, writer, reader and the yes/no answers live in
:mod:`mmcl_plugin.text_cache`, which training reads without this package.
transformers and sentence-transformers are imported only where a model is
loaded, so importing this package stays light.
"""
from .extraction import ExtractionSummary, extract_text_features
from .settings import DEFAULT_PROMPT, ExtractionSettings
from .strip_sources import (DatasetStripSource, ImageDirectorySource,
                            InMemoryStripSource, StripSource)

__all__ = [
    'DEFAULT_PROMPT', 'DatasetStripSource', 'ExtractionSettings',
    'ExtractionSummary', 'ImageDirectorySource', 'InMemoryStripSource',
    'StripSource', 'extract_text_features'
]

"""Everything a cache stores about one batch of strips: the MLLM's
answers and token features per prompt, plus the sentence-encoder vectors
of the answers when configured."""
import sys
from typing import List, Optional, Sequence

import numpy as np
import torch

from mmcl_plugin.text_cache.cache_format import CacheMeta
from .answer_extractor import MLLMAnswerExtractor
from .cache_writer import PromptFeatures
from .sentence_encoder import SentenceEncoder
from .settings import ExtractionSettings


def library_versions() -> dict:
    """Versions of the libraries that computed the features (recorded for
    information in the cache meta)."""
    versions = dict(torch=torch.__version__)
    for name in ('transformers', 'sentence_transformers'):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = getattr(module, '__version__', 'unknown')
    return versions


class TextFeatureExtractor:
    """Compute the cache entries of strips.

    Args:
        settings (ExtractionSettings): What to extract.
        device (str | torch.device): Where the models run.
        answer_extractor (MLLMAnswerExtractor, optional): An already
            loaded one (else loaded from ``settings``).
        sentence_encoder (SentenceEncoder, optional): An already loaded one
            (else loaded when ``settings.sentence_encoder`` is set).
    """

    def __init__(self,
                 settings: ExtractionSettings,
                 device='cpu',
                 answer_extractor: Optional[MLLMAnswerExtractor] = None,
                 sentence_encoder: Optional[SentenceEncoder] = None) -> None:
        self.settings = settings
        self.answers = answer_extractor or MLLMAnswerExtractor(
            settings, device)
        if sentence_encoder is None and settings.sentence_encoder:
            sentence_encoder = SentenceEncoder(settings.sentence_encoder,
                                               device)
        self.sentence_encoder = sentence_encoder

    def meta(self, shard_size: int) -> CacheMeta:
        """The cache meta of these features."""
        return CacheMeta(
            identity=self.settings.feature_identity(
                self.answers.compute_dtype),
            storage_dtype=self.settings.storage_dtype,
            hidden_size=self.answers.hidden_size,
            shard_size=shard_size,
            pool=self.settings.pool,
            sentence_dim=self.sentence_encoder.dim
            if self.sentence_encoder else None,
            info=dict(
                model_type=self.answers.model_type,
                auto_class=self.answers.auto_class,
                prompt_texts=self.answers.prompt_texts,
                versions=library_versions()))

    def __call__(self,
                 images: Sequence[np.ndarray]) -> List[List[PromptFeatures]]:
        """Per strip, per prompt: answer, token features, sentence vector.

        Args:
            images (Sequence[np.ndarray]): (H, W, 3) uint8 RGB strips.
        """
        per_image: List[List[PromptFeatures]] = [[] for _ in images]
        for prompt in range(len(self.settings.prompts)):
            answers = self.answers(images, prompt)
            vectors = self.sentence_encoder(
                [a.answer for a in answers]) \
                if self.sentence_encoder else [None] * len(answers)
            for features, answer, vector in zip(per_image, answers, vectors):
                features.append(
                    PromptFeatures(
                        answer.answer, answer.features, vector,
                        answer.sequence_ids
                        if self.settings.token_ids else None))
        return per_image


__all__ = ['TextFeatureExtractor']

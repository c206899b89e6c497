"""The Embedding layer: a table of vectors looked up by integer ids."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero import random
from fnzero._checks import positive_int
from fnzero.nn.dense import embedding
from fnzero.nn.module import Module


class Embedding(Module):
    """Rows of ``W`` (num_embeddings, embedding_dim) picked by integer ids (DeZero's EmbedID)."""

    W: Any

    def __init__(self, num_embeddings: int, embedding_dim: int, *, key: Any, dtype: Any = np.float32):
        num_embeddings = positive_int(num_embeddings, "num_embeddings", "fnzero.nn.Embedding")
        embedding_dim = positive_int(embedding_dim, "embedding_dim", "fnzero.nn.Embedding")
        self.W = random.normal(key, (num_embeddings, embedding_dim), dtype)

    def __call__(self, ids: Any) -> Any:
        """ids of any shape -> (*ids.shape, embedding_dim)."""
        return embedding(ids, self.W)

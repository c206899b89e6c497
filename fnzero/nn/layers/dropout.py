"""Dropout and Embedding layers."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero import random
from fnzero._checks import positive_int
from fnzero.nn.dropout import check_rate, dropout
from fnzero.nn.embedding import embedding
from fnzero.nn.module import Module, static_field


class Dropout(Module):
    """Inverted dropout: ``drop(x, key=k, train=True)``; with ``train=False`` the identity."""

    uses_key = True
    uses_train = True

    rate: float = static_field(default=0.5, validator=lambda self, field, rate: check_rate(rate, "Dropout"))

    def __call__(self, x: Any, *, key: Any = None, train: bool = False) -> Any:
        return dropout(x, self.rate, key=key, train=train)


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

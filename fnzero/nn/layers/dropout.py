"""Dropout and Embedding layers."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero import random
from fnzero.nn.dropout import dropout
from fnzero.nn.embedding import embedding
from fnzero.nn.module import Module, static_field


class Dropout(Module):
    """Inverted dropout: ``drop(x, key=k, train=True)``; with ``train=False`` the identity."""

    uses_key = True
    uses_train = True

    rate: float = static_field(default=0.5)

    def __call__(self, x: Any, *, key: Any = None, train: bool = False) -> Any:
        return dropout(x, self.rate, key=key, train=train)


class Embedding(Module):
    """Rows of ``W`` (num_embeddings, embedding_dim) picked by integer ids (DeZero's EmbedID)."""

    W: Any

    def __init__(self, num_embeddings: int, embedding_dim: int, *, key: Any, dtype: Any = np.float32):
        self.W = random.normal(key, (num_embeddings, embedding_dim), dtype)

    def __call__(self, ids: Any) -> Any:
        """ids of any shape -> (*ids.shape, embedding_dim)."""
        return embedding(ids, self.W)

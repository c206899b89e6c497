"""The Dropout layer: a train/test switch and an RNG key per call."""

from __future__ import annotations

from typing import Any

from fnzero.nn.dropout import check_rate, dropout
from fnzero.nn.module import Module, static_field


class Dropout(Module):
    """Inverted dropout: ``drop(x, key=k, train=True)``; with ``train=False`` the identity."""

    uses_key = True
    uses_train = True

    rate: float = static_field(default=0.5, validator=lambda self, field, rate: check_rate(rate, "Dropout"))

    def __call__(self, x: Any, *, key: Any = None, train: bool = False) -> Any:
        return dropout(x, self.rate, key=key, train=train)

"""Batch transforms: functions of a batch of examples (examples along axis 0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class Compose:
    """Apply transforms in order."""

    def __init__(self, *transforms: Callable[[Any], Any]):
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(
                    f"fnzero.data.Compose: transforms[{i}] must be callable, got {t!r:.60} "
                    f"({type(t).__name__})"
                )
        self.transforms = transforms

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x


class Normalize:
    """``(x - mean) / std``."""

    def __init__(self, mean: float | np.ndarray = 0.0, std: float | np.ndarray = 1.0):
        if isinstance(std, (int, float, np.number, np.ndarray)) and np.any(np.asarray(std) == 0):
            raise ValueError(f"fnzero.data.Normalize: std must be nonzero (it divides), got {std!r:.60}")
        self.mean = mean
        self.std = std

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.std


class Flatten:
    """Each example flattened to one axis: ``(N, ...) -> (N, -1)``."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), -1)


class AsType:
    """A transform that casts an example to ``dtype`` (float32 unless given)."""

    def __init__(self, dtype: Any = np.float32):
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"fnzero.data.AsType: dtype must be a NumPy dtype, got {dtype!r:.60}") from None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.astype(self.dtype)

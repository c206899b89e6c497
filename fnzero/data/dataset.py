"""ArrayDataset: examples and labels held as arrays, indexed like the book's Dataset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class ArrayDataset:
    """``dataset[i] -> (x, t)``, with optional ``transform`` / ``target_transform``.

    ``data`` and ``label`` are NumPy arrays with the examples along the first axis. Transforms
    act on batches (examples along axis 0): a DataLoader reads a whole batch at once.
    """

    def __init__(
        self,
        data: np.ndarray,
        label: np.ndarray | None = None,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ):
        if label is not None and not hasattr(label, "__len__"):
            raise TypeError(
                f"ArrayDataset: label must be an array with one entry per example, got {label!r:.60} "
                f"({type(label).__name__})"
            )
        if label is not None and len(label) != len(data):
            raise ValueError(f"ArrayDataset: {len(data)} examples but {len(label)} labels")
        self.data = data
        self.label = label
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for a dataset of {n} examples")
        x, t = self.batch(np.asarray([index % n]))
        return x[0], None if t is None else t[0]

    def batch(self, indices: np.ndarray) -> tuple[Any, Any]:
        """The examples at ``indices`` stacked along a new first axis, transforms applied."""
        x = self.data[indices]
        t = None if self.label is None else self.label[indices]
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None and t is not None:
            t = self.target_transform(t)
        return x, t

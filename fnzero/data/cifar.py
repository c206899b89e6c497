"""CIFAR-10 from the standard python pickle batches (``cifar-10-batches-py``)."""

from __future__ import annotations

import os
import pickle

import numpy as np

from fnzero.data.dataset import ArrayDataset

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def _read_batch(path: str) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(f"{path}: not a CIFAR-10 batch (data {data.shape}, {len(labels)} labels)")
    return data.reshape(-1, 3, 32, 32), labels


class CIFAR10(ArrayDataset):
    """60,000 32x32 colour images in 10 classes; ``data`` is (N, 3, 32, 32) uint8.

    ``root`` is the folder holding ``cifar-10-batches-py`` (or that folder itself).
    """

    def __init__(self, root: str, train: bool = True, transform=None, target_transform=None):
        folder = os.path.expanduser(root)
        if os.path.isdir(os.path.join(folder, "cifar-10-batches-py")):
            folder = os.path.join(folder, "cifar-10-batches-py")
        names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
        missing = [n for n in names if not os.path.exists(os.path.join(folder, n))]
        if missing:
            raise FileNotFoundError(f"CIFAR10: {', '.join(missing)} not found in {folder!r}")
        parts = [_read_batch(os.path.join(folder, n)) for n in names]
        super().__init__(
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            transform,
            target_transform,
        )

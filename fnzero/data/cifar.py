"""CIFAR-10 from the standard python pickle batches (``cifar-10-batches-py``).

With ``download=True`` the tarball ``cifar-10-python.tar.gz`` is fetched (and checked against
its SHA-256) when the batches are missing, and its six batch files are copied out of it.
"""

from __future__ import annotations

import codecs
import os
import pickle
from typing import Any

import numpy as np

from fnzero.data.dataset import ArrayDataset
from fnzero.data.download import extract_members, fetch

TARBALL = "cifar-10-python.tar.gz"
BATCHES = "cifar-10-batches-py"
_ALL_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def _numpy_rebuilders() -> dict[tuple[str, str], object]:
    """What a pickled NumPy array names to be rebuilt: the functions this NumPy's arrays
    reduce to (protocols 2 and 5), under the module names old and new NumPy versions write."""
    sample = np.zeros(1, np.uint8)
    reconstruct, frombuffer = sample.__reduce_ex__(2)[0], sample.__reduce_ex__(5)[0]
    allowed: dict[tuple[str, str], object] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,  # how protocol 2 writes bytes from Python 3
    }
    for core in ("numpy.core", "numpy._core"):
        allowed[(f"{core}.multiarray", "_reconstruct")] = reconstruct
        allowed[(f"{core}.numeric", "_frombuffer")] = frombuffer
    return allowed


class _ArraysOnly(pickle.Unpickler):
    """An unpickler that rebuilds dicts, lists, bytes, numbers and NumPy arrays, and refuses
    every other class or function a pickle names: a crafted file cannot run code."""

    allowed = _numpy_rebuilders()

    def __init__(self, file: Any, path: str):
        super().__init__(file, encoding="bytes")
        self.path = path

    def find_class(self, module: str, name: str) -> Any:
        found = self.allowed.get((module, name))
        if found is None:
            raise ValueError(
                f"{self.path}: not a CIFAR-10 batch: the pickle names {module}.{name}, and only NumPy "
                f"arrays, dicts, lists, bytes and numbers are read (a crafted pickle could run code)"
            )
        return found


def _read_batch(path: str) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as f:
        try:
            batch = _ArraysOnly(f, path).load()
        except (pickle.UnpicklingError, EOFError, TypeError, AttributeError, IndexError) as e:
            raise ValueError(f"{path}: not a CIFAR-10 batch (a damaged pickle: {e})") from None
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{path}: not a CIFAR-10 batch (expected a dict with b'data' and b'labels')")
    data = np.asarray(batch[b"data"])
    if data.dtype != np.uint8:
        raise ValueError(f"{path}: not a CIFAR-10 batch (data of dtype {data.dtype}, expected uint8)")
    labels = np.asarray(batch[b"labels"])
    if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
        raise ValueError(
            f"{path}: not a CIFAR-10 batch (labels of dtype {labels.dtype}, shape {labels.shape})"
        )
    labels = labels.astype(np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(f"{path}: not a CIFAR-10 batch (data {data.shape}, {len(labels)} labels)")
    return data.reshape(-1, 3, 32, 32), labels


class CIFAR10(ArrayDataset):
    """60,000 32x32 colour images in 10 classes; ``data`` is (N, 3, 32, 32) uint8.

    ``root`` is the folder holding ``cifar-10-batches-py`` (or that folder itself). With
    ``download=True``, missing batches are copied out of ``root/cifar-10-python.tar.gz``,
    which is downloaded first if it is not there.
    """

    def __init__(
        self, root: str, train: bool = True, transform=None, target_transform=None, *, download: bool = False
    ):
        top = os.path.expanduser(root)
        if os.path.basename(os.path.normpath(top)) == BATCHES:
            top = os.path.dirname(os.path.normpath(top))
        folder = os.path.join(top, BATCHES)
        if not os.path.isdir(folder):
            folder = top  # the batches may lie in root itself
        names = list(_ALL_BATCHES[:5]) if train else ["test_batch"]
        missing = [n for n in names if not os.path.exists(os.path.join(folder, n))]
        if missing and download:
            folder = os.path.join(top, BATCHES)
            fetch("cifar10", top, [TARBALL])
            absent = [n for n in _ALL_BATCHES if not os.path.exists(os.path.join(folder, n))]
            extract_members(os.path.join(top, TARBALL), BATCHES + "/", absent, folder)
            missing = []
        if missing:
            raise FileNotFoundError(
                f"CIFAR10: {', '.join(missing)} not found in {folder!r}; extract {TARBALL} into "
                f"{top!r} or pass download=True"
            )
        parts = [_read_batch(os.path.join(folder, n)) for n in names]
        super().__init__(
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            transform,
            target_transform,
        )

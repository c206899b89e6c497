"""MNIST and Fashion-MNIST from the standard IDX ``.gz`` files in a local folder.

With ``download=True`` the files the folder lacks are fetched from the usual mirrors first and
checked against their SHA-256 (``fnzero.data.download``: the only network access fnzero ever
makes, and only when asked).
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib

import numpy as np

from fnzero.data.dataset import ArrayDataset
from fnzero.data.download import fetch

_FILES = {
    True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


# The largest IDX body read (MNIST's training images are 47 MB): a header declaring more, or
# a gzip stream that inflates past what its header declares, is refused before it is read.
MAX_IDX_BYTES = 1 << 30


def read_idx(path: str, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """An IDX file (optionally gzipped) as an array, checking its header against its size.

    At most ``max_bytes`` of data, and never more than the header declares, are read (and so
    decompressed): a small file that inflates without end (a gzip bomb) is refused."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_DTYPES:
                raise ValueError(f"{path}: not an IDX file (bad magic number)")
            dtype = np.dtype(_IDX_DTYPES[head[2]])
            ndim = head[3]
            dims = f.read(4 * ndim)
            if len(dims) != 4 * ndim:
                raise ValueError(f"{path}: not an IDX file (the header of {ndim} dimensions is cut short)")
            shape = struct.unpack(f">{ndim}I", dims)
            expected = math.prod(shape) * dtype.itemsize
            if expected > max_bytes:
                raise ValueError(
                    f"{path}: header says {shape} ({expected} bytes), more than the {max_bytes} bytes "
                    f"read at most (pass max_bytes= to read_idx for a larger file)"
                )
            body = f.read(expected + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: not a readable IDX file ({e})") from None
    if len(body) != expected:
        more = "more than that" if len(body) > expected else f"{len(body)} bytes"
        raise ValueError(f"{path}: header says {shape} ({expected} bytes) but {more} follow")
    return np.frombuffer(body, dtype=dtype).reshape(shape)


class _IDXDataset(ArrayDataset):
    source = ""  # its key in fnzero.data.download.SOURCES
    name = ""

    def __init__(
        self, root: str, train: bool = True, download: bool = False, transform=None, target_transform=None
    ):
        folder = os.path.expanduser(root)
        paths = [os.path.join(folder, name) for name in _FILES[train]]
        if download:
            fetch(self.source, folder, _FILES[train])
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            raise FileNotFoundError(
                f"{self.name}: {', '.join(missing)} not found; put the IDX .gz files in {folder!r} "
                f"or pass download=True"
            )
        images, labels = (read_idx(p) for p in paths)
        if images.ndim != 3 or labels.ndim != 1:
            raise ValueError(
                f"{self.name}: {paths[0]} holds an array of shape {images.shape} and {paths[1]} one of "
                f"shape {labels.shape}; expected images (N, H, W) and labels (N,)"
            )
        if len(images) != len(labels):
            raise ValueError(f"{self.name}: {len(images)} images but {len(labels)} labels in {folder!r}")
        super().__init__(images[:, None], labels.astype(np.int64), transform, target_transform)


class MNIST(_IDXDataset):
    """70,000 28x28 handwritten digits; ``data`` is (N, 1, 28, 28) uint8, ``label`` int64."""

    name = "MNIST"
    source = "mnist"


class FashionMNIST(_IDXDataset):
    """70,000 28x28 clothing images in 10 classes, in MNIST's format."""

    name = "FashionMNIST"
    source = "fashion-mnist"

"""Data loaders: batches of a dataset, shuffled by a key, on the backend asked for."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from fnzero import random
from fnzero._checks import flag, positive_int
from fnzero.backends import get
from fnzero.device import device_put


class DataLoader:
    """Iterate over ``(x, t)`` batches; each pass over the data is one epoch.

    With ``shuffle`` the order of epoch ``e`` is ``random.permutation(fold_in(key, e), n)``:
    reproducible from the key alone, so a resumed run (``set_epoch``) sees the same batches
    as an uninterrupted one. ``backend`` ("numpy" or "cupy") is where batches land.

    With ``size`` > 1 (data parallelism over ``size`` processes; pass
    ``rank=fnzero.distributed.rank(), size=fnzero.distributed.size()``) ``batch_size`` is the
    global batch: every rank computes the same order from the same key and takes its own
    contiguous part of each global batch, so the ranks' slices are disjoint and together make
    the epoch. A last global batch with fewer examples than ranks is dropped. The loader itself
    knows nothing of processes: ``rank`` and ``size`` are plain integers, default 0 and 1.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int,
        *,
        shuffle: bool = True,
        key: Any = None,
        drop_last: bool = False,
        backend: str | None = None,
        rank: int = 0,
        size: int = 1,
    ):
        where = f"fnzero.data.{type(self).__name__}"
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"{where}: dataset must have a length and items (len(dataset), dataset[i]), got "
                f"{dataset!r:.60} ({type(dataset).__name__})"
            )
        self.dataset = dataset
        self.batch_size = positive_int(batch_size, "batch_size", where)
        shuffle, drop_last = (flag(v, n, where) for v, n in ((shuffle, "shuffle"), (drop_last, "drop_last")))
        self.size = positive_int(size, "size", where)
        self.rank = positive_int(rank, "rank", where, minimum=0)
        if self.rank >= self.size:
            raise ValueError(
                f"{where}: rank must be an integer in [0, size) = [0, {self.size}), got {rank!r}"
            )
        self.shuffle = shuffle
        self.key = random.key(0) if key is None else key
        self.drop_last = drop_last
        self.backend = None if backend is None else get(backend).name
        self.epoch = 0

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        if 0 < n % self.batch_size < self.size:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass epoch ``epoch`` (for resuming)."""
        self.epoch = epoch

    def order(self, epoch: int) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.asarray(random.permutation(random.fold_in(self.key, epoch), n))

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        order = self.order(self.epoch)
        self.epoch += 1
        for i in range(len(self)):
            batch = order[i * self.batch_size : (i + 1) * self.batch_size]
            if self.size > 1:
                batch = np.array_split(batch, self.size)[self.rank]
            yield self._fetch(batch)

    def _fetch(self, indices: np.ndarray) -> tuple[Any, Any]:
        batch = self.dataset.batch(indices)
        return batch if self.backend is None else device_put(batch, self.backend)


class SeqDataLoader(DataLoader):
    """Batches for truncated BPTT on one long series, as the book's SeqDataLoader:
    ``batch_size`` sub-sequences read in parallel, each in order. With ``jump = n // batch_size``
    batch ``i`` holds steps ``i, i + jump, i + 2 jump, ...`` (modulo ``n``), for
    ``ceil(n / batch_size)`` batches: 34 for the 999-step sine curve in batches of 30, each
    sub-sequence 34 steps long, so consecutive sub-sequences share their boundary step."""

    def __init__(self, dataset: Any, batch_size: int, *, backend: str | None = None):
        super().__init__(dataset, batch_size, shuffle=False, backend=backend)

    def __len__(self) -> int:
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        self.epoch += 1
        n = len(self.dataset)
        starts = np.arange(self.batch_size) * (n // self.batch_size)
        for i in range(len(self)):
            yield self._fetch((starts + i) % n)

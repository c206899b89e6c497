"""DataLoader and SeqDataLoader: every example once per epoch, order driven by the key."""

from __future__ import annotations

import numpy as np
import pytest

from fnzero import data, random


def _dataset(n=10):
    return data.ArrayDataset(np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n))


def test_each_epoch_sees_every_example_once_in_a_key_driven_order():
    loader = data.DataLoader(_dataset(), 3, key=random.key(7))
    assert len(loader) == 4
    epochs = [np.concatenate([t for _, t in loader]) for _ in range(3)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(10))
    assert not np.array_equal(epochs[0], epochs[1])
    again = data.DataLoader(_dataset(), 3, key=random.key(7))
    np.testing.assert_array_equal(np.concatenate([t for _, t in again]), epochs[0])
    other = data.DataLoader(_dataset(), 3, key=random.key(8))
    assert not np.array_equal(np.concatenate([t for _, t in other]), epochs[0])


def test_set_epoch_resumes_the_same_order():
    a = data.DataLoader(_dataset(), 4, key=random.key(1))
    for _ in range(2):
        list(a)
    third = [t.tolist() for _, t in a]
    b = data.DataLoader(_dataset(), 4, key=random.key(1))
    b.set_epoch(2)
    assert [t.tolist() for _, t in b] == third


def test_batches_keep_examples_and_labels_together_and_drop_last():
    loader = data.DataLoader(_dataset(), 4, key=random.key(3), drop_last=True)
    batches = list(loader)
    assert len(batches) == len(loader) == 2
    for x, t in batches:
        np.testing.assert_array_equal(x[:, 0], 2 * t)
    ordered = data.DataLoader(_dataset(), 4, shuffle=False)
    assert [t.tolist() for _, t in ordered] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_batches_land_on_the_requested_backend(backend):
    loader = data.DataLoader(_dataset(), 5, backend=backend.name)
    x, t = next(iter(loader))
    assert isinstance(x, backend.array_types) and isinstance(t, backend.array_types)


def test_seq_loader_reads_parallel_subsequences_in_order():
    loader = data.SeqDataLoader(_dataset(12), 3)
    steps = [t.tolist() for _, t in loader]
    assert steps == [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]


def test_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        data.DataLoader(_dataset(), 0)

"""DataLoader(rank=, size=): each rank's batches are a disjoint part of the same global batches."""

from __future__ import annotations

import numpy as np
import pytest

from fnzero import data, random


def _dataset(n: int) -> data.ArrayDataset:
    return data.ArrayDataset(np.arange(n) * 10, np.arange(n))


@pytest.mark.parametrize("n, batch_size, size", [(23, 10, 3), (23, 7, 3), (20, 5, 4), (9, 4, 2)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_shards_are_disjoint_and_together_make_the_epoch(n, batch_size, size, shuffle):
    dataset = _dataset(n)
    whole = [t.tolist() for _, t in data.DataLoader(dataset, batch_size, key=random.key(5), shuffle=shuffle)]
    parts = []
    for rank in range(size):
        loader = data.DataLoader(
            dataset, batch_size, key=random.key(5), shuffle=shuffle, rank=rank, size=size
        )
        batches = list(loader)
        assert len(loader) == len(batches)
        assert all(np.array_equal(x, t * 10) for x, t in batches)  # inputs and targets stay paired
        parts.append([t.tolist() for _, t in batches])
    assert all(len(p) == len(parts[0]) for p in parts)
    for i in range(len(parts[0])):
        assert sum((p[i] for p in parts), []) == whole[i]  # rank order concatenated is the global batch
        assert all(p[i] for p in parts)  # no rank gets an empty slice
    dropped = n % batch_size if 0 < n % batch_size < size else 0
    seen = sum((sum(p, []) for p in parts), [])
    assert len(seen) == len(set(seen)) == n - dropped  # disjoint, and the union is the dataset
    if not dropped:
        assert sorted(seen) == list(range(n))


def test_the_default_is_one_rank_that_sees_everything():
    loader = data.DataLoader(_dataset(7), 3, shuffle=False)
    assert (loader.rank, loader.size) == (0, 1)
    assert [t.tolist() for _, t in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [t.tolist() for _, t in data.DataLoader(_dataset(7), 3, shuffle=False, rank=0, size=1)] == [
        [0, 1, 2],
        [3, 4, 5],
        [6],
    ]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"size": 0}, ValueError, r"size must be an integer >= 1, got 0"),
        ({"size": 2.0}, TypeError, r"size must be an integer >= 1, got 2.0"),
        ({"rank": -1, "size": 2}, ValueError, r"rank must be an integer >= 0, got -1"),
        ({"rank": 3, "size": 3}, ValueError, r"rank must be an integer in \[0, size\) = \[0, 3\), got 3"),
        ({"rank": 1}, ValueError, r"rank must be an integer in \[0, size\) = \[0, 1\), got 1"),
        ({"rank": "0", "size": 2}, TypeError, r"rank must be an integer >= 0, got '0'"),
        ({"rank": True, "size": 2}, TypeError, r"rank must be an integer >= 0, got True"),
    ],
)
def test_a_bad_rank_or_size_is_named(kwargs, error, words):
    with pytest.raises(error, match=r"fnzero.data.DataLoader: " + words):
        data.DataLoader(_dataset(4), 2, **kwargs)

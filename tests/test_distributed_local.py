"""The parts of fnzero.distributed that need no second process: packing, sharded loading."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
from fnzero import data, random
from fnzero.distributed import process_group
from fnzero.distributed.packing import pack, unpack

shapes = st.lists(st.integers(0, 4), max_size=3).map(tuple)
dtypes = st.sampled_from([np.float32, np.float64, np.int64])
leaves = st.tuples(shapes, dtypes).map(lambda sd: np.arange(int(np.prod(sd[0])), dtype=sd[1]).reshape(sd[0]))
trees = st.recursive(
    leaves,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text("ab", min_size=1), kids, max_size=3),
    max_leaves=6,
)


@given(trees)
def test_pack_then_unpack_gives_the_tree_back(tree):
    packed = pack(tree)
    assert len(packed.buffers) == len({leaf.dtype for leaf in fz.tree.leaves(tree)})
    back = unpack(packed, packed.buffers)
    assert fz.tree.structure(back) == fz.tree.structure(tree)
    for a, b in zip(fz.tree.leaves(back), fz.tree.leaves(tree)):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@given(trees, st.integers(0, 3))
def test_a_different_shape_or_operation_changes_the_signature(tree, which):
    leaves_, treedef = fz.tree.flatten(tree)
    signature = pack(tree).signature("psum")
    assert signature != pack(tree).signature("pmean")
    if leaves_:
        i = which % len(leaves_)
        changed = list(leaves_)
        changed[i] = np.zeros(leaves_[i].shape + (1,), leaves_[i].dtype)
        assert pack(fz.tree.unflatten(treedef, changed)).signature("psum") != signature


@pytest.mark.parametrize("batch_size", [10, 7])
def test_shards_are_disjoint_and_make_the_same_global_batches(monkeypatch, batch_size):
    n, size = 23, 3
    dataset = data.ArrayDataset(np.arange(n), np.arange(n))
    whole = [t.tolist() for _, t in data.DataLoader(dataset, batch_size, key=random.key(5))]
    parts = []
    for rank in range(size):
        monkeypatch.setattr(process_group, "_world", process_group.World(rank=rank, size=size))
        loader = data.DataLoader(dataset, batch_size, key=random.key(5), shard=True)
        parts.append([t.tolist() for _, t in loader])
        assert len(loader) == len(parts[-1])
    assert all(len(p) == len(parts[0]) for p in parts)
    for i in range(len(parts[0])):
        merged = sum((p[i] for p in parts), [])
        assert merged == whole[i]  # rank order concatenated is the unsharded batch
        assert all(len(p[i]) >= 1 for p in parts)
    dropped = n % batch_size if 0 < n % batch_size < size else 0
    seen = sum((sum(p, []) for p in parts), [])
    assert len(seen) == len(set(seen)) == n - dropped

"""The parts of fnzero.distributed that need no second process: packing."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
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

"""fnzero.tree_util against jax.tree_util: the same leaves, leaf order, rebuilt trees, maps,
reductions and node registration on nested dict/list/tuple/None trees."""

from __future__ import annotations

import collections
import operator

import numpy as np
import pytest

import fnzero as fz
import fnzero.tree_util as tu
from fnzero import tree

jtu = pytest.importorskip("jax.tree_util")

Point = collections.namedtuple("Point", "x y")

TREES = [
    {"b": [1.0, (2.0, 3.0)], "a": {"z": 4.0, "c": None}, "m": ()},
    [(1.0,), [2.0, [3.0, {"k": 5.0}]], None, 6.0],
    (Point(1.0, [2.0, 3.0]), {"x": (4.0, None)}),
    7.0,
    {},
]


def test_the_module_is_reachable_both_ways():
    assert fz.tree_util is tu
    assert tu.tree_map is tree.map and tu.tree_leaves is tree.leaves


@pytest.mark.parametrize("t", TREES)
def test_leaves_and_flatten_match_jax(t):
    assert tu.tree_leaves(t) == jtu.tree_leaves(t)
    leaves, treedef = tu.tree_flatten(t)
    assert leaves == jtu.tree_flatten(t)[0]
    assert treedef.num_leaves == jtu.tree_structure(t).num_leaves
    assert tu.tree_structure(t) == treedef


@pytest.mark.parametrize("t", TREES)
def test_unflatten_rebuilds_what_jax_rebuilds(t):
    treedef = tu.tree_structure(t)
    n = treedef.num_leaves
    ours = tu.tree_unflatten(treedef, range(10, 10 + n))
    theirs = jtu.tree_unflatten(jtu.tree_structure(t), range(10, 10 + n))
    assert ours == theirs
    with pytest.raises(ValueError, match="leaves"):
        tu.tree_unflatten(treedef, range(n + 1))


@pytest.mark.parametrize("t", TREES)
def test_map_over_several_trees_matches_jax(t):
    assert tu.tree_map(lambda a, b: a * 2 + b, t, t) == jtu.tree_map(lambda a, b: a * 2 + b, t, t)


def test_map_refuses_trees_of_different_structure():
    with pytest.raises(ValueError, match="different structure"):
        tu.tree_map(operator.add, {"a": 1.0}, {"b": 1.0})


def test_is_leaf_stops_the_walk_where_jax_does():
    t = {"a": (1.0, 2.0), "b": [(3.0, 4.0)]}

    def is_pair(x):
        return isinstance(x, tuple)

    assert tu.tree_leaves(t, is_leaf=is_pair) == jtu.tree_leaves(t, is_leaf=is_pair)
    ours = tu.tree_map(lambda p: p[0] - p[1], t, is_leaf=is_pair)
    assert ours == jtu.tree_map(lambda p: p[0] - p[1], t, is_leaf=is_pair) == {"a": -1.0, "b": [-1.0]}


@pytest.mark.parametrize("t", TREES[:4])
def test_reduce_matches_jax(t):
    assert tu.tree_reduce(operator.add, t) == jtu.tree_reduce(operator.add, t)
    assert tu.tree_reduce(lambda acc, x: acc + [x], t, []) == jtu.tree_reduce(lambda acc, x: acc + [x], t, [])


def test_reduce_of_an_empty_tree_needs_an_initializer():
    assert tu.tree_reduce(operator.add, {"a": None}, 5) == 5
    with pytest.raises(TypeError, match="initializer"):
        tu.tree_reduce(operator.add, {"a": None})


def test_all_matches_jax():
    for t in [{"a": [True, (1, 2.0)]}, {"a": [True, (0, 2.0)]}, {}, [None], (np.float64(0.0),)]:
        assert tu.tree_all(t) == jtu.tree_all(t)


def test_treedef_children_follow_the_root_node():
    t = {"a": [1.0, 2.0], "b": (3.0,)}
    kids = tu.treedef_children(tu.tree_structure(t))
    assert [k.num_leaves for k in kids] == [c.num_leaves for c in jtu.treedef_children(jtu.tree_structure(t))]
    assert tu.treedef_children(tu.tree_structure(1.0)) == []


class Box:
    def __init__(self, value, label):
        self.value, self.label = value, label


def test_register_pytree_node_makes_a_node_the_transforms_see():
    tu.register_pytree_node(Box, lambda b: ((b.value,), b.label), lambda label, ch: Box(ch[0], label))
    b = Box({"w": np.array([1.0, 2.0])}, "layer")
    leaves, treedef = tu.tree_flatten(b)
    assert len(leaves) == 1 and treedef.aux == "layer"
    g = fz.grad(lambda box: fz.numpy.sum(box.value["w"] ** 2))(b)
    assert isinstance(g, Box) and g.label == "layer"
    np.testing.assert_allclose(g.value["w"], [2.0, 4.0])
    with pytest.raises(NotImplementedError, match="flatten_with_keys_func"):
        tu.register_pytree_node(Box, lambda b: ((), None), lambda a, c: None, lambda b: ((), None))


def test_all_equal_structure_still_compares_structures():
    assert tree.all_equal_structure({"a": 1}, {"a": 2})
    assert not tree.all_equal_structure({"a": 1}, {"b": 2})

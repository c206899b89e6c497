"""Pytrees: flatten/unflatten, map, leaf order, structures, paths, registration, static fields."""

from __future__ import annotations

import collections
from typing import Any, NamedTuple

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.numpy as fnp
from fnzero import tree

Pair = collections.namedtuple("Pair", "first second")


class Span(NamedTuple):
    start: Any
    stop: Any


@tree.register_attrs
@attrs.frozen
class Dense:
    W: Any
    b: Any
    activation: str = tree.static_field(default="tanh")


@tree.register_attrs
@attrs.frozen
class Affine:
    W: Any
    b: Any
    scale: float = tree.static_field(default=2.0)


class Interval:
    """A custom node with named children (keys_fn) and static data (closed)."""

    def __init__(self, lo: Any, hi: Any, closed: bool):
        self.lo, self.hi, self.closed = lo, hi, closed


tree.register(
    Interval,
    lambda x: ((x.lo, x.hi), x.closed),
    lambda closed, children: Interval(*children, closed),
    lambda closed: ["lo", "hi"],
)


class Bag:
    """A custom node without keys_fn: its children are named by position."""

    def __init__(self, *items: Any):
        self.items = items


tree.register(Bag, lambda x: (x.items, None), lambda _, children: Bag(*children))


class Box:
    """An unregistered wrapper: a leaf, and a marker of which leaf a function saw."""

    def __init__(self, *values: Any):
        self.values = values


# -- an independent oracle for leaf order and paths -------------------------------------------


def expected_paths(t: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(path, leaf) in the documented order: dict keys sorted, attrs/namedtuple fields in order."""
    if t is None:
        return []
    if isinstance(t, dict):
        items = [(k, t[k]) for k in sorted(t)]
    elif isinstance(t, (Dense, Affine)):
        items = [("W", t.W), ("b", t.b)]
    elif isinstance(t, tuple) and hasattr(t, "_fields"):
        items = list(zip(t._fields, t))
    elif isinstance(t, (list, tuple)):
        items = list(enumerate(t))
    else:
        return [(prefix, t)]
    return [p for k, v in items for p in expected_paths(v, f"{prefix}/{k}" if prefix else str(k))]


def same_tree(a: Any, b: Any) -> bool:
    """Equal leaves and node types (``==`` alone takes Pair(1, 2) for (1, 2)); dict order aside."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_tree(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(same_tree, a, b))
    if isinstance(a, Dense):
        return a.activation == b.activation and same_tree(a.W, b.W) and same_tree(a.b, b.b)
    return a == b


leaf_values = st.one_of(st.integers(-9, 9), st.floats(-1e3, 1e3, allow_nan=False), st.sampled_from("xyz"))


def _nodes(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.text("abcde", min_size=1, max_size=3), children, max_size=3),
        st.builds(Pair, children, children),
        st.builds(Span, children, children),
        st.builds(Dense, children, children, st.sampled_from(["tanh", "relu"])),
    )


pytrees = st.recursive(st.one_of(st.none(), leaf_values), _nodes, max_leaves=12)


# -- flatten / unflatten -------------------------------------------------------------------------


@given(pytrees)
def test_flatten_unflatten_round_trip(t):
    flat, treedef = tree.flatten(t)
    rebuilt = tree.unflatten(treedef, flat)
    assert same_tree(rebuilt, t)
    assert all(x is y for x, y in zip(tree.leaves(rebuilt), flat))
    assert treedef.num_leaves == len(flat)


@given(pytrees)
def test_leaves_in_documented_order(t):
    assert tree.leaves(t) == [leaf for _, leaf in expected_paths(t)]


@given(pytrees)
def test_flatten_with_path_matches_oracle(t):
    assert tree.flatten_with_path(t) == expected_paths(t)


def test_dict_leaves_sorted_by_key_whatever_the_insertion_order():
    assert tree.leaves({"b": 2, "c": 3, "a": 1}) == [1, 2, 3]
    assert tree.structure({"b": 0, "a": 0}) == tree.structure({"a": 1, "b": 1})


def test_none_is_an_empty_node_and_arrays_are_leaves():
    x = np.arange(3.0)
    assert tree.leaves([None, x, (None,)]) == [x]
    assert tree.structure(None).num_leaves == 0
    assert tree.unflatten(tree.structure([None, 1]), [5]) == [None, 5]


@given(pytrees, st.integers(1, 3))
def test_unflatten_wrong_number_of_leaves_raises(t, extra):
    treedef = tree.structure(t)
    n = treedef.num_leaves
    for wrong in {n + extra, max(n - extra, 0)} - {n}:
        with pytest.raises(ValueError, match=rf"has {n} leaves, got {wrong}"):
            tree.unflatten(treedef, range(wrong))


# -- map -------------------------------------------------------------------------------------


@given(pytrees)
def test_map_one_tree(t):
    mapped = tree.map(Box, t)
    assert tree.structure(mapped) == tree.structure(t)
    assert [b.values for b in tree.leaves(mapped)] == [(leaf,) for leaf in tree.leaves(t)]


@given(pytrees)
def test_map_several_trees_pairs_leaves_in_order(t):
    treedef = tree.structure(t)
    indices = tree.unflatten(treedef, range(treedef.num_leaves))
    negated = tree.unflatten(treedef, [-i for i in range(treedef.num_leaves)])
    mapped = tree.map(Box, t, indices, negated)
    assert [b.values for b in tree.leaves(mapped)] == [(leaf, i, -i) for i, leaf in enumerate(tree.leaves(t))]


@pytest.mark.parametrize(
    ("a", "b", "shown_a", "shown_b"),
    [
        ([1, 2], (1, 2), "[*, *]", "(*, *)"),
        ({"a": 1}, {"b": 1}, "{'a': *}", "{'b': *}"),
        ([1, [2]], [1, 2], "[*, [*]]", "[*, *]"),
        (Dense(1, 2, "relu"), Dense(1, 2, "tanh"), "'relu'", "'tanh'"),
    ],
)
def test_map_mismatched_structures_shows_both(a, b, shown_a, shown_b):
    with pytest.raises(ValueError, match="different structure") as info:
        tree.map(lambda x, y: x, a, b)
    message = str(info.value)
    assert shown_a in message and shown_b in message


def test_map_counts_the_mismatched_tree():
    with pytest.raises(ValueError, match="tree 2"):
        tree.map(lambda *xs: xs[0], [1], [2], (3,))


# -- structures ------------------------------------------------------------------------------


@given(pytrees)
def test_structure_equality_and_hash_ignore_leaf_values(t):
    treedef = tree.structure(t)
    other = tree.unflatten(treedef, [Box() for _ in range(treedef.num_leaves)])
    assert tree.structure(other) == treedef
    assert hash(tree.structure(other)) == hash(treedef)
    assert {treedef: "found"}[tree.structure(other)] == "found"
    assert tree.all_equal_structure(t, other)


@given(pytrees)
def test_wrapping_changes_the_structure(t):
    treedef = tree.structure(t)
    assert tree.structure([t]) != treedef
    assert tree.structure((t,)) != tree.structure([t])
    assert not tree.all_equal_structure(t, [t])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1, 2], (1, 2)),
        ((1, 2), Pair(1, 2)),
        (Pair(1, 2), Span(1, 2)),
        ({"a": 1}, {"b": 1}),
        ([None], [1]),
        (Dense(1, 2, "tanh"), Dense(1, 2, "relu")),
        (Interval(1, 2, True), Interval(1, 2, False)),
        ([], ()),
    ],
)
def test_different_structures(a, b):
    assert tree.structure(a) != tree.structure(b)


@pytest.mark.parametrize(
    ("t", "shown"),
    [
        ({"b": [1, (2,)], "a": None}, "PyTreeDef({'a': None, 'b': [*, (*,)]})"),
        (Pair(1, [2, 3]), "PyTreeDef(Pair(first=*, second=[*, *]))"),
        (Dense(1, 2, "relu"), "PyTreeDef(Dense[('relu',)](W=*, b=*))"),
        (Interval(1, 2, True), "PyTreeDef(Interval[True](lo=*, hi=*))"),
        (Bag(1, (2, 3)), "PyTreeDef(Bag(*, (*, *)))"),
        (5, "PyTreeDef(*)"),
        ((), "PyTreeDef(())"),
    ],
)
def test_structure_repr(t, shown):
    assert repr(tree.structure(t)) == shown


# -- paths, registration, static fields ---------------------------------------------------------


def test_paths_of_a_model():
    params = {
        "layers": [Dense(np.ones((2, 3)), np.zeros(3)), Dense(np.ones((3, 1)), np.zeros(1))],
        "head": Span(np.ones(1), None),
        "norm": Pair(1.0, 2.0),
    }
    assert [p for p, _ in tree.flatten_with_path(params)] == [
        "head/start",
        "layers/0/W",
        "layers/0/b",
        "layers/1/W",
        "layers/1/b",
        "norm/first",
        "norm/second",
    ]
    assert tree.flatten_with_path(7) == [("", 7)]


def test_register_with_keys_fn():
    t = {"span": Interval(1.0, [2.0, 3.0], closed=True)}
    assert tree.flatten_with_path(t) == [("span/lo", 1.0), ("span/hi/0", 2.0), ("span/hi/1", 3.0)]
    doubled = tree.map(lambda x: 2 * x, t)
    assert isinstance(doubled["span"], Interval)
    assert (doubled["span"].lo, doubled["span"].hi, doubled["span"].closed) == (2.0, [4.0, 6.0], True)


def test_register_without_keys_fn_uses_positions():
    t = Bag("p", Bag("q", "r"))
    assert tree.flatten_with_path(t) == [("0", "p"), ("1/0", "q"), ("1/1", "r")]
    rebuilt = tree.unflatten(tree.structure(t), ["P", "Q", "R"])
    assert isinstance(rebuilt, Bag) and rebuilt.items[0] == "P"
    assert isinstance(rebuilt.items[1], Bag) and rebuilt.items[1].items == ("Q", "R")


def test_static_fields_are_structure_not_leaves():
    layer = Dense(np.ones(2), np.zeros(2), activation="relu")
    assert len(tree.leaves(layer)) == 2
    assert all(isinstance(x, np.ndarray) for x in tree.leaves(layer))
    rebuilt = tree.map(lambda x: x + 1, layer)
    assert isinstance(rebuilt, Dense) and rebuilt.activation == "relu"
    np.testing.assert_array_equal(rebuilt.b, [1.0, 1.0])
    assert tree.structure(layer) != tree.structure(attrs.evolve(layer, activation="tanh"))
    assert tree.structure(layer) == tree.structure(attrs.evolve(layer, W=np.zeros(5)))


def test_static_field_keeps_attrs_options():
    @attrs.frozen
    class Conv:
        w: Any
        stride: int = tree.static_field(default=1, metadata={"doc": "step"})

    (stride,) = [f for f in attrs.fields(Conv) if f.name == "stride"]
    assert stride.metadata["static"] is True and stride.metadata["doc"] == "step"
    assert Conv(0).stride == 1


# -- is_leaf --------------------------------------------------------------------------------


def test_is_leaf_stops_flattening():
    t = {"a": [1, 2], "b": (3, [4])}
    is_list = lambda x: isinstance(x, list)
    assert tree.leaves(t, is_leaf=is_list) == [[1, 2], 3, [4]]
    assert [p for p, _ in tree.flatten_with_path(t, is_leaf=is_list)] == ["a", "b/0", "b/1"]
    lengths = tree.map(lambda x: len(x) if isinstance(x, list) else -x, t, is_leaf=is_list)
    assert lengths == {"a": 2, "b": (-3, 1)}


def test_is_leaf_can_make_none_a_leaf():
    t = [None, 1, {"k": None}]
    is_none = lambda x: x is None
    assert tree.leaves(t, is_leaf=is_none) == [None, 1, None]
    assert tree.map(lambda x: 0 if x is None else x, t, is_leaf=is_none) == [0, 1, {"k": 0}]
    assert tree.structure(t, is_leaf=is_none) != tree.structure(t)


# -- gradients of attrs-class params -----------------------------------------------------------


def test_grad_of_attrs_params_is_attrs_shaped(backend):
    xp = backend.xp
    rng = np.random.default_rng(0)
    W, b, x = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3))
    params = Affine(xp.asarray(W), xp.asarray(b), scale=3.0)

    def loss(p, x):
        return fnp.sum(fnp.tanh(x @ p.W + p.b) * p.scale)

    g = fz.grad(loss)(params, xp.asarray(x))

    assert isinstance(g, Affine) and g.scale == 3.0
    assert tree.structure(g) == tree.structure(params)
    # d/dz sum(s * tanh(z)) = s * (1 - tanh(z)^2), with z = x W + b.
    dz = 3.0 * (1 - np.tanh(x @ W + b) ** 2)
    np.testing.assert_allclose(backend.to_host(g.W), x.T @ dz, rtol=1e-12)
    np.testing.assert_allclose(backend.to_host(g.b), dz.sum(axis=0), rtol=1e-12)
    assert g.W.dtype == np.float64 and g.W.shape == (3, 2)

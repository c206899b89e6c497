"""Editing by position (insert, delete, put, fill, compress, choose, ...): JAX's values and
derivatives, and a clear refusal of what an immutable array cannot do."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnzero.numpy as fnp
from tests.jax_oracle import check_against_jax, jnp

matrices = st.tuples(st.integers(1, 4), st.integers(1, 4)).flatmap(
    lambda s: st.lists(st.floats(-3, 3, allow_nan=False), min_size=s[0] * s[1], max_size=s[0] * s[1]).map(
        lambda v: np.array(v).reshape(s)
    )
)

EDITS = {
    "append_flat": lambda m: lambda a: m.append(a, a[0]),
    "append_axis": lambda m: lambda a: m.append(a, a[:1] * 2.0, axis=0),
    "insert_int": lambda m: lambda a: m.insert(a, 1, a[0, 0] * 3.0, axis=1),
    "insert_flat": lambda m: lambda a: m.insert(a, np.array([0, 1]), a[0, 0]),
    "insert_slice": lambda m: lambda a: m.insert(a, slice(0, 1), a[:1], axis=0),
    "delete": lambda m: lambda a: m.delete(a, 0, axis=1),
    "delete_flat": lambda m: lambda a: m.delete(a, np.array([0, -1])),
    "resize": lambda m: lambda a: m.resize(a, (3, 5)),
    "rollaxis": lambda m: lambda a: m.rollaxis(a[None], 2, 1),
    "diagflat": lambda m: lambda a: m.diagflat(a, 1),
    "fill_diagonal": lambda m: lambda a: m.fill_diagonal(a, a[0, 0] * 2.0, inplace=False),
    "put": lambda m: lambda a: m.put(a, np.array([0]), a[0, 0] * 5.0, inplace=False),
    "put_along_axis": lambda m: (
        lambda a: m.put_along_axis(
            a, np.zeros((a.shape[0], 1), np.int64), a[:, :1] ** 2, axis=1, inplace=False
        )
    ),
    "place": lambda m: lambda a: m.place(a, np.eye(*a.shape, dtype=bool), a[0, 0] + 1.0, inplace=False),
    "compress": lambda m: lambda a: m.compress(np.array([True, False, True]), a, axis=1, size=2),
    "extract": lambda m: lambda a: m.extract(np.eye(*a.shape, dtype=bool), a, size=1),
    "choose": lambda m: lambda a: m.choose(np.eye(*a.shape, dtype=np.int64), [a, a * a]),
    "unstack": lambda m: lambda a: m.unstack(a, axis=1),
}


@pytest.mark.parametrize("name", sorted(EDITS))
@settings(max_examples=2, deadline=None)
@given(a=matrices)
def test_edits_against_jax(name, a):
    if name in {"compress"} and a.shape[1] < 3:
        a = np.concatenate([a, a, a], axis=1)
    check_against_jax(EDITS[name](fnp), EDITS[name](jnp), a, order=2, jit=True)


@settings(max_examples=15, deadline=None)
@given(v=st.lists(st.sampled_from([0.0, 0.0, 1.5, -2.0]), min_size=1, max_size=7).map(np.array))
def test_trim_zeros_against_numpy(v):
    for trim in ["fb", "f", "b"]:
        np.testing.assert_array_equal(fnp.trim_zeros(v, trim), np.trim_zeros(v, trim))


def test_index_results_match_numpy():
    a = np.array([[0.0, 1.5], [2.0, 0.0]])
    np.testing.assert_array_equal(fnp.flatnonzero(a), np.flatnonzero(a))
    np.testing.assert_array_equal(fnp.flatnonzero(a, size=4), jnp.flatnonzero(a, size=4))
    keys = (np.array([1, 0, 1, 0]), np.array([3, 3, 1, 2]))
    np.testing.assert_array_equal(fnp.lexsort(keys), np.lexsort(keys))
    assert bool(fnp.array_equiv(np.ones((2, 3)), np.ones(3)))
    assert not bool(fnp.array_equiv(np.ones((2, 3)), np.ones(2)))
    assert not bool(fnp.array_equiv(np.ones(3), np.array([1.0, 2.0, 1.0])))


@pytest.mark.parametrize("name", ["fill_diagonal", "put", "place"])
def test_inplace_is_refused_by_name(name):
    a = np.zeros((2, 2))
    args = {"fill_diagonal": (a, 1.0), "put": (a, [0], 1.0), "place": (a, a == 0, 1.0)}[name]
    with pytest.raises(ValueError, match=f"{name}: arrays are immutable"):
        getattr(fnp, name)(*args)


def test_bad_positions_are_named():
    with pytest.raises(ValueError, match="rollaxis: axis 3"):
        fnp.rollaxis(np.ones((2, 2)), 3)
    with pytest.raises(ValueError, match=r"trim_zeros: filt must be 1-D, got shape \(2, 2\)"):
        fnp.trim_zeros(np.ones((2, 2)))


@pytest.mark.parametrize(
    "name", ["append", "insert", "delete", "resize", "put", "compress", "choose", "unstack"]
)
def test_argument_names_match_jax(name):
    ours = list(inspect.signature(getattr(fnp, name)).parameters)
    theirs = list(inspect.signature(getattr(jnp, name)).parameters)
    assert ours == theirs


PIECES = {
    "two_pieces": lambda m: lambda x: m.piecewise(x, [x < 0, x >= 0], [lambda v: -v * v, lambda v: m.sin(v)]),
    "with_default": lambda m: (
        lambda x: m.piecewise(x, [x < -1, x > 1], [lambda v: v**3, 2.0, lambda v: v * 0.5])
    ),
}


@pytest.mark.parametrize("name", sorted(PIECES))
@settings(max_examples=3, deadline=None)
@given(x=st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=5).map(np.array))
def test_piecewise_against_jax(name, x):
    x = x[np.abs(np.abs(x) - 1) > 1e-3]
    if x.size:
        check_against_jax(PIECES[name](fnp), PIECES[name](jnp), x, order=2)


def test_fromfunction_matches_numpy():
    np.testing.assert_array_equal(
        fnp.fromfunction(lambda i, j: i * 10 + j, (3, 4)), np.fromfunction(lambda i, j: i * 10 + j, (3, 4))
    )


def test_ndarray_recognises_arrays_and_traced_values():
    import fnzero as fz

    assert isinstance(np.ones(2), fnp.ndarray) and not isinstance(2.0, fnp.ndarray)
    seen = []
    fz.grad(lambda v: (seen.append(isinstance(v, fnp.ndarray)), fnp.sum(v))[1])(np.ones(2))
    assert seen == [True]
    assert np.issubdtype(np.float32, fnp.floating) and not np.issubdtype(np.int8, fnp.inexact)

"""Polynomials, bitwise operations, set operations, index helpers and window functions:
the same values as JAX (and NumPy); the polynomials also the same derivatives."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnzero as fz
import fnzero.numpy as fnp
from tests.jax_oracle import check_against_jax, jnp

floats = st.floats(-2.0, 2.0, allow_nan=False, width=64)


def coefficients(min_size: int = 1, max_size: int = 5):
    return st.lists(floats, min_size=min_size, max_size=max_size).map(np.array)


@settings(max_examples=5, deadline=None)
@given(p=coefficients(), x=st.lists(floats, min_size=1, max_size=4).map(np.array))
def test_polyval_against_jax(p, x):
    check_against_jax(fnp.polyval, jnp.polyval, p, x, order=2, jit=True)


@pytest.mark.parametrize("name", ["polyadd", "polysub", "polymul"])
@settings(max_examples=4, deadline=None)
@given(a=coefficients(), b=coefficients())
def test_polynomial_arithmetic_against_jax(name, a, b):
    check_against_jax(getattr(fnp, name), getattr(jnp, name), a, b, order=2, vmap=len(a) > 0)


@settings(max_examples=4, deadline=None)
@given(p=coefficients(max_size=6), m=st.integers(0, 3))
def test_polyder_and_polyint_against_jax(p, m):
    check_against_jax(lambda q: fnp.polyder(q, m), lambda q: jnp.polyder(q, m), p, order=2)
    check_against_jax(lambda q: fnp.polyint(q, m), lambda q: jnp.polyint(q, m), p, order=2)


def test_polyint_constants_and_bad_arguments():
    p = np.array([3.0, 2.0, 1.0])
    np.testing.assert_allclose(fnp.polyint(p, 2, k=[1.0, 2.0]), jnp.polyint(p, 2, k=np.array([1.0, 2.0])))
    with pytest.raises(ValueError, match="k must hold m=2"):
        fnp.polyint(p, 2, k=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="m must be >= 0"):
        fnp.polyder(p, -1)
    with pytest.raises(ValueError, match=r"coefficients must be 1-D, got shape \(2, 2\)"):
        fnp.polyval(np.ones((2, 2)), 1.0)


@pytest.mark.parametrize("increasing", [False, True])
@pytest.mark.parametrize("n", [None, 2, 5])
def test_vander_against_jax(increasing, n):
    x = np.array([0.5, -1.5, 2.0])
    check_against_jax(
        lambda v: fnp.vander(v, n, increasing=increasing),
        lambda v: jnp.vander(v, n, increasing=increasing),
        x,
        order=2,
    )


ints = st.lists(st.integers(-1000, 1000), min_size=1, max_size=6).map(lambda v: np.array(v, np.int64))


@settings(max_examples=20, deadline=None)
@given(a=ints, b=ints)
def test_bitwise_against_numpy(a, b):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    for name in ["bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm"]:
        np.testing.assert_array_equal(getattr(fnp, name)(a, b), getattr(np, name)(a, b), err_msg=name)
    shift = np.abs(b) % 8
    np.testing.assert_array_equal(fnp.left_shift(a, shift), np.left_shift(a, shift))
    np.testing.assert_array_equal(fnp.right_shift(a, shift), np.right_shift(a, shift))
    np.testing.assert_array_equal(fnp.invert(a), np.invert(a))
    np.testing.assert_array_equal(fnp.bitwise_not(a), np.invert(a))
    batched = fz.vmap(fnp.bitwise_xor)(np.stack([a, a[::-1]]), np.stack([b, b]))
    np.testing.assert_array_equal(batched, np.stack([a ^ b, a[::-1] ^ b]))


def test_bitwise_refuses_floats():
    with pytest.raises(TypeError, match="bitwise_and"):
        fnp.bitwise_and(np.array([1.5]), np.array([1]))


@settings(max_examples=20, deadline=None)
@given(a=ints, b=ints)
def test_sets_against_numpy(a, b):
    a, b = a % 7, b % 7
    for name in ["intersect1d", "union1d", "setdiff1d", "setxor1d"]:
        np.testing.assert_array_equal(getattr(fnp, name)(a, b), getattr(np, name)(a, b), err_msg=name)
    np.testing.assert_array_equal(fnp.isin(a, b), np.isin(a, b))
    np.testing.assert_array_equal(fnp.isin(a, b, invert=True), np.isin(a, b, invert=True))
    rows = fz.vmap(lambda r: fnp.isin(r, b))(np.stack([a, a + 1]))
    np.testing.assert_array_equal(rows, np.stack([np.isin(a, b), np.isin(a + 1, b)]))


def test_value_dependent_sets_refuse_a_differentiated_float():
    with pytest.raises(fz.ConcretizationTypeError, match="union1d"):
        fz.grad(lambda x: fnp.sum(fnp.union1d(x, x)))(np.array([1.0, 2.0]))


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.tril_indices(4, 1),
        lambda m: m.triu_indices(4, -1, 5),
        lambda m: m.tril_indices_from(np.ones((3, 5))),
        lambda m: m.triu_indices_from(np.ones((4, 4)), 1),
        lambda m: m.diag_indices(3, 3),
        lambda m: m.diag_indices_from(np.ones((2, 2, 2))),
        lambda m: m.mask_indices(4, np.triu),
        lambda m: m.ix_(np.array([0, 2]), np.array([1, 3, 4])),
        lambda m: m.ravel_multi_index((np.array([1, 2]), np.array([0, 3])), (3, 4)),
        lambda m: m.unravel_index(np.array([5, 11]), (3, 4)),
    ],
)
def test_index_helpers_match_jax(call):
    ours, theirs = call(fnp), call(jnp)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_broadcast_shapes_and_its_error():
    assert fnp.broadcast_shapes((3, 1), (1, 4), (4,)) == (3, 4)
    with pytest.raises(ValueError):
        fnp.broadcast_shapes((3,), (4,))
    with pytest.raises(ValueError, match="2-D"):
        fnp.tril_indices_from(np.ones(3))


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
@pytest.mark.parametrize("m", [0, 1, 2, 7])
def test_windows_match_jax(name, m):
    np.testing.assert_allclose(getattr(fnp, name)(m), getattr(jnp, name)(m), atol=1e-12)


def test_kaiser_matches_jax_and_lengths_are_checked():
    np.testing.assert_allclose(fnp.kaiser(9, 4.0), jnp.kaiser(9, 4.0), rtol=1e-6)
    with pytest.raises(TypeError, match="M"):
        fnp.hamming(2.5)


@pytest.mark.parametrize(
    "name",
    ["polyval", "polymul", "polyint", "vander", "isin", "intersect1d", "tril_indices", "unravel_index"],
)
def test_argument_names_match_jax(name):
    ours = list(inspect.signature(getattr(fnp, name)).parameters)
    theirs = list(inspect.signature(getattr(jnp, name)).parameters)
    assert ours == theirs[: len(ours)], (ours, theirs)

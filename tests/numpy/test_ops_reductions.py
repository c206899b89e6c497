"""Reductions over axis=None / int / negative / tuple with keepdims, cumsum, argmax/argmin,
tie-sharing in max/min, prod through zeros, logsumexp at large inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import (
    FLOAT_DTYPES,
    arrays,
    assert_matches,
    away_from_zero,
    axes,
    check_float32_and_grads,
    distinct,
    host,
    on,
    on_grid,
    shapes,
    with_backend,
)

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.core.tracer import TRACER_TYPES


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


# Each reduction with inputs that keep it smooth: no ties for max/min, no zero spread for
# std, no zeros for prod (second derivatives).
REDUCTIONS = {
    "sum": (np.sum, arrays),
    "mean": (np.mean, arrays),
    "var": (np.var, arrays),
    "std": (np.std, distinct),
    "max": (np.max, distinct),
    "min": (np.min, distinct),
    "prod": (np.prod, lambda s: away_from_zero(s, 0.5, 1.5)),
    "logsumexp": (_logsumexp, arrays),
}


def _reduced_size(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axis = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axis]))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@with_backend
@given(data=st.data(), shape=shapes(), keepdims=st.booleans())
def test_reductions(backend, name, data, shape, keepdims):
    reference, inputs = REDUCTIONS[name]
    x = data.draw(inputs(shape), label="x")
    axis = data.draw(axes(len(shape)), label="axis")
    if name == "std":
        assume(_reduced_size(shape, axis) > 1)
    f = getattr(fnp, name)
    for dtype in FLOAT_DTYPES:
        xd = x.astype(dtype)
        expected = reference(xd, axis=axis, keepdims=keepdims)
        assert_matches(backend, f(on(backend, xd), axis=axis, keepdims=keepdims), expected, rtol=1e-5)
    check_float32_and_grads(lambda v: f(v, axis=axis, keepdims=keepdims), [on(backend, x)], order=2)


@pytest.mark.parametrize("name", ["var", "std"])
@with_backend
@given(data=st.data(), shape=shapes(min_dims=1), keepdims=st.booleans())
def test_var_std_ddof(backend, name, data, shape, keepdims):
    x = data.draw(distinct(shape), label="x")
    axis = data.draw(axes(len(shape)), label="axis")
    assume(_reduced_size(shape, axis) > 1)
    f = getattr(fnp, name)
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims, ddof=1)
    assert_matches(backend, f(on(backend, x), axis=axis, keepdims=keepdims, ddof=1), expected)
    check_float32_and_grads(lambda v: f(v, axis=axis, keepdims=keepdims, ddof=1), [on(backend, x)])


@pytest.mark.parametrize("name", ["max", "min"])
@with_backend
@given(data=st.data(), shape=shapes(min_dims=1), keepdims=st.booleans())
def test_max_min_ties_share_the_gradient_evenly(backend, name, data, shape, keepdims):
    x = data.draw(on_grid(shape, 0.0).map(np.round), label="x")  # few values: many ties
    axis = data.draw(axes(len(shape)), label="axis")
    dtype = data.draw(st.sampled_from(FLOAT_DTYPES), label="dtype")
    f = getattr(fnp, name)
    g = fz.grad(lambda v: fnp.sum(f(v, axis=axis, keepdims=keepdims) * 1.0))(on(backend, x.astype(dtype)))
    hit = x == getattr(np, name)(x, axis=axis, keepdims=True)
    expected = hit / hit.sum(axis=axis, keepdims=True)
    assert g.dtype == dtype
    np.testing.assert_allclose(host(backend, g), expected, rtol=1e-6)


def test_max_of_two_equal_entries_gives_each_half(backend):
    x = backend.xp.asarray([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]])
    g = fz.grad(lambda v: fnp.max(v))(x)
    np.testing.assert_array_equal(host(backend, g), [[0, 0.5, 0.5], [0, 0, 0]])
    g = fz.grad(lambda v: fnp.sum(fnp.min(v, axis=1) * fnp.asarray([1.0, 2.0])))(x)
    np.testing.assert_array_equal(host(backend, g), [[1, 0, 0], [0, 0, 2]])


@with_backend
@given(data=st.data(), shape=shapes(min_dims=1), zeros=st.integers(1, 2))
def test_prod_first_derivative_is_exact_at_zeros(backend, data, shape, zeros):
    x = data.draw(away_from_zero(shape, 0.5, 1.5), label="x")
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)), label="axis")
    zeros = min(zeros, x.size)
    where = data.draw(st.lists(st.integers(0, x.size - 1), min_size=zeros, max_size=zeros, unique=True))
    x.flat[where] = 0.0
    # Reference: d prod / d x_i is the product of the other entries of x_i's slice.
    expected = np.empty_like(x)
    for i in range(x.size):
        others = x.copy()
        others.flat[i] = 1.0
        products = np.broadcast_to(np.prod(others, axis=axis, keepdims=True), x.shape)
        expected.flat[i] = products.flat[i]
    g = fz.grad(lambda v: fnp.sum(fnp.prod(v, axis=axis)))(on(backend, x))
    np.testing.assert_allclose(host(backend, g), expected, rtol=1e-13, atol=0)
    assert np.isfinite(host(backend, g)).all()


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_logsumexp_is_stable_at_large_inputs(backend, sign):
    host_x = sign * 1000.0 + np.array([[0.0, 1.0, 2.0], [0.5, 0.5, -3.0]])
    x = backend.xp.asarray(host_x)
    expected = _logsumexp(host_x - sign * 1000.0, axis=1) + sign * 1000.0
    np.testing.assert_allclose(host(backend, fnp.logsumexp(x, axis=1)), expected, rtol=1e-14)
    g = host(backend, fz.grad(lambda v: fnp.sum(fnp.logsumexp(v, axis=1)))(x))
    softmax = np.exp(host_x - expected[:, None])
    np.testing.assert_allclose(g, softmax, rtol=1e-12)
    assert np.isfinite(g).all()
    check_float32_and_grads(lambda v: fnp.logsumexp(v, axis=-1), [x], order=2)


@pytest.mark.filterwarnings("ignore:divide by zero encountered in log")
def test_logsumexp_of_minus_infinity(backend):
    x = backend.xp.asarray([[-np.inf, -np.inf], [0.0, -np.inf]])
    np.testing.assert_array_equal(host(backend, fnp.logsumexp(x, axis=1)), [-np.inf, 0.0])
    g = fz.grad(lambda v: fnp.logsumexp(v[1]))(x)
    np.testing.assert_array_equal(host(backend, g), [[0.0, 0.0], [1.0, 0.0]])


@with_backend
@given(data=st.data(), shape=shapes(), dtype=st.sampled_from(FLOAT_DTYPES))
def test_cumsum(backend, data, shape, dtype):
    x = data.draw(arrays(shape), label="x")
    axis = data.draw(axes(len(shape), allow_tuple=False), label="axis")
    expected = np.cumsum(x.astype(dtype), axis=axis)
    assert_matches(backend, fnp.cumsum(on(backend, x.astype(dtype)), axis=axis), expected, rtol=1e-5)
    check_float32_and_grads(lambda v: fnp.cumsum(v, axis=axis), [on(backend, x)], order=2)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@with_backend
@given(data=st.data(), shape=shapes(), keepdims=st.booleans())
def test_argmax_argmin(backend, name, data, shape, keepdims):
    x = data.draw(on_grid(shape, 0.0), label="x")  # ties: the first index wins, as NumPy
    axis = data.draw(axes(len(shape), allow_tuple=False), label="axis")
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    assert_matches(backend, getattr(fnp, name)(on(backend, x), axis=axis, keepdims=keepdims), expected)

    def f(v):
        i = getattr(fnp, name)(v, axis=axis, keepdims=keepdims)
        assert type(i) not in TRACER_TYPES
        assert_matches(backend, i, expected)
        return fnp.sum(v) * 2.0

    np.testing.assert_array_equal(host(backend, fz.grad(f)(on(backend, x))), np.full(shape, 2.0))


def test_argmax_selects_what_gets_the_gradient(backend):
    x = backend.xp.asarray([[0.5, 2.0, -1.0], [3.0, 0.0, 1.0]])
    g = fz.grad(lambda v: fnp.sum(fnp.take(v.ravel(), fnp.argmax(v, axis=None)) ** 2))(x)
    np.testing.assert_array_equal(host(backend, g), [[0, 0, 0], [6.0, 0, 0]])


@pytest.mark.parametrize("name", ["mean", "var", "std", "sum", "logsumexp"])
def test_reductions_keep_float32(backend, name):
    x = backend.xp.asarray([[1.0, 2.0], [4.0, 8.0]], dtype=np.float32)
    f = getattr(fnp, name)
    assert f(x, axis=0).dtype == np.float32
    assert fz.grad(lambda v: f(v))(x).dtype == np.float32

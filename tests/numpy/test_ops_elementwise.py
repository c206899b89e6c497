"""Elementwise functions of one array: values equal NumPy's, derivatives equal finite
differences to second order, gradients keep the primal's shape and dtype."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    FLOAT_DTYPES,
    arrays,
    assert_matches,
    away_from_zero,
    check_float32_and_grads,
    host,
    on,
    shapes,
    with_backend,
)

import fnzero as fz
import fnzero.numpy as fnp

# Each smooth function with a domain that keeps away from its singularities.
SMOOTH = {
    "exp": arrays(),
    "log": arrays(low=0.2),
    "log1p": arrays(low=-0.8),
    "expm1": arrays(),
    "sqrt": arrays(low=0.2),
    "square": arrays(),
    "negative": arrays(),
    "abs": away_from_zero(),
    "sin": arrays(),
    "cos": arrays(),
    "tan": arrays(low=-1.2, high=1.2),
    "tanh": arrays(),
    "sinh": arrays(),
    "cosh": arrays(),
    "arctan": arrays(),
    "arcsin": arrays(low=-0.9, high=0.9),
    "arccos": arrays(low=-0.9, high=0.9),
    "arcsinh": arrays(),
}
PIECEWISE_CONSTANT = ["sign", "floor", "ceil", "round"]


@pytest.mark.parametrize("name", sorted(SMOOTH))
@with_backend
@given(data=st.data())
def test_smooth_unary(backend, name, data):
    x = data.draw(SMOOTH[name], label="x")
    dtype = data.draw(st.sampled_from(FLOAT_DTYPES), label="dtype")
    f = getattr(fnp, name)
    assert_matches(backend, f(on(backend, x.astype(dtype))), getattr(np, name)(x.astype(dtype)))
    check_float32_and_grads(f, [on(backend, x)], order=2)


@pytest.mark.parametrize("name", PIECEWISE_CONSTANT)
@with_backend
@given(
    k=shapes().flatmap(lambda s: st.tuples(arrays(s, -3, 3).map(np.round), arrays(s, 0.1, 0.4))),
    negate=st.booleans(),
    dtype=st.sampled_from(FLOAT_DTYPES),
)
def test_piecewise_constant_unary_has_zero_derivative(backend, name, k, negate, dtype):
    # Entries k + 0.1 .. k + 0.4: away from the jumps of all four functions.
    x = (k[0] + k[1]) * (-1 if negate else 1)
    f = getattr(fnp, name)
    assert_matches(backend, f(on(backend, x.astype(dtype))), getattr(np, name)(x.astype(dtype)))
    check_float32_and_grads(f, [on(backend, x)], order=1)
    g = fz.grad(lambda v: fnp.sum(f(v) * v))(on(backend, x.astype(dtype)))
    # d/dx [f(x) x] = f(x) where f is locally constant.
    np.testing.assert_array_equal(host(backend, g), getattr(np, name)(x.astype(dtype)))


def test_round_takes_decimals_like_numpy():
    x = np.array([1.2345, -2.5551, 0.049])
    np.testing.assert_array_equal(fnp.round(x, 2), np.round(x, 2))
    np.testing.assert_array_equal(fnp.round(x), np.round(x))


def test_unary_functions_accept_python_scalars():
    assert fnp.exp(1.0) == pytest.approx(np.e)
    assert fz.grad(fnp.sin)(0.5) == pytest.approx(np.cos(0.5))


@with_backend
@given(x=arrays(low=0.2, high=2.0), dtype=st.sampled_from(FLOAT_DTYPES))
def test_elementwise_composition_keeps_dtype(backend, x, dtype):
    # Python constants inside the rules (1 - tanh^2, 2 * ans, ...) must not promote float32.
    def f(v):
        return fnp.sqrt(fnp.tanh(v) + 1.5) * fnp.log1p(v) / fnp.arcsinh(v) - fnp.arctan(v) ** 2

    xb = on(backend, x.astype(dtype))
    assert f(xb).dtype == dtype
    g = fz.grad(lambda v: fnp.sum(f(v)))(xb)
    assert g.dtype == dtype and g.shape == x.shape

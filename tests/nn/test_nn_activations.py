"""Activations against their textbook formulas (evaluated in NumPy here), finite at +-1000,
and differentiable to second order."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero.test_util import check_grads


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


FORMULAS = {
    "relu": (nn.relu, lambda x: np.where(x > 0, x, 0.0)),
    "leaky_relu": (nn.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    "elu": (nn.elu, lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)),
    "gelu": (nn.gelu, lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    "sigmoid": (nn.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (nn.tanh, np.tanh),
    "softplus": (nn.softplus, lambda x: np.log1p(np.exp(x))),
    "softmax": (nn.softmax, lambda x: _softmax(x, -1)),
    "log_softmax": (nn.log_softmax, lambda x: np.log(_softmax(x, -1))),
}

# Values away from 0 so that central differences never straddle relu's kink.
away_from_zero = st.floats(0.05, 3.0) | st.floats(-3.0, -0.05)
arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=away_from_zero)


@pytest.mark.parametrize("name", FORMULAS)
@given(x=arrays)
def test_values_match_the_formula(name, x):
    f, formula = FORMULAS[name]
    np.testing.assert_allclose(f(x), formula(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", FORMULAS)
@given(x=arrays)
def test_derivatives_to_second_order(name, x):
    f, _ = FORMULAS[name]
    check_grads(lambda x: fnp.sin(f(x)), (x,), order=2)


@pytest.mark.parametrize("name", FORMULAS)
def test_finite_values_and_gradients_at_plus_minus_1000(name):
    f, _ = FORMULAS[name]
    x = np.array([[-1000.0, 0.0, 1000.0], [1000.0, -1000.0, 999.0]])
    y = f(x)
    g = fz.grad(lambda x: fnp.sum(f(x) * np.array([1.0, -2.0, 0.5])))(x)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))


def test_derivatives_at_zero_follow_jax():
    x = np.zeros(1)
    assert fz.grad(lambda x: fnp.sum(nn.relu(x)))(x)[0] == 0.0
    assert fz.grad(lambda x: fnp.sum(nn.softplus(x)))(x)[0] == pytest.approx(0.5)
    assert fz.grad(lambda x: fnp.sum(nn.sigmoid(x)))(x)[0] == pytest.approx(0.25)


def test_softmax_axis_and_dtype(backend):
    x = backend.xp.asarray(np.random.default_rng(0).standard_normal((3, 4, 5)), dtype=np.float32)
    y = nn.softmax(x, axis=1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(backend.to_host(y.sum(axis=1)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(
        backend.to_host(nn.log_softmax(x, axis=1)), np.log(backend.to_host(y)), atol=1e-5
    )


def test_gelu_exact_form_is_x_times_the_normal_cdf():
    x = np.array([-5.0, -1.0, 0.0, 0.5, 3.0])
    expected = [v * math.erfc(-v / math.sqrt(2)) / 2 for v in x]  # erfc: no cancellation in the tail
    np.testing.assert_allclose(nn.gelu(x, approximate=False), expected, rtol=1e-14, atol=1e-300)

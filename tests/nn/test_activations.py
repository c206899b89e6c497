"""Activations.

Against jax.nn itself (tests/jax_oracle.py): values, gradients, forward mode, vmap,
jit(grad) and second derivatives in float64, on inputs that include every kink, where the
derivative must be JAX's one-sided choice; these skip where JAX is missing.

Against their textbook formulas (evaluated in NumPy here): the values, finite at +-1000,
and differentiable to second order."""

from __future__ import annotations

import inspect
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
from tests.optional_jax import check_against_jax, jax, jnp, needs_jax

jnn = None if jax is None else jax.nn


# Every kink of every function below, and smooth points between them.
# (All inputs have one shape, so that JAX reuses what it compiled.)
KINKS = np.array([-6.0, -3.0, -1.5, -1.0, -0.5, 0.0, 0.3, 1.0, 2.5, 3.0, 6.0, 7.0]).reshape(3, 4)
MATRIX = np.random.default_rng(0).standard_normal((3, 4)) * 3

ELEMENTWISE = [
    "silu",
    "swish",
    "log_sigmoid",
    "relu6",
    "hard_tanh",
    "celu",
    "selu",
    "elu",
    "leaky_relu",
    "gelu",
    "softplus",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
    "mish",
    "soft_sign",
    "relu",
    "sigmoid",
]


@needs_jax
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_matches_jax_at_kinks_and_between(name):
    check_against_jax(getattr(nn, name), getattr(jnn, name), KINKS, order=2, jit=True)


@needs_jax
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda x: nn.gelu(x, approximate=False), lambda x: jnn.gelu(x, approximate=False)),
        (lambda x: nn.celu(x, alpha=0.5), lambda x: jnn.celu(x, alpha=0.5)),
        (lambda x: nn.elu(x, alpha=2.0), lambda x: jnn.elu(x, alpha=2.0)),
        (lambda x: nn.leaky_relu(x, 0.2), lambda x: jnn.leaky_relu(x, 0.2)),
        (lambda x: nn.squareplus(x, 1.0), lambda x: jnn.squareplus(x, 1.0)),
    ],
    ids=["gelu_exact", "celu_alpha", "elu_alpha", "leaky_slope", "squareplus_b"],
)
def test_parameters_match_jax(ours, theirs):
    check_against_jax(ours, theirs, KINKS, order=2, jit=True)


@needs_jax
def test_exact_gelu_is_accurate_in_both_tails():
    x = np.array([-40.0, -20.0, -8.0, 8.0, 20.0])
    np.testing.assert_allclose(nn.gelu(x, approximate=False), jnn.gelu(x, approximate=False), rtol=1e-12)
    assert nn.gelu(np.float32(-3.0), approximate=False).dtype == np.float32


@needs_jax
@pytest.mark.parametrize("axis", [0, -1])
def test_reductions_along_an_axis_match_jax(axis):
    # Second derivatives along the last axis; first ones (and jit) along the other.
    order = 2 if axis == -1 else 1
    for name in ["softmax", "log_softmax", "standardize"]:
        check_against_jax(
            lambda x, n=name: getattr(nn, n)(x, axis=axis),
            lambda x, n=name: getattr(jnn, n)(x, axis=axis),
            MATRIX,
            order=order,
            jit=order == 1,
        )
    glu_axis = 1 if axis == 0 else -1  # the axis of even size
    check_against_jax(
        lambda x: nn.glu(x, axis=glu_axis), lambda x: jnn.glu(x, axis=glu_axis), MATRIX, order=order
    )


@needs_jax
def test_masked_softmax_log_softmax_and_logsumexp_match_jax():
    where = np.array([[True, False, True, True], [False, True, True, False], [True, True, True, True]])
    check_against_jax(
        lambda x: nn.softmax(x, where=where), lambda x: jnn.softmax(x, where=where), MATRIX, order=2
    )
    ours = nn.log_softmax(MATRIX, where=where)
    theirs = jnn.log_softmax(MATRIX, where=where)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    g = fz.grad(lambda x: fnp.sum(fnp.where(where, nn.log_softmax(x, where=where), 0) * MATRIX))(MATRIX)
    jg = jax.grad(lambda x: jnp.sum(jnp.where(where, jnn.log_softmax(x, where=where), 0) * MATRIX))(MATRIX)
    np.testing.assert_allclose(g, jg, rtol=1e-10, atol=1e-12)
    check_against_jax(
        lambda x: nn.logsumexp(x, axis=1, where=where),
        lambda x: jnn.logsumexp(x, axis=1, where=where),
        MATRIX,
    )


@needs_jax
def test_logsumexp_with_weights_and_sign_matches_jax():
    b = np.array([1.0, -2.0, 0.5, 3.0])
    check_against_jax(nn.logsumexp, jnn.logsumexp, MATRIX)
    check_against_jax(
        lambda x: nn.logsumexp(x, axis=1, keepdims=True),
        lambda x: jnn.logsumexp(x, axis=1, keepdims=True),
        MATRIX,
    )
    check_against_jax(
        lambda x: nn.logsumexp(x, axis=-1, b=np.abs(b)),
        lambda x: jnn.logsumexp(x, axis=-1, b=np.abs(b)),
        MATRIX,
    )
    check_against_jax(
        lambda x: nn.logsumexp(x, axis=-1, b=b, return_sign=True),
        lambda x: jnn.logsumexp(x, axis=-1, b=b, return_sign=True),
        MATRIX,
    )
    x = np.array([[-np.inf, -np.inf], [np.inf, 0.0], [1000.0, 1000.0]])
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(nn.logsumexp(x, axis=1), jnn.logsumexp(x, axis=1))
        ours = nn.logsumexp(x, axis=1, b=np.ones(2), return_sign=True)
    np.testing.assert_array_equal(ours, jnn.logsumexp(x, axis=1, b=np.ones(2), return_sign=True))


@needs_jax
def test_standardize_with_given_statistics_mask_and_stable_algorithm():
    where = MATRIX > -1
    for kwargs in [
        {"mean": 0.5, "variance": 2.0},
        {"where": where},
        {"algorithm": "stable"},
        {"axis": None, "epsilon": 1e-3},
    ]:
        check_against_jax(
            lambda x, k=kwargs: nn.standardize(x, **k),
            lambda x, k=kwargs: jnn.standardize(x, **k),
            MATRIX,
            order=2 if "where" in kwargs else 1,
        )
    with pytest.raises(ValueError, match="algorithm"):
        nn.standardize(MATRIX, algorithm="slow")


@needs_jax
@pytest.mark.parametrize("axis", [-1, 0, 1, -2])
@pytest.mark.parametrize("dtype", [None, np.int32, np.float64, bool])
def test_one_hot_matches_jax(axis, dtype):
    labels = np.array([[0, 2, 4], [1, -1, 3]])  # -1 and 4 are out of range for 4 classes
    ours = nn.one_hot(labels, 4, dtype=dtype, axis=axis)
    theirs = jnn.one_hot(labels, 4, dtype=dtype, axis=axis)
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == (np.float32 if dtype is None else np.dtype(dtype))
    batched = fz.vmap(lambda v: nn.one_hot(v, 4, axis=axis if axis < 0 else 0))(labels)
    np.testing.assert_array_equal(
        batched, jax.vmap(lambda v: jnn.one_hot(v, 4, axis=axis if axis < 0 else 0))(labels)
    )


@needs_jax
def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="num_classes"):
        nn.one_hot(np.array([1]), -2)
    with pytest.raises(ValueError, match="axis 3"):
        nn.one_hot(np.array([1]), 3, axis=3)
    with pytest.raises(ValueError, match="even"):
        nn.glu(np.ones((2, 3)))


@needs_jax
@pytest.mark.parametrize("name", ELEMENTWISE + ["glu", "standardize", "softmax", "log_softmax"])
def test_float32_stays_float32_and_nan_stays_nan(name):
    x = np.array([-2.0, np.nan, 0.5, 3.0], dtype=np.float32)
    y = getattr(nn, name)(x)
    assert y.dtype == np.float32
    if name in ELEMENTWISE:
        assert np.isnan(y[1]) and not np.isnan(y[[0, 2, 3]]).any()


@needs_jax
def test_argument_names_follow_jax():
    for name in ELEMENTWISE + ["glu", "standardize", "softmax", "log_softmax", "logsumexp", "one_hot"]:
        ours = list(inspect.signature(getattr(nn, name)).parameters)
        theirs = list(inspect.signature(getattr(jnn, name)).parameters)
        assert ours == theirs, name


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

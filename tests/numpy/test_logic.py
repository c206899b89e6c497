"""Comparisons and logic: boolean results equal NumPy's, never differentiated, usable in where."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import assert_matches, broadcastable_shapes, host, on, on_grid, with_backend

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.core.tracer import TRACER_TYPES

COMPARISONS = {
    "less": operator.lt,
    "less_equal": operator.le,
    "greater": operator.gt,
    "greater_equal": operator.ge,
    "equal": operator.eq,
    "not_equal": operator.ne,
}
LOGICAL = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", sorted(COMPARISONS))
@with_backend
@given(data=st.data(), shapes=broadcastable_shapes(2))
def test_comparisons_broadcast_and_give_booleans(backend, name, data, shapes):
    # Small integer grids: plenty of ties, where the comparisons differ.
    a = data.draw(on_grid(shapes[0], 0.0), label="a")
    b = data.draw(on_grid(shapes[1], 0.0), label="b")
    expected = getattr(np, name)(a, b)
    assert_matches(backend, getattr(fnp, name)(on(backend, a), on(backend, b)), expected)

    def f(x, y):
        # Inside a transform the operator and the function give plain boolean arrays.
        for out in (COMPARISONS[name](x, y), getattr(fnp, name)(x, y), COMPARISONS[name](x, 0.5)):
            assert type(out) not in TRACER_TYPES and out.dtype == np.bool_
        assert_matches(backend, COMPARISONS[name](x, y), expected)
        return fnp.sum(fnp.where(COMPARISONS[name](x, y), x * 2.0, y * 3.0))

    gx, gy = fz.grad(f, argnums=(0, 1))(on(backend, a), on(backend, b))
    full = np.broadcast_shapes(a.shape, b.shape)
    mask = np.broadcast_to(expected, full)
    np.testing.assert_array_equal(host(backend, gx), _sum_to(2.0 * mask, a.shape))
    np.testing.assert_array_equal(host(backend, gy), _sum_to(3.0 * ~mask, b.shape))


def _sum_to(x, shape):
    x = x.sum(axis=tuple(range(x.ndim - len(shape))))
    return x.sum(axis=tuple(i for i, d in enumerate(shape) if d == 1), keepdims=True).reshape(shape)


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparisons_with_scalars_on_either_side(backend, name):
    x = backend.xp.asarray([0.0, 1.0, 2.0], dtype=np.float32)
    op = COMPARISONS[name]

    def f(t):
        assert_matches(backend, op(t, 1.0), op(np.array([0.0, 1.0, 2.0]), 1.0))
        assert_matches(backend, op(1.0, t), op(1.0, np.array([0.0, 1.0, 2.0])))
        assert_matches(backend, op(backend.xp.asarray(1.0), t), op(1.0, np.array([0.0, 1.0, 2.0])))
        return fnp.sum(t)

    fz.grad(f)(x)


@pytest.mark.parametrize("name", LOGICAL)
@with_backend
@given(data=st.data(), shapes=broadcastable_shapes(2))
def test_logical_binary(backend, name, data, shapes):
    a = data.draw(hnp.arrays(bool, shapes[0]), label="a")
    b = data.draw(hnp.arrays(bool, shapes[1]), label="b")
    assert_matches(backend, getattr(fnp, name)(on(backend, a), on(backend, b)), getattr(np, name)(a, b))


@with_backend
@given(a=hnp.arrays(bool, hnp.array_shapes(min_dims=0, max_dims=3)))
def test_logical_not(backend, a):
    assert_matches(backend, fnp.logical_not(on(backend, a)), np.logical_not(a))


SPECIAL = st.sampled_from([0.0, -1.5, 2.0, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("name", ["isfinite", "isinf", "isnan"])
@with_backend
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2), elements=SPECIAL))
def test_float_classification(backend, name, x):
    assert_matches(backend, getattr(fnp, name)(on(backend, x)), getattr(np, name)(x))


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_classification_of_a_traced_value_is_plain_and_usable_in_where(backend):
    x = backend.xp.asarray([1.0, 0.0, 2.0])

    def f(v):
        r = 1.0 / v  # inf at 0
        ok = fnp.isfinite(r)
        assert type(ok) not in TRACER_TYPES
        assert_matches(backend, fnp.isinf(r), [False, True, False])
        assert_matches(backend, fnp.isnan(r), [False, False, False])
        return fnp.sum(fnp.where(ok, v * v, 0.0))

    np.testing.assert_array_equal(host(backend, fz.grad(f)(x)), [2.0, 0.0, 4.0])


def test_a_boolean_output_is_not_differentiable():
    with pytest.raises(TypeError, match="floating-point output"):
        fz.grad(lambda x: fnp.greater(fnp.sum(x), 0.0))(np.ones(2))

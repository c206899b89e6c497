"""Arithmetic, maximum/minimum, where and clip: broadcasting in every argument position,
operators with arrays and Python scalars on either side, weak typing of Python scalars."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import (
    FLOAT_DTYPES,
    arrays,
    assert_matches,
    away_from_zero,
    broadcastable_shapes,
    check_float32_and_grads,
    host,
    on,
    on_grid,
    with_backend,
)

import fnzero as fz
import fnzero.numpy as fnp


def _operands(name, shape_a, shape_b):
    """Operand strategies for ``name`` that keep it smooth (no division by ~0, positive bases)."""
    if name == "divide":
        return arrays(shape_a), away_from_zero(shape_b)
    if name == "power":
        return arrays(shape_a, 0.5, 2.0), arrays(shape_b, -2.0, 2.0)
    return arrays(shape_a), arrays(shape_b)


BINARY = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "power": operator.pow,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@with_backend
@given(data=st.data(), shapes=broadcastable_shapes(2))
def test_binary_broadcasts_in_both_positions(backend, name, data, shapes):
    sa, sb = _operands(name, *shapes)
    a, b = data.draw(sa, label="a"), data.draw(sb, label="b")
    da, db = data.draw(st.sampled_from(FLOAT_DTYPES)), data.draw(st.sampled_from(FLOAT_DTYPES))
    f = getattr(fnp, name)
    expected = BINARY[name](a.astype(da), b.astype(db))
    assert_matches(backend, f(on(backend, a.astype(da)), on(backend, b.astype(db))), expected)
    check_float32_and_grads(f, [on(backend, a), on(backend, b)], order=2)
    # Mixed dtypes: each gradient in its own primal's dtype.
    ga, gb = fz.grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(
        on(backend, a.astype(np.float32)), on(backend, b)
    )
    assert (ga.dtype, gb.dtype) == (np.float32, np.float64)


def test_true_divide_is_divide():
    a, b = np.array([1.0, -3.0]), np.array([4.0, 2.0])
    np.testing.assert_array_equal(fnp.true_divide(a, b), a / b)
    np.testing.assert_array_equal(fz.grad(lambda y: fnp.sum(fnp.true_divide(a, y)))(b), -a / b**2)


# Constants an operator can meet on either side of a traced value.
CONSTANTS = {
    "python float": lambda shape: 1.5,
    "python int": lambda shape: 2,
    "0-d array": lambda shape: np.array(1.25),
    "numpy scalar": lambda shape: np.float64(0.75),
    "array": lambda shape: np.linspace(0.5, 1.5, shape[-1]) if shape else np.array(0.5),
    "row array": lambda shape: np.linspace(0.5, 1.5, 3).reshape(3, *(1,) * len(shape)),
}


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("constant", sorted(CONSTANTS))
@pytest.mark.parametrize("op", sorted(BINARY))
@with_backend
@given(data=st.data())
def test_operators_with_a_constant_on_either_side(backend, op, constant, side, data):
    x = data.draw(arrays(low=0.5, high=2.0), label="x")
    c = CONSTANTS[constant](x.shape)
    c = on(backend, c) if isinstance(c, np.ndarray) else c
    fop = BINARY[op]
    f = (lambda t: fop(c, t)) if side == "left" else (lambda t: fop(t, c))
    c_host = host(backend, c) if hasattr(c, "shape") and not isinstance(c, np.generic) else c
    expected = fop(c_host, x) if side == "left" else fop(x, c_host)
    assert_matches(backend, f(on(backend, x)), expected)
    check_float32_and_grads(lambda t: f(t), [on(backend, x)], order=2)


@pytest.mark.parametrize("op", [*BINARY.values(), operator.lt, operator.ge, operator.eq], ids=repr)
@pytest.mark.parametrize("scalar", [2.0, 3, True], ids=repr)
def test_python_scalars_are_weakly_typed(backend, op, scalar):
    x = backend.xp.asarray([0.5, 1.5], dtype=np.float32)

    def check(v):
        for out in (op(v, scalar), op(scalar, v)):
            assert out.dtype == (np.float32 if op in BINARY.values() else np.bool_)
        return fnp.sum(op(v, scalar) * 1.0 + op(scalar, v))

    g = fz.grad(check)(x)
    assert g.dtype == np.float32


def test_unary_minus_plus_and_abs_operators(backend):
    x = backend.xp.asarray([-1.5, 0.5, 2.0], dtype=np.float32)
    assert_matches(backend, -x, -host(backend, x))
    g = fz.grad(lambda v: fnp.sum(-v * 3.0 + (+v) + abs(v) * v))(x)
    assert g.dtype == np.float32
    xh = host(backend, x)
    np.testing.assert_allclose(host(backend, g), -3.0 + 1.0 + 2 * np.abs(xh))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@with_backend
@given(data=st.data(), shapes=broadcastable_shapes(2), swap=st.booleans())
def test_maximum_minimum_without_ties(backend, name, data, shapes, swap):
    # Grids offset by 0.25: never equal, never within reach of a finite-difference step.
    a = data.draw(on_grid(shapes[0], 0.0), label="a")
    b = data.draw(on_grid(shapes[1], 0.25), label="b")
    if swap:
        a, b = b, a
    f = getattr(fnp, name)
    for dtype in FLOAT_DTYPES:
        expected = getattr(np, name)(a.astype(dtype), b.astype(dtype))
        assert_matches(backend, f(on(backend, a.astype(dtype)), on(backend, b.astype(dtype))), expected)
    check_float32_and_grads(f, [on(backend, a), on(backend, b)], order=2)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_share_the_gradient(backend, name):
    x = backend.xp.asarray([1.0, 2.0, 3.0])
    y = backend.xp.asarray([1.0, 0.0, 5.0])
    f = getattr(fnp, name)
    gx, gy = fz.grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(x, y)
    winner_x = np.array([0.5, 1.0, 0.0]) if name == "maximum" else np.array([0.5, 0.0, 1.0])
    np.testing.assert_array_equal(host(backend, gx), winner_x)
    np.testing.assert_array_equal(host(backend, gy), 1.0 - winner_x)
    # f(x, x) = x: the two halves add back up to 1.
    np.testing.assert_array_equal(host(backend, fz.grad(lambda v: fnp.sum(f(v, v)))(x)), np.ones(3))
    # A Python scalar that ties: the array still gets only its half.
    g = fz.grad(lambda v: fnp.sum(f(v, 2.0)))(x)
    expected = [0.0, 0.5, 1.0] if name == "maximum" else [1.0, 0.5, 0.0]
    np.testing.assert_array_equal(host(backend, g), expected)


@with_backend
@given(data=st.data(), shapes=broadcastable_shapes(3), dtype=st.sampled_from(FLOAT_DTYPES))
def test_where_broadcasts_all_three_arguments(backend, data, shapes, dtype):
    c = data.draw(hnp.arrays(bool, shapes[0]), label="condition")
    x = data.draw(arrays(shapes[1]), label="x")
    y = data.draw(arrays(shapes[2]), label="y")
    cb = on(backend, c)
    out = fnp.where(cb, on(backend, x.astype(dtype)), on(backend, y.astype(dtype)))
    assert_matches(backend, out, np.where(c, x.astype(dtype), y.astype(dtype)))
    check_float32_and_grads(lambda x, y: fnp.where(cb, x, y), [on(backend, x), on(backend, y)], order=2)
    gx, gy = fz.grad(lambda x, y: fnp.sum(fnp.where(cb, x, y)), argnums=(0, 1))(
        on(backend, x.astype(dtype)), on(backend, y.astype(dtype))
    )
    full = np.broadcast_shapes(*shapes)
    expected_x = np.broadcast_to(c, full).astype(dtype)
    np.testing.assert_array_equal(host(backend, gx), _sum_to(expected_x, x.shape))
    np.testing.assert_array_equal(host(backend, gy), _sum_to(1 - expected_x, y.shape))


def _sum_to(x, shape):
    lead = x.ndim - len(shape)
    x = x.sum(axis=tuple(range(lead)))
    return x.sum(axis=tuple(i for i, d in enumerate(shape) if d == 1), keepdims=True).reshape(shape)


def test_where_with_python_scalars_keeps_float32(backend):
    x = backend.xp.asarray([-1.0, 2.0], dtype=np.float32)
    assert fnp.where(x > 0, x, 0.0).dtype == np.float32
    g = fz.grad(lambda v: fnp.sum(fnp.where(v > 0, v * v, 0.0)))(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(host(backend, g), [0.0, 4.0])


@with_backend
@given(data=st.data(), shapes=broadcastable_shapes(3), lo_none=st.booleans(), hi_none=st.booleans())
def test_clip_in_every_argument(backend, data, shapes, lo_none, hi_none):
    # x and the bounds on three offset grids: never tied (bounds may cross: NumPy allows it).
    x = data.draw(on_grid(shapes[0], 0.25), label="x")
    lo = None if lo_none else data.draw(on_grid(shapes[1], 0.0), label="lo")
    hi = None if hi_none and not lo_none else data.draw(on_grid(shapes[2], 0.125), label="hi")
    expected = np.clip(x, lo, hi)
    assert_matches(backend, fnp.clip(on(backend, x), _on(backend, lo), _on(backend, hi)), expected)
    traced = [a for a in (x, lo, hi) if a is not None]

    def f(*args):
        it = iter(args)
        return fnp.clip(next(it), None if lo is None else next(it), None if hi is None else next(it))

    check_float32_and_grads(f, [on(backend, a) for a in traced], order=2)


def _on(backend, x):
    return None if x is None else on(backend, x)


def test_clip_with_crossed_bounds_follows_its_value(backend):
    # NumPy's clip is minimum(maximum(x, lo), hi): with lo > hi every entry equals hi, so
    # only hi has a derivative.
    x = backend.xp.asarray([0.0, 2.0, 5.0])
    lo, hi = backend.xp.asarray(3.0), backend.xp.asarray(1.0)
    out = fnp.clip(x, lo, hi)
    np.testing.assert_array_equal(host(backend, out), np.clip([0.0, 2.0, 5.0], 3.0, 1.0))
    gx, glo, ghi = fz.grad(lambda x, lo, hi: fnp.sum(fnp.clip(x, lo, hi)), argnums=(0, 1, 2))(x, lo, hi)
    np.testing.assert_array_equal(host(backend, gx), [0.0, 0.0, 0.0])
    assert float(glo) == 0.0 and float(ghi) == 3.0


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="a_min"):
        fnp.clip(np.ones(2))


@pytest.mark.filterwarnings("ignore:divide by zero encountered in power")
@pytest.mark.parametrize("y", [0.0, 1.0, 2.0, 0.5])
def test_power_derivative_at_zero_base(y):
    # d/dx x**y at x = 0: y * 0**(y-1), with 0 for y == 0 (x**0 is constant), as JAX.
    g = fz.grad(lambda x: x**y)(0.0)
    assert float(g) == {0.0: 0.0, 1.0: 1.0, 2.0: 0.0, 0.5: np.inf}[y]
    # d/dy 0**y = 0 for y > 0 (JAX's convention for log(0) * 0).
    if y > 0:
        assert float(fz.grad(lambda p: 0.0**p)(y)) == 0.0


@given(x=away_from_zero((4,)), n=st.integers(-3, 4))
def test_power_with_integer_exponent_and_negative_base(x, n):
    np.testing.assert_allclose(fnp.power(x, n), x**n, rtol=1e-12)
    check_float32_and_grads(lambda v: v**n, [x], order=2)

"""Elementwise functions.

Against NumPy on each backend: values equal NumPy's, derivatives equal finite differences to
second order, gradients keep the primal's shape and dtype.

Against JAX (the oracle), JAX's elementwise extras (arctan2, hypot, logaddexp, sinc,
remainder, copysign, fmax, nan_to_num ...): values, gradients, forward mode, vmap, jit(grad)
and second derivatives equal JAX's in float64 over each function's domain, kinks and ties
included; float32 stays float32; argument names are JAX's. These skip where JAX is missing."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
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
from fnzero.core.primitive import Primitive
from tests.optional_jax import check_against_jax, jnp, needs_jax

SHAPE = (4,)
EXAMPLES = settings(max_examples=3, deadline=None)


def values(low: float, high: float, special: tuple = ()) -> st.SearchStrategy:
    """Floats in ``[low, high]``, often one of the ``special`` points (zeros, kinks, ties).
    Nonzero floats below 1e-3 in magnitude are left out: squares of them underflow, where the
    two libraries' formulas give 0 / 0 at different points."""
    floats = st.floats(low, high, allow_nan=False, allow_subnormal=False).filter(
        lambda v: v == 0 or abs(v) >= 1e-3
    )
    return st.one_of(st.sampled_from(special), floats) if special else floats


def signed(low: float, high: float) -> st.SearchStrategy:
    """Floats with magnitude in ``[low, high]`` and either sign (away from a pole at 0)."""
    return st.tuples(values(low, high), st.booleans()).map(lambda p: -p[0] if p[1] else p[0])


def arrays_of(elements: st.SearchStrategy, shape=SHAPE) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=elements)


# name -> (strategy of entries, highest derivative order JAX and fnzero both define there).
UNARY = {
    "arccosh": (values(1.05, 5.0, (2.0,)), 2),
    "arctanh": (values(-0.95, 0.95, (0.0, 0.5)), 2),
    "log2": (values(0.1, 10.0, (1.0, 8.0)), 2),
    "log10": (values(0.1, 10.0, (1.0, 100.0)), 2),
    "exp2": (values(-5.0, 5.0, (0.0, 3.0)), 2),
    "cbrt": (signed(0.1, 8.0), 2),
    # Exactly 0 (0 / 0 in the formula) or not tiny: JAX's derivative near 0 cancels badly.
    "sinc": (st.one_of(st.just(0.0), signed(0.01, 3.0), st.sampled_from((1.0, -1.0, 0.5))), 2),
    "reciprocal": (signed(0.2, 5.0), 2),
    "fabs": (signed(0.1, 5.0), 2),
    "deg2rad": (values(-400.0, 400.0), 2),
    "rad2deg": (values(-7.0, 7.0), 2),
    "positive": (values(-5.0, 5.0), 2),
    "trunc": (values(-5.0, 5.0, (-2.5, 0.0, 1.0)), 1),
    "rint": (values(-5.0, 5.0, (-2.25, 0.0, 1.25)), 1),
    "nan_to_num": (values(-5.0, 5.0, (np.nan, np.inf, -np.inf, 0.0)), 2),
    "real": (values(-5.0, 5.0), 2),
    "imag": (values(-5.0, 5.0), 2),
    "conj": (values(-5.0, 5.0), 2),
}

BINARY = {
    # Zeros in both: arctan2 and hypot at (0, 0), where JAX's choices are NaN and 1/2.
    "arctan2": (values(-3.0, 3.0, (0.0, 1.0)), values(-3.0, 3.0, (0.0, -1.0)), 2),
    "hypot": (values(-3.0, 3.0, (0.0, 3.0, -3.0)), values(-3.0, 3.0, (0.0, 4.0, 3.0)), 2),
    # Ties (x1 == x2), where the derivatives are 1/2 each and the second derivative smooth.
    "logaddexp": (values(-5.0, 5.0, (0.0, 1.0, -30.0)), values(-5.0, 5.0, (0.0, 1.0, 30.0)), 2),
    "logaddexp2": (values(-5.0, 5.0, (0.0, 1.0, -30.0)), values(-5.0, 5.0, (0.0, 1.0)), 2),
    "remainder": (values(-5.0, 5.0, (0.0, 2.0, -2.0, 5.5)), signed(0.5, 3.0), 2),
    "fmod": (values(-5.0, 5.0, (0.0, 2.0, -2.0, -5.5)), signed(0.5, 3.0), 2),
    "floor_divide": (values(-5.0, 5.0, (0.0, 2.5)), signed(0.5, 3.0), 1),
    # The sign of x1 at 0 (-0.0 included) and of x2 at +-0.0.
    "copysign": (values(-3.0, 3.0, (0.0, -0.0, 1.0)), values(-3.0, 3.0, (0.0, -0.0, -1.0)), 2),
    "heaviside": (values(-3.0, 3.0, (0.0, -0.0)), values(-3.0, 3.0, (0.5,)), 2),
    # Ties and NaNs: fmax and fmin ignore a NaN, and give the derivative at a tie to x2.
    "fmax": (values(-3.0, 3.0, (0.0, 1.0, np.nan)), values(-3.0, 3.0, (0.0, 1.0, np.nan)), 2),
    "fmin": (values(-3.0, 3.0, (0.0, 1.0, np.nan)), values(-3.0, 3.0, (0.0, 1.0, np.nan)), 2),
    "float_power": (values(0.2, 4.0, (1.0, 2.0)), values(-2.0, 2.0, (0.0, 2.0, 0.5)), 2),
}


def _pair(name: str):
    return getattr(fnp, name), getattr(jnp, name)


@needs_jax
@pytest.mark.parametrize("name", sorted(UNARY))
@EXAMPLES
@given(data=st.data())
def test_unary_agrees_with_jax(name, data):
    elements, order = UNARY[name]
    x = data.draw(arrays_of(elements), label="x")
    ours, theirs = _pair(name)
    check_against_jax(ours, theirs, x, order=order, jit=True)
    assert ours(x.astype(np.float32)).dtype == np.float32


@needs_jax
@pytest.mark.parametrize("name", sorted(BINARY))
@EXAMPLES
@given(data=st.data())
def test_binary_agrees_with_jax(name, data):
    first, second, order = BINARY[name]
    x = data.draw(arrays_of(first), label="x1")
    y = data.draw(arrays_of(second), label="x2")
    ours, theirs = _pair(name)
    if name == "hypot" and np.any(np.abs(x) == np.abs(y)):
        order = 1  # JAX's composite hypot has a wrong second derivative at |x1| == |x2| (below)
    check_against_jax(ours, theirs, x, y, order=order, jit=True)
    # Broadcasting: the value is NumPy's, each gradient has its operand's shape.
    a, b = x.reshape(2, 2), y[:2]
    np.testing.assert_allclose(ours(a, b), np.asarray(theirs(jnp.asarray(a), jnp.asarray(b))), rtol=1e-15)
    ga, gb = fz.grad(lambda a, b: fnp.sum(ours(a, b)), argnums=(0, 1))(a, b)
    assert ga.shape == a.shape and gb.shape == b.shape
    assert ours(x.astype(np.float32), y.astype(np.float32)).dtype == np.float32
    assert ours(x.astype(np.float32), 2.0).dtype == np.float32  # a Python scalar is weak


ALIASES = {
    "acos": "arccos",
    "asin": "arcsin",
    "atan": "arctan",
    "acosh": "arccosh",
    "asinh": "arcsinh",
    "atanh": "arctanh",
    "atan2": "arctan2",
    "pow": "power",
    "mod": "remainder",
    "absolute": "abs",
    "conjugate": "conj",
}


@needs_jax
@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_are_the_functions_they_name(alias):
    assert getattr(fnp, alias) is getattr(fnp, ALIASES[alias])
    assert alias in fnp.__all__ and hasattr(jnp, alias)


@needs_jax
def test_degrees_and_radians_are_rad2deg_and_deg2rad():
    x = np.array([-180.0, 0.0, 45.0, 720.0])
    np.testing.assert_array_equal(fnp.radians(x), np.radians(x))
    np.testing.assert_array_equal(fnp.degrees(x), np.degrees(x))
    assert fz.grad(lambda v: fnp.sum(fnp.degrees(v)))(x)[0] == pytest.approx(180 / np.pi)


@needs_jax
def test_hypot_second_derivative_is_smooth_at_ties():
    # d2/dx1^2 hypot = x2**2 / hypot**3: 9 / 18**1.5 at (3, 3). JAX's composite (built on
    # max and min, whose tie-splitting breaks its Hessian) gives about 0 there.
    h = fz.hessian(fnp.hypot)(3.0, 3.0)
    assert h == pytest.approx(9 / 18**1.5, rel=1e-12)
    assert fz.hessian(fnp.hypot)(3.0, 2.999999) == pytest.approx(h, rel=1e-5)
    assert fz.grad(fnp.hypot, argnums=(0, 1))(0.0, 0.0) == (0.5, 0.5)  # JAX's choice at the origin


NOT_OURS = {"out", "where", "device", "order", "out_sharding", "args"}


def _parameters(f) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(f).parameters.values() if p.name not in NOT_OURS]


@needs_jax
@pytest.mark.parametrize(
    "name", sorted(set(UNARY) | set(BINARY) | {"isclose", "allclose", "array_equal", "where", "signbit"})
)
def test_argument_names_are_jax_s(name):
    ours, theirs = _pair(name)
    jax_params = _parameters(theirs)
    if isinstance(ours, Primitive):
        # Called positionally only: JAX's parameters must be positional-only for names not to matter.
        assert all(p.kind is p.POSITIONAL_ONLY for p in jax_params) or name in {"logaddexp", "logaddexp2"}
        return
    assert [(p.name, p.kind) for p in _parameters(ours)] == [(p.name, p.kind) for p in jax_params]


@needs_jax
def test_where_with_the_condition_alone_gives_the_indices():
    c = np.array([[True, False], [False, True]])
    for ours, expected in zip(fnp.where(c), np.nonzero(c)):
        np.testing.assert_array_equal(ours, expected)
    rows, cols = fnp.where(c, size=3, fill_value=-1)
    np.testing.assert_array_equal(rows, [0, 1, -1])
    np.testing.assert_array_equal(cols, [0, 1, -1])
    (first,) = fnp.where(np.array([0.0, 2.0, 3.0]), size=1)
    np.testing.assert_array_equal(first, [1])
    # On a traced condition: indices read from its value, the derivative flows through x.
    g = fz.grad(lambda x: fnp.sum(x[fnp.where(x > 0)]))(np.array([-1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0])


@needs_jax
def test_where_refuses_half_a_selection():
    with pytest.raises(ValueError, match="got x alone"):
        fnp.where(np.array([True]), 1.0)
    with pytest.raises(ValueError, match="size and fill_value"):
        fnp.where(np.array([True]), 1.0, 2.0, size=2)
    with pytest.raises(ValueError, match="size must be"):
        fnp.where(np.array([True]), size=-1)


@needs_jax
def test_closeness_and_equality_are_jax_s():
    a = np.array([1.0, np.nan, 3.0, 1e-9])
    b = np.array([1.0 + 1e-6, np.nan, 3.1, 0.0])
    for equal_nan in (False, True):
        np.testing.assert_array_equal(
            fnp.isclose(a, b, equal_nan=equal_nan), jnp.isclose(a, b, equal_nan=equal_nan)
        )
        assert bool(fnp.allclose(a[[0, 1, 3]], b[[0, 1, 3]], equal_nan=equal_nan)) == equal_nan
        assert bool(fnp.array_equal(a, a, equal_nan=equal_nan)) == equal_nan
    assert bool(fnp.allclose(a[:1], b[:1], rtol=0, atol=1e-5))
    assert not bool(fnp.allclose(a[:1], b[:1], rtol=0, atol=1e-7))
    assert not bool(fnp.array_equal(a, a[:2]))  # shapes differ
    assert bool(fnp.array_equal(np.arange(3), [0, 1, 2]))


@needs_jax
def test_closeness_under_vmap_and_jit_is_per_example():
    a = np.array([[1.0, 2.0], [1.0, 2.5]])
    b = np.array([1.0, 2.0])
    np.testing.assert_array_equal(fz.vmap(fnp.allclose, in_axes=(0, None))(a, b), [True, False])
    np.testing.assert_array_equal(fz.vmap(fnp.array_equal)(a, a[::-1]), [False, False])
    np.testing.assert_array_equal(fz.vmap(fnp.array_equal)(a, a), [True, True])
    np.testing.assert_array_equal(fz.vmap(fnp.isclose)(a, a + 1e-9), np.ones((2, 2), bool))
    assert bool(fz.jit(fnp.allclose)(a, a)) and not bool(fz.jit(fnp.allclose)(a, a + 1))
    # Inside grad the tests read values (no derivative) and the rest differentiates.
    g = fz.grad(lambda x: fnp.sum(x) * fnp.allclose(x, b))(b)
    np.testing.assert_array_equal(g, [1.0, 1.0])


@needs_jax
def test_piecewise_constant_functions_keep_values_and_dtypes():
    x = np.array([-2.5, -0.0, 0.5, 1.5, 2.5])
    for name in ("trunc", "rint", "signbit"):
        np.testing.assert_array_equal(getattr(fnp, name)(x), getattr(np, name)(x))
    np.testing.assert_array_equal(fnp.floor_divide(x, 2.0), np.floor_divide(x, 2.0))
    np.testing.assert_array_equal(fnp.bitwise_count(np.array([0, 7, 255], np.uint8)), [0, 3, 8])


@needs_jax
def test_integer_inputs_become_float64_as_in_jax():
    i = np.array([1, 2, 4])
    for name in ("reciprocal", "fabs", "deg2rad", "rad2deg", "log2", "exp2", "cbrt", "sinc"):
        assert getattr(fnp, name)(i).dtype == getattr(jnp, name)(i).dtype == np.float64, name
    assert fnp.float_power(i, 2).dtype == np.float64
    assert fnp.heaviside(i - 2, 0.5).dtype == np.float64
    np.testing.assert_array_equal(fnp.heaviside(i - 2, 0.5), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(fnp.positive(i), i)
    np.testing.assert_array_equal(fnp.nan_to_num(i), i)


@needs_jax
def test_nan_to_num_takes_replacements():
    x = np.array([np.nan, np.inf, -np.inf, 1.0], np.float32)
    out = fnp.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [-1.0, 9.0, -9.0, 1.0])
    np.testing.assert_array_equal(fnp.nan_to_num(x), np.nan_to_num(x))


@needs_jax
def test_complex_traced_values_are_refused():
    z = np.array([1 + 2j])
    np.testing.assert_array_equal(fnp.real(z), [1.0])
    np.testing.assert_array_equal(fnp.imag(z), [2.0])
    np.testing.assert_array_equal(fnp.conj(z), [1 - 2j])
    with pytest.raises(NotImplementedError, match="complex traced"):
        fz.jit(fnp.real)(z)


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

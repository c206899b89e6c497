"""The modified Bessel functions i0, i0e, i1, i1e: against jax.scipy.special (values, grad,
jvp, vmap, jit(grad), second derivatives, in float64, across the split at |x| = 8 and at 0),
against reference values (mpmath, 30 digits) and numpy.i0, in float32, and at the edges."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.scipy import special
from tests.jax_oracle import check_against_jax

jss = pytest.importorskip("jax.scipy.special")
jnp = pytest.importorskip("jax.numpy")

X = np.array([[-30.0, -9.0, -2.7, 0.0], [0.3, 7.5, 8.5, 52.0]])
# JAX's i0 and i1 are exp(|x|) times i0e, i1e, with |x|'s derivative taken as 1 at 0: their
# derivatives are off there (JAX's i0'(0) = 1, i0''(0) = 1.5; the true ones are 0 and 1/2). The
# derivatives at 0 are checked against the recurrences below instead.
X_OFF_ZERO = np.where(X == 0, 0.01, X)
NAMES = ["i0", "i0e", "i1", "i1e"]

# x, I0(x), I1(x) from mpmath at 30 digits.
REFERENCE = np.array(
    [
        [0.001, 1.000000250000015625, 0.00050000006250000260417],
        [0.5, 1.0634833707413235193, 0.25789430539089631636],
        [3.75, 9.1189458608445666907, 7.780015229824415865],
        [7.99, 423.58420367467360153, 396.11522620740119167],
        [8.25, 540.32507907480697909, 506.43383830764546706],
        [21.5, 188195380.4805534433, 183765294.5659708418],
        [160.0, 9.6896376989571935536e67, 9.6593099698337051884e67],
        [705.0, 2.2620505526554725018e304, 2.2604456917770570022e304],
    ]
)


@pytest.mark.parametrize("name", NAMES)
def test_agrees_with_jax_to_second_order(name):
    x = X if name.endswith("e") else X_OFF_ZERO
    check_against_jax(getattr(special, name), getattr(jss, name), x, order=2, jit=True)


def test_numpy_i0_is_jax_numpys():
    check_against_jax(fnp.i0, jnp.i0, X_OFF_ZERO[:, :3], vmap=False)
    assert list(inspect.signature(fnp.i0).parameters) == list(inspect.signature(jnp.i0).parameters)


def test_values_to_a_few_ulps():
    x, i0, i1 = REFERENCE.T
    x = np.concatenate([x, -x])
    i0, i1 = np.concatenate([i0, i0]), np.concatenate([i1, -i1])
    scale = np.exp(-np.abs(x))
    for ours, reference in [
        (special.i0(x), i0),
        (special.i1(x), i1),
        (special.i0e(x), i0 * scale),
        (special.i1e(x), i1 * scale),
    ]:
        np.testing.assert_allclose(ours, reference, rtol=1e-15, atol=0)
    grid = np.linspace(-700, 700, 2801)
    np.testing.assert_allclose(fnp.i0(grid), np.i0(grid), rtol=2e-15, atol=0)


def test_derivatives_are_the_recurrences():
    x = np.array([-3.0, 0.0, 1e-9, 2.5, 8.0, 40.0])
    np.testing.assert_allclose(fz.vmap(fz.grad(special.i0))(x), special.i1(x), rtol=1e-15)
    d1 = np.asarray(fz.vmap(fz.grad(special.i1))(x))
    assert d1[1] == 0.5
    y = x[x != 0]
    np.testing.assert_allclose(d1[x != 0], special.i0(y) - special.i1(y) / y, rtol=1e-14)
    assert fz.grad(fz.grad(special.i0))(0.0) == 0.5  # I0''(0) = 1/2
    assert fz.grad(fz.grad(special.i1))(0.0) == 0.0  # I1 is odd
    assert fz.grad(special.i0e)(0.0) == 0.0 and fz.grad(fz.grad(special.i0e))(0.0) == 0.5  # as JAX's
    # I1''(x) near 0 (mpmath): i0 - i1 / x would cancel there (JAX's is off by 4e-4 at 1e-6).
    second = fz.vmap(fz.grad(fz.grad(special.i1)))(np.array([1e-6, 1e-3, -0.3]))
    reference = [3.750000000000521e-07, 3.750000520833356e-04, -0.11391179780033126]
    np.testing.assert_allclose(second, reference, rtol=1e-14)
    with np.errstate(over="ignore"):
        assert fz.grad(special.i1)(800.0) == np.inf  # the true derivative overflows, as i1 does
    assert np.isfinite(fz.grad(special.i1e)(800.0)) and fz.grad(special.i1e)(800.0) < 0


def test_edges():
    x = np.array([-np.inf, -800.0, 713.9, 714.0, np.inf, np.nan])
    np.testing.assert_array_equal(special.i0(x)[[0, 1, 3, 4]], np.inf)
    assert np.isfinite(special.i0(713.9)) and np.isfinite(special.i1(713.9))
    np.testing.assert_array_equal(special.i1(x)[[0, 1, 3, 4]], [-np.inf, -np.inf, np.inf, np.inf])
    np.testing.assert_array_equal(special.i0e(x)[[0, 4]], 0.0)
    np.testing.assert_array_equal(special.i1e(x)[[0, 4]], 0.0)
    assert all(np.isnan(getattr(special, n)(x)[5]) for n in NAMES)
    assert special.i0(0.0) == 1 and special.i1(0.0) == 0 and special.i1(-1e-300) == -5e-301


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name):
    f = getattr(special, name)
    x = np.array([-9.0, 0.05, 3.0, 20.0], dtype=np.float32)
    out = f(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, f(x.astype(np.float64)), rtol=2e-7)
    assert fz.grad(lambda v: f(v).sum())(x).dtype == np.float32
    assert f(np.arange(3)).dtype == np.float64


def test_complex_input_is_refused():
    with pytest.raises(TypeError, match=r"i0: x must be a real array; got dtype complex128"):
        fnp.i0(np.array([1j]))

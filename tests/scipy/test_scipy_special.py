"""fnzero.scipy.special and fnzero.scipy.stats.norm against jax.scipy (values, grad, jvp, vmap,
jit(grad), second derivatives, in float64), against Python's math module where JAX itself is
less accurate, in float32, and with JAX's names and argument names."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import fnzero as fz
from fnzero.scipy import special
from fnzero.scipy.stats import norm
from tests.jax_oracle import check_against_jax

jss = pytest.importorskip("jax.scipy.special")
jnorm = pytest.importorskip("jax.scipy.stats.norm")

REAL = np.array([[-2.7, -1.1, -0.3, 0.0], [0.2, 0.9, 1.6, 3.1]])
POSITIVE = np.array([[0.05, 0.4, 0.99, 1.0], [1.5, 2.0, 7.3, 31.0]])
NEGATIVE = np.array([-0.5, -1.7, -3.25, -6.9])  # non-integers below 0 (reflection formulas)
EULER = 0.57721566490153286061
ZETA = (1.6449340668482264365, 1.2020569031595942854, 1.0823232337111381915)  # zeta(2), zeta(3), zeta(4)
OPEN_UNIT = np.array([[1e-9, 0.02, 0.3, 0.5], [0.61, 0.9, 0.999, 1 - 1e-7]])

UNARY = [
    ("erf", REAL),
    ("erfc", REAL),
    ("erfinv", OPEN_UNIT * 1.96 - 0.98),
    ("ndtr", REAL * 3),
    ("ndtri", OPEN_UNIT),
    ("log_ndtr", np.array([-6.2, -1.5, -0.99, 0.0, 2.2, 5.0])),  # JAX's derivative is off below -20
    ("gammaln", POSITIVE),
    ("gammaln", NEGATIVE),
    ("digamma", POSITIVE),
    ("digamma", NEGATIVE),
    ("gamma", np.array([0.3, 1.7, 4.5, 11.2, -0.5, -2.3])),
    ("expit", REAL * 5),
    ("logit", OPEN_UNIT[:, 1:-1]),
    ("entr", POSITIVE),
]


@pytest.mark.parametrize("name, x", UNARY, ids=[f"{n}{k}" for k, (n, _) in enumerate(UNARY)])
def test_unary_functions_agree_with_jax(name, x):
    check_against_jax(getattr(special, name), getattr(jss, name), x, order=2, jit=True)


def test_polygamma_agrees_with_jax_for_positive_x():
    check_against_jax(lambda x: special.polygamma(1, x), lambda x: jss.polygamma(1, x), POSITIVE, order=2)
    n = np.array([0, 1, 2, 3])
    np.testing.assert_allclose(special.polygamma(n, POSITIVE), jss.polygamma(n, POSITIVE), rtol=1e-12)


def test_trigamma_below_zero_is_the_derivative_of_digamma():
    # JAX's polygamma is wrong below 0 (jax.scipy.special.polygamma(1, -8.573) < 0); the reflection
    # formula here matches a central difference of digamma.
    h = 1e-6
    numeric = (np.asarray(special.digamma(NEGATIVE + h)) - np.asarray(special.digamma(NEGATIVE - h))) / (
        2 * h
    )
    np.testing.assert_allclose(special.polygamma(1, NEGATIVE), numeric, rtol=1e-7)
    np.testing.assert_allclose(fz.grad(special.digamma)(-2.3), special.polygamma(1, -2.3), rtol=1e-15)


@pytest.mark.parametrize(
    "name, x, y",
    [
        ("xlogy", np.array([0.0, 0.5, 2.0, 3.0]), np.array([0.7, 0.1, 3.0, 0.2])),
        ("xlog1py", np.array([0.0, 0.5, 2.0, 3.0]), np.array([0.7, -0.5, 3.0, 0.2])),
        ("betaln", np.array([0.3, 1.2, 4.0, 0.02, 2.0]), np.array([0.7, 2.5, 3.0, 2.0, 7.5])),
        ("beta", np.array([0.3, 1.2, 4.0, 0.02]), np.array([0.7, 2.5, 3.0, 2.0])),
    ],
)
def test_binary_functions_agree_with_jax(name, x, y):
    check_against_jax(getattr(special, name), getattr(jss, name), x, y, order=2, jit=True)


def test_xlogy_is_zero_where_x_is_zero_with_a_zero_gradient():
    assert special.xlogy(0.0, 0.0) == 0 and special.xlog1py(0.0, -1.0) == 0
    assert fz.grad(special.xlogy, argnums=1)(0.0, 0.0) == 0


def test_logsumexp_and_softmax_agree_with_jax():
    a = REAL
    b = np.array([[1.0, -2.0, 0.5, 1.0], [0.0, 1.0, 2.0, -0.1]])
    check_against_jax(lambda a: special.logsumexp(a, axis=1), lambda a: jss.logsumexp(a, axis=1), a, order=2)
    check_against_jax(
        lambda a, b: special.logsumexp(a, axis=0, b=b, return_sign=True),
        lambda a, b: jss.logsumexp(a, axis=0, b=b, return_sign=True),
        a,
        b,
        argnums=(0,),
        vmap=False,
    )
    check_against_jax(lambda x: special.softmax(x, axis=1), lambda x: jss.softmax(x, axis=1), a, order=2)
    check_against_jax(special.softmax, jss.softmax, a, jit=True)
    check_against_jax(lambda x: special.log_softmax(x, axis=0), lambda x: jss.log_softmax(x, axis=0), a)


@pytest.mark.parametrize("name", ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"])
def test_norm_densities_and_distribution_functions_agree_with_jax(name):
    x = REAL * 2
    loc = np.array([0.5, -1.0, 0.0, 2.0])
    scale = np.array([1.5, 0.3, 1.0, 2.0])
    check_against_jax(getattr(norm, name), getattr(jnorm, name), x, loc, scale, order=2, jit=True)


@pytest.mark.parametrize("name", ["ppf", "isf"])
def test_norm_quantiles_agree_with_jax(name):
    q = OPEN_UNIT[:, 1:-1]  # JAX's isf forms 1 - q, which loses digits at the ends
    check_against_jax(getattr(norm, name), getattr(jnorm, name), q, 1.5, 0.7, order=2, jit=True)


def _max_rel(ours, reference) -> float:
    ours, reference = np.asarray(ours, dtype=float), np.asarray(reference, dtype=float)
    return float(np.max(np.abs(ours - reference) / np.abs(reference)))


def test_accuracy_against_pythons_math_module():
    x = np.linspace(-6, 6, 1201)
    assert _max_rel(special.erf(x[x != 0]), [math.erf(v) for v in x[x != 0]]) < 1e-15
    x = np.linspace(-6, 27, 1201)  # erfc(27) ~ 5e-319: relative accuracy deep in the tail
    assert _max_rel(special.erfc(x), [math.erfc(v) for v in x]) < 2e-15
    x = np.concatenate([np.linspace(0.01, 0.8, 300), np.linspace(2.5, 40, 300), np.geomspace(40, 1e300, 50)])
    assert _max_rel(special.gammaln(x), [math.lgamma(v) for v in x]) < 1e-14
    x = np.linspace(-9.95, -0.05, 300) + 0.0123  # absolute accuracy near the zeros -2.457 and -2.747
    np.testing.assert_allclose(special.gammaln(x), [math.lgamma(v) for v in x], rtol=2e-14, atol=1e-14)
    for step in (-3.3e-5, 1e-4, -1e-7):  # near the zeros 1 and 2 (libm's lgamma is off by 1e-11 there)
        for zero, first in ((1.0, -EULER), (2.0, 1 - EULER)):
            x = zero + step
            z = x - zero  # exact
            shift = zero - 1  # lgamma(2 + z)'s series has zeta(k) - 1 where lgamma(1 + z)'s has zeta(k)
            series = first * z + sum((-1) ** k * (c - shift) / k * z**k for k, c in zip((2, 3, 4), ZETA))
            assert _max_rel(special.gammaln(x), series) < 1e-15
    x = np.linspace(-37, 6, 1001)  # JAX's log_ndtr is off by 6e-8 near x = 6
    reference = [
        math.log(math.erfc(-v / math.sqrt(2)) / 2) if v < 0 else math.log1p(-math.erfc(v / math.sqrt(2)) / 2)
        for v in x
    ]
    assert _max_rel(special.log_ndtr(x), reference) < 1e-14
    # JAX's betaln is off in the 8th digit here; the lgamma sums have little cancellation.
    a = np.array([10.0, 4.0, 9.5, 30.0])
    b = np.array([0.4124626382901352, 11.0, 30.0, 12.5])
    reference = [math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v) for u, v in zip(a, b)]
    assert _max_rel(special.betaln(a, b), reference) < 3e-14
    x = np.array([-35.0, -21.0, -6.2])  # log_ndtr's derivative, pdf / cdf, deep in the lower tail
    reference = [
        math.exp(-v * v / 2) / math.sqrt(2 * math.pi) / (math.erfc(-v / math.sqrt(2)) / 2) for v in x
    ]
    assert _max_rel(fz.vmap(fz.grad(special.log_ndtr))(x), reference) < 1e-12


def test_inverses_round_trip():
    y = np.linspace(-0.999, 0.999, 999)
    assert _max_rel([math.erf(v) for v in np.asarray(special.erfinv(y))], y) < 2e-15
    np.testing.assert_allclose(
        special.erfinv(np.array([1e-30, 1 - 1e-15])), jss.erfinv(np.array([1e-30, 1 - 1e-15]))
    )
    p = np.geomspace(1e-300, 0.5, 400)
    q = np.asarray(special.ndtri(p))
    assert _max_rel([math.erfc(-v / math.sqrt(2)) / 2 for v in q], p) < 1e-12  # cond. number ~ q**2


def test_edges_and_poles():
    edges = np.array([np.nan, -np.inf, np.inf, 0.5, -0.5, 4.0, 10.0])
    erf = [np.nan, -1, 1, *(math.erf(v) for v in edges[3:])]
    np.testing.assert_allclose(special.erf(edges), erf, rtol=2e-15, atol=0)
    erfc = [np.nan, 2, 0, *(math.erfc(v) for v in edges[3:])]
    np.testing.assert_allclose(special.erfc(edges), erfc, rtol=2e-15, atol=0)
    assert special.erf(np.float64(0.25)) == pytest.approx(math.erf(0.25), rel=1e-15)
    assert special.erfc(np.array(3.0)).shape == ()
    np.testing.assert_array_equal(special.erfinv(np.array([-1.0, 1.0])), [-np.inf, np.inf])
    assert np.isnan(special.erfinv(1.5))
    np.testing.assert_array_equal(special.ndtri(np.array([0.0, 1.0])), [-np.inf, np.inf])
    np.testing.assert_array_equal(special.gammaln(np.array([0.0, -1.0, -4.0])), np.inf)
    assert np.all(np.isnan(special.digamma(np.array([0.0, -3.0]))))
    assert np.isfinite(special.log_ndtr(-1e3)) and special.log_ndtr(-1e3) < -5e5
    assert special.betaln(1e-3, 1e5) == pytest.approx(float(jss.betaln(1e-3, 1e5)), rel=1e-13)


FLOAT32 = [
    "erf",
    "erfc",
    "erfinv",
    "ndtr",
    "ndtri",
    "log_ndtr",
    "gammaln",
    "digamma",
    "expit",
    "logit",
    "entr",
]


@pytest.mark.parametrize("name", FLOAT32)
def test_float32_in_float32_out(name):
    x = np.array([0.05, 0.3, 0.62, 0.9], dtype=np.float32)
    out = getattr(special, name)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, getattr(special, name)(x.astype(np.float64)), rtol=2e-6)
    assert fz.grad(lambda v: getattr(special, name)(v).sum())(x).dtype == np.float32


def test_float32_through_the_binary_functions_and_norm():
    x = np.array([0.5, 1.5], dtype=np.float32)
    for out in (special.betaln(x, x), special.xlogy(x, x), norm.cdf(x), norm.logpdf(x), norm.ppf(x / 2)):
        assert out.dtype == np.float32


def test_integers_give_float64():
    assert special.erf(np.arange(3)).dtype == np.float64
    assert special.ndtr(np.arange(3)).dtype == np.float64
    assert special.gammaln(np.arange(1, 4)).dtype == np.float64


def test_names_and_argument_names_match_jax():
    for name in special.__all__:
        ours = list(inspect.signature(getattr(special, name)).parameters)
        theirs = list(inspect.signature(getattr(jss, name)).parameters)
        assert ours == theirs, name
    for name in norm.__all__:
        assert list(inspect.signature(getattr(norm, name)).parameters) == list(
            inspect.signature(getattr(jnorm, name)).parameters
        ), name


def test_bad_inputs_raise_naming_the_argument():
    with pytest.raises(TypeError, match=r"erf: x must be a real array; got dtype complex128"):
        special.erf(np.array([1j]))
    with pytest.raises(ValueError, match=r"polygamma: n must hold non-negative integers; got \[-1.0\]"):
        special.polygamma(-1.0, 2.0)
    with pytest.raises(ValueError, match=r"polygamma: n must hold non-negative integers"):
        special.polygamma(1.5, 2.0)
    with pytest.raises(TypeError, match="series_order must be an int"):
        special.log_ndtr(1.0, series_order=1.5)
    with pytest.raises(ValueError, match=r"series_order must be in \[0, 30\]"):
        special.log_ndtr(1.0, series_order=31)
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        special.softmax(REAL, axis=3)

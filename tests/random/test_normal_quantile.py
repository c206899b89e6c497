"""The inverse normal distribution function behind truncated_normal: JAX's ndtri is the oracle,
in the central region, both tails and the far tail; and truncated_normal's numbers for a
given key stay what they were (golden values, recorded before the in-place rewrite)."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero.random as fr
from fnzero.nn import initializers
from fnzero.random.normal_quantile import normal_quantile

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
from jax.scipy.special import ndtri  # noqa: E402


@pytest.mark.parametrize(
    "p",
    [
        np.linspace(0.075, 0.925, 1001),  # central
        10.0 ** -np.linspace(1.2, 10.8, 500),  # lower tail, r <= 5
        1 - 10.0 ** -np.linspace(1.2, 15.5, 500),  # upper tail
        10.0 ** -np.linspace(11, 307, 500),  # far tail, r > 5
        np.array([np.finfo(np.float64).tiny, 0.5, np.exp(-25.0), np.nextafter(0.075, 0), 1 - 2**-53]),
    ],
    ids=["central", "lower", "upper", "far", "edges"],
)
def test_normal_quantile_agrees_with_jax_ndtri(p):
    got = normal_quantile(p)
    assert got.dtype == np.float64 and got.shape == p.shape
    np.testing.assert_allclose(got, np.asarray(ndtri(p)), rtol=1e-13, atol=1e-15)


def test_normal_quantile_keeps_the_shape_of_p():
    p = np.random.default_rng(0).random((3, 4, 5))
    np.testing.assert_array_equal(normal_quantile(p), normal_quantile(p.ravel()).reshape(3, 4, 5))


@pytest.mark.parametrize(
    ("seed", "lo", "hi", "expected"),
    [
        (0, -2.0, 2.0, [-0.1963507917854202, -0.4590091437176352, -0.2584702139143564, 0.5571815133571395]),
        (1, 8.0, 9.0, [8.258754316114604, 8.16481823927518, 8.096073779478813]),
        (2, -np.inf, -30.0, [-30.028553806120154, -30.005043195592325, -30.03470833124055]),
    ],
)
def test_truncated_normal_numbers_per_key_are_unchanged(seed, lo, hi, expected):
    got = fr.truncated_normal(fr.key(seed), lo, hi, (len(expected),), np.float64)
    assert got.tolist() == expected


def test_truncated_normal_initializer_is_the_scaled_sample():
    init = initializers.variance_scaling(2.0, "fan_in", "truncated_normal")
    w = init(fr.key(5), (300, 7))
    sample = fr.truncated_normal(fr.key(5), -2.0, 2.0, (300, 7), np.float32)
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w, sample * np.float32(np.sqrt(2.0 / 300) / 0.87962566103423978))

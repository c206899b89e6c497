"""The samplers JAX has beyond uniform and normal: moments of 20,000 draws within 6 standard
errors (fixed keys, so a pass is a pass every run), Kolmogorov-Smirnov distances, the shape and
dtype contract, one key's determinism, vmap over keys (row b is what key b gives alone), and
clear errors for bad parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fnzero as fz
import fnzero.random as fr

stats = pytest.importorskip("scipy.stats")

N = 20_000
KEY = fr.key(1234)


def _assert_moments(x, mean, var):
    """Sample mean and variance within 6 standard errors (the variance's error estimated from the
    sample's fourth moment)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    assert abs(x.mean() - mean) < 6 * math.sqrt(var / n), (x.mean(), mean)
    centered = (x - x.mean()) ** 2
    assert abs(centered.mean() - var) < 6 * centered.std() / math.sqrt(n), (centered.mean(), var)


CONTINUOUS = {
    "gumbel": (lambda k, s, d: fr.gumbel(k, s, d), np.euler_gamma, math.pi**2 / 6, stats.gumbel_r.cdf),
    "exponential": (lambda k, s, d: fr.exponential(k, s, d), 1.0, 1.0, stats.expon.cdf),
    "laplace": (lambda k, s, d: fr.laplace(k, s, d), 0.0, 2.0, stats.laplace.cdf),
    "logistic": (lambda k, s, d: fr.logistic(k, s, d), 0.0, math.pi**2 / 3, stats.logistic.cdf),
    "gamma_0.3": (lambda k, s, d: fr.gamma(k, 0.3, s, d), 0.3, 0.3, stats.gamma(0.3).cdf),
    "gamma_1": (lambda k, s, d: fr.gamma(k, 1.0, s, d), 1.0, 1.0, stats.gamma(1.0).cdf),
    "gamma_7.5": (lambda k, s, d: fr.gamma(k, 7.5, s, d), 7.5, 7.5, stats.gamma(7.5).cdf),
    "beta_2_3": (lambda k, s, d: fr.beta(k, 2.0, 3.0, s, d), 0.4, 0.04, stats.beta(2, 3).cdf),
    "beta_0.2_0.5": (
        lambda k, s, d: fr.beta(k, 0.2, 0.5, s, d),
        0.2 / 0.7,
        0.1 / (0.49 * 1.7),
        stats.beta(0.2, 0.5).cdf,
    ),
}


@pytest.mark.parametrize("name", CONTINUOUS)
def test_continuous_moments_and_distribution(name):
    sample, mean, var, cdf = CONTINUOUS[name]
    x = sample(KEY, (N,), np.float64)
    _assert_moments(x, mean, var)
    assert stats.kstest(x, cdf).pvalue > 1e-6


@pytest.mark.parametrize("name", CONTINUOUS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_shape_dtype_determinism_and_keys(name, dtype):
    sample = CONTINUOUS[name][0]
    x = sample(KEY, (3, 4), dtype)
    assert x.shape == (3, 4) and x.dtype == dtype and np.all(np.isfinite(x))
    np.testing.assert_array_equal(x, sample(KEY, (3, 4), dtype))
    assert not np.array_equal(x, sample(fr.key(99), (3, 4), dtype))


def test_gamma_tiny_shape_stays_positive_in_logs_and_beta_has_no_nan():
    g = fr.gamma(KEY, 1e-3, (1000,), np.float64)
    assert np.all(g >= 0) and np.isfinite(g).all()
    b = fr.beta(KEY, 1e-3, 1e-3, (1000,), np.float64)
    assert np.all((b >= 0) & (b <= 1))
    # Beta(eps, eps) puts almost all mass near 0 and 1, half each.
    assert abs(np.mean(b > 0.5) - 0.5) < 6 * math.sqrt(0.25 / 1000)


def test_gamma_and_beta_broadcast_their_parameters():
    a = np.array([[0.5], [2.0], [9.0]])
    g = fr.gamma(KEY, a, (3, 5000), np.float64)
    assert g.shape == (3, 5000)
    for row, shape in zip(g, a[:, 0]):
        _assert_moments(row, shape, shape)
    assert fr.gamma(KEY, np.ones(4)).shape == (4,)
    assert fr.beta(KEY, np.ones(2), np.ones((3, 1))).shape == (3, 2)


@pytest.mark.parametrize("lam", [0.0, 0.7, 4.0, 9.9, 10.0, 37.0, 1e4])
def test_poisson_moments(lam):
    x = fr.poisson(KEY, lam, (N,))
    assert x.dtype == np.int32 and x.shape == (N,) and np.all(x >= 0)
    if lam == 0:
        assert np.all(x == 0)
        return
    _assert_moments(x, lam, lam)
    # The probabilities of the commonest values, each within 6 standard errors.
    for k in np.unique(x)[:: max(1, len(np.unique(x)) // 5)]:
        p = stats.poisson(lam).pmf(k)
        assert abs(np.mean(x == k) - p) < 6 * math.sqrt(p * (1 - p) / N) + 1e-4, k


def test_poisson_broadcasts_rates_and_takes_dtype():
    lam = np.array([1.0, 50.0])
    x = fr.poisson(KEY, lam, (N, 2), dtype=np.int64)
    assert x.dtype == np.int64
    for col, rate in zip(x.T, lam):
        _assert_moments(col, rate, rate)


def test_categorical_frequencies_axis_and_shape():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    draws = fr.categorical(KEY, np.log(p), shape=(N,))
    assert draws.dtype == np.int32 and draws.shape == (N,)
    freq = np.bincount(draws, minlength=4) / N
    assert np.all(np.abs(freq - p) < 6 * np.sqrt(p * (1 - p) / N))
    # Two distributions along axis 0, with -inf excluding a category.
    with np.errstate(divide="ignore"):
        logits = np.log(np.array([[0.5, 0.0], [0.5, 0.5], [0.0, 0.5]]))
    d = fr.categorical(KEY, logits, axis=0, shape=(N, 2))
    assert d.shape == (N, 2)
    assert set(np.unique(d[:, 0])) == {0, 1} and set(np.unique(d[:, 1])) == {1, 2}
    assert abs(np.mean(d[:, 0] == 0) - 0.5) < 6 * math.sqrt(0.25 / N)
    assert fr.categorical(KEY, np.zeros((3, 5))).shape == (3,)


def test_categorical_without_replacement_draws_distinct_categories():
    logits = np.log(np.array([[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]]))
    d = fr.categorical(KEY, logits, shape=(4, 2), replace=False)
    assert d.shape == (4, 2)
    for col in d.T:
        assert sorted(col) == [0, 1, 2, 3]
    first = np.array(
        [fr.categorical(k, logits[0], shape=(2,), replace=False)[0] for k in fr.split(KEY, 2000)]
    )
    assert abs(np.mean(first == 0) - 0.7) < 6 * math.sqrt(0.21 / 2000)
    with pytest.raises(ValueError, match="without replacement"):
        fr.categorical(KEY, logits, shape=(5, 2), replace=False)


def test_dirichlet_moments_and_shape():
    alpha = np.array([0.5, 2.0, 3.5])
    x = fr.dirichlet(KEY, alpha, (N,), np.float64)
    assert x.shape == (N, 3)
    np.testing.assert_allclose(x.sum(axis=1), 1.0, rtol=1e-12)
    a0 = alpha.sum()
    for i, ai in enumerate(alpha):
        _assert_moments(x[:, i], ai / a0, ai * (a0 - ai) / (a0**2 * (a0 + 1)))
    assert fr.dirichlet(KEY, np.ones((2, 4))).shape == (2, 4)
    assert fr.dirichlet(KEY, np.ones((2, 4)), (5, 2)).shape == (5, 2, 4)


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_mean_and_covariance(method):
    mean = np.array([1.0, -2.0, 0.5])
    a = np.array([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.4, 0.7]])
    cov = a @ a.T
    x = fr.multivariate_normal(KEY, mean, cov, (N,), np.float64, method=method)
    assert x.shape == (N, 3) and x.dtype == np.float64
    sd = np.sqrt(np.diag(cov))
    assert np.all(np.abs(x.mean(axis=0) - mean) < 6 * sd / math.sqrt(N))
    # Each covariance entry's standard error is at most sqrt(2 / N) * sd_i * sd_j for a normal.
    assert np.all(np.abs(np.cov(x.T) - cov) < 6 * math.sqrt(2 / N) * np.outer(sd, sd))
    batched = fr.multivariate_normal(KEY, np.zeros((4, 3)), cov, method=method)
    assert batched.shape == (4, 3) and batched.dtype == np.float32


def test_singular_covariance_needs_eigh_or_svd():
    cov = np.array([[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="cov is not positive definite"):
        fr.multivariate_normal(KEY, np.zeros(2), cov)
    x = fr.multivariate_normal(KEY, np.zeros(2), cov, (100,), method="eigh")
    np.testing.assert_allclose(x[:, 0], x[:, 1], atol=1e-5)


SAMPLERS_OF_A_KEY = {
    "gamma": lambda k: fr.gamma(k, np.array([0.4, 1.0, 3.0]), (50, 3)),
    "beta": lambda k: fr.beta(k, 0.5, 2.0, (20,)),
    "dirichlet": lambda k: fr.dirichlet(k, np.array([0.3, 1.0, 2.0]), (7,)),
    "poisson": lambda k: fr.poisson(k, np.array([0.5, 20.0]), (30, 2)),
    "categorical": lambda k: fr.categorical(k, np.zeros((2, 6)), shape=(3, 2)),
    "gumbel": lambda k: fr.gumbel(k, (4,)),
    "multivariate_normal": lambda k: fr.multivariate_normal(k, np.zeros(2), np.eye(2), (5,)),
}


@pytest.mark.parametrize("name", SAMPLERS_OF_A_KEY)
def test_vmap_over_keys_gives_each_keys_own_draws(name):
    sample = SAMPLERS_OF_A_KEY[name]
    keys = fr.split(KEY, 3)
    rows = fz.vmap(sample)(keys)
    for b in range(3):
        np.testing.assert_array_equal(rows[b], sample(keys[b]))


@pytest.mark.parametrize("name", SAMPLERS_OF_A_KEY)
def test_jit_gives_the_same_draws(name):
    sample = SAMPLERS_OF_A_KEY[name]
    np.testing.assert_array_equal(fz.jit(sample)(KEY), sample(KEY))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: fr.gamma(KEY, -1.0), "a must be positive"),
        (lambda: fr.gamma(KEY, np.array([1.0, 0.0])), "a must be positive"),
        (lambda: fr.gamma(KEY, np.nan), "a must be positive"),
        (lambda: fr.beta(KEY, 1.0, -2.0), "b must be positive"),
        (lambda: fr.dirichlet(KEY, np.array([1.0, -1.0])), "alpha must be positive"),
        (lambda: fr.dirichlet(KEY, 1.0), "alpha needs at least one axis"),
        (lambda: fr.poisson(KEY, -0.5), "lam must be finite and non-negative"),
        (lambda: fr.poisson(KEY, 1.0, dtype=np.float32), "integer type"),
        (lambda: fr.poisson(KEY, 3e9), "lam must be small enough for int32"),
        (lambda: fr.gamma(KEY, np.inf), "a must be positive and finite"),
        (lambda: fr.gamma(KEY, np.ones(3), (2,)), "do not broadcast to shape"),
        (lambda: fr.categorical(KEY, np.zeros(3), axis=1), "axis 1 is out of range"),
        (lambda: fr.categorical(KEY, np.zeros((2, 3)), shape=(4,)), "must end with"),
        (lambda: fr.categorical(KEY, np.array([0.0, np.nan])), "logits must be finite or -inf"),
        (lambda: fr.multivariate_normal(KEY, np.zeros(2), np.eye(3)), "mean must have shape"),
        (lambda: fr.multivariate_normal(KEY, np.zeros(2), np.eye(2), method="qr"), "method must be"),
        (lambda: fr.exponential(KEY, (2,), np.int32), "dtype must be float"),
    ],
)
def test_bad_parameters_raise_clear_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_samplers_refuse_traced_parameters():
    with pytest.raises(TypeError, match="a is a traced value"):
        fz.grad(lambda a: fr.gamma(KEY, a).sum())(2.0)


def test_prngkey_is_key_and_names_follow_jax():
    import inspect

    jr = pytest.importorskip("jax.random")
    assert fr.PRNGKey is fr.key
    np.testing.assert_array_equal(fr.PRNGKey(5), fr.key(5))
    for name in [
        "categorical",
        "gumbel",
        "exponential",
        "laplace",
        "logistic",
        "gamma",
        "beta",
        "dirichlet",
        "poisson",
        "multivariate_normal",
        "permutation",
        "choice",
        "bernoulli",
        "randint",
    ]:
        ours = [
            p for p, v in inspect.signature(getattr(fr, name)).parameters.items() if v.kind != v.KEYWORD_ONLY
        ]
        theirs = [
            p for p in inspect.signature(getattr(jr, name)).parameters if p in ours or p not in ("mode",)
        ]
        theirs = [
            p
            for p in theirs
            if inspect.signature(getattr(jr, name)).parameters[p].kind != inspect.Parameter.KEYWORD_ONLY
        ]
        assert ours == theirs, name

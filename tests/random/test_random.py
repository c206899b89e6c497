"""fnzero.random: the cipher against published answers, determinism across processes, and
the distributions against their definitions (Kolmogorov-Smirnov, moments, ranges)."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.numpy as fnp
import fnzero.random as fr

M = 0xFFFFFFFF


@pytest.mark.parametrize(
    "key, counter, expected",
    [
        # Known-answer vectors for Threefry-2x32-20 from the Random123 distribution.
        ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
        ((M, M), (M, M), (0x1CB996FC, 0xBB002BE7)),
        ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
    ],
)
def test_threefry_matches_published_answers(xp, key, counter, expected):
    y0, y1 = fr.threefry2x32(*key, xp.asarray([counter[0]]), xp.asarray([counter[1]]))
    assert (int(y0[0]), int(y1[0])) == expected


def test_key_holds_the_seed_in_two_words():
    assert fr.key(0).tolist() == [0, 0]
    assert fr.key(2**32 + 5).tolist() == [1, 5]
    assert fr.key(-1).tolist() == [M, M]
    assert fr.key(7).dtype == np.uint32


def _ks_distance(samples: np.ndarray, cdf) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the empirical and true CDF."""
    x = np.sort(np.asarray(samples, dtype=np.float64))
    n = len(x)
    f = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n)))


def _ks_limit(n: int) -> float:
    # Critical value of the one-sample KS test at significance 0.001 (asymptotic).
    return 1.95 / math.sqrt(n)


_erf = np.vectorize(math.erf)


def _normal_cdf(x):
    return 0.5 * (1 + _erf(x / math.sqrt(2)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uniform_passes_kolmogorov_smirnov(dtype):
    u = fr.uniform(fr.key(1), (20000,), dtype)
    assert u.dtype == dtype and u.min() >= 0 and u.max() < 1
    assert _ks_distance(u, lambda x: x) < _ks_limit(len(u))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normal_passes_kolmogorov_smirnov(dtype):
    z = fr.normal(fr.key(2), (20001,), dtype)
    assert z.dtype == dtype and z.shape == (20001,)
    assert _ks_distance(z, _normal_cdf) < _ks_limit(len(z))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03


def test_truncated_normal_passes_kolmogorov_smirnov_and_stays_inside():
    a, b = -1.0, 2.0
    x = fr.truncated_normal(fr.key(3), a, b, (20000,), np.float64)
    assert x.min() >= a and x.max() <= b
    fa, fb = _normal_cdf(a), _normal_cdf(b)
    assert _ks_distance(x, lambda v: (_normal_cdf(v) - fa) / (fb - fa)) < _ks_limit(len(x))


def test_truncated_normal_far_tail_has_the_right_mean():
    x = fr.truncated_normal(fr.key(4), 8.0, 9.0, (20000,), np.float64)
    assert x.min() >= 8 and x.max() <= 9
    # Mean of N(0,1) on [a, b]: (phi(a) - phi(b)) / (Phi(b) - Phi(a)); in the tail Phi(b) -
    # Phi(a) is (erfc(a/sqrt2) - erfc(b/sqrt2)) / 2.
    phi = lambda v: math.exp(-v * v / 2) / math.sqrt(2 * math.pi)
    mass = (math.erfc(8 / math.sqrt(2)) - math.erfc(9 / math.sqrt(2))) / 2
    assert x.mean() == pytest.approx((phi(8) - phi(9)) / mass, abs=0.01)
    y = fr.truncated_normal(fr.key(4), -9.0, -8.0, (20000,), np.float64)
    assert y.mean() == pytest.approx(-(phi(8) - phi(9)) / mass, abs=0.01)


def test_same_key_same_values_in_another_process():
    program = textwrap.dedent(
        """
        import numpy as np, fnzero.random as fr
        k = fr.fold_in(fr.split(fr.key(2024), 3)[1], 7)
        parts = [fr.uniform(k, (50,)), fr.normal(k, (7,), np.float64), fr.randint(k, (9,), -5, 5),
                 fr.permutation(k, 20), fr.bits(k, (4,))]
        print(repr([p.tolist() for p in parts]))
        """
    )
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    k = fr.fold_in(fr.split(fr.key(2024), 3)[1], 7)
    here = [
        fr.uniform(k, (50,)),
        fr.normal(k, (7,), np.float64),
        fr.randint(k, (9,), -5, 5),
        fr.permutation(k, 20),
        fr.bits(k, (4,)),
    ]
    assert out.stdout.strip() == repr([p.tolist() for p in here])


def _correlation(a, b) -> float:
    return float(np.corrcoef(np.asarray(a, np.float64), np.asarray(b, np.float64))[0, 1])


def test_split_and_fold_in_streams_are_uncorrelated():
    k = fr.key(5)
    a, b = fr.split(k)
    n = 100_000
    streams = [k, a, b, fr.fold_in(k, 0), fr.fold_in(k, 1), fr.split(a)[0]]
    samples = [fr.uniform(s, (n,), np.float64) for s in streams]
    for i in range(len(samples)):
        for j in range(i):
            assert abs(_correlation(samples[i], samples[j])) < 0.01, (i, j)


def test_neighbouring_seeds_are_uncorrelated():
    n = 100_000
    assert abs(_correlation(fr.normal(fr.key(10), (n,)), fr.normal(fr.key(11), (n,)))) < 0.01


def test_split_keys_are_distinct_and_reproducible():
    keys = fr.split(fr.key(0), 1000)
    assert keys.shape == (1000, 2) and keys.dtype == np.uint32
    assert len({tuple(k) for k in keys.tolist()}) == 1000
    np.testing.assert_array_equal(keys, fr.split(fr.key(0), 1000))
    assert not np.array_equal(fr.fold_in(fr.key(0), 1), fr.fold_in(fr.key(0), 2))


@given(seed=st.integers(0, 2**64 - 1), shape=st.lists(st.integers(0, 5), max_size=3))
def test_every_sampler_gives_its_shape_dtype_and_range(seed, shape):
    k = fr.key(seed)
    shape = tuple(shape)
    u = fr.uniform(k, shape, np.float32, -2.0, 3.0)
    assert u.shape == shape and u.dtype == np.float32
    assert np.all((u >= -2) & (u < 3))
    r = fr.randint(k, shape, -3, 4, np.int16)
    assert r.shape == shape and r.dtype == np.int16 and np.all((r >= -3) & (r < 4))
    assert fr.normal(k, shape, np.float16).dtype == np.float16
    assert fr.bernoulli(k, 0.5, shape).dtype == bool
    np.testing.assert_array_equal(u, fr.uniform(k, shape, np.float32, -2.0, 3.0))


@given(seed=st.integers(0, 2**32), n=st.integers(0, 300))
def test_permutation_is_a_permutation(seed, n):
    p = fr.permutation(fr.key(seed), n)
    assert sorted(p.tolist()) == list(range(n))


def test_permutation_is_uniform_over_positions():
    counts = np.zeros((4, 4))
    for k in fr.split(fr.key(6), 4000):
        counts[np.arange(4), fr.permutation(k, 4)] += 1
    np.testing.assert_allclose(counts / 4000, 0.25, atol=0.03)


def test_permutation_of_an_array_keeps_its_derivative():
    k = fr.key(7)
    x = np.arange(12.0).reshape(4, 3)
    w = np.linspace(-1, 1, 12).reshape(4, 3)
    g = fz.grad(lambda x: fnp.sum(fr.permutation(k, x) * w))(x)
    order = fr.permutation(k, 4)
    expected = np.empty_like(w)
    expected[order] = w
    np.testing.assert_array_equal(g, expected)


def test_independent_permutation_shuffles_each_row_on_its_own():
    x = np.tile(np.arange(50), (6, 1))
    out = fr.permutation(fr.key(8), x, axis=1, independent=True)
    assert all(sorted(row) == list(range(50)) for row in out.tolist())
    assert len({tuple(row) for row in out.tolist()}) == 6


def test_randint_frequencies_are_flat():
    r = fr.randint(fr.key(9), (60000,), 10, 16)
    np.testing.assert_allclose(np.bincount(r - 10, minlength=6) / 60000, 1 / 6, atol=0.01)


def test_bernoulli_frequency_follows_p():
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    draws = fr.bernoulli(fr.key(10), p, (20000, 5))
    np.testing.assert_allclose(draws.mean(axis=0), p, atol=0.01)


def test_choice_with_and_without_replacement():
    k = fr.key(11)
    p = np.array([0.1, 0.0, 0.6, 0.3])
    draws = fr.choice(k, 4, (40000,), p=p)
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 40000, p, atol=0.01)
    unique = fr.choice(k, 10, (10,), replace=False)
    assert sorted(unique.tolist()) == list(range(10))
    weighted = fr.choice(k, 4, (3,), replace=False, p=p)
    assert sorted(weighted.tolist()) == [0, 2, 3]
    rows = fr.choice(k, np.arange(20.0).reshape(5, 4), (2,), axis=0)
    assert rows.shape == (2, 4) and np.all(rows[:, 1] - rows[:, 0] == 1)


def test_choice_without_replacement_follows_p_for_the_first_draw():
    p = np.array([0.5, 0.3, 0.2])
    firsts = [int(fr.choice(k, 3, (1,), replace=False, p=p)[0]) for k in fr.split(fr.key(12), 6000)]
    np.testing.assert_allclose(np.bincount(firsts, minlength=3) / 6000, p, atol=0.02)


def test_values_do_not_depend_on_the_backend(backend):
    k = fr.key(13)
    for f in (
        lambda b: fr.uniform(k, (1001,), backend=b),
        lambda b: fr.uniform(k, (7,), np.float64, backend=b),
        lambda b: fr.randint(k, (33,), 0, 1000, backend=b),
        lambda b: fr.bits(k, (5,), np.uint64, backend=b),
        lambda b: fr.permutation(k, 50, backend=b),
        lambda b: fr.split(fz.device_put(k, b), 3),
    ):
        np.testing.assert_array_equal(backend.to_host(f(backend.name)), f("numpy"))
    normal = backend.to_host(fr.normal(k, (101,), backend=backend.name))
    np.testing.assert_allclose(normal, fr.normal(k, (101,)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: fr.key(1.5), TypeError, "seed must be an int"),
        (lambda: fr.key(2**64), ValueError, "64 bits"),
        (lambda: fr.uniform(np.array([1, 2]), (3,)), TypeError, "uint32 array of shape"),
        (lambda: fr.uniform(fr.split(fr.key(0), 3), (3,)), ValueError, "3 keys"),
        (lambda: fr.uniform(fr.key(0), (3,), np.int32), TypeError, "float16, float32 or float64"),
        (lambda: fr.uniform(fr.key(0), (3,), minval=1.0, maxval=1.0), ValueError, "minval < maxval"),
        (lambda: fr.randint(fr.key(0), (3,), 5, 5), ValueError, "minval < maxval"),
        (lambda: fr.uniform(fr.key(0), (3,), minval=np.zeros(4)), ValueError, "do not broadcast to"),
        (lambda: fr.randint(fr.key(0), (3,), 0, 300, np.int8), ValueError, "does not fit in int8"),
        (lambda: fr.bernoulli(fr.key(0), 1.5), ValueError, r"\[0, 1\]"),
        (lambda: fr.choice(fr.key(0), 3, (4,), replace=False), ValueError, "4 samples without replacement"),
        (lambda: fr.choice(fr.key(0), 3, p=[0.5, 0.5]), ValueError, "p has shape"),
        (lambda: fr.truncated_normal(fr.key(0), 1.0, 0.0), ValueError, "lower < upper"),
        (lambda: fr.fold_in(fr.key(0), 2**32), ValueError, "32 bits"),
        (lambda: fr.split(fr.key(0), -1), ValueError, "non-negative"),
    ],
)
def test_bad_input_names_the_problem(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_traced_bounds_are_refused_not_silently_dropped():
    with pytest.raises(TypeError, match="traced"):
        fz.grad(lambda m: fnp.sum(fr.uniform(fr.key(0), (2,), np.float64, m, 2.0)))(0.0)

"""vmap over keys: one key per example draws, bit for bit, what that key draws alone (the
Threefry kernel runs once on every key), through dropout and per-example gradients too."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
import fnzero.random as fr
from fnzero.core.batching import BatchTrace
from fnzero.random.keys import random_p

_P = np.array([0.1, 0.2, 0.3, 0.4])

# (name, f(key, x) for one example with x of shape (4, 3))
SAMPLERS = [
    ("normal", lambda k, x: fr.normal(k, (2, 3))),
    ("normal_float64_odd", lambda k, x: fr.normal(k, (5,), np.float64)),
    ("uniform_bounds", lambda k, x: fr.uniform(k, (3,), minval=-1.0, maxval=np.arange(1.0, 4.0))),
    ("uniform_float64", lambda k, x: fr.uniform(k, (2, 2), np.float64)),
    ("uniform_float16", lambda k, x: fr.uniform(k, (3,), np.float16)),
    ("bernoulli", lambda k, x: fr.bernoulli(k, 0.3, (7,))),
    ("bernoulli_p_array", lambda k, x: fr.bernoulli(k, np.array([0.2, 0.9]))),
    ("bits", lambda k, x: fr.bits(k, (3,))),
    ("bits_uint64", lambda k, x: fr.bits(k, (2,), np.uint64)),
    ("split", lambda k, x: fr.split(k, 3)),
    ("fold_in", lambda k, x: fr.fold_in(k, 7)),
    ("split_then_draw", lambda k, x: fr.normal(fr.split(k)[1], (3,)) + fr.uniform(fr.fold_in(k, 1))),
    ("randint", lambda k, x: fr.randint(k, (4,), -3, 10)),
    ("truncated_normal", lambda k, x: fr.truncated_normal(k, -1.0, 2.0, (4,))),
    ("permutation_int", lambda k, x: fr.permutation(k, 6)),
    ("permutation_array", lambda k, x: fr.permutation(k, x)),
    ("permutation_independent", lambda k, x: fr.permutation(k, x, axis=1, independent=True)),
    ("choice", lambda k, x: fr.choice(k, 6, (3,))),
    ("choice_without_replacement", lambda k, x: fr.choice(k, x, (2,), replace=False)),
    ("choice_weighted", lambda k, x: fr.choice(k, 4, (3,), p=_P)),
    ("choice_weighted_without_replacement", lambda k, x: fr.choice(k, 4, (3,), replace=False, p=_P)),
    ("dropout", lambda k, x: nn.dropout(x, 0.5, key=k, train=True)),
]


def _loop(f, keys, xs, key_axis=0):
    return np.stack([np.asarray(f(np.take(keys, b, axis=key_axis), x)) for b, x in enumerate(xs)])


@pytest.mark.parametrize("name, f", SAMPLERS, ids=[s[0] for s in SAMPLERS])
@given(seed=st.integers(0, 2**64 - 1), size=st.integers(1, 4), key_axis=st.integers(0, 1))
def test_batched_keys_draw_exactly_what_each_key_draws_alone(name, f, seed, size, key_axis):
    keys = np.moveaxis(fr.split(fr.key(seed), size), 0, key_axis)
    xs = np.arange(size * 12, dtype=np.float32).reshape(size, 4, 3)
    got = fz.vmap(f, in_axes=(key_axis, 0))(keys, xs)
    expected = _loop(f, keys, xs, key_axis)
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_the_kernel_runs_once_on_the_whole_batch_of_keys(monkeypatch):
    calls = []
    draw_batch = random_p.impl

    def spy(keys, **params):
        calls.append(keys.shape)
        return draw_batch(keys, **params)

    monkeypatch.setattr(random_p, "impl", spy)
    keys = fr.split(fr.key(3), 16)
    fz.vmap(lambda k, x: nn.dropout(x, 0.5, key=k, train=True))(keys, np.ones((16, 8)))
    assert calls == [(16, 2)]


_WORDS = st.lists(st.integers(-(2**31), 2**32 - 1), min_size=1, max_size=4)


@given(seed=st.integers(0, 2**64 - 1), data=_WORDS)
def test_fold_in_with_data_that_differs_per_example_equals_the_loop(seed, data):
    key = fr.key(seed)
    ids = np.array(data, dtype=np.int64)
    keys = fr.split(key, len(data))
    got = fz.vmap(lambda i: fr.fold_in(key, i))(ids)
    np.testing.assert_array_equal(got, np.stack([fr.fold_in(key, int(i)) for i in ids]))
    got = fz.vmap(lambda k, i: fr.uniform(fr.fold_in(k, i), (2,)))(keys, ids)
    expected = np.stack([fr.uniform(fr.fold_in(k, int(i)), (2,)) for k, i in zip(keys, ids)])
    np.testing.assert_array_equal(got, expected)


def test_fold_in_with_batched_data_that_is_not_an_integer_scalar_is_an_error():
    with pytest.raises(TypeError, match="fnzero.random.fold_in: data must be an integer scalar"):
        fz.vmap(lambda i: fr.fold_in(fr.key(0), i))(np.ones(3))
    with pytest.raises(TypeError, match="fnzero.random.fold_in: data must be an integer scalar"):
        fz.vmap(lambda i: fr.fold_in(fr.key(0), i))(np.ones((3, 2), dtype=np.int32))
    with pytest.raises(TypeError, match=r"fnzero.random.fold_in: expected a key .* got float64\[2\]"):
        fz.vmap(lambda i: fr.fold_in(np.ones(2), i))(np.arange(3))


def test_nested_vmap_over_a_grid_of_keys():
    keys = fr.split(fr.key(1), 6).reshape(2, 3, 2)
    got = fz.vmap(fz.vmap(lambda k: fr.normal(k, (2,))), in_axes=1)(keys)
    expected = np.stack([np.stack([fr.normal(keys[i, j], (2,)) for i in range(2)]) for j in range(3)])
    np.testing.assert_array_equal(got, expected)


def _mlp_loss(params, x, t, key):
    h = nn.relu(x @ params["W1"] + params["b1"])
    h = nn.dropout(h, 0.3, key=key, train=True)
    return nn.softmax_cross_entropy(h @ params["W2"], t)


def _mlp(rng):
    params = {
        "W1": rng.normal(size=(6, 8)).astype(np.float32),
        "b1": rng.normal(size=8).astype(np.float32),
        "W2": rng.normal(size=(8, 3)).astype(np.float32),
    }
    xs = rng.normal(size=(5, 6)).astype(np.float32)
    ts = np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=5)]
    return params, xs, ts, fr.split(fr.key(int(rng.integers(0, 2**32))), 5)


@given(seed=st.integers(0, 2**32 - 1))
def test_per_example_gradients_with_dropout_equal_the_loop(seed):
    params, xs, ts, keys = _mlp(np.random.default_rng(seed))
    got = fz.vmap(fz.grad(_mlp_loss), in_axes=(None, 0, 0, 0))(params, xs, ts, keys)
    for b in range(len(xs)):
        one = fz.grad(_mlp_loss)(params, xs[b], ts[b], keys[b])
        for name in params:
            np.testing.assert_allclose(got[name][b], one[name], rtol=1e-5, atol=1e-6)


def test_gradient_of_a_batch_mean_with_per_example_dropout_keys_equals_the_loop():
    params, xs, ts, keys = _mlp(np.random.default_rng(7))

    def batch_loss(params):
        return fnp.mean(fz.vmap(_mlp_loss, in_axes=(None, 0, 0, 0))(params, xs, ts, keys))

    got = fz.grad(batch_loss)(params)
    per_example = [fz.grad(_mlp_loss)(params, xs[b], ts[b], keys[b]) for b in range(len(xs))]
    for name in params:
        expected = np.mean([g[name] for g in per_example], axis=0)
        np.testing.assert_allclose(got[name], expected, rtol=1e-5, atol=1e-6)


def test_jit_of_vmap_over_keys_equals_the_loop():
    keys = fr.split(fr.key(5), 4)
    f = fz.jit(fz.vmap(lambda k: fr.normal(k, (3,)) * 2.0))
    expected = np.stack([fr.normal(k, (3,)) * 2.0 for k in keys])
    np.testing.assert_array_equal(f(keys), expected)
    other = fr.split(fr.key(6), 4)
    np.testing.assert_array_equal(f(other), np.stack([fr.normal(k, (3,)) * 2.0 for k in other]))


def test_key_batch_of_the_wrong_size_is_an_error_naming_both_sizes():
    keys = fr.split(fr.key(0), 3)
    with pytest.raises(ValueError, match=r"different sizes.*size 3.*size 4"):
        fz.vmap(lambda k, x: nn.dropout(x, 0.5, key=k, train=True))(keys, np.ones((4, 5)))


def test_batched_values_that_are_not_one_key_per_example_are_errors():
    keys = fr.split(fr.key(0), 6)
    with pytest.raises(ValueError, match=r"fnzero.random.normal: a key has shape \(2,\), got shape \(3,\)"):
        fz.vmap(lambda k: fr.normal(k, (2,)))(keys.reshape(4, 3))
    with pytest.raises(ValueError, match="looks like 3 keys per example: vmap over them or pick one"):
        fz.vmap(lambda k: fr.normal(k, (2,)))(keys.reshape(2, 3, 2))
    with pytest.raises(TypeError, match=r"fnzero.random.uniform: expected a key .* got float64\[2\]"):
        fz.vmap(lambda k: fr.uniform(k))(np.ones((3, 2)))
    with pytest.raises(ValueError, match="looks like 6 keys: pick one"):
        fz.vmap(lambda x: nn.dropout(x, 0.5, key=keys, train=True))(np.ones((6, 2)))


def test_batched_parameters_of_a_sampler_are_named():
    keys = fr.split(fr.key(0), 3)
    with pytest.raises(TypeError, match="fnzero.random.bernoulli: p is a traced value"):
        fz.vmap(lambda k, p: fr.bernoulli(k, p))(keys, np.full(3, 0.5))


def test_batch_rule_is_registered_and_used():
    seen = []
    process = BatchTrace.process

    def spy(self, prim, args, params):
        seen.append(prim.name)
        return process(self, prim, args, params)

    keys = fr.split(fr.key(0), 2)
    BatchTrace.process = spy
    try:
        fz.vmap(lambda k: fr.split(k))(keys)
    finally:
        BatchTrace.process = process
    assert "random" in seen

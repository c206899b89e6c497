"""vmap: JAX's in_axes/out_axes semantics, nesting, composition with grad and jvp in both
orders, per-example gradients, Jacobians through batching, and JAX's errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp


def _f(x, W):
    return fnp.sum(fnp.tanh(x @ W) ** 2) + fnp.max(fnp.sin(x))


def test_pytree_in_axes_prefix_and_out_axes_tree(backend):
    xp = backend.xp
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=(2,))}
    xs = rng.normal(size=(3, 5))  # batch on axis 1

    def f(p, x):
        y = x @ p["W"] + p["b"]
        return {"y": y, "n": fnp.sum(y)}

    p_dev = {k: xp.asarray(v) for k, v in params.items()}
    out = fz.vmap(f, in_axes=({"W": None, "b": None}, 1), out_axes={"y": 1, "n": 0})(p_dev, xp.asarray(xs))
    y = xs.T @ params["W"] + params["b"]
    np.testing.assert_allclose(backend.to_host(out["y"]), y.T)
    np.testing.assert_allclose(backend.to_host(out["n"]), y.sum(1))


def test_unbatched_outputs_are_broadcast_and_axis_size_gives_the_size():
    out = fz.vmap(lambda x, c: (x * 2, c), in_axes=(0, None))(np.arange(3.0), np.float64(7.0))
    np.testing.assert_array_equal(out[0], [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(out[1], [7.0, 7.0, 7.0])
    ones = fz.vmap(lambda c: c + 1, in_axes=None, axis_size=4)(np.ones(2))
    assert ones.shape == (4, 2)
    kept = fz.vmap(lambda x, c: c, in_axes=(0, None), out_axes=None)(np.arange(3.0), np.ones(2))
    assert kept.shape == (2,)


def test_nested_vmaps_compute_an_outer_product_with_any_axes():
    a, b = np.arange(3.0), np.arange(4.0) + 1
    outer = fz.vmap(fz.vmap(lambda x, y: x * y, (None, 0)), (0, None))(a, b)
    np.testing.assert_allclose(outer, np.outer(a, b))
    swapped = fz.vmap(fz.vmap(lambda x, y: x * y, (None, 0), 0), (0, None), 1)(a, b)
    np.testing.assert_allclose(swapped, np.outer(a, b).T)  # the outer batch (a) on axis 1
    m = np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(fz.vmap(fz.vmap(fnp.exp, 0), 1, 1)(m), np.exp(m))


@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 4), axis=st.integers(0, 1))
def test_vmap_of_grad_and_grad_of_vmap_equal_the_loop(seed, size, axis):
    rng = np.random.default_rng(seed)
    xs = np.moveaxis(rng.normal(size=(size, 3)), 0, axis)
    W = rng.normal(size=(3, 2))
    g = fz.grad(_f, argnums=(0, 1))
    per = fz.vmap(g, in_axes=(axis, None))(xs, W)
    loop = [g(np.take(xs, b, axis), W) for b in range(size)]
    np.testing.assert_allclose(per[0], np.stack([q[0] for q in loop]), rtol=1e-10)
    np.testing.assert_allclose(per[1], np.stack([q[1] for q in loop]), rtol=1e-10)
    total = fz.grad(lambda W: fnp.sum(fz.vmap(_f, (axis, None))(xs, W)))(W)
    np.testing.assert_allclose(total, sum(q[1] for q in loop), rtol=1e-10)


@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 4))
def test_vmap_of_jvp_and_jvp_of_vmap_equal_the_loop(seed, size):
    rng = np.random.default_rng(seed)
    xs, ts = rng.normal(size=(2, size, 3))
    W = rng.normal(size=(3, 2))

    def tangent(x, t):
        return fz.jvp(lambda x: _f(x, W), (x,), (t,))[1]

    loop = np.stack([tangent(x, t) for x, t in zip(xs, ts)])
    np.testing.assert_allclose(fz.vmap(tangent)(xs, ts), loop, rtol=1e-10)
    outer = fz.jvp(fz.vmap(lambda x: _f(x, W)), (xs,), (ts,))[1]
    np.testing.assert_allclose(outer, loop, rtol=1e-10)


def test_second_order_through_vmap_both_ways():
    rng = np.random.default_rng(1)
    xs, W = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    h = fz.hessian(lambda x: _f(x, W))
    per = fz.vmap(h)(xs)
    np.testing.assert_allclose(per, np.stack([h(x) for x in xs]), rtol=1e-9, atol=1e-12)
    gg = fz.grad(lambda x: fnp.sum(fz.vmap(fz.grad(lambda x: _f(x, W)))(x) ** 2))(xs)
    ref = np.stack([fz.grad(lambda x: fnp.sum(fz.grad(lambda x: _f(x, W))(x) ** 2))(x) for x in xs])
    np.testing.assert_allclose(gg, ref, rtol=1e-9, atol=1e-12)


def _mlp_loss(params, x, t):
    h = nn.relu(x @ params["W1"] + params["b1"])
    return nn.softmax_cross_entropy(h @ params["W2"] + params["b2"], t)


def test_per_example_gradients_of_an_mlp_equal_the_loop_in_float32():
    rng = np.random.default_rng(2)
    params = {
        "W1": rng.normal(scale=0.3, size=(8, 16)).astype(np.float32),
        "b1": np.zeros(16, np.float32),
        "W2": rng.normal(scale=0.3, size=(16, 4)).astype(np.float32),
        "b2": np.zeros(4, np.float32),
    }
    xs = rng.normal(size=(6, 8)).astype(np.float32)
    ts = rng.integers(0, 4, size=6)
    per = fz.vmap(fz.grad(_mlp_loss), in_axes=(None, 0, 0))(params, xs, ts)
    for k in params:
        loop = np.stack([fz.grad(_mlp_loss)(params, x, t)[k] for x, t in zip(xs, ts)])
        assert per[k].dtype == np.float32
        np.testing.assert_allclose(per[k], loop, rtol=1e-5, atol=1e-6)


def test_jacobians_are_built_by_one_batched_sweep():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(4, 3))
    x = rng.normal(size=4)

    def f(x):
        return fnp.tanh(x @ W) * fnp.sum(x)

    # d f_i / d x_j = (1 - tanh^2) W_ji * s + tanh_i, with s = sum(x).
    y = np.tanh(x @ W)
    expected = ((1 - y**2)[:, None] * W.T) * x.sum() + y[:, None]
    np.testing.assert_allclose(fz.jacrev(f)(x), expected, rtol=1e-10)
    np.testing.assert_allclose(fz.jacfwd(f)(x), expected, rtol=1e-10)
    per = fz.vmap(fz.jacrev(f))(np.stack([x, 2 * x]))
    np.testing.assert_allclose(per[0], expected, rtol=1e-10)


def test_a_python_branch_on_a_batched_value_says_to_use_where():
    with pytest.raises(TypeError, match="fnzero.numpy.where"):
        fz.vmap(lambda x: x if x > 0 else -x)(np.arange(3.0))
    with pytest.raises(TypeError, match="fnzero.numpy.where"):
        fz.vmap(lambda x: float(x))(np.arange(3.0))
    with pytest.raises(TypeError, match="fnzero.numpy.where"):
        fz.vmap(fz.grad(lambda x: x * 2 if x > 0 else x))(np.arange(3.0))


def test_mismatched_batch_sizes_are_named():
    with pytest.raises(ValueError, match=r"size 3 on axis 0.*size 4 on axis 0"):
        fz.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="axis_size=5"):
        fz.vmap(lambda a: a, axis_size=5)(np.ones(3))


def test_in_axes_that_do_not_fit_the_arguments():
    with pytest.raises(ValueError, match="in_axes has 1 entries but the function was called with 2"):
        fz.vmap(lambda a, b: a, in_axes=(0,))(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="in_axes 2 is out of range.*shape \\(3,\\)"):
        fz.vmap(lambda a: a, in_axes=2)(np.ones(3))
    with pytest.raises(ValueError, match="not a tree prefix"):
        fz.vmap(lambda p: p["a"], in_axes=({"b": 0},))({"a": np.ones(3)})
    with pytest.raises(ValueError, match="axis_size is not given"):
        fz.vmap(lambda a: a, in_axes=None)(np.ones(3))
    with pytest.raises(TypeError, match="in_axes must be"):
        fz.vmap(lambda a: a, in_axes="0")
    with pytest.raises(ValueError, match="out_axes None"):
        fz.vmap(lambda a: a, out_axes=None)(np.ones(3))


def test_a_batched_value_kept_after_vmap_returns_is_refused():
    kept = []
    fz.vmap(lambda x: kept.append(x) or x)(np.ones(3))
    with pytest.raises(fz.UnexpectedTracerError):
        fnp.exp(kept[0])


def test_dropout_with_a_shared_key_and_a_batched_key():
    key = fz.random.key(0)
    xs = np.ones((3, 50))
    out = fz.vmap(lambda x: nn.dropout(x, 0.5, key=key, train=True))(xs)
    np.testing.assert_array_equal(out, np.stack([nn.dropout(x, 0.5, key=key, train=True) for x in xs]))
    keys = fz.random.split(key, 3)
    out = fz.vmap(lambda x, k: nn.dropout(x, 0.5, key=k, train=True))(xs, keys)
    expected = np.stack([nn.dropout(x, 0.5, key=k, train=True) for x, k in zip(xs, keys)])
    np.testing.assert_array_equal(out, expected)
    assert not np.array_equal(out[0], out[1])


def test_batch_norm_and_embedding_under_vmap():
    rng = np.random.default_rng(4)
    xs = rng.normal(size=(2, 5, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)

    def f(x):
        return nn.layer_norm(x, axis=-1) * gamma + beta

    np.testing.assert_allclose(fz.vmap(f)(xs), np.stack([f(x) for x in xs]), rtol=1e-12)

    def bn(x):
        y, stats = nn.batch_norm(x, gamma, beta, np.zeros(3), np.ones(3), train=True)
        return y, stats[0]

    got_y, got_mean = fz.vmap(bn)(xs)
    loop = [bn(x) for x in xs]
    np.testing.assert_allclose(got_y, np.stack([y for y, _ in loop]), rtol=1e-10)
    np.testing.assert_allclose(got_mean, np.stack([m for _, m in loop]), rtol=1e-10)
    W = rng.normal(size=(6, 2))
    ids = np.array([[0, 5], [3, 3]])
    got = fz.vmap(lambda w: nn.embedding(ids, w), in_axes=0)(np.stack([W, 2 * W]))
    np.testing.assert_allclose(got[1], 2 * W[ids])


def _custom_rules():
    @fz.custom_vjp
    def by_vjp(x, w):
        return fnp.sum(fnp.sin(x * w))

    def fwd(x, w):
        return by_vjp(x, w), (x, w)

    def bwd(res, g):
        x, w = res
        c = fnp.cos(x * w) * g
        return c * w * 3, c * x * 3  # not the true derivative: shows the rule is used

    by_vjp.defvjp(fwd, bwd)

    @fz.custom_jvp
    def by_jvp(x, w):
        return fnp.sum(fnp.sin(x * w))

    @by_jvp.defjvp
    def _(primals, tangents):
        (x, w), (dx, dw) = primals, tangents
        return by_jvp(x, w), fnp.sum(fnp.cos(x * w) * (dx * w + x * dw)) * 3

    remat = fz.checkpoint(lambda x, w: fnp.sum(fnp.sin(x * w)))
    return [by_vjp, by_jvp, remat]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["custom_vjp", "custom_jvp", "checkpoint"])
def test_custom_rules_and_checkpoint_under_vmap_in_both_orders(which):
    f = _custom_rules()[which]
    rng = np.random.default_rng(5)
    xs, w = rng.normal(size=(4, 3)), rng.normal(size=3)
    np.testing.assert_allclose(fz.vmap(f, (0, None))(xs, w), [f(x, w) for x in xs], rtol=1e-12)
    loop = [fz.grad(f, (0, 1))(x, w) for x in xs]
    inner = fz.vmap(fz.grad(f, (0, 1)), (0, None))(xs, w)
    np.testing.assert_allclose(inner[0], np.stack([g[0] for g in loop]), rtol=1e-12)
    outer = fz.grad(lambda xs, w: fnp.sum(fz.vmap(f, (1, None))(xs, w)), (0, 1))(xs.T, w)
    np.testing.assert_allclose(outer[0], np.stack([g[0] for g in loop]).T, rtol=1e-12)
    np.testing.assert_allclose(outer[1], sum(g[1] for g in loop), rtol=1e-12)


def test_keyword_arguments_are_batched_on_axis_0_and_named_in_errors():
    out = fz.vmap(lambda a, *, k: a * k, in_axes=(None,))(np.float64(2.0), k=np.arange(3.0))
    np.testing.assert_array_equal(out, [0.0, 2.0, 4.0])
    with pytest.raises(ValueError, match=r"argument 1/w of shape \(4,\) has size 4.*keyword k"):
        fz.vmap(lambda a, b, k: a)(np.ones(3), {"w": np.ones(4)}, k=np.ones(3))

"""checkpoint (remat): same derivatives in every mode and order, intermediates recomputed
instead of kept, and at most half the peak memory on a deep MLP's gradient."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp


def layer(p, h):
    return fnp.tanh(h @ p["w"] + p["b"])


def mlp_loss(params, x, step=layer):
    h = x
    for p in params:
        h = step(p, h)
    return fnp.sum(h**2)


def _params(rng, depth, width):
    return [
        {"w": rng.standard_normal((width, width)) / np.sqrt(width), "b": rng.standard_normal(width) * 0.1}
        for _ in range(depth)
    ]


def test_gradients_are_identical_to_the_plain_function(backend):
    rng = np.random.default_rng(0)
    params = fz.device_put(_params(rng, 4, 6), backend.name)
    x = backend.xp.asarray(rng.standard_normal((3, 6)))
    plain = fz.grad(mlp_loss, argnums=(0, 1))(params, x)
    remat = fz.grad(lambda p, x: mlp_loss(p, x, fz.checkpoint(layer)), argnums=(0, 1))(params, x)
    for a, b in zip(fz.tree.leaves(plain), fz.tree.leaves(remat)):
        np.testing.assert_array_equal(backend.to_host(a), backend.to_host(b))


def test_intermediates_are_recomputed_in_the_backward_sweep():
    calls = []

    def counted(p, h):
        calls.append(1)
        return layer(p, h)

    rng = np.random.default_rng(1)
    params, x = _params(rng, 3, 4), rng.standard_normal((2, 4))
    mlp_loss(params, x, fz.checkpoint(counted))
    assert len(calls) == 3  # no transform: the function just runs
    calls.clear()
    fz.grad(lambda p: mlp_loss(p, x, fz.checkpoint(counted)))(params)
    assert len(calls) == 6  # once forward, once more in the backward sweep


def test_several_outputs_are_recomputed_once():
    calls = []

    @fz.remat
    def two_outputs(p, h):
        calls.append(1)
        z = h @ p["w"]
        return {"h": fnp.tanh(z), "penalty": (fnp.sum(z**2),)}

    def loss(params, x, step):
        h, total = x, 0.0
        for p in params:
            out = step(p, h)
            h, total = out["h"], total + out["penalty"][0]
        return fnp.sum(h) + 0.1 * total

    rng = np.random.default_rng(2)
    params, x = _params(rng, 3, 4), rng.standard_normal((2, 4))
    plain = fz.grad(loss)(params, x, two_outputs.__wrapped__)
    calls.clear()
    remat = fz.grad(loss)(params, x, two_outputs)
    assert len(calls) == 6
    for a, b in zip(fz.tree.leaves(plain), fz.tree.leaves(remat)):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_every_mode_and_order_agrees_with_the_plain_function():
    rng = np.random.default_rng(3)
    params, x = _params(rng, 3, 3), rng.standard_normal((2, 3))
    v = rng.standard_normal((2, 3))
    plain = lambda x: mlp_loss(params, x)
    remat = lambda x: mlp_loss(params, x, fz.checkpoint(layer))
    for transform in (
        fz.hessian,
        fz.jacfwd,
        lambda f: lambda x: fz.jvp(fz.grad(f), (x,), (v,))[1],
        lambda f: lambda x: fz.grad(lambda x: fz.jvp(f, (x,), (v,))[1])(x),
        lambda f: lambda x: fz.linearize(fz.grad(f), x)[1](v),
        lambda f: fz.grad(lambda x: fnp.sum(fz.grad(f)(x) ** 2)),
    ):
        np.testing.assert_allclose(transform(remat)(x), transform(plain)(x), rtol=1e-12, atol=1e-14)


def _peak_bytes(fun, *args):
    gc.collect()
    tracemalloc.start()
    try:
        fun(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checkpointing_every_layer_of_a_deep_mlp_halves_peak_memory():
    rng = np.random.default_rng(4)
    params, x = _params(rng, 20, 64), rng.standard_normal((512, 64))
    plain = _peak_bytes(fz.grad(mlp_loss), params, x)
    remat = _peak_bytes(fz.grad(lambda p, x: mlp_loss(p, x, fz.checkpoint(layer))), params, x)
    assert remat <= plain / 2, f"checkpointed peak {remat} bytes vs plain {plain}"


def test_closing_over_a_traced_value_is_a_clear_error():
    def loss(w, x):
        return fnp.sum(fz.checkpoint(lambda h: fnp.tanh(h * w))(x))

    with pytest.raises(TypeError, match="without taking it as an argument"):
        fz.grad(loss, argnums=(0, 1))(2.0, np.ones(3))
    # Passing it as an argument works, and so does closing over a constant.
    assert (
        float(fz.grad(lambda w: fnp.sum(fz.checkpoint(lambda w, h: fnp.tanh(h * w))(w, np.ones(3))))(0.0))
        == 3.0
    )
    assert fz.remat is fz.checkpoint

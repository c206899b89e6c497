"""Optimizers: each update equals its textbook formula, computed by hand in NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.optim as optim

STEPS = 4


def _problem(seed: int, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = {"w": rng.normal(size=(3, 2)).astype(dtype), "b": rng.normal(size=2).astype(dtype)}
    grads = [{k: rng.normal(size=v.shape).astype(dtype) for k, v in params.items()} for _ in range(STEPS)]
    return params, grads


def _run(opt, params, grads):
    state = opt.init(params)
    history = []
    for g in grads:
        updates, state = opt.update(g, state, params)
        params = optim.apply_updates(params, updates)
        history.append(params)
    return history


def _by_hand(step_fn, params, grads):
    """``step_fn(p, g, state, t) -> (p, state)`` applied leaf by leaf for every step."""
    history, states = [], {k: None for k in params}
    for t, g in enumerate(grads, start=1):
        new = {}
        for k in params:
            new[k], states[k] = step_fn(params[k], g[k], states[k], t)
        params = new
        history.append(params)
    return history


def _sgd(lr):
    return lambda p, g, s, t: (p - lr * g, None)


def _momentum(lr, mu):
    def step(p, g, v, t):
        v = np.zeros_like(p) if v is None else v
        v = mu * v - lr * g  # the book's MomentumSGD
        return p + v, v

    return step


def _nesterov(lr, mu):
    def step(p, g, buf, t):
        buf = mu * (np.zeros_like(p) if buf is None else buf) + g
        return p - lr * (g + mu * buf), buf

    return step


def _adagrad(lr, eps):
    def step(p, g, h, t):
        h = (np.zeros_like(p) if h is None else h) + g * g
        return p - lr * g / (np.sqrt(h) + eps), h

    return step


def _adadelta(rho, eps):
    def step(p, g, s, t):
        msg, msdx = s if s is not None else (np.zeros_like(p), np.zeros_like(p))
        msg = rho * msg + (1 - rho) * g * g
        dx = np.sqrt((msdx + eps) / (msg + eps)) * g
        msdx = rho * msdx + (1 - rho) * dx * dx
        return p - dx, (msg, msdx)

    return step


def _rmsprop(lr, alpha, eps):
    def step(p, g, v, t):
        v = alpha * (np.zeros_like(p) if v is None else v) + (1 - alpha) * g * g
        return p - lr * g / (np.sqrt(v) + eps), v

    return step


def _adam(lr, b1, b2, eps, wd=0.0):
    def step(p, g, s, t):
        m, v = s if s is not None else (np.zeros_like(p), np.zeros_like(p))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        return p - lr * (m_hat / (np.sqrt(v_hat) + eps) + wd * p), (m, v)

    return step


CASES = {
    "sgd": (optim.sgd(0.1), _sgd(0.1)),
    "momentum": (optim.momentum(0.1, 0.9), _momentum(0.1, 0.9)),
    "nesterov": (optim.sgd(0.1, momentum=0.8, nesterov=True), _nesterov(0.1, 0.8)),
    "adagrad": (optim.adagrad(0.05), _adagrad(0.05, 1e-8)),
    "adadelta": (optim.adadelta(), _adadelta(0.95, 1e-6)),
    "rmsprop": (optim.rmsprop(0.01, 0.9), _rmsprop(0.01, 0.9, 1e-8)),
    "adam": (optim.adam(0.01), _adam(0.01, 0.9, 0.999, 1e-8)),
    "adamw": (optim.adamw(0.01, weight_decay=0.1), _adam(0.01, 0.9, 0.999, 1e-8, wd=0.1)),
}


@pytest.mark.parametrize("name", sorted(CASES))
@given(seed=st.integers(0, 2**16))
def test_update_equals_textbook_formula(name, seed):
    opt, step = CASES[name]
    params, grads = _problem(seed)
    got = _run(opt, params, grads)
    want = _by_hand(step, params, grads)
    for g, w in zip(got, want):
        for k in params:
            np.testing.assert_allclose(g[k], w[k], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_stays_float32_and_inputs_are_not_mutated(name):
    opt, _ = CASES[name]
    params, grads = _problem(0, np.float32)
    before = {k: v.copy() for k, v in params.items()}
    grads_before = [{k: v.copy() for k, v in g.items()} for g in grads]
    history = _run(opt, params, grads)
    assert all(v.dtype == np.float32 for p in history for v in p.values())
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    for g, gb in zip(grads, grads_before):
        for k in g:
            np.testing.assert_array_equal(g[k], gb[k])


def test_weight_decay_is_added_to_the_gradient():
    params, grads = _problem(1)
    opt = optim.chain(optim.add_decayed_weights(0.1), optim.sgd(0.5))
    got = _run(opt, params, grads[:1])[0]
    for k in params:
        np.testing.assert_allclose(got[k], params[k] - 0.5 * (grads[0][k] + 0.1 * params[k]))


def test_clip_by_global_norm_matches_the_book():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}  # global norm 5
    out, _ = optim.clip_by_global_norm(1.0).update(grads, ())
    rate = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(out["a"], grads["a"] * rate)
    np.testing.assert_allclose(out["b"], grads["b"] * rate)
    small, _ = optim.clip_by_global_norm(10.0).update(grads, ())
    np.testing.assert_allclose(small["a"], grads["a"])


def test_clip_elementwise():
    out, _ = optim.clip(0.5).update({"a": np.array([-2.0, 0.1, 3.0])}, ())
    np.testing.assert_array_equal(out["a"], [-0.5, 0.1, 0.5])


def test_freeze_and_masked_leave_chosen_parameters_alone():
    params, grads = _problem(2)
    frozen = _run(optim.chain(optim.freeze({"w": True, "b": False}), optim.sgd(0.1)), params, grads)[-1]
    np.testing.assert_array_equal(frozen["w"], params["w"])
    assert not np.allclose(frozen["b"], params["b"])
    masked = optim.masked(optim.adam(0.1), lambda p: {"w": False, "b": True})
    out = _run(masked, params, grads[:1])[0]
    np.testing.assert_allclose(out["w"], params["w"] + grads[0]["w"])  # passed through unchanged
    adam_only = _run(optim.adam(0.1), {"b": params["b"]}, [{"b": grads[0]["b"]}])[0]
    np.testing.assert_allclose(out["b"], adam_only["b"])


def test_schedules():
    assert optim.constant_schedule(0.3)(100) == 0.3
    s = optim.step_schedule(1.0, [10, 20], 0.5)
    assert [s(0), s(9), s(10), s(25)] == [1.0, 1.0, 0.5, 0.25]
    c = optim.cosine_decay_schedule(2.0, 100, alpha=0.1)
    assert c(0) == pytest.approx(2.0) and c(100) == pytest.approx(0.2) and c(50) == pytest.approx(1.1)
    w = optim.warmup_schedule(1.0, 4, c)
    assert [w(0), w(3)] == [0.25, 1.0] and w(4) == pytest.approx(2.0)


def test_schedule_drives_the_learning_rate():
    params, grads = _problem(3)
    lrs = [0.1, 0.05, 0.025, 0.0125]
    got = _run(optim.sgd(lambda step: lrs[step]), params, grads)
    p = params
    for g, lr, out in zip(grads, lrs, got):
        p = {k: p[k] - lr * g[k] for k in p}
        for k in p:
            np.testing.assert_allclose(out[k], p[k])


def test_optimizer_trains_a_least_squares_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    w_true = np.array([1.0, -2.0, 0.5])
    y = x @ w_true

    def loss(w):
        return fz.numpy.mean((x @ w - y) ** 2)

    opt = optim.adam(0.1)
    w = np.zeros(3)
    state = opt.init(w)
    for _ in range(300):
        updates, state = opt.update(fz.grad(loss)(w), state, w)
        w = optim.apply_updates(w, updates)
    np.testing.assert_allclose(w, w_true, atol=1e-3)


def test_adam_in_place_kernel_agrees_with_the_traceable_formulas():
    """Large leaves (several blocks of the in-place kernel), a strided leaf, and a 0-d leaf
    (which takes the fnzero.numpy formulas) all equal the textbook step."""
    rng = np.random.default_rng(7)
    params = {
        "big": rng.normal(size=(3, 45_000)),
        "strided": rng.normal(size=(40, 30)),
        "scalar": np.asarray(rng.normal()),
    }
    grads = []
    for _ in range(STEPS):
        g = {k: rng.normal(size=np.shape(v)) for k, v in params.items()}
        g["strided"] = rng.normal(size=(30, 40)).T
        grads.append(g)
    got = _run(optim.adam(0.01), params, grads)
    want = _by_hand(_adam(0.01, 0.9, 0.999, 1e-8), params, grads)
    for g, w in zip(got, want):
        for k in params:
            np.testing.assert_allclose(g[k], w[k], rtol=1e-12, atol=1e-12)

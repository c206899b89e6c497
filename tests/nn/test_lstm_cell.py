"""nn.lstm_cell (three fused primitives) against the gate equations written out in NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero.test_util import check_grads


def _reference(x, h, c, wx, wh, b):
    z = x @ wx + h @ wh + b
    H = h.shape[-1]
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f, o, u = sig(z[..., :H]), sig(z[..., H : 2 * H]), sig(z[..., 2 * H : 3 * H]), np.tanh(z[..., 3 * H :])
    c2 = f * c + i * u
    return o * np.tanh(c2), c2


def _by_gate(x, h, c, wx, wh, b):
    """The same step with one fnzero operation per gate: the composite the primitives replace."""
    z = x @ wx + h @ wh + b
    H = h.shape[-1]
    i, f, o = nn.sigmoid(z[:, :H]), nn.sigmoid(z[:, H : 2 * H]), nn.sigmoid(z[:, 2 * H : 3 * H])
    c2 = f * c + i * fnp.tanh(z[:, 3 * H :])
    return o * fnp.tanh(c2), c2


def _args(rng, n, d, hidden, scale=1.0):
    shapes = [(n, d), (n, hidden), (n, hidden), (d, 4 * hidden), (hidden, 4 * hidden), (4 * hidden,)]
    return [rng.normal(size=s) * scale for s in shapes]


@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 4), st.floats(0.1, 5.0), st.integers(0, 2**16))
def test_lstm_cell_matches_the_gate_equations(n, d, hidden, scale, seed):
    args = _args(np.random.default_rng(seed), n, d, hidden, scale)
    for got, want in zip(nn.lstm_cell(*args), _reference(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**16))
def test_lstm_cell_gradients_equal_the_per_gate_composite(n, d, hidden, seed):
    args = _args(np.random.default_rng(seed), n, d, hidden)
    w = np.random.default_rng(seed + 1).normal(size=(2, n, hidden))

    def loss(step, *a):
        h2, c2 = step(*a)
        return fnp.sum(w[0] * h2 * h2 + w[1] * c2)

    argnums = tuple(range(6))
    got = fz.grad(lambda *a: loss(nn.lstm_cell, *a), argnums)(*args)
    want = fz.grad(lambda *a: loss(_by_gate, *a), argnums)(*args)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)
    hess = fz.hessian(lambda wh: loss(nn.lstm_cell, *args[:4], wh, args[5]))(args[4])
    hess_want = fz.hessian(lambda wh: loss(_by_gate, *args[:4], wh, args[5]))(args[4])
    np.testing.assert_allclose(hess, hess_want, rtol=1e-9, atol=1e-10)


def test_lstm_cell_float32_stays_float32_and_survives_large_inputs():
    args = [a.astype(np.float32) for a in _args(np.random.default_rng(0), 3, 2, 4, scale=300.0)]
    h2, c2 = nn.lstm_cell(*args)
    assert h2.dtype == c2.dtype == np.float32
    assert np.isfinite(h2).all() and np.isfinite(c2).all()
    g = fz.grad(lambda wh: fnp.sum(nn.lstm_cell(*args[:4], wh, args[5])[0]))(args[4])
    assert g.dtype == np.float32 and np.isfinite(g).all()


def test_lstm_cell_per_example_weights_under_vmap_equal_the_loop():
    rng = np.random.default_rng(3)
    x, h, c, wx, wh, b = _args(rng, 2, 3, 2)
    whs = rng.normal(size=(4,) + wh.shape)
    got = fz.vmap(lambda wh: nn.lstm_cell(x, h, c, wx, wh, b), in_axes=0)(whs)
    for k in range(4):
        for g, e in zip(got, _reference(x, h, c, wx, whs[k], b)):
            np.testing.assert_allclose(g[k], e, rtol=1e-12)


def test_lstm_cell_names_mismatched_shapes():
    x, h, c, wx, wh, b = _args(np.random.default_rng(0), 2, 3, 2)
    with pytest.raises(ValueError, match=r"lstm_cell: W_h must be \(H, 4H\)"):
        nn.lstm_cell(x, h, c, wx, wh[:, :6], b)
    with pytest.raises(ValueError, match="lstm_cell"):
        nn.lstm_cell(x, h[:, :1], c, wx, wh, b)


def test_lstm_cell_one_example_without_a_batch_axis():
    batch_of_one = _args(np.random.default_rng(4), 1, 3, 2)
    x, h, c, wx, wh, b = [a[0] for a in batch_of_one[:3]] + batch_of_one[3:]
    assert x.ndim == h.ndim == c.ndim == 1
    h2, c2 = nn.lstm_cell(x, h, c, wx, wh, b)
    want_h, want_c = _reference(x, h, c, wx, wh, b)
    assert h2.shape == c2.shape == (2,)
    np.testing.assert_allclose(h2, want_h, rtol=1e-12)
    np.testing.assert_allclose(c2, want_c, rtol=1e-12)
    check_grads(lambda *a: fnp.sum(nn.lstm_cell(*a)[0] * nn.lstm_cell(*a)[1]), (x, h, c, wx, wh, b), order=1)


def test_lstm_cell_names_a_mismatched_input_weight_or_bias():
    x, h, c, wx, wh, b = _args(np.random.default_rng(0), 2, 3, 2)
    with pytest.raises(ValueError, match=r"lstm_cell: W_x must be \(D, 4H\)"):
        nn.lstm_cell(x[:, :2], h, c, wx, wh, b)
    with pytest.raises(ValueError, match=r"lstm_cell: b must be \(4H,\)"):
        nn.lstm_cell(x, h, c, wx, wh, b[:4])


def test_lstm_cell_linearized_equals_its_jvp_and_its_vjp_transposes_it():
    """linearize records the step on a tape (the new cell and output as one node) and pushes
    tangents through it; the pullback of the same step is its transpose."""
    rng = np.random.default_rng(5)
    args = _args(rng, 3, 2, 2)
    tangents = [rng.normal(size=a.shape) for a in args]
    f = lambda *a: nn.lstm_cell(*a)  # noqa: E731
    out, f_lin = fz.linearize(f, *args)
    _, want = fz.jvp(f, tuple(args), tuple(tangents))
    for got, w in zip(f_lin(*tangents), want):
        np.testing.assert_allclose(got, w, rtol=1e-10, atol=1e-12)
    _, pullback = fz.vjp(f, *args)
    cts = [rng.normal(size=o.shape) for o in out]
    back = pullback(tuple(cts))
    lhs = sum(float(np.sum(c * t)) for c, t in zip(cts, want))
    rhs = sum(float(np.sum(b * t)) for b, t in zip(back, tangents))
    assert lhs == pytest.approx(rhs, rel=1e-10)

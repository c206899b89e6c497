"""Layers: shapes, gradients, train/eval behaviour, keys and state threading, recurrence."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero.test_util import check_grads

KEY = fz.random.key(0)


def test_linear_matches_the_formula_and_gradients_are_model_shaped():
    layer = nn.Linear(3, 2, key=KEY)
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(layer(x), x @ layer.W + layer.b, rtol=1e-6)
    g = fz.grad(lambda m: fnp.sum(m(x) ** 2))(layer)
    assert type(g) is nn.Linear and g.W.shape == (3, 2) and g.W.dtype == np.float32
    np.testing.assert_allclose(g.b, 2 * (x @ layer.W + layer.b).sum(0), rtol=1e-5)
    assert nn.Linear(3, 2, key=KEY, bias=False).b is None


def test_mlp_layers_keys_and_activation():
    mlp = nn.MLP([5, 7, 3], key=KEY)
    assert [lay.W.shape for lay in mlp.layers] == [(5, 7), (7, 3)]
    assert not np.allclose(mlp.layers[0].W[:3, :3], mlp.layers[1].W[:3, :3])  # independent keys
    x = np.random.default_rng(0).normal(size=(2, 5)).astype(np.float32)
    hidden = np.maximum(x @ mlp.layers[0].W + mlp.layers[0].b, 0)
    np.testing.assert_allclose(mlp(x), hidden @ mlp.layers[1].W + mlp.layers[1].b, rtol=1e-5)
    with pytest.raises(ValueError, match="sizes"):
        nn.MLP([3], key=KEY)


def _net():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, key=fz.random.key(1), padding=1),
        nn.BatchNorm(4),
        nn.relu,
        nn.MaxPool2d(2),
        nn.flatten,
        nn.Dropout(0.5),
        nn.Linear(16, 3, key=fz.random.key(2)),
    )


def test_sequential_train_and_eval_differ_and_keys_reproduce():
    net = _net()
    state = net.init_state()
    x = np.random.default_rng(0).normal(size=(6, 1, 4, 4)).astype(np.float32)
    a, s1 = net(x, state, key=fz.random.key(5), train=True)
    b, _ = net(x, state, key=fz.random.key(5), train=True)
    c, _ = net(x, state, key=fz.random.key(6), train=True)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    e1, s_eval = net(x, state, train=False)
    e2, _ = net(x, state, key=fz.random.key(9), train=False)
    np.testing.assert_array_equal(e1, e2)  # eval: no dropout, running statistics
    assert not np.allclose(a, e1)
    # training moved the BatchNorm running statistics by the momentum rule; eval left them
    batch_mean = np.asarray(net.layers[0](x)).mean(axis=(0, 2, 3))
    np.testing.assert_allclose(s1[1]["mean"], 0.1 * batch_mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(s_eval[1]["mean"], state[1]["mean"])
    with pytest.raises(ValueError, match="init_state"):
        net(x)
    with pytest.raises(ValueError, match="key"):
        net(x, state, train=True)


def test_sequential_gradient_through_batchnorm_and_dropout():
    net = _net()
    x = np.random.default_rng(1).normal(size=(4, 1, 4, 4))
    state = net.init_state()

    def loss(conv_w):
        model = fz.nn.tree_at(lambda m: m.layers[0].W, net, conv_w)
        y, _ = model(x, state, key=fz.random.key(3), train=True)
        return fnp.sum(y**2)

    check_grads(loss, [net.layers[0].W.astype(np.float64)], order=1, atol=1e-4, rtol=1e-4)


def test_layer_norm_and_embedding():
    ln = nn.LayerNorm(4)
    y = ln(np.arange(8.0).reshape(2, 4))
    np.testing.assert_allclose(np.asarray(y).mean(-1), 0, atol=1e-6)
    emb = nn.Embedding(10, 3, key=KEY)
    np.testing.assert_array_equal(emb(np.array([[1, 2], [2, 9]])), emb.W[np.array([[1, 2], [2, 9]])])


def test_conv_transpose_layer_is_the_adjoint_of_conv():
    conv = nn.Conv2d(2, 3, 3, key=KEY, stride=2, padding=1, bias=False)
    convt = nn.ConvTranspose2d(3, 2, 3, key=KEY, stride=2, padding=1, output_padding=1, bias=False)
    convt = convt.replace(W=conv.W)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(1, 2, 6, 6)), rng.normal(size=(1, 3, 3, 3))
    lhs = np.sum(np.asarray(conv.replace(W=conv.W.astype(np.float64))(x)) * y)
    rhs = np.sum(x * np.asarray(convt.replace(W=conv.W.astype(np.float64))(y)))
    assert lhs == pytest.approx(rhs, rel=1e-10)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM])
def test_recurrent_layers_pass_check_grads(cls):
    model = cls(2, 3, key=KEY)
    xs = np.random.default_rng(0).normal(size=(4, 2, 2))
    params = fz.tree.map(lambda p: p.astype(np.float64), model)

    def loss(m, xs):
        hs, _ = m(xs)
        return fnp.sum(hs**2)

    check_grads(loss, [params, xs], order=1)


def test_lstm_cell_matches_the_gate_equations():
    cell = nn.LSTMCell(2, 3, key=KEY)
    rng = np.random.default_rng(1)
    x, h, c = rng.normal(size=(5, 2)), rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    z = x @ cell.W_x + h @ cell.W_h + cell.b
    sig = lambda v: 1 / (1 + np.exp(-v))
    i, f, o, u = sig(z[:, :3]), sig(z[:, 3:6]), sig(z[:, 6:9]), np.tanh(z[:, 9:])
    c_new = f * c + i * u
    h2, c2 = cell(x, (h, c))
    np.testing.assert_allclose(c2, c_new, rtol=1e-5)
    np.testing.assert_allclose(h2, o * np.tanh(c_new), rtol=1e-5)


def test_truncated_bptt_does_not_grow_memory():
    lstm = nn.LSTM(1, 8, key=KEY)
    head = nn.Linear(8, 1, key=KEY)
    model = (lstm, head)
    xs = np.sin(np.linspace(0, 20, 1001)).astype(np.float32).reshape(-1, 1, 1)

    def chunk_loss(model, x, t, carry):
        lstm, head = model
        hs, carry = lstm(x, carry)
        return fnp.mean((head(hs) - t) ** 2), carry

    step = fz.value_and_grad(chunk_loss, has_aux=True)

    def run(n_steps):
        nonlocal model
        carry = None
        for i in range(n_steps):
            (_, carry), g = step(model, xs[i : i + 1], xs[i + 1 : i + 2], carry)
            model = fz.optim.apply_updates(model, fz.tree.map(lambda v: -0.01 * v, g))
            carry = fz.stop_gradient(carry)

    run(20)
    gc.collect()
    tracemalloc.start()
    try:
        run(100)
        gc.collect()
        first = tracemalloc.get_traced_memory()[0]
        run(900)
        gc.collect()
        second = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024, f"memory grew by {second - first} bytes over 900 steps"

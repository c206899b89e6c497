"""Layers and the functions under them.

Layers: shapes, gradients, train/eval behaviour, keys and state threading, recurrence.

dropout, batch_norm, layer_norm, linear, embedding, flatten and the initializers: their
definitions checked by hand, derivatives to second order, explicit keys and train flags."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
import fnzero.random as fr
from fnzero.nn import initializers as init
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


def test_dropout_keeps_the_mean_and_drops_the_rate():
    x = np.linspace(0.5, 1.5, 2500).astype(np.float32)
    rate = 0.3
    outs = np.stack([nn.dropout(x, rate, key=k, train=True) for k in fr.split(fr.key(0), 400)])
    assert abs(outs.mean() / x.mean() - 1) < 0.01
    assert abs((outs == 0).mean() - rate) < 0.01
    kept = outs != 0
    np.testing.assert_allclose(outs[kept], np.broadcast_to(x / (1 - rate), outs.shape)[kept], rtol=1e-6)
    # Each entry's mean over the keys is within 4 standard errors of the input.
    se = x * np.sqrt(rate / (1 - rate)) / np.sqrt(len(outs))
    assert np.all(np.abs(outs.mean(axis=0) - x) < 4 * se)


def test_dropout_is_the_identity_when_not_training_and_reproducible_per_key():
    x = np.random.default_rng(0).standard_normal((20, 30))
    assert nn.dropout(x, 0.5, train=False) is x
    k = fr.key(3)
    np.testing.assert_array_equal(
        nn.dropout(x, 0.5, key=k, train=True), nn.dropout(x, 0.5, key=k, train=True)
    )
    assert not np.array_equal(
        nn.dropout(x, 0.5, key=k, train=True), nn.dropout(x, 0.5, key=fr.key(4), train=True)
    )


def test_dropout_gradient_is_the_scaled_mask():
    x = np.random.default_rng(1).standard_normal(50)
    k = fr.key(5)
    mask = nn.dropout(np.ones(50), 0.4, key=k, train=True)
    np.testing.assert_allclose(fz.grad(lambda x: fnp.sum(nn.dropout(x, 0.4, key=k, train=True)))(x), mask)
    check_grads(lambda x: fnp.sin(nn.dropout(x, 0.4, key=k, train=True)), (x,), order=2)


def test_dropout_needs_a_key_to_train_and_a_rate_in_range():
    with pytest.raises(ValueError, match="needs a key"):
        nn.dropout(np.ones(3), 0.5, train=True)
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\]"):
        nn.dropout(np.ones(3), 1.5, key=fr.key(0), train=True)
    np.testing.assert_array_equal(nn.dropout(np.ones(3), 1.0, key=fr.key(0), train=True), 0.0)


def test_dropout_on_each_backend(backend):
    x = backend.xp.ones((100, 100), dtype=np.float32)
    y = nn.dropout(x, 0.5, key=fr.key(0), train=True)
    assert type(y) is type(x) and y.dtype == np.float32
    np.testing.assert_array_equal(
        backend.to_host(y), nn.dropout(np.ones((100, 100), np.float32), 0.5, key=fr.key(0), train=True)
    )


@pytest.mark.parametrize("shape, axes", [((64, 3), (0,)), ((8, 3, 5, 4), (0, 2, 3))])
def test_batch_norm_training_statistics_and_momentum_rule(shape, axes):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * np.array([1.0, 3.0, 0.5]).reshape((1, 3) + (1,) * (len(shape) - 2)) + 2
    mean0, var0 = rng.standard_normal(3), rng.uniform(1, 2, 3)
    y, (mean1, var1) = nn.batch_norm(x, np.ones(3), np.zeros(3), mean0, var0, train=True, momentum=0.8)
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=axes), 1, atol=1e-4)
    np.testing.assert_allclose(mean1, 0.8 * mean0 + 0.2 * x.mean(axis=axes))
    np.testing.assert_allclose(var1, 0.8 * var0 + 0.2 * x.var(axis=axes, ddof=1))


def test_batch_norm_inference_uses_the_running_statistics():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 2, 2))
    gamma, beta, mean, var = (
        rng.standard_normal(3),
        rng.standard_normal(3),
        rng.standard_normal(3),
        rng.uniform(1, 2, 3),
    )
    y, state = nn.batch_norm(x, gamma, beta, mean, var, train=False)
    c = (1, 3, 1, 1)
    expected = gamma.reshape(c) * (x - mean.reshape(c)) / np.sqrt(var.reshape(c) + 1e-5) + beta.reshape(c)
    np.testing.assert_allclose(y, expected)
    assert state[0] is mean and state[1] is var


@given(st.integers(0, 2**32 - 1), st.booleans())
def test_batch_norm_derivatives_to_second_order(seed, train):
    rng = np.random.default_rng(seed)
    x, gamma, beta = rng.standard_normal((5, 2, 3, 2)), rng.standard_normal(2), rng.standard_normal(2)
    mean, var = rng.standard_normal(2), rng.uniform(1, 2, 2)
    f = lambda x, g, b: nn.batch_norm(x, g, b, mean, var, train=train)[0]
    check_grads(f, (x, gamma, beta), order=2, rtol=1e-4, atol=1e-4)


def test_batch_norm_state_in_a_training_step_has_no_derivative():
    x = np.random.default_rng(2).standard_normal((6, 2))
    params = {"gamma": np.ones(2), "beta": np.zeros(2)}

    def loss(p):
        y, state = nn.batch_norm(x, p["gamma"], p["beta"], np.zeros(2), np.ones(2), train=True)
        return fnp.sum(y**3), state

    g, state = fz.grad(loss, has_aux=True)(params)
    assert isinstance(state[0], np.ndarray) and g["gamma"].shape == (2,)


def test_layer_norm_normalizes_each_example():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 6)) * 5 + 1
    y = nn.layer_norm(x, np.ones(6), np.zeros(6))
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1, atol=1e-5)
    gamma, beta = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    z = rng.standard_normal((2, 3, 2))
    expected = (z - z.mean(axis=(1, 2), keepdims=True)) / np.sqrt(z.var(axis=(1, 2), keepdims=True) + 1e-5)
    np.testing.assert_allclose(nn.layer_norm(z, gamma, beta, axis=(1, 2)), expected * gamma + beta)
    check_grads(
        lambda z, g, b: nn.layer_norm(z, g, b, axis=(1, 2)), (z, gamma, beta), order=2, rtol=1e-4, atol=1e-4
    )


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: nn.batch_norm(np.ones((2, 3, 4)), *[np.ones(3)] * 4, train=True), r"got shape \(2, 3, 4\)"),
        (
            lambda: nn.batch_norm(np.ones((2, 3)), np.ones(4), *[np.ones(3)] * 3, train=True),
            r"gamma has shape \(4,\)",
        ),
        (
            lambda: nn.layer_norm(np.ones((2, 3)), np.ones(2), np.ones(3)),
            r"gamma has shape \(2,\), expected \(3,\)",
        ),
        (lambda: nn.layer_norm(np.ones((2, 3)), axis=2), r"axis 2 is out of range for an input of shape"),
    ],
)
def test_normalization_bad_input(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_linear_flatten_and_embedding():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    flat = nn.flatten(x)
    assert flat.shape == (3, 4)
    np.testing.assert_allclose(nn.linear(flat, w, b), x.reshape(3, 4) @ w + b)
    check_grads(lambda x, w, b: nn.linear(nn.flatten(x), w, b), (x, w, b), order=2)
    table = rng.standard_normal((6, 3))
    ids = np.array([[0, 5], [5, 2]])
    np.testing.assert_array_equal(nn.embedding(ids, table), table[ids])
    g = fz.grad(lambda t: fnp.sum(nn.embedding(ids, t)))(table)
    np.testing.assert_array_equal(g[:, 0], [1, 0, 1, 0, 0, 2])
    with pytest.raises(ValueError, match="id 6 is out of range for a vocabulary of 6"):
        nn.embedding(np.array([6]), table)
    with pytest.raises(TypeError, match="integers"):
        nn.embedding(np.array([0.0]), table)


@pytest.mark.parametrize(
    "make, scale, mode, uniform",
    [
        (init.glorot_uniform, 1.0, "fan_avg", True),
        (init.xavier_normal, 1.0, "fan_avg", False),
        (init.he_uniform, 2.0, "fan_in", True),
        (init.kaiming_normal, 2.0, "fan_in", False),
        (init.lecun_normal, 1.0, "fan_in", False),
    ],
)
def test_initializers_have_the_variance_of_their_rule(make, scale, mode, uniform):
    shape = (40, 30, 3, 3)  # an OIHW conv weight: fan_in = 30 * 9, fan_out = 40 * 9
    w = make(in_axis=1, out_axis=0)(fr.key(0), shape)
    fan = {"fan_in": 30 * 9, "fan_avg": (30 + 40) * 9 / 2}[mode]
    assert w.shape == shape and w.dtype == np.float32
    assert w.var() == pytest.approx(scale / fan, rel=0.05)
    if uniform:
        assert np.abs(w).max() <= np.sqrt(3 * scale / fan)
    else:
        assert np.abs(w).max() <= 2 * np.sqrt(scale / fan) / 0.87962566103423978 + 1e-6
    np.testing.assert_array_equal(w, make(in_axis=1, out_axis=0)(fr.key(0), shape))


def test_zeros_and_ones_initializers():
    np.testing.assert_array_equal(init.zeros(fr.key(0), (2, 3)), np.zeros((2, 3), np.float32))
    assert init.ones(fr.key(0), (4,), np.float64).dtype == np.float64

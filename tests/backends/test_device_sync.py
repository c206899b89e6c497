"""No host synchronization inside a training step, and the GPU plumbing (data loader, train job,
checkpoints), on a fake device backend whose arrays count every read of their values in
Python (each one, on a GPU, waits for the device)."""

from __future__ import annotations

import numpy as np
import pytest
from fake_backend import DeviceArray, register_device_fake

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero import backends, data, optim, random
from fnzero.nn.layers.protocol import apply_layer, init_state
from fnzero.train import Config, train


@pytest.fixture
def device(monkeypatch):
    monkeypatch.delenv(backends.CHECK_DEVICE_VALUES, raising=False)
    dev = register_device_fake(monkeypatch)
    monkeypatch.setattr(DeviceArray, "host_reads", 0)
    return dev


def cnn(key):
    k = random.split(key, 3)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, key=k[0], padding=1),
        nn.BatchNorm(4),
        nn.relu,
        nn.MaxPool2d(2),
        nn.flatten,
        nn.Dropout(0.25),
        nn.Linear(4 * 4 * 4, 8, key=k[1]),
        fnp.tanh,
        nn.Linear(8, 3, key=k[2]),
    )


def test_a_cnn_training_step_reads_nothing_back(device):
    rng = np.random.default_rng(0)
    x, t = rng.random((6, 1, 8, 8), dtype=np.float32), rng.integers(0, 3, 6)
    key = random.key(0)
    model = fz.device_put(cnn(key), "device")
    state = fz.device_put(init_state(model), "device")
    opt = optim.adam(1e-2)
    opt_state = opt.init(model)
    x, t = fz.device_put((x, t), "device")

    def loss(model, state, x, t, key):
        logits, state = apply_layer(model, x, state, key=key, train=True)
        return nn.softmax_cross_entropy(logits, t), (state, logits)

    step = fz.value_and_grad(loss, has_aux=True)
    for i in range(2):
        (value, (state, logits)), grads = step(model, state, x, t, random.fold_in(key, i))
        updates, opt_state = opt.update(grads, opt_state, model)
        model = optim.apply_updates(model, updates)
        accuracy = nn.accuracy(logits, t)
    assert DeviceArray.host_reads == 0
    assert all(type(a) is DeviceArray for a in fz.tree.leaves((model, state)) if hasattr(a, "shape"))
    assert type(value) is DeviceArray and type(accuracy) is DeviceArray
    assert np.isfinite(device.to_host(value))


def test_embedding_and_sequence_loss_read_nothing_back(device):
    rng = np.random.default_rng(1)
    W = fz.device_put(rng.standard_normal((10, 4)).astype(np.float32), "device")
    ids, t = fz.device_put((rng.integers(0, 10, (3, 5)), rng.integers(0, 4, (3, 5))), "device")
    g = fz.grad(lambda W: nn.softmax_cross_entropy(nn.embedding(ids, W), t))(W)
    assert type(g) is DeviceArray and DeviceArray.host_reads == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda labels: nn.softmax_cross_entropy(fnp.zeros((2, 3), backend="device"), labels),
        lambda labels: nn.accuracy(fnp.zeros((2, 3), backend="device"), labels),
        lambda labels: nn.embedding(labels, fnp.zeros((3, 2), backend="device")),
    ],
)
def test_label_ranges_on_a_device_are_checked_only_on_request(device, monkeypatch, call):
    labels = fz.device_put(np.array([0, 3]), "device")
    try:  # unchecked: no read (the fake's NumPy memory may raise IndexError; CuPy's indexing wraps)
        call(labels)
    except IndexError:
        pass
    assert DeviceArray.host_reads == 0
    monkeypatch.setenv(backends.CHECK_DEVICE_VALUES, "1")
    with pytest.raises(ValueError, match="3 is out of range"):
        call(labels)
    assert DeviceArray.host_reads > 0


def test_label_ranges_on_the_host_are_always_checked():
    with pytest.raises(ValueError, match="label 3 is out of range for 3 classes"):
        nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


def test_dropout_probability_is_checked_on_the_host(device):
    x = fnp.ones((4, 4), backend="device")
    nn.dropout(x, 0.5, key=random.key(0), train=True)
    assert DeviceArray.host_reads == 0
    with pytest.raises(ValueError, match="p must lie in"):
        random.bernoulli(random.key(0), 1.5, (2,), backend="device")


def test_data_loader_puts_batches_on_the_device(device):
    dataset = data.ArrayDataset(np.arange(20.0).reshape(10, 2), np.arange(10))
    batches = list(data.DataLoader(dataset, 4, shuffle=False, backend="device"))
    assert len(batches) == 3
    assert all(type(a) is DeviceArray for batch in batches for a in batch)
    np.testing.assert_array_equal(device.to_host(batches[1][1]), [4, 5, 6, 7])


def test_checkpoints_of_device_trees_go_through_the_host(device, tmp_path):
    params = {"W": np.arange(6.0, dtype=np.float32).reshape(2, 3), "step": 3}
    fz.save(tmp_path / "ckpt.npz", fz.device_put(params, "device"))
    on_host = fz.load(tmp_path / "ckpt.npz", like=params)
    assert type(on_host["W"]) is np.ndarray and on_host["step"] == 3
    on_device = fz.load(tmp_path / "ckpt.npz", like=fz.device_put(params, "device"))
    assert type(on_device["W"]) is DeviceArray
    np.testing.assert_array_equal(device.to_host(on_device["W"]), params["W"])


def test_the_train_job_reads_the_device_once_per_metric_per_epoch(device, tmp_path):
    config = Config(
        model="mlp", dataset="digits", epochs=1, batch_size=128, backend="device", out=str(tmp_path)
    )
    result = train(config, progress=None)
    # loss, train accuracy, test loss and test accuracy: four reads for the epoch's 12 steps
    assert DeviceArray.host_reads == 4
    assert result["test_accuracy"] > 0.5
    saved = fz.load(tmp_path / "checkpoint.npz")
    assert saved["epoch"] == 1


def test_a_jitted_adam_step_runs_on_the_device_and_reads_nothing_back(device):
    rng = np.random.default_rng(2)
    x, t = rng.random((8, 5), dtype=np.float32), rng.integers(0, 3, 8)
    params = {"w": rng.standard_normal((5, 3)).astype(np.float32), "b": np.zeros(3, np.float32)}
    opt = optim.adam(1e-2)

    @fz.jit
    def step(p, s, x, t):
        value, g = fz.value_and_grad(lambda p: nn.softmax_cross_entropy(nn.relu(x @ p["w"] + p["b"]), t))(p)
        updates, s = opt.update(g, s, p)
        return value, optim.apply_updates(p, updates), s

    losses = {}
    for name in ("numpy", "device"):
        p, xb, tb = fz.device_put((params, x, t), name)
        s = opt.init(p)
        for _ in range(3):
            value, p, s = step(p, s, xb, tb)
        assert {backends.backend_of(a).name for a in fz.tree.leaves((value, p, s))} == {name}
        losses[name] = backends.get(name).to_host(value)
    assert DeviceArray.host_reads == 0
    np.testing.assert_allclose(losses["device"], losses["numpy"], rtol=1e-6)

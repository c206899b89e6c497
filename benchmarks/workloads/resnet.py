"""resnet: one SGD step (learning rate 1e-3) of fnzero's ``NetResDeep`` (width 32, 10 residual
blocks of conv-batchnorm-relu plus skip) on a (32, 3, 32, 32) float32 batch, batch norm in
training mode: a model as its users write it, against PyTorch's functional version of it.

Checksum: the loss after the first step's update, evaluated again. No floor; DeZero has no
batch-norm training step matching PyTorch's here.
"""

from __future__ import annotations

import functools

import numpy as np

from benchmarks._harness import Case
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import Device

LR = 1e-3
RTOL = {"cpu": 1e-3}


def title(dev: Device) -> str:
    return "resnet: one SGD step, NetResDeep (width 32, 10 blocks), batch (32, 3, 32, 32), float32"


@functools.cache
def data() -> tuple:
    import fnzero as fz
    from fnzero.nn.models import NetResDeep

    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 3, 32, 32)).astype(np.float32)
    t = rng.integers(0, 2, size=32)
    return x, t, NetResDeep(key=fz.random.key(1), width=32, n_blocks=10)


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz
    import fnzero.nn as nn

    x, t, model = data()
    bn = model.init_state()

    def loss(m):
        y, _ = m(x, bn, train=True)
        return nn.softmax_cross_entropy(y, t)

    grad = fz.grad(loss)

    def step(model):
        return fz.tree.map(lambda p, d: p - LR * d, model, grad(model))

    step = fz.jit(step) if jit else step
    return Case(lambda: step(model), lambda m: float(loss(m)))


def torch(dev: Device) -> Case:
    import fnzero as fz

    tc = c.torch(dev)
    F = tc.nn.functional
    x, t, model = data()
    leaves = {p: tc.tensor(np.asarray(v), requires_grad=True) for p, v in fz.tree.flatten_with_path(model)}
    xt, tt = tc.tensor(x), tc.tensor(t)
    n_blocks = len(model.blocks)
    stats = [(tc.zeros(32), tc.ones(32)) for _ in range(n_blocks)]

    def forward():
        y = F.max_pool2d(tc.relu(F.conv2d(xt, leaves["conv1/W"], leaves["conv1/b"], padding=1)), 2)
        for i in range(n_blocks):
            z = F.conv2d(y, leaves[f"blocks/{i}/conv/W"], padding=1)
            mean, var = stats[i]
            gamma, beta = leaves[f"blocks/{i}/bn/gamma"], leaves[f"blocks/{i}/bn/beta"]
            z = F.batch_norm(z, mean.clone(), var.clone(), gamma, beta, training=True, momentum=0.1, eps=1e-5)
            y = tc.relu(z) + y
        y = F.max_pool2d(y, 2).reshape(len(y), -1)
        y = tc.relu(y @ leaves["fc1/W"] + leaves["fc1/b"]) @ leaves["fc2/W"] + leaves["fc2/b"]
        return F.cross_entropy(y, tt)

    def run():
        for p in leaves.values():
            p.grad = None
        forward().backward()
        with tc.no_grad():
            for p in leaves.values():
                p -= LR * p.grad
        return leaves

    return Case(run, lambda _: float(forward()))


PEERS = {"torch": torch}

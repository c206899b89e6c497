"""mlp_adam: one Adam step (learning rate 1e-3) of fnzero's ``nn.MLP`` 784-1000-1000-10 (ReLU,
softmax cross-entropy), batch 100, float32: modules and an optimizer as their users write
them (``fnzero.optim.adam``, ``torch.optim.Adam``, ``dezero.optimizers.Adam``).

Checksum: the loss after the first step's update, evaluated again (it depends on the gradient
and on the optimizer). No floor. PyTorch and DeZero update in place, so their later calls
continue training: only the first call's numbers are compared.
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
    return "mlp_adam: one Adam step, MLP 784-1000-1000-10, batch 100, float32"


@functools.cache
def data() -> tuple:
    """The batch ``(x, t)`` from seed 0 and fnzero's model from key 0 (its leaves initialize
    every library's parameters)."""
    import fnzero as fz
    import fnzero.nn as nn

    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 784)).astype(np.float32)
    t = rng.integers(0, 10, size=100)
    return x, t, nn.MLP([784, 1000, 1000, 10], key=fz.random.key(0))


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz
    import fnzero.nn as nn

    x, t, model = data()
    opt = fz.optim.adam(LR)
    state = opt.init(model)

    def loss(m):
        return nn.softmax_cross_entropy(m(x), t)

    grad = fz.grad(loss)

    def step(model, state):
        updates, _ = opt.update(grad(model), state, model)
        return fz.optim.apply_updates(model, updates)

    step = fz.jit(step) if jit else step
    return Case(lambda: step(model, state), lambda m: float(loss(m)))


def torch(dev: Device) -> Case:
    import fnzero as fz

    tc = c.torch(dev)
    F = tc.nn.functional
    x, t, model = data()
    params = [tc.tensor(np.asarray(p), requires_grad=True) for p in fz.tree.leaves(model)]
    xt, tt = tc.tensor(x), tc.tensor(t)
    opt = tc.optim.Adam(params, lr=LR)

    def forward():
        w1, b1, w2, b2, w3, b3 = params
        hid = tc.relu(tc.relu(xt @ w1 + b1) @ w2 + b2)
        return F.cross_entropy(hid @ w3 + b3, tt)

    def run():
        opt.zero_grad()
        forward().backward()
        opt.step()
        return params

    return Case(run, lambda _: float(forward()))


def dezero(dev: Device) -> Case:
    import fnzero as fz

    dz, F = c.dezero()
    import dezero.optimizers as O

    x, t, model = data()
    params = [dz.Parameter(np.array(p)) for p in fz.tree.leaves(model)]

    class Holder(dz.Model):
        pass

    holder = Holder()
    for i, p in enumerate(params):
        setattr(holder, f"p{i}", p)
    opt = O.Adam(alpha=LR).setup(holder)

    def forward():
        w1, b1, w2, b2, w3, b3 = params
        hid = F.relu(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2))
        return F.softmax_cross_entropy(F.linear(hid, w3, b3), t)

    def run():
        holder.cleargrads()
        forward().backward()
        opt.update()
        return params

    return Case(run, lambda _: float(forward().data))


PEERS = {"torch": torch, "dezero": dezero}

"""Training, checkpointing at step 25 and resuming gives bit-identical losses."""

from __future__ import annotations

import numpy as np

import fnzero as fz
import fnzero.nn as nn


def _setup():
    ds = fz.data.spiral()
    x, t = ds.data, ds.label
    model = nn.MLP([2, 16, 3], key=fz.random.key(0), activation=nn.sigmoid)
    opt = fz.optim.adam(0.05)
    return x, t, model, opt


def _step(model, opt_state, opt, x, t):
    loss, g = fz.value_and_grad(lambda m: nn.softmax_cross_entropy(m(x), t))(model)
    updates, opt_state = opt.update(g, opt_state, model)
    return fz.optim.apply_updates(model, updates), opt_state, float(loss)


def test_resume_from_a_checkpoint_is_bit_identical(tmp_path):
    x, t, model, opt = _setup()
    state = opt.init(model)
    losses = []
    for step in range(50):
        if step == 25:
            fz.save(tmp_path / "ckpt.npz", {"model": model, "opt": state, "step": step})
        model, state, loss = _step(model, state, opt, x, t)
        losses.append(loss)

    _, _, fresh, opt = _setup()
    template = {"model": fresh, "opt": opt.init(fresh), "step": 0}
    restored = fz.load(tmp_path / "ckpt.npz", like=template)
    model, state = restored["model"], restored["opt"]
    assert restored["step"] == 25
    resumed = []
    for _ in range(restored["step"], 50):
        model, state, loss = _step(model, state, opt, x, t)
        resumed.append(loss)
    assert resumed == losses[25:]
    assert losses[-1] < losses[0] * 0.7
    assert all(leaf.dtype == np.float32 for leaf in fz.tree.leaves(model))

"""The workloads compare.py adds to core.py's: a CNN step, an LSTM truncated-BPTT step, the
Hessian of a 100-dimensional function and per-example gradients. Sizes, data from fixed seeds,
checksums, and the NumPy floor written by hand (im2col + matmul convolution, backpropagation
through time, per-example outer products)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from benchmarks._harness import Case

LR = 0.1
CNN_BATCH, CNN_CLASSES = 32, 10
SEQ_LEN, SEQ_BATCH, HIDDEN = 30, 30, 100
HESS_N, HESS_M = 100, 200
PE_BATCH, PE_IN, PE_HIDDEN, PE_OUT = 128, 784, 256, 10

WORKLOADS = {
    "cnn": (
        f"cnn: one SGD step, ({CNN_BATCH},1,28,28) -> conv 3x3x16 pad 1 -> relu -> pool 2 -> "
        "conv 3x3x32 pad 1 -> relu -> pool 2 -> linear 10, softmax cross-entropy, float32",
        1e-4,
    ),
    "lstm": (
        f"lstm: one truncated-BPTT SGD step, LSTM hidden {HIDDEN} over {SEQ_LEN} time steps, "
        f"batch {SEQ_BATCH}, linear read-out, summed mean squared error, float32",
        1e-4,
    ),
    "hessian": (
        f"hessian: the ({HESS_N}, {HESS_N}) Hessian of sum(softplus(A @ x)), A ({HESS_M}, {HESS_N}), float64",
        1e-9,
    ),
    "per_example": (
        f"per_example: per-example gradients (vmap of grad) of an MLP {PE_IN}-{PE_HIDDEN}-{PE_OUT} "
        f"cross-entropy, batch {PE_BATCH}, float32 (dW1 alone: {PE_BATCH * PE_IN * PE_HIDDEN * 4e-6:.0f} MB)",
        1e-4,
    ),
}


# ---- data and checksums -------------------------------------------------------------------


@functools.cache
def cnn_data() -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """The batch ``(x, t)`` and ``(W1, b1, W2, b2, W3, b3)`` from seed 1."""
    rng = np.random.default_rng(1)
    x = rng.random((CNN_BATCH, 1, 28, 28), dtype=np.float32)
    t = rng.integers(0, CNN_CLASSES, CNN_BATCH)

    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)

    params = (
        he((16, 1, 3, 3), 9),
        np.full(16, 0.01, np.float32),
        he((32, 16, 3, 3), 144),
        np.full(32, 0.01, np.float32),
        he((32 * 7 * 7, CNN_CLASSES), 32 * 49),
        np.zeros(CNN_CLASSES, np.float32),
    )
    return x, t, params


@functools.cache
def lstm_data() -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Inputs ``xs`` (T, B, 1) and targets ``ys`` (T, B, 1): noisy cosine windows, the next value
    as target; parameters ``(Wx, Wh, b, Wy, by)`` with gates in the order i, f, o, g."""
    rng = np.random.default_rng(2)
    start = rng.uniform(0, 2 * np.pi, SEQ_BATCH)
    steps = start[None, :] + 0.1 * np.arange(SEQ_LEN + 1)[:, None]
    seq = (np.cos(steps) + 0.05 * rng.standard_normal(steps.shape)).astype(np.float32)
    xs, ys = seq[:-1, :, None], seq[1:, :, None]
    scale = 1 / np.sqrt(HIDDEN)
    params = (
        (rng.standard_normal((1, 4 * HIDDEN)) * scale).astype(np.float32),
        (rng.standard_normal((HIDDEN, 4 * HIDDEN)) * scale).astype(np.float32),
        np.zeros(4 * HIDDEN, np.float32),
        (rng.standard_normal((HIDDEN, 1)) * scale).astype(np.float32),
        np.zeros(1, np.float32),
    )
    return xs, ys, params


@functools.cache
def hessian_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return rng.standard_normal((HESS_M, HESS_N)) * 0.1, rng.standard_normal(HESS_N)


@functools.cache
def per_example_data() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Parameters ``{W1, b1, W2, b2}``, inputs (B, 784) and labels (B,) from seed 4."""
    rng = np.random.default_rng(4)
    params = {
        "W1": (rng.standard_normal((PE_IN, PE_HIDDEN)) / np.sqrt(PE_IN)).astype(np.float32),
        "b1": np.full(PE_HIDDEN, 0.01, np.float32),
        "W2": (rng.standard_normal((PE_HIDDEN, PE_OUT)) / np.sqrt(PE_HIDDEN)).astype(np.float32),
        "b2": np.zeros(PE_OUT, np.float32),
    }
    xs = rng.standard_normal((PE_BATCH, PE_IN)).astype(np.float32)
    return params, xs, rng.integers(0, PE_OUT, PE_BATCH)


def per_example_digest(grads: dict) -> float:
    """The sum and the L1 norm of every example's gradient."""
    total = 0.0
    for g in grads.values():
        g = np.asarray(g, np.float64)
        total += float(g.sum() + np.abs(g).sum())
    return total


def step_digest(init: tuple[np.ndarray, ...]):
    """The loss plus the L1 norm of the gradient, read back from the SGD update."""

    def digest(out: tuple[Any, list]) -> float:
        loss, new_params = out
        moved = sum(
            float(np.abs(np.asarray(p, np.float64) - np.asarray(p0, np.float64)).sum())
            for p, p0 in zip(new_params, init)
        )
        return float(loss) + moved / LR

    return digest


def hessian_digest(h: Any) -> float:
    h = np.asarray(h, np.float64)
    return float(h.sum() + np.abs(h).sum())


# ---- the math once, in NumPy's spelling (each library passes its namespace in) ------------


def cnn_loss(params, x, t, conv, relu, pool, xent) -> Any:
    W1, b1, W2, b2, W3, b3 = params
    y = pool(relu(conv(x, W1, b1)))
    y = pool(relu(conv(y, W2, b2)))
    return xent(y.reshape(len(y), -1) @ W3 + b3, t)


def lstm_loss(params, xs, ys, xnp, sigmoid, h0, cell=None, mse=None) -> Any:
    """``h0``: the zero state (SEQ_BATCH, HIDDEN) float32, as the library's array; ``cell``: the
    library's own LSTM step ``(x, h, c, Wx, Wh, b) -> (h, c)``, else one operation per gate;
    ``mse``: the library's own mean squared error ``(y, t)``, else the mean of the squares."""
    Wx, Wh, b, Wy, by = params
    H = HIDDEN
    h = c = h0
    loss = 0.0
    for x, target in zip(xs, ys):
        if cell is not None:
            h, c = cell(x, h, c, Wx, Wh, b)
        else:
            z = x @ Wx + h @ Wh + b
            i, f, o = sigmoid(z[:, :H]), sigmoid(z[:, H : 2 * H]), sigmoid(z[:, 2 * H : 3 * H])
            c = f * c + i * xnp.tanh(z[:, 3 * H :])
            h = o * xnp.tanh(c)
        y = h @ Wy + by
        loss = loss + (xnp.mean((y - target) ** 2) if mse is None else mse(y, target))
    return loss


def per_example_loss(params, x, t, relu, logsumexp, pick=lambda z, t: z[t]) -> Any:
    """One example's MLP cross-entropy; ``pick(logits, t)`` reads the label's logit."""
    h = relu(x @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    return logsumexp(logits) - pick(logits, t)


def hessian_f(x, A, xnp) -> Any:
    return xnp.sum(xnp.log(1 + xnp.exp(A @ x)))


def tap_conv(xnp):
    """3x3 convolution, padding 1, as the sum of 9 shifted tensordots (for libraries with
    NumPy's spelling and no convolution of their own)."""

    def conv(x, W, b):
        n, _, hgt, wid = x.shape
        xp = xnp.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="constant")
        out = sum(
            xnp.tensordot(xp[:, :, i : i + hgt, j : j + wid], W[:, :, i, j], axes=([1], [1]))
            for i in range(3)
            for j in range(3)
        )
        return xnp.transpose(out, (0, 3, 1, 2)) + b[:, None, None]

    return conv


def reshape_pool(y):
    n, c, hgt, wid = y.shape
    return y.reshape(n, c, hgt // 2, 2, wid // 2, 2).max(axis=(3, 5))


def xent_with(logsumexp, xnp):
    def xent(logits, t):
        return xnp.mean(logsumexp(logits, axis=1) - logits[np.arange(len(t)), t])

    return xent


# ---- the NumPy floor ----------------------------------------------------------------------


def _im2col(x):
    """(N, C, H, W) -> (N, C * 9, H * W): the 3x3 windows of x padded by 1, one column each."""
    n, c, hgt, wid = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = sliding_window_view(xp, (hgt, wid), axis=(2, 3))  # (N, C, 3, 3, H, W)
    return cols.reshape(n, c * 9, hgt * wid)


def _conv_forward(x, W, b):
    """im2col + one batched matmul; returns the output (N, F, H, W) and the columns."""
    n, _, hgt, wid = x.shape
    cols = _im2col(x)
    out = W.reshape(len(W), -1) @ cols + b[:, None]
    return out.reshape(n, -1, hgt, wid), cols


def _conv_backward(gy, cols, W, need_dx: bool):
    """dW and db from the saved columns; dx (when needed) as the columns' gradient, one batched
    matmul, added back into the padded image tap by tap (col2im)."""
    n, f, hgt, wid = gy.shape
    g = gy.reshape(n, f, hgt * wid)
    dW = np.tensordot(g, cols, axes=([0, 2], [0, 2])).reshape(W.shape)
    db = g.sum(axis=(0, 2))
    if not need_dx:
        return None, dW, db
    c = W.shape[1]
    dcols = (W.reshape(f, -1).T @ g).reshape(n, c, 3, 3, hgt, wid)
    dxp = np.zeros((n, c, hgt + 2, wid + 2), gy.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, :, i : i + hgt, j : j + wid] += dcols[:, :, i, j]
    return dxp[:, :, 1:-1, 1:-1], dW, db


_TAPS = ((0, 0), (0, 1), (1, 0), (1, 1))


def _relu_pool_forward(h):
    """max_pool2d(relu(h), 2) as the maximum of the four strided taps, and per tap the mask
    of where the gradient goes back to h (ties between positive values have probability 0)."""
    taps = [h[:, :, i::2, j::2] for i, j in _TAPS]
    y = np.maximum(np.maximum(taps[0], taps[1]), np.maximum(taps[2], taps[3]))
    np.maximum(y, 0, out=y)
    positive = y > 0
    return y, [(tap == y) & positive for tap in taps]


def _relu_pool_backward(gy, masks):
    n, c, hgt, wid = gy.shape
    dh = np.empty((n, c, 2 * hgt, 2 * wid), gy.dtype)
    for (i, j), mask in zip(_TAPS, masks):
        np.multiply(gy, mask, out=dh[:, :, i::2, j::2])
    return dh


def _xent(logits, t):
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(t))
    loss = np.mean(m[:, 0] + np.log(s[:, 0]) - logits[rows, t])
    d = e / s
    d[rows, t] -= 1
    d /= len(t)
    return loss, d


def floor_cnn() -> Case:
    x, t, params = cnn_data()

    def run():
        W1, b1, W2, b2, W3, b3 = params
        h1, cols1 = _conv_forward(x, W1, b1)
        p1, m1 = _relu_pool_forward(h1)
        h2, cols2 = _conv_forward(p1, W2, b2)
        p2, m2 = _relu_pool_forward(h2)
        flat = p2.reshape(len(p2), -1)
        loss, dlogits = _xent(flat @ W3 + b3, t)
        dW3, db3 = flat.T @ dlogits, dlogits.sum(axis=0)
        dh2 = _relu_pool_backward((dlogits @ W3.T).reshape(p2.shape), m2)
        dp1, dW2, db2 = _conv_backward(dh2, cols2, W2, need_dx=True)
        dh1 = _relu_pool_backward(dp1, m1)
        _, dW1, db1 = _conv_backward(dh1, cols1, W1, need_dx=False)
        grads = (dW1, db1, dW2, db2, dW3, db3)
        return loss, [p - LR * g for p, g in zip(params, grads)]

    return Case(run, step_digest(params))


def _sigmoid(z):
    return 0.5 * (np.tanh(0.5 * z) + 1)


def floor_lstm() -> Case:
    xs, ys, params = lstm_data()
    H = HIDDEN

    def run():
        Wx, Wh, b, Wy, by = params
        h = c = np.zeros((SEQ_BATCH, H), np.float32)
        saved, loss = [], 0.0
        for x, target in zip(xs, ys):
            z = x @ Wx + h @ Wh + b
            gates = np.concatenate([_sigmoid(z[:, : 3 * H]), np.tanh(z[:, 3 * H :])], axis=1)
            i, f, o, g = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
            c_prev, h_prev = c, h
            c = f * c + i * g
            tc = np.tanh(c)
            h = o * tc
            diff = h @ Wy + by - target
            loss += np.mean(diff**2)
            saved.append((x, h_prev, c_prev, gates, tc, h, diff))
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        dWy, dby = np.zeros_like(Wy), np.zeros_like(by)
        dh_next, dc_next = np.zeros_like(h), np.zeros_like(c)
        dz = np.empty((SEQ_BATCH, 4 * H), np.float32)
        for x, h_prev, c_prev, gates, tc, h, diff in reversed(saved):
            dy = diff * np.float32(2 / diff.size)
            dWy += h.T @ dy
            dby += dy.sum(axis=0)
            dh = dy @ Wy.T + dh_next
            i, f, o, g = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
            dc = dh * o * (1 - tc * tc) + dc_next
            dz[:, :H] = dc * g
            dz[:, H : 2 * H] = dc * c_prev
            dz[:, 2 * H : 3 * H] = dh * tc
            dz[:, : 3 * H] *= gates[:, : 3 * H] * (1 - gates[:, : 3 * H])
            dz[:, 3 * H :] = dc * i * (1 - g * g)
            dWx += x.T @ dz
            dWh += h_prev.T @ dz
            db += dz.sum(axis=0)
            dh_next, dc_next = dz @ Wh.T, dc * f
        grads = (dWx, dWh, db, dWy, dby)
        return loss, [p - LR * d for p, d in zip(params, grads)]

    return Case(run, step_digest(params))


def floor_hessian() -> Case:
    A, x = hessian_data()

    def run():
        s = _sigmoid(A @ x)
        return (A.T * (s * (1 - s))) @ A

    return Case(run, hessian_digest)


def floor_per_example() -> Case:
    params, xs, ts = per_example_data()
    rows = np.arange(PE_BATCH)

    def run():
        pre = xs @ params["W1"] + params["b1"]
        h = np.maximum(pre, 0)
        logits = h @ params["W2"] + params["b2"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        d = e / e.sum(axis=1, keepdims=True)  # each example's d loss / d logits
        d[rows, ts] -= 1
        dh = (d @ params["W2"].T) * (pre > 0)
        return {
            "W1": xs[:, :, None] * dh[:, None, :],
            "b1": dh,
            "W2": h[:, :, None] * d[:, None, :],
            "b2": d,
        }

    return Case(run, per_example_digest)


FLOOR = {"cnn": floor_cnn, "lstm": floor_lstm, "hessian": floor_hessian, "per_example": floor_per_example}

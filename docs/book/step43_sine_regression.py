"""Step 43: a two-layer network fits a noisy sine curve (sigmoid hidden layer, lr 0.2).

DeZero: four Variables, ``cleargrad()`` on each, ``loss.backward()``, ``W.data -= lr * W.grad.data``.
fnzero: one dict of parameters, ``value_and_grad`` of a pure loss, one new dict per step.
"""

import numpy as np

import fnzero as fz
import fnzero.nn as nn

np.random.seed(0)
x = np.random.rand(100, 1)
y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

n_in, hidden, n_out = 1, 10, 1
params = {
    "W1": 0.01 * np.random.randn(n_in, hidden),
    "b1": np.zeros(hidden),
    "W2": 0.01 * np.random.randn(hidden, n_out),
    "b2": np.zeros(n_out),
}


def predict(params, x):
    h = nn.sigmoid(nn.linear(x, params["W1"], params["b1"]))
    return nn.linear(h, params["W2"], params["b2"])


def loss_fn(params, x, y):
    return nn.mean_squared_error(predict(params, x), y)


lr = 0.2
step = fz.value_and_grad(loss_fn)
for i in range(10000):
    loss, grads = step(params, x, y)
    params = fz.tree.map(lambda p, g: p - lr * g, params, grads)
    if i % 1000 == 0:
        print(float(loss))

"""Step 48: an MLP (2-10-3, sigmoid) classifies the spiral with mini-batch SGD, 300 epochs.

DeZero: ``MLP((10, 3))``, ``optimizers.SGD(lr).setup(model)``, ``model.cleargrads()``,
``loss.backward()``, ``optimizer.update()``. fnzero: the model is a value, the optimizer a
pair of pure functions (``init``, ``update``) and ``apply_updates`` returns new parameters.
DeZero's global generator draws the first epoch's order before the weights, so this script
draws from one generator in the same order to print the book's numbers.
"""

import math

import numpy as np

import fnzero as fz
import fnzero.nn as nn

max_epoch, batch_size, hidden_size, lr = 300, 30, 10, 1.0

# The book's data; its generator (NumPy's, seed 1984) goes on to draw the shuffles and weights.
rng = np.random.RandomState(1984)
train = fz.data.spiral(train=True, rng=rng)
x, t = train.data, train.label
data_size = len(x)
max_iter = math.ceil(data_size / batch_size)
first_order = rng.permutation(data_size)
params = {
    "W1": (rng.randn(2, hidden_size) * np.sqrt(1 / 2)).astype(np.float32),
    "b1": np.zeros(hidden_size, np.float32),
    "W2": (rng.randn(hidden_size, 3) * np.sqrt(1 / hidden_size)).astype(np.float32),
    "b2": np.zeros(3, np.float32),
}


def loss_fn(params, x, t):
    h = nn.sigmoid(nn.linear(x, params["W1"], params["b1"]))
    return nn.softmax_cross_entropy(nn.linear(h, params["W2"], params["b2"]), t)


optimizer = fz.optim.sgd(lr)
state = optimizer.init(params)
step = fz.value_and_grad(loss_fn)
for epoch in range(max_epoch):
    index = first_order if epoch == 0 else rng.permutation(data_size)
    sum_loss = 0.0
    for i in range(max_iter):
        batch = index[i * batch_size : (i + 1) * batch_size]
        loss, grads = step(params, x[batch], t[batch])
        updates, state = optimizer.update(grads, state, params)
        params = fz.optim.apply_updates(params, updates)
        sum_loss += float(loss) * len(batch)
    print(f"epoch {epoch + 1}, loss {sum_loss / data_size:.2f}")

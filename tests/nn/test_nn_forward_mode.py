"""Forward mode through fnzero.nn's own primitives: jvp and vjp against central differences."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero.nn as nn
from fnzero.test_util import check_grads

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 2, 5, 5))
W = RNG.normal(size=(3, 2, 3, 3))

CASES = {
    "relu": (lambda x: nn.relu(x), [RNG.normal(size=(4, 3)) + 0.05]),
    "sigmoid": (nn.sigmoid, [RNG.normal(size=(4, 3)) * 3]),
    "lstm_cell": (
        lambda x, h, c, wx, wh, b: nn.lstm_cell(x, h, c, wx, wh, b),
        [RNG.normal(size=s) for s in [(2, 3), (2, 2), (2, 2), (3, 8), (2, 8), (8,)]],
    ),
    "conv2d": (lambda x, w: nn.conv2d(x, w, stride=2, padding=1), [X, W]),
    "conv2d_dilated_grouped": (
        lambda x, w: nn.conv2d(x, w, dilation=2, groups=2),
        [RNG.normal(size=(1, 4, 6, 6)), RNG.normal(size=(2, 2, 2, 2))],
    ),
    "conv_transpose2d": (
        lambda y, w: nn.conv_transpose2d(y, w, stride=2, padding=1),
        [RNG.normal(size=(2, 3, 3, 3)), W],
    ),
    "im2col": (lambda x: nn.im2col(x, 3, stride=1, pad=1), [X]),
    "col2im": (
        lambda c: nn.col2im(c, X.shape, 3, stride=2, pad=1, to_matrix=False),
        [RNG.normal(size=(2, 2, 3, 3, 3, 3))],
    ),
    "max_pool2d": (lambda x: nn.max_pool2d(x, 2), [np.arange(100.0).reshape(2, 2, 5, 5) % 7 + X * 0.01]),
    "avg_pool2d": (lambda x: nn.avg_pool2d(x, 3, stride=2, padding=1), [X]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_nn_primitives_in_both_modes_to_second_order(name):
    f, args = CASES[name]
    check_grads(f, args, order=2, modes=("fwd", "rev"))

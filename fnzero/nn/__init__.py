"""fnzero.nn: the functional neural-network ops. Every function is pure: randomness comes
from an explicit ``key``, training behaviour from an explicit ``train`` flag, and batch norm
takes its running statistics in and returns the new ones.

    import fnzero.nn as nn
    y = nn.dropout(nn.relu(nn.linear(x, W, b)), 0.5, key=key, train=True)
    loss = nn.softmax_cross_entropy(nn.linear(y, W2, b2), labels)
"""

from fnzero.nn import initializers
from fnzero.nn.activations import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from fnzero.nn.dropout import dropout
from fnzero.nn.embedding import embedding
from fnzero.nn.flatten import flatten
from fnzero.nn.linear import linear
from fnzero.nn.losses import (
    huber_loss,
    mean_squared_error,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
)
from fnzero.nn.metrics import accuracy
from fnzero.nn.normalization import batch_norm, layer_norm

__all__ = [
    "accuracy",
    "batch_norm",
    "dropout",
    "elu",
    "embedding",
    "flatten",
    "gelu",
    "huber_loss",
    "initializers",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mean_squared_error",
    "relu",
    "sigmoid",
    "sigmoid_binary_cross_entropy",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
    "tanh",
]

"""fnzero.nn: modules (immutable pytrees) and the functional neural-network ops.

Every function is pure: randomness comes
from an explicit ``key``, training behaviour from an explicit ``train`` flag, and batch norm
takes its running statistics in and returns the new ones.

    import fnzero.nn as nn
    y = nn.relu(nn.conv2d(x, W, b, padding=1))
    y = nn.max_pool2d(y, 2)
    loss = nn.softmax_cross_entropy(nn.linear(nn.flatten(y), W2, b2), labels)
"""

from fnzero.nn import initializers
from fnzero.nn.activations import (
    celu,
    elu,
    gelu,
    glu,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    logsumexp,
    mish,
    one_hot,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_sign,
    softmax,
    softplus,
    sparse_plus,
    sparse_sigmoid,
    squareplus,
    standardize,
    swish,
    tanh,
)
from fnzero.nn.convolution import conv2d, conv_transpose2d
from fnzero.nn.dense import embedding, flatten, linear
from fnzero.nn.dropout import dropout
from fnzero.nn.im2col import col2im, get_conv_outsize, im2col
from fnzero.nn.layers import (
    LSTM,
    MLP,
    RNN,
    AvgPool2d,
    BatchNorm,
    Conv2d,
    ConvTranspose2d,
    Dropout,
    Embedding,
    Lambda,
    LayerNorm,
    Linear,
    LSTMCell,
    MaxPool2d,
    RNNCell,
    Sequential,
)
from fnzero.nn.losses import (
    huber_loss,
    mean_squared_error,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
)
from fnzero.nn.lstm import lstm_cell
from fnzero.nn.metrics import accuracy
from fnzero.nn.module import Module, count_params, static_field, tree_at
from fnzero.nn.normalization import batch_norm, layer_norm
from fnzero.nn.pooling import avg_pool2d, global_avg_pool2d, max_pool2d

__all__ = [
    "AvgPool2d",
    "BatchNorm",
    "Conv2d",
    "ConvTranspose2d",
    "Dropout",
    "Embedding",
    "LSTM",
    "LSTMCell",
    "Lambda",
    "LayerNorm",
    "Linear",
    "MLP",
    "MaxPool2d",
    "RNN",
    "RNNCell",
    "Sequential",
    "Module",
    "count_params",
    "static_field",
    "tree_at",
    "accuracy",
    "avg_pool2d",
    "batch_norm",
    "col2im",
    "conv2d",
    "conv_transpose2d",
    "dropout",
    "elu",
    "embedding",
    "flatten",
    "gelu",
    "get_conv_outsize",
    "global_avg_pool2d",
    "huber_loss",
    "im2col",
    "initializers",
    "layer_norm",
    "leaky_relu",
    "linear",
    "lstm_cell",
    "log_softmax",
    "max_pool2d",
    "mean_squared_error",
    "relu",
    "sigmoid",
    "sigmoid_binary_cross_entropy",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
    "tanh",
    "celu",
    "glu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "log_sigmoid",
    "logsumexp",
    "mish",
    "one_hot",
    "relu6",
    "selu",
    "silu",
    "soft_sign",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
    "standardize",
    "swish",
]

from fnzero.nn import models as models  # noqa: E402  (the models are built from the layers above)

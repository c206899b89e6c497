"""Layers: modules whose parameters are pytree leaves and whose call is a pure function."""

from fnzero.nn.layers.conv import AvgPool2d, Conv2d, ConvTranspose2d, MaxPool2d
from fnzero.nn.layers.dropout import Dropout
from fnzero.nn.layers.embedding import Embedding
from fnzero.nn.layers.linear import MLP, Linear
from fnzero.nn.layers.normalization import BatchNorm, LayerNorm
from fnzero.nn.layers.recurrent import LSTM, RNN, LSTMCell, RNNCell
from fnzero.nn.layers.sequential import Lambda, Sequential

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
]

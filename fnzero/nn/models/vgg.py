"""VGG16 (Simonyan & Zisserman), with DeZero's layer names so its weight files load as they are."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from fnzero import random, tree
from fnzero.nn.activations import relu
from fnzero.nn.dropout import dropout
from fnzero.nn.layers.conv import Conv2d
from fnzero.nn.layers.linear import Linear
from fnzero.nn.module import Module, static_field, tree_at
from fnzero.nn.pooling import max_pool2d

# (block, convolutions in the block, output channels as a multiple of the first block's width)
_BLOCKS = ((1, 2, 1), (2, 2, 2), (3, 3, 4), (4, 3, 8), (5, 3, 8))
CONV_NAMES = tuple(f"conv{b}_{i}" for b, n, _ in _BLOCKS for i in range(1, n + 1))


class VGG16(Module):
    """13 3x3 convolutions in 5 blocks (each ending in 2x2 max pooling), then fc6, fc7 (with
    ReLU and dropout) and fc8. ``width`` and ``fc_width`` shrink it for small images; the
    defaults are the ImageNet network (138,357,544 parameters, 224x224 inputs).

    Called as ``model(x, *, key=None, train=False)`` on (N, in_channels, image_size, image_size).
    """

    uses_key = True
    uses_train = True

    conv1_1: Conv2d
    conv1_2: Conv2d
    conv2_1: Conv2d
    conv2_2: Conv2d
    conv3_1: Conv2d
    conv3_2: Conv2d
    conv3_3: Conv2d
    conv4_1: Conv2d
    conv4_2: Conv2d
    conv4_3: Conv2d
    conv5_1: Conv2d
    conv5_2: Conv2d
    conv5_3: Conv2d
    fc6: Linear
    fc7: Linear
    fc8: Linear
    dropout_rate: float = static_field()

    def __init__(
        self,
        *,
        key: Any,
        num_classes: int = 1000,
        in_channels: int = 3,
        image_size: int = 224,
        width: int = 64,
        fc_width: int = 4096,
        dropout_rate: float = 0.5,
    ):
        if image_size % 32:
            raise ValueError(
                f"VGG16: image_size must be a multiple of 32 (five 2x2 poolings), got {image_size}"
            )
        keys = iter(random.split(key, len(CONV_NAMES) + 3))
        channels = in_channels
        for block, count, multiple in _BLOCKS:
            for i in range(1, count + 1):
                conv = Conv2d(channels, width * multiple, 3, key=next(keys), padding=1)
                setattr(self, f"conv{block}_{i}", conv)
                channels = width * multiple
        flat = channels * (image_size // 32) ** 2
        self.fc6 = Linear(flat, fc_width, key=next(keys))
        self.fc7 = Linear(fc_width, fc_width, key=next(keys))
        self.fc8 = Linear(fc_width, num_classes, key=next(keys))
        self.dropout_rate = dropout_rate

    def __call__(self, x: Any, *, key: Any = None, train: bool = False) -> Any:
        for block, count, _ in _BLOCKS:
            for i in range(1, count + 1):
                x = relu(getattr(self, f"conv{block}_{i}")(x))
            x = max_pool2d(x, 2)
        x = x.reshape(x.shape[0], -1)
        k6, k7 = random.split(key) if key is not None else (None, None)
        x = dropout(relu(self.fc6(x)), self.dropout_rate, key=k6, train=train)
        x = dropout(relu(self.fc7(x)), self.dropout_rate, key=k7, train=train)
        return self.fc8(x)

    def load_weights(self, path: str | os.PathLike) -> VGG16:
        """A copy holding the weights in ``path``: a DeZero-style .npz whose keys are
        ``conv1_1/W``, ``fc6/b``, ... (a leading ``/`` and ``.`` separators are accepted)."""
        with np.load(os.fspath(path), allow_pickle=False) as f:
            stored = {k.strip("/").replace(".", "/"): f[k] for k in f.files}
        paths = [p for p, _ in tree.flatten_with_path(self)]
        missing = [p for p in paths if p not in stored]
        wrong = [
            f"{p}: file {stored[p].shape}, model {leaf.shape}"
            for p, leaf in tree.flatten_with_path(self)
            if p in stored and stored[p].shape != leaf.shape
        ]
        if missing or wrong:
            raise ValueError(
                f"VGG16.load_weights: {os.fspath(path)!r} does not fit: missing {missing}, mismatched {wrong}"
            )
        leaves = tree.leaves(self)
        return tree_at(
            lambda m: tree.leaves(m), self, [stored[p].astype(leaf.dtype) for p, leaf in zip(paths, leaves)]
        )

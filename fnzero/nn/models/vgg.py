"""VGG16 (Simonyan & Zisserman), with DeZero's layer names so its weight files load as they are."""

from __future__ import annotations

import math
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
        layers = _layout(num_classes, in_channels, image_size, width, fc_width)
        keys = iter(random.split(key, len(layers)))
        for name, (c_in, c_out) in layers.items():
            if name.startswith("conv"):
                setattr(self, name, Conv2d(c_in, c_out, 3, key=next(keys), padding=1))
            else:
                setattr(self, name, Linear(c_in, c_out, key=next(keys)))
        self.dropout_rate = dropout_rate

    @classmethod
    def from_weights(
        cls, path: str | os.PathLike, *, dropout_rate: float = 0.5, dtype: Any = np.float32
    ) -> VGG16:
        """The VGG16 that a DeZero-style .npz file holds (keys ``conv1_1/W``, ``fc6/b``, ...),
        its sizes (classes, input channels, image size, widths) read from the arrays' shapes.

        No random initialization runs: for the ImageNet network that saves drawing 138 million
        numbers only to throw them away. A file whose shapes do not make a VGG16 raises a
        ValueError naming the arrays that are missing or do not fit.
        """
        stored = _read_npz(path)
        where = f"VGG16.from_weights: {os.fspath(path)!r}"
        needed = ("conv1_1/W", "conv5_3/W", "fc6/W", "fc8/W")
        absent = [k for k in needed if k not in stored or np.ndim(stored[k]) < 2]
        if absent:
            raise ValueError(f"{where} is not a VGG16 weight file: no (or not a matrix) {absent}")
        width, in_channels = stored["conv1_1/W"].shape[:2]
        flat, fc_width = stored["fc6/W"].shape
        num_classes = stored["fc8/W"].shape[1]
        side = math.isqrt(max(flat // max(stored["conv5_3/W"].shape[0], 1), 0))
        layers = _layout(num_classes, in_channels, 32 * side, width, fc_width)
        _check_fits(where, stored, _shapes(layers))
        fields: dict[str, Any] = {"dropout_rate": dropout_rate}
        for name in layers:
            W, b = (np.asarray(stored[f"{name}/{p}"], dtype=dtype) for p in ("W", "b"))
            if name.startswith("conv"):
                geometry = {"stride": (1, 1), "padding": (1, 1), "dilation": (1, 1), "groups": 1}
                fields[name] = _assembled(Conv2d, W=W, b=b, **geometry)
            else:
                fields[name] = _assembled(Linear, W=W, b=b, in_features=W.shape[0], out_features=W.shape[1])
        return _assembled(cls, **fields)

    @property
    def image_size(self) -> int:
        """The side of the square images the model takes (fc6's inputs fix it)."""
        channels = self.conv5_3.W.shape[0]
        return 32 * math.isqrt(self.fc6.W.shape[0] // channels)

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
        stored = _read_npz(path)
        paths = [p for p, _ in tree.flatten_with_path(self)]
        _check_fits(
            f"VGG16.load_weights: {os.fspath(path)!r}",
            stored,
            {p: tuple(leaf.shape) for p, leaf in tree.flatten_with_path(self)},
        )
        leaves = tree.leaves(self)
        return tree_at(
            lambda m: tree.leaves(m), self, [stored[p].astype(leaf.dtype) for p, leaf in zip(paths, leaves)]
        )


def _layout(
    num_classes: int, in_channels: int, image_size: int, width: int, fc_width: int
) -> dict[str, tuple[int, int]]:
    """Every layer's name and (inputs, outputs): channels for a convolution, features for fc."""
    layers = {}
    channels = in_channels
    for block, count, multiple in _BLOCKS:
        for i in range(1, count + 1):
            layers[f"conv{block}_{i}"] = (channels, width * multiple)
            channels = width * multiple
    layers["fc6"] = (channels * (image_size // 32) ** 2, fc_width)
    layers["fc7"] = (fc_width, fc_width)
    layers["fc8"] = (fc_width, num_classes)
    return layers


def _shapes(layers: dict[str, tuple[int, int]]) -> dict[str, tuple[int, ...]]:
    """The arrays' paths and shapes for a ``_layout``: conv ``W`` (out, in, 3, 3), fc ``W`` (in, out)."""
    shapes = {}
    for name, (c_in, c_out) in layers.items():
        shapes[f"{name}/W"] = (c_out, c_in, 3, 3) if name.startswith("conv") else (c_in, c_out)
        shapes[f"{name}/b"] = (c_out,)
    return shapes


def _read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of a weight file by path: a leading ``/`` dropped, ``.`` read as ``/``."""
    with np.load(os.fspath(path), allow_pickle=False) as f:
        return {k.strip("/").replace(".", "/"): f[k] for k in f.files}


def _check_fits(where: str, stored: dict[str, np.ndarray], shapes: dict[str, tuple[int, ...]]) -> None:
    missing = [p for p in shapes if p not in stored]
    wrong = [
        f"{p}: file {stored[p].shape}, model {shape}"
        for p, shape in shapes.items()
        if p in stored and stored[p].shape != shape
    ]
    if missing or wrong:
        raise ValueError(f"{where} does not fit: missing {missing}, mismatched {wrong}")


def _assembled(cls: type, **fields: Any) -> Any:
    """A ``cls`` module holding ``fields`` (all of them), made without running its ``__init__``."""
    return object.__new__(cls).replace(**fields)

"""The small CNNs of the CNN chapter's bird-vs-airplane (CIFAR-2) comparison: a baseline,
wider, with dropout, with batch norm, deeper, with a skip connection, and a deep residual
net. Sizes are parameters so they also run on 8x8 digits; defaults are the chapter's."""

from __future__ import annotations

from typing import Any

from fnzero import random
from fnzero.nn.activations import relu, tanh
from fnzero.nn.dropout import dropout
from fnzero.nn.layers.conv import Conv2d
from fnzero.nn.layers.linear import Linear
from fnzero.nn.layers.normalization import BatchNorm
from fnzero.nn.module import Module, static_field
from fnzero.nn.pooling import max_pool2d


def _flat(x: Any) -> Any:
    return x.reshape(x.shape[0], -1)


class NetWidth(Module):
    """conv(C -> w) tanh pool, conv(w -> w/2) tanh pool, fc(32) tanh, fc(classes); ``width=16``
    is the chapter's baseline Net, 32 its NetWidth."""

    conv1: Conv2d
    conv2: Conv2d
    fc1: Linear
    fc2: Linear

    def __init__(
        self, *, key: Any, width: int = 32, in_channels: int = 3, image_size: int = 32, num_classes: int = 2
    ):
        k = random.split(key, 4)
        self.conv1 = Conv2d(in_channels, width, 3, key=k[0], padding=1)
        self.conv2 = Conv2d(width, width // 2, 3, key=k[1], padding=1)
        self.fc1 = Linear((image_size // 4) ** 2 * (width // 2), 32, key=k[2])
        self.fc2 = Linear(32, num_classes, key=k[3])

    def __call__(self, x: Any) -> Any:
        x = max_pool2d(tanh(self.conv1(x)), 2)
        x = max_pool2d(tanh(self.conv2(x)), 2)
        return self.fc2(tanh(self.fc1(_flat(x))))


class NetDropout(NetWidth):
    """NetWidth with dropout (rate 0.4) after each pooling: ``model(x, key=k, train=True)``."""

    uses_key = True
    uses_train = True

    rate: float = static_field()

    def __init__(
        self,
        *,
        key: Any,
        width: int = 32,
        in_channels: int = 3,
        image_size: int = 32,
        num_classes: int = 2,
        rate: float = 0.4,
    ):
        super().__init__(
            key=key, width=width, in_channels=in_channels, image_size=image_size, num_classes=num_classes
        )
        self.rate = rate

    def __call__(self, x: Any, *, key: Any = None, train: bool = False) -> Any:
        k1, k2 = random.split(key) if key is not None else (None, None)
        x = dropout(max_pool2d(tanh(self.conv1(x)), 2), self.rate, key=k1, train=train)
        x = dropout(max_pool2d(tanh(self.conv2(x)), 2), self.rate, key=k2, train=train)
        return self.fc2(tanh(self.fc1(_flat(x))))


class NetBatchNorm(NetWidth):
    """NetWidth with batch norm after each convolution: ``y, state = model(x, state, train=...)``."""

    stateful = True
    uses_train = True

    bn1: BatchNorm
    bn2: BatchNorm

    def __init__(
        self, *, key: Any, width: int = 32, in_channels: int = 3, image_size: int = 32, num_classes: int = 2
    ):
        super().__init__(
            key=key, width=width, in_channels=in_channels, image_size=image_size, num_classes=num_classes
        )
        self.bn1 = BatchNorm(width)
        self.bn2 = BatchNorm(width // 2)

    def init_state(self) -> dict:
        return {"bn1": self.bn1.init_state(), "bn2": self.bn2.init_state()}

    def __call__(self, x: Any, state: dict, *, train: bool) -> tuple[Any, dict]:
        x, s1 = self.bn1(self.conv1(x), state["bn1"], train=train)
        x = max_pool2d(tanh(x), 2)
        x, s2 = self.bn2(self.conv2(x), state["bn2"], train=train)
        x = max_pool2d(tanh(x), 2)
        return self.fc2(tanh(self.fc1(_flat(x)))), {"bn1": s1, "bn2": s2}


class NetDepth(Module):
    """Three conv-relu-pool stages (w, w/2, w/2 channels), fc(32) relu, fc(classes); with
    ``residual`` the third stage adds its input back (the chapter's NetRes)."""

    conv1: Conv2d
    conv2: Conv2d
    conv3: Conv2d
    fc1: Linear
    fc2: Linear
    residual: bool = static_field()

    def __init__(
        self,
        *,
        key: Any,
        width: int = 32,
        in_channels: int = 3,
        image_size: int = 32,
        num_classes: int = 2,
        residual: bool = False,
    ):
        if image_size % 8:
            raise ValueError(
                f"NetDepth: image_size must be a multiple of 8 (three 2x2 poolings), got {image_size}"
            )
        k = random.split(key, 5)
        self.conv1 = Conv2d(in_channels, width, 3, key=k[0], padding=1)
        self.conv2 = Conv2d(width, width // 2, 3, key=k[1], padding=1)
        self.conv3 = Conv2d(width // 2, width // 2, 3, key=k[2], padding=1)
        self.fc1 = Linear((image_size // 8) ** 2 * (width // 2), 32, key=k[3])
        self.fc2 = Linear(32, num_classes, key=k[4])
        self.residual = residual

    def __call__(self, x: Any) -> Any:
        x = max_pool2d(relu(self.conv1(x)), 2)
        skip = max_pool2d(relu(self.conv2(x)), 2)
        x = relu(self.conv3(skip))
        x = max_pool2d(x + skip if self.residual else x, 2)
        return self.fc2(relu(self.fc1(_flat(x))))


class ResBlock(Module):
    """conv 3x3 (no bias) -> batch norm -> relu, plus the input: ``y, state = block(x, state, train=...)``."""

    stateful = True
    uses_train = True

    conv: Conv2d
    bn: BatchNorm

    def __init__(self, channels: int, *, key: Any):
        self.conv = Conv2d(channels, channels, 3, key=key, padding=1, bias=False)
        self.bn = BatchNorm(channels)

    def init_state(self) -> dict:
        return self.bn.init_state()

    def __call__(self, x: Any, state: dict, *, train: bool) -> tuple[Any, dict]:
        y, state = self.bn(self.conv(x), state, train=train)
        return relu(y) + x, state


class NetResDeep(Module):
    """conv(w) relu pool, ``n_blocks`` residual blocks, pool, fc(32) relu, fc(classes)."""

    stateful = True
    uses_train = True

    conv1: Conv2d
    blocks: list
    fc1: Linear
    fc2: Linear

    def __init__(
        self,
        *,
        key: Any,
        width: int = 32,
        n_blocks: int = 10,
        in_channels: int = 3,
        image_size: int = 32,
        num_classes: int = 2,
    ):
        k = random.split(key, n_blocks + 3)
        self.conv1 = Conv2d(in_channels, width, 3, key=k[0], padding=1)
        self.blocks = [ResBlock(width, key=k[3 + i]) for i in range(n_blocks)]
        self.fc1 = Linear((image_size // 4) ** 2 * width, 32, key=k[1])
        self.fc2 = Linear(32, num_classes, key=k[2])

    def init_state(self) -> list:
        return [b.init_state() for b in self.blocks]

    def __call__(self, x: Any, state: list, *, train: bool) -> tuple[Any, list]:
        x = max_pool2d(relu(self.conv1(x)), 2)
        new_state = []
        for block, s in zip(self.blocks, state):
            x, s = block(x, s, train=train)
            new_state.append(s)
        x = max_pool2d(x, 2)
        return self.fc2(relu(self.fc1(_flat(x)))), new_state

"""The book's and the CNN chapter's models: shapes, parameter counts, weight loading, skips."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero.nn.models import VGG16, NetBatchNorm, NetDepth, NetDropout, NetResDeep, NetWidth, ResBlock

KEY = fz.random.key(0)


def _vgg_param_count(width, fc_width, classes, channels, image):
    """VGG16's parameters counted from the paper's table (conv: 9 C_in C_out + C_out)."""
    widths = [width] * 2 + [2 * width] * 2 + [4 * width] * 3 + [8 * width] * 6
    total, c = 0, channels
    for w in widths:
        total += 9 * c * w + w
        c = w
    flat = c * (image // 32) ** 2
    return total + flat * fc_width + fc_width + fc_width * fc_width + fc_width + fc_width * classes + classes


def test_vgg16_architecture_and_parameter_count():
    model = VGG16(key=KEY, num_classes=7, image_size=64, width=4, fc_width=32)
    assert nn.count_params(model) == _vgg_param_count(4, 32, 7, 3, 64)
    assert _vgg_param_count(64, 4096, 1000, 3, 224) == 138_357_544  # the ImageNet network
    x = np.random.default_rng(0).normal(size=(2, 3, 64, 64)).astype(np.float32)
    assert model(x).shape == (2, 7)
    a = model(x, key=fz.random.key(1), train=True)
    assert not np.allclose(a, model(x))  # dropout in training only


def test_vgg16_loads_dezero_style_weights(tmp_path):
    model = VGG16(key=KEY, num_classes=5, image_size=32, width=2, fc_width=8)
    rng = np.random.default_rng(3)
    weights = {
        f"/{path}": rng.normal(size=np.shape(leaf)).astype(np.float32)
        for path, leaf in fz.tree.flatten_with_path(model)
    }
    np.savez(tmp_path / "vgg16.npz", **weights)
    loaded = model.load_weights(tmp_path / "vgg16.npz")
    np.testing.assert_array_equal(loaded.conv3_2.W, weights["/conv3_2/W"])
    np.testing.assert_array_equal(loaded.fc8.b, weights["/fc8/b"])
    del weights["/fc8/b"]
    np.savez(tmp_path / "broken.npz", **weights)
    with pytest.raises(ValueError, match="fc8/b"):
        model.load_weights(tmp_path / "broken.npz")


@pytest.mark.parametrize("cls", [NetWidth, NetDepth, NetDropout])
def test_cifar2_nets_on_cifar_and_digit_sizes(cls):
    for channels, size, classes in [(3, 32, 2), (1, 8, 10)]:
        model = cls(key=KEY, in_channels=channels, image_size=size, num_classes=classes)
        x = np.ones((3, channels, size, size), np.float32)
        assert model(x).shape == (3, classes)


def test_batchnorm_and_residual_nets_thread_state():
    for model in (
        NetBatchNorm(key=KEY, in_channels=1, image_size=8, num_classes=10),
        NetResDeep(key=KEY, in_channels=1, image_size=8, num_classes=10, n_blocks=3),
    ):
        x = np.random.default_rng(0).normal(size=(4, 1, 8, 8)).astype(np.float32)
        state = model.init_state()
        y, new_state = model(x, state, train=True)
        assert y.shape == (4, 10)
        assert fz.tree.structure(new_state) == fz.tree.structure(state)
        assert not np.allclose(fz.tree.leaves(new_state)[0], fz.tree.leaves(state)[0])
        g = fz.grad(lambda m: fnp.sum(m(x, state, train=True)[0] ** 2))(model)
        assert type(g) is type(model)


def test_residual_block_adds_its_input():
    block = ResBlock(2, key=KEY)
    block = fz.nn.tree_at(
        lambda b: (b.conv.W, b.bn.gamma), block, (np.zeros_like(block.conv.W), np.zeros(2, np.float32))
    )
    x = np.random.default_rng(0).normal(size=(1, 2, 3, 3)).astype(np.float32)
    y, _ = block(x, block.init_state(), train=False)
    np.testing.assert_allclose(y, x)  # conv and scale zeroed: only the skip path is left


def test_net_res_is_the_depth_net_with_a_skip():
    plain = NetDepth(key=KEY, in_channels=1, image_size=8, num_classes=3)
    res = plain.replace(residual=True)
    x = np.random.default_rng(2).normal(size=(2, 1, 8, 8)).astype(np.float32)
    assert not np.allclose(plain(x), res(x))

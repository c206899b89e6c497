"""VGG16.from_weights builds the model a weight file holds from the file's shapes alone, with
no random initialization, and vgg16_inference --weights uses it."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fnzero as fz
from fnzero.examples import run
from fnzero.nn import initializers
from fnzero.nn.models import VGG16, vgg


def _save(tmp_path, model, prefix="", dtype=np.float32, name="w.npz"):
    rng = np.random.default_rng(4)
    weights = {
        prefix + path: rng.normal(size=np.shape(leaf)).astype(dtype)
        for path, leaf in fz.tree.flatten_with_path(model)
    }
    np.savez(tmp_path / name, **weights)
    return tmp_path / name, weights


@pytest.mark.parametrize("prefix", ["", "/"])
def test_from_weights_equals_building_and_loading(tmp_path, prefix):
    template = VGG16(key=fz.random.key(0), num_classes=7, in_channels=1, image_size=64, width=2, fc_width=16)
    path, weights = _save(tmp_path, template, prefix, dtype=np.float64)
    built = VGG16.from_weights(path, dropout_rate=0.25)
    loaded = template.load_weights(path)
    assert built.image_size == 64 == loaded.image_size
    assert built.dropout_rate == 0.25
    assert fz.tree.structure(built) == fz.tree.structure(loaded.replace(dropout_rate=0.25))
    for (p, a), (_, b) in zip(fz.tree.flatten_with_path(built), fz.tree.flatten_with_path(loaded)):
        assert a.dtype == np.float32 and a.shape == b.shape, p
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(1).normal(size=(2, 1, 64, 64)).astype(np.float32)
    np.testing.assert_array_equal(built(x), loaded(x))
    assert built(x).shape == (2, 7)


def test_from_weights_draws_no_random_numbers(tmp_path, monkeypatch):
    path, _ = _save(tmp_path, VGG16(key=fz.random.key(0), width=2, fc_width=8, image_size=32))

    def refuse(*args, **kwargs):
        raise AssertionError("a random model was built")

    monkeypatch.setattr(initializers.random, "truncated_normal", refuse)
    monkeypatch.setattr(vgg.random, "split", refuse)
    model = VGG16.from_weights(path)
    assert model.image_size == 32 and model.fc8.W.shape == (8, 1000)
    # The example (no --fast) takes its model from the file the same way.
    result = run("vgg16_inference", ["--weights", str(path), "--out", str(tmp_path), "--top", "3"])
    assert result["logits_shape"] == (1, 1000) and len(result["top"]) == 3


def test_from_weights_names_what_does_not_fit(tmp_path):
    model = VGG16(key=fz.random.key(0), width=2, fc_width=8, image_size=32)
    _, weights = _save(tmp_path, model)
    broken = dict(weights, **{"conv3_2/W": weights["conv3_2/W"][..., :2]})
    np.savez(tmp_path / "b.npz", **broken)
    with pytest.raises(ValueError, match=r"conv3_2/W: file \(8, 8, 3, 2\), model \(8, 8, 3, 3\)"):
        VGG16.from_weights(tmp_path / "b.npz")
    np.savez(tmp_path / "m.npz", **{k: v for k, v in weights.items() if k != "fc7/b"})
    with pytest.raises(ValueError, match=r"missing \['fc7/b'\]"):
        VGG16.from_weights(tmp_path / "m.npz")
    np.savez(tmp_path / "n.npz", **{k: v for k, v in weights.items() if k != "fc6/W"})
    with pytest.raises(ValueError, match="not a VGG16 weight file.*fc6/W"):
        VGG16.from_weights(tmp_path / "n.npz")
    odd = dict(weights, **{"fc6/W": np.zeros((16 * 3, 8), np.float32)})  # not a square image
    np.savez(tmp_path / "o.npz", **odd)
    with pytest.raises(ValueError, match="fc6/W"):
        VGG16.from_weights(tmp_path / "o.npz")


def test_the_imagenet_layout_has_vgg16s_parameter_count():
    shapes = vgg._shapes(vgg._layout(1000, 3, 224, 64, 4096))
    assert sum(math.prod(s) for s in shapes.values()) == 138_357_544
    assert shapes["fc6/W"] == (25088, 4096) and shapes["conv1_1/W"] == (64, 3, 3, 3)

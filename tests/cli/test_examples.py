"""Every example runs in --fast mode and reaches its result; references are computed here
independently (plain NumPy with hand-derived gradients, least squares, the book's numbers)."""

from __future__ import annotations

import gzip
import importlib.util
import math
import pickle
import pkgutil
import struct

import numpy as np
import pytest

import fnzero as fz
import fnzero.examples as examples
from fnzero.examples import EXAMPLES, run
from fnzero.nn.models import VGG16

HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def fast(name, tmp_path, *extra):
    return run(name, ["--fast", "--out", str(tmp_path), *extra])


def test_the_registry_lists_every_example_module():
    modules = {m.name for m in pkgutil.iter_modules(examples.__path__) if not m.name.startswith("_")}
    assert set(EXAMPLES) == modules
    assert all(EXAMPLES[name] for name in EXAMPLES)


def test_an_unknown_example_is_named_with_the_choices():
    with pytest.raises(ValueError, match="unknown example 'nope'; the examples are: .*newton"):
        run("nope", [])


def test_newton_reaches_the_minimum(tmp_path):
    result = fast("newton", tmp_path)
    assert result["xs"][1] == pytest.approx(1.4545454545454546, abs=1e-15)
    assert result["x"] == 1.0


def test_rosenbrock_descends_towards_1_1_as_plain_numpy_does(tmp_path):
    result = fast("rosenbrock", tmp_path)
    x0, x1 = 0.0, 2.0
    for _ in range(result["iters"]):
        g0 = -400 * x0 * (x1 - x0**2) + 2 * (x0 - 1)
        g1 = 200 * (x1 - x0**2)
        x0, x1 = x0 - 0.001 * g0, x1 - 0.001 * g1
    assert (result["x0"], result["x1"]) == pytest.approx((x0, x1), abs=1e-9)
    assert result["iters"] == 10000
    assert result["distance"] < 0.02  # from sqrt(2) at the start
    assert result["value"] < 1e-4


def test_taylor_sin_matches_sin_and_its_derivative(tmp_path):
    x = math.pi / 4
    result = fast("taylor_sin", tmp_path)
    # Terms x^(2i+1)/(2i+1)! at pi/4: 0.785, 0.0807, 0.00249, 3.66e-5 < 1e-4: four terms.
    assert result["terms"] == 4
    assert result["value"] == pytest.approx(math.sin(x), abs=1e-6)
    assert result["grad"] == pytest.approx(math.cos(x), abs=1e-5)
    assert result["error"] > 1e-8  # a truncated series, not sin itself
    dot = (tmp_path / "my_sin.dot").read_text()
    assert dot.startswith("digraph") and dot.count('label="power"') == 4


def test_taylor_sin_with_a_tiny_threshold_is_sin_to_the_last_bits():
    from fnzero.examples.taylor_sin import my_sin

    x = np.float64(math.pi / 4)
    value, slope = fz.value_and_grad(lambda v: my_sin(v, threshold=1e-150))(x)
    assert float(value) == pytest.approx(math.sin(x), abs=1e-15)
    assert float(slope) == pytest.approx(math.cos(x), abs=1e-15)
    second = fz.grad(fz.grad(lambda v: my_sin(v, threshold=1e-150)))(x)
    assert float(second) == pytest.approx(-math.sin(x), abs=1e-14)


def test_linear_regression_fits_the_books_toy_data(tmp_path):
    result = fast("linear_regression", tmp_path)
    rng = np.random.RandomState(0)
    x = rng.rand(100, 1)[:, 0]
    y = 5 + 2 * x + rng.rand(100, 1)[:, 0]
    W = b = 0.0
    for _ in range(100):
        r = W * x + b - y
        W, b = W - 0.1 * np.mean(2 * r * x), b - 0.1 * np.mean(2 * r)
    assert (result["W"], result["b"]) == pytest.approx((W, b), abs=1e-10)
    # Within a few percent of the least-squares optimum after 100 steps (the book's 0.0791).
    A = np.stack([x, np.ones_like(x)], axis=1)
    best = np.mean((A @ np.linalg.lstsq(A, y, rcond=None)[0] - y) ** 2)
    assert best <= result["loss"] < 1.05 * best
    assert result["first_loss"] > 40


def test_spiral_mlp_learns_the_spiral(tmp_path, capsys):
    result = fast("spiral_mlp", tmp_path)
    assert result["train_accuracy"] > 0.95
    assert result["test_accuracy"] > 0.9
    if HAVE_MATPLOTLIB:
        assert (tmp_path / "spiral_regions.png").stat().st_size > 0
    else:
        out = capsys.readouterr().out
        assert "plots skipped" in out and "pip install fnzero[plots]" in out


def test_digits_mlp_learns_and_a_resumed_run_equals_an_uninterrupted_one(tmp_path):
    whole = fast("digits_mlp", tmp_path / "whole")
    assert whole["dataset"] == "digits"
    assert len(whole["history"]) == 6
    assert whole["test_accuracy"] > 0.93

    fast("digits_mlp", tmp_path / "split", "--epochs", "3")
    resumed = fast("digits_mlp", tmp_path / "split", "--resume")
    assert resumed["history"] == whole["history"]
    a, b = fz.load(whole["checkpoint"]), fz.load(resumed["checkpoint"])
    assert fz.tree.structure(a) == fz.tree.structure(b)
    for x, y in zip(fz.tree.leaves(a), fz.tree.leaves(b)):
        np.testing.assert_array_equal(x, y)


def test_digits_mlp_resume_without_a_checkpoint_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        fast("digits_mlp", tmp_path, "--resume")
    assert exit_.value.code == 2
    assert "no checkpoint" in capsys.readouterr().err


def _write_idx(path, array):
    dims = struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, array.ndim]) + dims + array.astype(np.uint8).tobytes())


def test_digits_mlp_reads_mnist_from_a_data_root(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 60), ("t10k", 20)):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n))
    result = fast("digits_mlp", tmp_path / "out", "--data-root", str(tmp_path), "--epochs", "1")
    assert result["dataset"] == "mnist"
    assert "60 training and 20 test images, MLP [784, 100, 10]" in capsys.readouterr().out

    with pytest.raises(SystemExit) as exit_:
        fast("digits_mlp", tmp_path / "out", "--data-root", str(tmp_path / "missing"))
    assert exit_.value.code == 2


def test_digits_cnn_with_batch_norm_residual_and_dropout_learns(tmp_path):
    result = fast("digits_cnn", tmp_path)
    assert result["test_accuracy"] > 0.95
    assert result["history"][-1]["train_loss"] < result["history"][0]["train_loss"]


def test_sine_rnn_predicts_the_cosine_within_the_stated_bound(tmp_path):
    result = fast("sine_rnn", tmp_path)
    assert result["error_bound"] == 0.05
    assert result["better_error"] < result["error_bound"]
    assert result["simple_error"] < 0.1  # an untrained model's is about 0.7


def test_vgg16_fast_runs_one_inference_of_a_tiny_vgg16(tmp_path):
    result = fast("vgg16_inference", tmp_path)
    assert result["logits_shape"] == (1, 1000)
    assert len(set(result["top"])) == 5 and all(0 <= i < 1000 for i in result["top"])
    assert result["probabilities"] == sorted(result["probabilities"], reverse=True)


def test_vgg16_without_weights_says_so_and_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        run("vgg16_inference", ["--out", str(tmp_path)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--weights" in err and len(err.strip().splitlines()) == 1


def test_vgg16_reads_weights_and_an_image_from_local_files(tmp_path):
    model = VGG16(key=fz.random.key(7), width=2, fc_width=32, image_size=32)
    weights = {path: np.asarray(leaf) for path, leaf in fz.tree.flatten_with_path(model)}
    np.savez(tmp_path / "tiny.npz", **weights)
    image = np.random.default_rng(1).integers(0, 256, (32, 32, 3)).astype(np.uint8)
    np.save(tmp_path / "image.npy", image)

    result = fast(
        "vgg16_inference",
        tmp_path,
        "--weights",
        str(tmp_path / "tiny.npz"),
        "--image",
        str(tmp_path / "image.npy"),
    )
    bgr = image[:, :, ::-1].astype(np.float32) - np.array([103.939, 116.779, 123.68], np.float32)
    logits = np.asarray(model(bgr.transpose(2, 0, 1)[None]))[0]
    assert result["top"] == list(np.argsort(-logits)[:5])

    np.savez(tmp_path / "wrong.npz", **{k: v[..., :1] for k, v in weights.items()})
    with pytest.raises(SystemExit) as exit_:
        fast("vgg16_inference", tmp_path, "--weights", str(tmp_path / "wrong.npz"))
    assert exit_.value.code == 2


def test_cifar2_comparison_on_digits_compares_every_design(tmp_path, capsys):
    result = fast("cifar2_comparison", tmp_path)
    assert result["dataset"] == "digits"
    designs = ["baseline", "width", "dropout", "batch_norm", "depth", "residual", "res_deep"]
    assert list(result["results"]) == designs
    for r in result["results"].values():
        assert r["test_accuracy"] > 0.6  # chance is 0.1
    out = capsys.readouterr().out
    assert all(f"\n{name:<12s}" in out for name in designs)


def _write_cifar(folder, rng):
    folder.mkdir()
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        batch = {b"data": rng.integers(0, 256, (12, 3072), dtype=np.uint8), b"labels": [0, 2, 5] * 4}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)


def test_cifar2_comparison_reads_birds_and_airplanes_from_cifar10(tmp_path, capsys):
    _write_cifar(tmp_path / "cifar-10-batches-py", np.random.default_rng(0))
    result = fast("cifar2_comparison", tmp_path / "out", "--data-root", str(tmp_path), "--only", "baseline")
    assert result["dataset"].startswith("CIFAR-2")
    # 3 channels, 32x32, 2 classes, width 8: conv 3*8*9+8, conv 8*4*9+4, fc 8*8*4*32+32, fc 32*2+2.
    assert result["results"]["baseline"]["params"] == 224 + 292 + 8224 + 66
    assert "40 training and 8 test images" in capsys.readouterr().out

    with pytest.raises(SystemExit) as exit_:
        fast("cifar2_comparison", tmp_path / "out", "--data-root", str(tmp_path / "out"))
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        fast("cifar2_comparison", tmp_path / "out", "--only", "wider")
    assert exit_.value.code == 2

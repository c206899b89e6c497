"""Every PNG fnzero writes comes from a Figure with a title naming its example or run and
labels on both axes; curves by epoch have whole-number epoch ticks and show the test loss
beside the training loss; the spiral's decision regions have the colours of their classes."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from matplotlib.colors import to_rgba  # noqa: E402

import fnzero as fz  # noqa: E402
import fnzero.examples as examples  # noqa: E402
import fnzero.nn as nn  # noqa: E402
from fnzero import train  # noqa: E402

HISTORY = [
    {
        "epoch": e,
        "train_loss": 1.0 / e,
        "test_loss": 1.2 / e,
        "train_accuracy": 0.5 + e / 10,
        "test_accuracy": 0.5,
    }
    for e in (1, 2, 3)
]


def _spiral(out):
    from fnzero.examples import spiral_mlp

    model = nn.MLP([2, 10, 3], key=fz.random.key(0), activation=nn.sigmoid)
    data = fz.data.spiral(train=True)
    return spiral_mlp.plot(model, data.data, data.label, out, ", 300 epochs")


def _sine_regression(out):
    from fnzero.examples import sine_regression

    x, y, params = sine_regression.book_data_and_params(10)
    return sine_regression.plot(params, x, y, 5, out)


CASES = {
    "cifar2_comparison": (
        lambda m, out: m.plot(
            {
                "baseline": {"train_accuracy": 0.9, "test_accuracy": 0.8},
                "width": {"train_accuracy": 0.95, "test_accuracy": 0.85},
            },
            "digits",
            out,
            6,
        ),
        False,
    ),
    "digits_cnn": (lambda m, out: m.plot(HISTORY, out, "digits_cnn: CNN of width 16"), True),
    "digits_mlp": (lambda m, out: m.plot(HISTORY, out, "digits_mlp: MLP [64, 100, 10] on digits"), True),
    "linear_regression": (
        lambda m, out: m.plot({"W": np.full((1, 1), 2.0), "b": np.full(1, 5.0)}, *m.toy_data(), out),
        False,
    ),
    "newton": (lambda m, out: m.plot([2.0, 1.5, 1.2, 1.05], out), False),
    "rosenbrock": (lambda m, out: m.plot(m.descend((0.0, 2.0), 1e-3, 50), out, 1e-3), False),
    "sine_regression": (lambda m, out: _sine_regression(out), False),
    "sine_rnn": (
        lambda m, out: m.plot(
            {"SimpleRNN": np.zeros(20), "BetterRNN": np.ones(20)}, np.cos(np.arange(20.0)), out
        ),
        False,
    ),
    "spiral_mlp": (lambda m, out: _spiral(out), False),
    "taylor_sin": (lambda m, out: m.plot(out), False),
}


def _figures(result):
    figures = list(result.values()) if isinstance(result, dict) else [result]
    assert figures and all(f is not None for f in figures)
    return figures


def _check_labels(fig, name, epochs):
    for ax in fig.axes:
        assert name in ax.get_title(), (name, ax.get_title())
        assert ax.get_xlabel() and ax.get_ylabel(), (name, ax.get_xlabel(), ax.get_ylabel())
        if epochs:
            assert ax.get_xlabel() == "epoch"
            ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
            assert ticks and all(float(t).is_integer() for t in ticks), ticks
            labels = ax.get_legend_handles_labels()[1]
            assert any(label.startswith("training") for label in labels)
            assert any(label.startswith("test") for label in labels)


def test_every_example_that_plots_is_covered():
    plotting = {
        m.name
        for m in pkgutil.iter_modules(examples.__path__)
        if not m.name.startswith("_")
        and hasattr(importlib.import_module(f"fnzero.examples.{m.name}"), "plot")
    }
    assert plotting == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_plots_have_a_title_axis_labels_and_a_file(name, tmp_path):
    make, epochs = CASES[name]
    module = importlib.import_module(f"fnzero.examples.{name}")
    before = set(tmp_path.iterdir())
    figures = _figures(make(module, str(tmp_path)))
    written = set(tmp_path.iterdir()) - before
    assert len(written) == len(figures) and all(p.suffix == ".png" and p.stat().st_size > 0 for p in written)
    for fig in figures:
        _check_labels(fig, name, epochs)


def test_digits_loss_plots_show_test_loss_beside_training_loss(tmp_path):
    from fnzero.examples import digits_cnn, digits_mlp

    for fig in (digits_cnn.plot(HISTORY, str(tmp_path)), digits_mlp.plot(HISTORY, str(tmp_path))["loss.png"]):
        (ax,) = fig.axes
        assert ax.get_legend_handles_labels()[1] == ["training loss", "test loss"]
        lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
        np.testing.assert_allclose(lines["test loss"], [h["test_loss"] for h in HISTORY])


def test_spiral_regions_have_the_colours_of_their_points(tmp_path):
    fig = _spiral(str(tmp_path))
    (ax,) = fig.axes
    points = {
        c.get_label(): to_rgba(c.get_facecolor()[0])[:3]
        for c in ax.collections
        if c.get_label().startswith("class")
    }
    assert len(points) == 3
    (regions,) = [c for c in ax.collections if not c.get_label().startswith("class")]
    region_colours = [tuple(rgba[:3]) for rgba in regions.get_facecolor()]
    assert len(region_colours) == 3
    for k in range(3):
        np.testing.assert_allclose(region_colours[k], points[f"class {k}"])
    assert len(set(region_colours)) == 3


def test_training_run_plots_are_titled_and_labelled():
    """fnzero.train's loss.png and accuracy.png (train.py names the training loss "loss")."""
    history = [{**h, "loss": h["train_loss"]} for h in HISTORY]
    figures = train.plot_history(train.Config(out="runs/demo"), history)
    assert set(figures) == {"loss", "accuracy"}
    for fig in figures.values():
        (ax,) = fig.axes
        assert "mlp on digits" in ax.get_title() and "'demo'" in ax.get_title()
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel()
        assert all(float(t).is_integer() for t in ax.get_xticks())
        labels = ax.get_legend_handles_labels()[1]
        assert [label.split()[0] for label in labels] == ["train", "test"]

"""The book's numbers from fnzero: its toy data to the bit (built here independently, the book's
way, from NumPy's legacy RandomState), DeZero's initialization, and the losses the book prints
for step 43 (sine regression) and step 48 (the spiral MLP)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fnzero as fz
import fnzero.nn as nn
from fnzero import data
from fnzero.examples import run

# What the book's steps/step48.py prints, 'epoch N, loss %.2f', for epochs 1..300 (run with
# DeZero on NumPy 2).
BOOK_STEP48 = """
1.13 1.05 0.95 0.92 0.87 0.89 0.84 0.78 0.80 0.79 0.78 0.76 0.77 0.76 0.76 0.77 0.78 0.74 0.74 0.72
0.73 0.74 0.77 0.73 0.74 0.74 0.72 0.72 0.72 0.73 0.71 0.72 0.72 0.71 0.72 0.71 0.71 0.70 0.71 0.70
0.71 0.70 0.70 0.70 0.69 0.69 0.71 0.70 0.69 0.69 0.68 0.67 0.68 0.70 0.68 0.66 0.67 0.66 0.64 0.64
0.64 0.63 0.63 0.61 0.61 0.60 0.62 0.59 0.60 0.57 0.58 0.57 0.56 0.56 0.55 0.55 0.55 0.54 0.53 0.53
0.52 0.53 0.52 0.49 0.50 0.49 0.49 0.48 0.47 0.47 0.46 0.46 0.45 0.44 0.45 0.44 0.43 0.43 0.42 0.43
0.42 0.41 0.42 0.41 0.40 0.40 0.40 0.39 0.38 0.39 0.38 0.38 0.38 0.36 0.36 0.36 0.36 0.36 0.35 0.35
0.36 0.34 0.35 0.33 0.33 0.32 0.34 0.32 0.33 0.31 0.30 0.31 0.31 0.30 0.29 0.29 0.29 0.28 0.29 0.28
0.27 0.27 0.28 0.27 0.27 0.26 0.26 0.26 0.26 0.25 0.25 0.25 0.24 0.24 0.24 0.24 0.24 0.24 0.23 0.23
0.23 0.23 0.23 0.22 0.22 0.22 0.21 0.22 0.22 0.21 0.21 0.22 0.22 0.21 0.21 0.20 0.21 0.20 0.20 0.20
0.20 0.19 0.20 0.19 0.19 0.19 0.19 0.19 0.19 0.19 0.19 0.19 0.18 0.19 0.18 0.18 0.18 0.18 0.19 0.18
0.17 0.18 0.18 0.17 0.18 0.17 0.17 0.17 0.17 0.17 0.17 0.17 0.18 0.17 0.17 0.17 0.17 0.17 0.16 0.17
0.16 0.16 0.16 0.16 0.16 0.16 0.17 0.18 0.16 0.16 0.15 0.16 0.17 0.16 0.16 0.15 0.16 0.16 0.16 0.16
0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.15 0.14 0.15 0.14 0.15
0.15 0.15 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.14 0.13
0.13 0.14 0.13 0.13 0.13 0.13 0.14 0.13 0.13 0.13 0.13 0.13 0.14 0.13 0.13 0.13 0.13 0.12 0.13 0.13
""".split()
# What the book's steps/step43.py prints every 1,000 steps (run with DeZero on NumPy 2).
BOOK_STEP43 = [
    0.8473695850105871,
    0.2514286285183606,
    0.24759485466749875,
    0.23786120447054832,
    0.2122223133310295,
    0.1674218111783421,
    0.09681932619992707,
    0.07849528290602338,
    0.07749729552991161,
    0.07722132399559319,
]


def book_spiral(seed):
    """The book's get_spiral, point by point with np.random's scalar draws."""
    rng = np.random.RandomState(seed)
    x = np.zeros((300, 2), dtype=np.float32)
    t = np.zeros(300, dtype=int)
    for j in range(3):
        for i in range(100):
            rate = i / 100
            theta = j * 4.0 + 4.0 * rate + rng.randn() * 0.2
            x[100 * j + i] = np.array([rate * np.sin(theta), rate * np.cos(theta)])
            t[100 * j + i] = j
    order = rng.permutation(300)
    return x[order], t[order], rng


@pytest.mark.parametrize(("train", "seed"), [(True, 1984), (False, 2020)])
def test_spiral_is_the_books_array(train, seed):
    x, t, _ = book_spiral(seed)
    got = data.spiral(train=train)
    np.testing.assert_array_equal(got.data, x)
    np.testing.assert_array_equal(got.label, t)
    assert got.data.dtype == np.float32


def test_spiral_drawn_from_a_given_stream_advances_it_as_the_book_does():
    _, _, after_book = book_spiral(1984)
    rng = np.random.RandomState(1984)
    data.spiral(rng=rng)
    assert rng.randn() == after_book.randn()
    with pytest.raises(TypeError, match="rng must be a numpy.random.RandomState"):
        data.spiral(rng=np.random.default_rng(0))


def test_sine_curve_is_the_books_recipe_with_an_explicit_seed():
    rng = np.random.RandomState(3)
    grid = np.linspace(0, 2 * np.pi, 1000)
    y = np.sin(grid) + rng.uniform(-0.05, 0.05, size=grid.shape)
    train = data.sine_curve(rng=3, dtype=np.float64)
    np.testing.assert_array_equal(train.data[:, 0], y[:-1])
    np.testing.assert_array_equal(train.label[:, 0], y[1:])
    test = data.sine_curve(train=False, dtype=np.float64)
    np.testing.assert_array_equal(test.data[:, 0], np.cos(grid)[:-1])
    np.testing.assert_array_equal(data.sine_curve().data[:, 0], data.sine_curve(rng=0).data[:, 0])


def test_seq_loader_gives_the_books_34_batches_of_the_sine_curve():
    loader = data.SeqDataLoader(data.sine_curve(), 30)
    batches = [t[:, 0] for _, t in loader]
    assert len(loader) == len(batches) == math.ceil(999 / 30) == 34
    label = data.sine_curve().label[:, 0]
    # batch i holds steps (k * 33 + i) mod 999 for sub-sequences k = 0..29
    for i in (0, 1, 33):
        np.testing.assert_array_equal(batches[i], label[(np.arange(30) * 33 + i) % 999])


def test_dezero_init_draws_randn_scaled_by_sqrt_one_over_fan_in_in_order():
    rng = np.random.RandomState(5)
    w1 = rng.randn(2, 10).astype(np.float32) * np.float32(np.sqrt(1 / 2))
    w2 = rng.randn(10, 3).astype(np.float32) * np.float32(np.sqrt(1 / 10))
    model = nn.MLP([2, 10, 3], init="dezero", rng=np.random.RandomState(5))
    np.testing.assert_array_equal(model.layers[0].W, w1)
    np.testing.assert_array_equal(model.layers[1].W, w2)
    assert model.layers[0].b.tolist() == [0.0] * 10
    single = nn.Linear(2, 10, init="dezero", rng=5)
    np.testing.assert_array_equal(single.W, w1)


def test_init_arguments_are_checked():
    with pytest.raises(TypeError, match="init='dezero' needs rng"):
        nn.Linear(2, 3, init="dezero")
    with pytest.raises(ValueError, match="init must be one of"):
        nn.MLP([2, 3], key=fz.random.key(0), init="glorot")
    with pytest.raises(TypeError, match="key is required"):
        nn.Linear(2, 3)


def test_sine_regression_prints_the_books_step_43_losses(tmp_path):
    result = run("sine_regression", ["--fast", "--out", str(tmp_path)])
    printed = result["losses"][::1000]
    assert printed == pytest.approx(BOOK_STEP43, rel=1e-11)


def test_spiral_mlp_book_mode_prints_the_books_step_48_losses(tmp_path):
    assert len(BOOK_STEP48) == 300
    result = run("spiral_mlp", ["--fast", "--book", "--out", str(tmp_path)])
    assert [f"{v:.2f}" for v in result["losses"]] == BOOK_STEP48

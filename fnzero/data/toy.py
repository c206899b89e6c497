"""The book's small synthetic datasets: the three-armed spiral and the sine curve, drawn
with NumPy's legacy generator (``numpy.random.RandomState``) exactly as the book's
``dezero.datasets`` draws them, so the arrays are the book's to the last bit."""

from __future__ import annotations

import numpy as np

from fnzero._checks import flag
from fnzero.data.dataset import ArrayDataset

# The seeds the book's get_spiral passes to np.random.seed.
SPIRAL_SEEDS = {True: 1984, False: 2020}


def _legacy_rng(rng: np.random.RandomState | int | None, default: int, where: str) -> np.random.RandomState:
    if rng is None:
        return np.random.RandomState(default)
    if isinstance(rng, np.random.RandomState):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.RandomState(int(rng))
    raise TypeError(
        f"fnzero.data.{where}: rng must be a numpy.random.RandomState, an int seed or None, "
        f"got {type(rng).__name__}"
    )


def spiral(
    train: bool = True,
    transform=None,
    target_transform=None,
    *,
    rng: np.random.RandomState | int | None = None,
) -> ArrayDataset:
    """300 points on three noisy spiral arms, labels 0..2: the book's ``get_spiral(train)``.

    Drawn from ``RandomState(1984)`` (training set) or ``RandomState(2020)`` (test set) in the
    book's order: one normal angle jitter per point, arm by arm, then a permutation of all
    300. Pass ``rng`` (a RandomState, which is advanced, or a seed) to draw from it instead:
    the book's step 48 goes on drawing its shuffles and initial weights from the same stream.
    """
    train = flag(train, "train", "fnzero.data.spiral")
    rng = _legacy_rng(rng, SPIRAL_SEEDS[bool(train)], "spiral")
    per_class, classes = 100, 3
    rate = np.tile(np.arange(per_class) / per_class, classes)
    arm = np.repeat(np.arange(classes), per_class)
    theta = arm * 4.0 + 4.0 * rate + rng.randn(per_class * classes) * 0.2
    x = np.stack([rate * np.sin(theta), rate * np.cos(theta)], axis=1).astype(np.float32)
    order = rng.permutation(len(x))
    return ArrayDataset(x[order], arm[order].astype(np.int64), transform, target_transform)


def sine_curve(
    train: bool = True, *, rng: np.random.RandomState | int | None = 0, dtype=np.float32
) -> ArrayDataset:
    """A time series for next-value prediction, the book's ``SinCurve``: sin(x) plus uniform
    noise in [-0.05, 0.05) to train on, cos(x) to test, 1,000 steps over one period.

    Example i is the value at step i, its label the value at step i + 1. The book draws the
    noise from NumPy's global state without seeding it; here it comes from
    ``RandomState(rng)`` (default seed 0), so ``np.random.seed(s); SinCurve()`` in the book
    gives the arrays of ``sine_curve(rng=s, dtype=np.float64)``.
    """
    train = flag(train, "train", "fnzero.data.sine_curve")
    state = _legacy_rng(rng, 0, "sine_curve")
    x = np.linspace(0, 2 * np.pi, 1000)
    noise = state.uniform(-0.05, 0.05, size=x.shape)
    y = (np.sin(x) + noise if train else np.cos(x)).astype(dtype)
    return ArrayDataset(y[:-1, None], y[1:, None])

"""The book's small synthetic datasets: the three-armed spiral and the sine curve."""

from __future__ import annotations

import numpy as np

from fnzero.data.dataset import ArrayDataset


def spiral(train: bool = True, transform=None, target_transform=None) -> ArrayDataset:
    """300 points on three noisy spiral arms, labels 0..2 (seeded: 1984 train, 2020 test)."""
    rng = np.random.default_rng(1984 if train else 2020)
    per_class, classes = 100, 3
    rate = np.tile(np.arange(per_class) / per_class, classes)
    arm = np.repeat(np.arange(classes), per_class)
    theta = arm * 4.0 + 4.0 * rate + rng.standard_normal(per_class * classes) * 0.2
    x = np.stack([rate * np.sin(theta), rate * np.cos(theta)], axis=1).astype(np.float32)
    order = rng.permutation(len(x))
    return ArrayDataset(x[order], arm[order].astype(np.int64), transform, target_transform)


def sine_curve(train: bool = True) -> ArrayDataset:
    """A time series for next-value prediction: noisy sin(x) to train on, cos(x) to test.

    Example i is the value at step i, its label the value at step i + 1 (1,000 steps over
    one period), as the book's SinCurve.
    """
    x = np.linspace(0, 2 * np.pi, 1000)
    if train:
        y = np.sin(x) + np.random.default_rng(0).uniform(-0.05, 0.05, size=x.shape)
    else:
        y = np.cos(x)
    y = y.astype(np.float32)
    return ArrayDataset(y[:-1, None], y[1:, None])

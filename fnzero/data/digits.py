"""The UCI handwritten digits, shipped with the package (45 KB; see DIGITS_LICENSE.txt)."""

from __future__ import annotations

import os

import numpy as np

from fnzero._checks import flag
from fnzero.data.dataset import ArrayDataset

TEST_SIZE = 360
_PATH = os.path.join(os.path.dirname(__file__), "digits.npz")


def digits(train: bool = True, transform=None, target_transform=None) -> ArrayDataset:
    """1,797 8x8 images (uint8 pixels 0..16) and labels 0..9: a fixed split of 1,437 training
    and 360 test images. ``data`` has shape (N, 1, 8, 8), channels first."""
    train = flag(train, "train", "fnzero.data.digits")
    with np.load(_PATH) as f:
        images, labels = f["images"], f["labels"]
    order = np.random.default_rng(0).permutation(len(images))
    chosen = order[TEST_SIZE:] if train else order[:TEST_SIZE]
    return ArrayDataset(images[chosen, None], labels[chosen].astype(np.int64), transform, target_transform)

"""truncated_normal with one key and scalar bounds is made block by block; its numbers are
those of the whole-array computation (kept for batched keys and array bounds)."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero.random as fr
from fnzero.backends import get
from fnzero.random import distributions
from fnzero.random.keys import unpack


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(("lo", "hi"), [(-2.0, 2.0), (8.0, 9.0), (-9.0, -8.0), (-np.inf, 0.5), (0.3, np.inf)])
def test_streamed_truncated_normal_equals_the_whole_array_computation(dtype, lo, hi):
    k0, k1, _ = unpack(fr.key(11), "test")
    shape = (3, 70001)  # more than one pass of counters and one block
    args = (get("numpy"), k0, k1, np.asarray(lo), np.asarray(hi), shape, np.dtype(dtype))
    whole = distributions._truncated_normal_whole(*args)
    streamed = fr.truncated_normal(fr.key(11), lo, hi, shape, dtype)
    assert streamed.dtype == whole.dtype and streamed.shape == shape
    np.testing.assert_array_equal(streamed, whole)

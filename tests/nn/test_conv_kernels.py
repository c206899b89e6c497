"""conv_transpose2d's two kernels (a correlation with the flipped kernel at stride 1 when the
input has no more channels than the output, im2col columns scattered back otherwise) give the
nested-loop reference's numbers, on either side of every condition that picks the kernel."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero.nn as nn
from tests.nn.test_nn_conv import reference_conv_transpose2d

# (in channels, out channels per group, groups, stride, padding, dilation, output_padding)
CASES = [
    (4, 4, 1, (1, 1), (1, 1), (1, 1), (0, 0)),  # flipped kernel
    (2, 6, 1, (1, 1), (0, 1), (2, 1), (0, 0)),  # flipped kernel, dilation, uneven padding
    (4, 3, 2, (1, 1), (1, 0), (1, 2), (0, 0)),  # flipped kernel, groups
    (3, 3, 1, (1, 1), (3, 1), (1, 1), (0, 0)),  # padding beyond the kernel: scattered back
    (6, 2, 1, (1, 1), (1, 1), (1, 1), (0, 0)),  # more input channels: scattered back
    (2, 2, 1, (2, 1), (1, 1), (1, 1), (1, 0)),  # stride 2: scattered back
]


@pytest.mark.parametrize("cin, og, groups, stride, padding, dilation, extra", CASES)
def test_conv_transpose2d_kernels_equal_the_reference(cin, og, groups, stride, padding, dilation, extra):
    rng = np.random.default_rng(cin * 100 + og * 10 + groups)
    y = rng.standard_normal((2, cin, 5, 6))
    w = rng.standard_normal((cin, og, 3, 3))
    geo = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    got = nn.conv_transpose2d(y, w, output_padding=extra, **geo)
    want = reference_conv_transpose2d(y, w, output_padding=extra, **geo)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-12)

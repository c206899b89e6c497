"""Chains of matrix products: ``multi_dot`` (in the cheapest order) and ``matrix_power``
(by repeated squaring), built on matmul and inv."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fnzero.numpy.batching import shape_of
from fnzero.numpy.linalg._matrices import check_matrix, eye_like
from fnzero.numpy.linalg.solves import inv
from fnzero.numpy.products import matmul
from fnzero.numpy.shapes import broadcast_to, reshape


def _order(dims: list[int]) -> list[list[int]]:
    """split[i][j]: where the cheapest product of matrices i..j splits (dynamic programming
    over the chain's dimensions ``dims``, matrix i being dims[i] x dims[i + 1])."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(arrays: Sequence[Any], *, precision: Any = None) -> Any:
    """The product of a chain of matrices, in the order with the fewest multiplications; the
    first may be a vector (a row) and the last a vector (a column), as NumPy's multi_dot."""
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError(f"fnzero.numpy.linalg.multi_dot: needs at least two arrays; got {len(arrays)}")
    first_vec, last_vec = len(shape_of(arrays[0])) == 1, len(shape_of(arrays[-1])) == 1
    if first_vec:
        arrays[0] = reshape(arrays[0], (1, -1))
    if last_vec:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    for k, a in enumerate(arrays):
        if len(shape_of(a)) != 2:
            raise ValueError(
                f"fnzero.numpy.linalg.multi_dot: arrays[{k}] must be 2-d (the first and last may be 1-d); "
                f"got shape {shape_of(a)}"
            )
    for k in range(len(arrays) - 1):
        if shape_of(arrays[k])[1] != shape_of(arrays[k + 1])[0]:
            raise ValueError(
                f"fnzero.numpy.linalg.multi_dot: arrays[{k}] (shape {shape_of(arrays[k])}) and "
                f"arrays[{k + 1}] (shape {shape_of(arrays[k + 1])}) do not align"
            )
    dims = [shape_of(a)[0] for a in arrays] + [shape_of(arrays[-1])[1]]
    split = _order(dims)

    def product(i: int, j: int) -> Any:
        if i == j:
            return arrays[i]
        k = split[i][j]
        return matmul(product(i, k), product(k + 1, j))

    out = product(0, len(arrays) - 1)
    s = shape_of(out)
    if first_vec and last_vec:
        return reshape(out, ())
    if first_vec:
        return reshape(out, s[1:])
    if last_vec:
        return reshape(out, s[:1])
    return out


def matrix_power(a: Any, n: int) -> Any:
    """``a`` multiplied by itself ``n`` times (an integer; negative: powers of the inverse,
    0: the identity), for square matrices or stacks of them."""
    check_matrix(a, "matrix_power", square=True)
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"fnzero.numpy.linalg.matrix_power: n must be an int; got {n!r}")
    if n == 0:
        return broadcast_to(eye_like(a) if a.dtype.kind == "f" else eye_like(a).astype(a.dtype), shape_of(a))
    if n < 0:
        a, n = inv(a), -n
    result = None
    base = a
    while True:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if not n:
            return result
        base = matmul(base, base)

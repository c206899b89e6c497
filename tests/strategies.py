"""Hypothesis strategies and checks shared by the fnzero.numpy property tests.

Arrays are drawn on the host (NumPy, float64) and moved to the backend under test with
``on(backend, x)``; NumPy on the host is the reference for every value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnzero as fz
from fnzero.core.tracer import concrete
from fnzero.test_util import check_grads

# The backend fixture is function-scoped but never changes between examples.
with_backend = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

FLOAT_DTYPES = (np.float32, np.float64)
# Tolerances of a value against NumPy's, per dtype (absolute: for sums that cancel to ~0,
# where a different summation order leaves a rounding-sized residue).
RTOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-12}
ATOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def arrays(
    shape: Any = None, low: float = -3.0, high: float = 3.0, dtype: Any = np.float64
) -> st.SearchStrategy[np.ndarray]:
    """Float arrays with entries in ``[low, high]`` (of a drawn shape when ``shape`` is None)."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return hnp.arrays(np.float64, shapes() if shape is None else shape, elements=elements).map(
        lambda x: x.astype(dtype)
    )


def away_from_zero(shape: Any = None, low: float = 0.2, high: float = 3.0) -> st.SearchStrategy[np.ndarray]:
    """Arrays whose entries have magnitude in ``[low, high]`` and either sign (no kink at 0)."""
    return (shapes() if shape is None else st.just(shape)).flatmap(
        lambda s: st.tuples(arrays(s, low, high), hnp.arrays(bool, s)).map(
            lambda p: np.where(p[1], -p[0], p[0])
        )
    )


def distinct(shape: Sequence[int], gap: float = 0.25) -> st.SearchStrategy[np.ndarray]:
    """Arrays whose entries differ pairwise by at least ``gap``: no ties, no kinks within reach
    of finite differences (max, min, sort-like operations)."""
    n = int(np.prod(shape, dtype=np.int64))
    return st.tuples(st.permutations(range(n)), st.floats(-2.0, 2.0)).map(
        lambda p: (np.asarray(p[0], dtype=np.float64) * gap + p[1] - n * gap / 2).reshape(shape)
    )


def on_grid(shape: Sequence[int], offset: float) -> st.SearchStrategy[np.ndarray]:
    """Entries ``k / 2 + offset`` for small integers k: two arrays with offsets 0 and 0.25 never
    tie and stay 0.25 apart, whatever broadcasting pairs up."""
    return hnp.arrays(np.int64, shape, elements=st.integers(-6, 6)).map(lambda k: k / 2 + offset)


def axes(ndim: int, allow_none: bool = True, allow_tuple: bool = True) -> st.SearchStrategy:
    """An ``axis`` argument: None, an int (negative too) or a tuple of distinct axes."""
    options = []
    if allow_none:
        options.append(st.none())
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(
                st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).flatmap(
                    lambda ax: st.tuples(*(st.sampled_from([a, a - ndim]) for a in ax))
                )
            )
    return st.one_of(options)


def broadcastable_shapes(num_shapes: int, min_dims: int = 0, max_dims: int = 3) -> st.SearchStrategy:
    """Shapes that broadcast together, e.g. (3, 1) and (4,), 0-d among them."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=4
    ).map(lambda b: b.input_shapes)


def on(backend: Any, x: Any) -> Any:
    """``x`` (a host array, or a Python scalar left as it is) on ``backend``."""
    if isinstance(x, (float, int, bool)):
        return x
    return backend.from_host(np.asarray(x))


def host(backend: Any, x: Any) -> np.ndarray:
    """``x`` on the host; a traced value's value (for checks made inside a transform)."""
    return np.asarray(backend.to_host(concrete(x)))


def assert_matches(
    backend: Any, got: Any, expected: Any, rtol: float | None = None, atol: float | None = None
) -> None:
    """``got`` (on ``backend``) equals NumPy's ``expected`` in shape, dtype and value."""
    expected = np.asarray(expected)
    got_host = host(backend, got)
    assert got_host.shape == expected.shape, (got_host.shape, expected.shape)
    assert got_host.dtype == expected.dtype, (got_host.dtype, expected.dtype)
    if expected.dtype.kind == "f":
        rtol = RTOL[expected.dtype] if rtol is None else rtol
        atol = ATOL[expected.dtype] if atol is None else atol
        np.testing.assert_allclose(got_host, expected, rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(got_host, expected)


def assert_grads_like_primals(f: Callable[..., Any], args: Sequence[Any]) -> tuple:
    """Run ``vjp`` at the args' own dtypes; each cotangent has its primal's shape and dtype."""
    out, vjp_fn = fz.vjp(f, *args)
    cts = vjp_fn(fz.tree.map(lambda y: fz.numpy.ones_like(y), out))
    for a, g in zip(args, cts):
        assert g.shape == a.shape, (g.shape, a.shape)
        assert g.dtype == a.dtype, (g.dtype, a.dtype)
    return cts


def check_float32_and_grads(
    f: Callable[..., Any], args: Sequence[Any], order: int = 2, **tols: float
) -> None:
    """The property every differentiable op shares: finite differences agree with reverse
    mode up to ``order`` in float64, and float32 inputs get float32 cotangents of their shape."""
    check_grads(f, args, order=order, **tols)
    assert_grads_like_primals(f, [a.astype(np.float32) for a in args])
    assert_grads_like_primals(f, [a.astype(np.float64) for a in args])

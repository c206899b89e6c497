"""Index arrays for triangles, diagonals and grids: integers computed from shapes alone,
so they never hold a derivative and work the same under every transform."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fnzero.core.tracer import concrete
from fnzero.numpy.creation import shape


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the lower triangle of an (n, m) matrix, diagonal ``k``."""
    return np.tril_indices(n, k, m)


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the upper triangle of an (n, m) matrix, diagonal ``k``."""
    return np.triu_indices(n, k, m)


def _matrix_shape(arr: Any, where: str) -> tuple[int, int]:
    s = shape(arr)
    if len(s) != 2:
        raise ValueError(f"fnzero.numpy.{where}: arr must be 2-D, got shape {s}")
    return s


def tril_indices_from(arr: Any, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`tril_indices` for the shape of the matrix ``arr``."""
    n, m = _matrix_shape(arr, "tril_indices_from")
    return np.tril_indices(n, k, m)


def triu_indices_from(arr: Any, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`triu_indices` for the shape of the matrix ``arr``."""
    n, m = _matrix_shape(arr, "triu_indices_from")
    return np.triu_indices(n, k, m)


def diag_indices(n: int, ndim: int = 2) -> tuple[np.ndarray, ...]:
    """The indices of the main diagonal of an ``ndim``-dimensional array of side ``n``."""
    return np.diag_indices(n, ndim)


def diag_indices_from(arr: Any) -> tuple[np.ndarray, ...]:
    """:func:`diag_indices` for ``arr``, whose sides must all be equal."""
    s = shape(arr)
    if len(s) < 2 or len(set(s)) != 1:
        raise ValueError(f"fnzero.numpy.diag_indices_from: arr must have at least 2 equal sides, got {s}")
    return np.diag_indices(s[0], len(s))


def mask_indices(n: int, mask_func: Any, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The indices where ``mask_func(ones((n, n)), k)`` is nonzero (e.g. ``triu``)."""
    return np.nonzero(np.asarray(concrete(mask_func(np.ones((n, n), dtype=int), k))))


def ix_(*args: Any) -> tuple[Any, ...]:
    """Open-mesh index arrays from 1-D sequences: ``x[ix_(rows, cols)]`` picks a sub-grid."""
    return np.ix_(*(np.asarray(concrete(a, None)) for a in args))


def ravel_multi_index(multi_index: Sequence[Any], dims: Sequence[int], mode: str = "raise", order: str = "C"):
    """Flat indices from a tuple of index arrays into an array of shape ``dims``."""
    return np.ravel_multi_index(tuple(np.asarray(concrete(i, None)) for i in multi_index), dims, mode, order)


def unravel_index(indices: Any, shape: Sequence[int]) -> tuple[np.ndarray, ...]:
    """The tuple of index arrays that flat ``indices`` point at in an array of ``shape``."""
    return np.unravel_index(np.asarray(concrete(indices, None)), shape)


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape that arrays of ``shapes`` broadcast to (ValueError naming them if none)."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"fnzero.numpy.broadcast_shapes: shapes {list(shapes)} do not broadcast") from None


def fromfunction(function: Any, shape: Sequence[int], *, dtype: Any = float, **kwargs: Any) -> Any:
    """``function`` called once with one coordinate array per axis of ``shape`` (each entry
    its index along that axis, in ``dtype``), as NumPy does."""
    grids = np.indices(tuple(shape), dtype=dtype)
    return function(*grids, **kwargs)

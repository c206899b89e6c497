"""Shuffling and sampling from a population: permutation and choice.

A permutation sorts the positions by 64-bit random words (ties, which would make the order
depend on the sort, have probability below n**2 / 2**65). Arrays are gathered with
fnzero.numpy.take, so shuffling a traced array keeps its derivative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero.backends import Backend, array_module, backend_of
from fnzero.random.distributions import randint, unit_floats
from fnzero.random.keys import Shape, as_shape, draw, wide_words
from fnzero.random.threefry import Word, rows_of


def _random_order(target: Backend, k0: Word, k1: Word, shape: tuple[int, ...], axis: int = 0) -> Any:
    """Positions sorted by random words along ``axis`` of ``shape`` (after the keys' rows)."""
    rows = rows_of(k0)
    words = wide_words(target, k0, k1, int(np.prod(shape, dtype=np.int64))).reshape(rows + shape)
    return target.xp.argsort(words, axis=axis + len(rows))


def _population(x: Any, where: str) -> tuple[Any, int | None]:
    """``(None, n)`` for an int population, ``(x, None)`` for an array."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
        if x < 0:
            raise ValueError(f"fnzero.random.{where}: a population size must be non-negative, got {x}")
        return None, int(x)
    if getattr(x, "ndim", 0) < 1:
        raise ValueError(
            f"fnzero.random.{where}: expected an int or an array with at least one axis, got {x!r:.60}"
        )
    return x, None


def permutation(
    key: Any, x: Any, axis: int = 0, independent: bool = False, *, backend: str | Backend | None = None
) -> Any:
    """A shuffled ``arange(x)`` for an int ``x``; for an array, ``x`` shuffled along ``axis``
    (each slice on its own when ``independent``)."""
    if not isinstance(independent, (bool, np.bool_)):
        raise TypeError(
            f"fnzero.random.permutation: independent must be True or False, got {independent!r:.40}"
        )
    array, n = _population(x, "permutation")
    if array is None:
        return draw(key, "permutation", _random_order, backend, shape=(n,))
    shape = tuple(array.shape)
    axis = _axis(axis, len(shape), "permutation")
    target = backend if backend is not None else backend_of(array)
    if not independent:
        order = draw(key, "permutation", _random_order, target, shape=(shape[axis],))
        return fnp.take(array, order, axis=axis)
    order = draw(key, "permutation", _random_order, target, shape=shape, axis=axis)
    xp = array_module(order)
    grid: list = [xp.arange(d).reshape((-1,) + (1,) * (len(shape) - i - 1)) for i, d in enumerate(shape)]
    grid[axis] = order
    return fnp.index(array, tuple(grid))


def _axis(axis: int, ndim: int, where: str) -> int:
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"fnzero.random.{where}: axis must be an int, got {axis!r:.40} ({type(axis).__name__})"
        )
    if not -ndim <= axis < ndim:
        raise ValueError(f"fnzero.random.{where}: axis {axis} is out of range for {ndim} axes")
    return axis % ndim


def choice(
    key: Any,
    a: Any,
    shape: Shape = (),
    replace: bool = True,
    p: Any = None,
    axis: int = 0,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Samples from ``arange(a)`` (an int) or from the entries of ``a`` along ``axis``.

    ``p`` gives each entry's probability (normalized here). Without replacement and with
    ``p``, entries are drawn by the Gumbel top-k trick: ``log p + Gumbel noise``, largest first.
    """
    if not isinstance(replace, (bool, np.bool_)):
        raise TypeError(f"fnzero.random.choice: replace must be True or False, got {replace!r:.40}")
    array, n = _population(a, "choice")
    target = backend if array is None or backend is not None else backend_of(array)
    if array is not None:
        axis = _axis(axis, array.ndim, "choice")
        n = array.shape[axis]
    shape = as_shape(shape, "choice")
    k = int(np.prod(shape, dtype=np.int64))
    if p is None and replace:
        if n == 0 and k:
            raise ValueError("fnzero.random.choice: cannot draw from an empty population")
        picks = randint(key, shape, 0, max(n, 1), np.int64, backend=target)
    elif p is None:
        _check_enough(k, n, "entries")
        picks = draw(key, "choice", _without_replacement, target, n=n, shape=shape)
    else:
        picks = draw(key, "choice", _weighted, target, n=n, shape=shape, replace=replace, p=p)
    if array is None:
        return picks
    taken = fnp.take(array, fnp.reshape(picks, (-1,)), axis=axis)
    return fnp.reshape(taken, array.shape[:axis] + shape + array.shape[axis + 1 :])


def _without_replacement(target: Backend, k0: Word, k1: Word, n: int, shape: tuple[int, ...]) -> Any:
    rows = rows_of(k0)
    k = int(np.prod(shape, dtype=np.int64))
    return _random_order(target, k0, k1, (n,))[..., :k].reshape(rows + shape)


def _weighted(
    target: Backend, k0: Word, k1: Word, n: int, shape: tuple[int, ...], replace: bool, p: Any
) -> Any:
    xp = target.xp
    rows = rows_of(k0)
    k = int(np.prod(shape, dtype=np.int64))
    prob = xp.asarray(p if backend_of(p) is target else np.asarray(p), dtype=xp.float64)
    if prob.shape != (n,):
        raise ValueError(f"fnzero.random.choice: p has shape {prob.shape}, the population has {n} entries")
    if bool(xp.any(prob < 0)) or not float(prob.sum()) > 0:
        raise ValueError("fnzero.random.choice: p must be non-negative with a positive sum")
    if replace:
        cdf = xp.cumsum(prob)
        u = unit_floats(target, k0, k1, k, np.dtype(np.float64)) * cdf[-1]
        return xp.minimum(xp.searchsorted(cdf, u, side="right"), n - 1).reshape(rows + shape)
    _check_enough(k, int((prob > 0).sum()), "entries with p > 0")
    u = unit_floats(target, k0, k1, n, np.dtype(np.float64)) + 2.0**-54
    with np.errstate(divide="ignore"):
        scores = xp.log(prob) - xp.log(-xp.log(u))
    return xp.argsort(-scores, axis=-1)[..., :k].reshape(rows + shape)


def _check_enough(k: int, available: int, what: str) -> None:
    if k > available:
        raise ValueError(
            f"fnzero.random.choice: cannot draw {k} samples without replacement from {available} {what}"
        )

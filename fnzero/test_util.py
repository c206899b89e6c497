"""check_grads: reverse-mode derivatives against central finite differences (the book's
gradient_check, JAX's check_grads)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero import tree
from fnzero.backends import backend_of
from fnzero.transforms.vjp import vjp


def _is_float(x: Any) -> bool:
    return isinstance(x, float) or getattr(getattr(x, "dtype", None), "kind", "") == "f"


def _to_float64(x: Any) -> Any:
    if isinstance(x, float):
        return np.float64(x)
    if _is_float(x):
        return x.astype(np.float64)
    return x


def _random_like(rng: np.random.Generator, x: Any) -> Any:
    if not _is_float(x):
        return None
    host = rng.standard_normal(np.shape(x))
    backend = backend_of(x)
    return backend.from_host(host) if backend is not None else host


def _host(x: Any) -> np.ndarray:
    backend = backend_of(x)
    return np.asarray(backend.to_host(x) if backend is not None else x, dtype=np.float64)


def _inner(xs: Any, ys: Any) -> float:
    total = 0.0
    for x, y in zip(tree.leaves(xs), tree.leaves(ys)):
        if x is None or y is None:
            continue
        total += float(np.sum(_host(x) * _host(y)))
    return total


def _shift(args: Sequence[Any], tangents: Sequence[Any], step: float) -> list:
    def move(x, t):
        return x if t is None else x + step * t

    return [tree.map(move, a, t, is_leaf=lambda v: v is None) for a, t in zip(args, tangents)]


def check_vjp(
    f: Callable[..., Any],
    args: Sequence[Any],
    *,
    eps: float,
    atol: float,
    rtol: float,
    rng: np.random.Generator,
) -> None:
    """Check <u, J v> (finite differences) against <J^T u, v> (reverse mode) for random u, v."""
    out, vjp_fn = vjp(f, *args)
    tangents = [tree.map(lambda x: _random_like(rng, x), a) for a in args]
    out_plus = f(*_shift(args, tangents, eps))
    out_minus = f(*_shift(args, tangents, -eps))
    jv = tree.map(lambda a, b: (_host(a) - _host(b)) / (2 * eps), out_plus, out_minus)
    u = tree.map(lambda y: _random_like(rng, y), out)
    ju = vjp_fn(
        tree.map(
            lambda t, y: t if t is not None else np.zeros(np.shape(y)), u, out, is_leaf=lambda v: v is None
        )
    )
    numeric = _inner(u, jv)
    analytic = _inner(ju, tangents)
    if not np.isclose(analytic, numeric, atol=atol, rtol=rtol):
        raise AssertionError(
            f"check_grads: reverse mode gives <J^T u, v> = {analytic!r} but central differences "
            f"give <u, J v> = {numeric!r} (eps={eps}, atol={atol}, rtol={rtol})"
        )


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int = 1,
    modes: Sequence[str] = ("rev",),
    eps: float = 1e-5,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    seed: int = 0,
) -> None:
    """Raise AssertionError unless ``f``'s derivatives up to ``order`` match finite differences.

    Float leaves of ``args`` are promoted to float64, where central differences are a
    trustworthy reference. Each order checks the vjp of the previous order's vjp function
    along random directions.
    """
    unknown = set(modes) - {"rev"}
    if unknown:
        raise ValueError(f"check_grads: unknown modes {sorted(unknown)}; supported: ('rev',)")
    rng = np.random.default_rng(seed)
    args = [tree.map(_to_float64, a) for a in args]
    check_vjp(f, args, eps=eps, atol=atol, rtol=rtol, rng=rng)
    if order > 1:
        out = f(*args)
        u = tree.map(lambda y: _random_like(rng, y), out)

        def pulled_back(*xs):
            return vjp(f, *xs)[1](u)

        check_grads(pulled_back, args, order - 1, modes, eps, atol, rtol, seed + 1)

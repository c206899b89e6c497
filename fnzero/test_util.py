"""check_grads: forward- and reverse-mode derivatives against central finite differences
(the book's gradient_check, JAX's check_grads)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero import tree
from fnzero.backends import backend_of
from fnzero.transforms.jvp import jvp
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
    jv = _central_difference(f, args, tangents, eps)
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


def _central_difference(f: Callable[..., Any], args: Sequence[Any], tangents: list, eps: float) -> Any:
    out_plus = f(*_shift(args, tangents, eps))
    out_minus = f(*_shift(args, tangents, -eps))
    return tree.map(lambda a, b: (_host(a) - _host(b)) / (2 * eps), out_plus, out_minus)


def check_jvp(
    f: Callable[..., Any],
    args: Sequence[Any],
    *,
    eps: float,
    atol: float,
    rtol: float,
    rng: np.random.Generator,
) -> list:
    """Check J v (forward mode) against central differences along a random v; returns v."""
    tangents = [tree.map(lambda x: _random_like(rng, x), a) for a in args]
    _, analytic = jvp(f, args, tangents)
    numeric = _central_difference(f, args, tangents, eps)
    for n, (a, b) in enumerate(zip(tree.leaves(analytic), tree.leaves(numeric))):
        a = _host(a)
        if not np.allclose(a, b, atol=atol, rtol=rtol):
            worst = float(np.max(np.abs(a - b)))
            raise AssertionError(
                f"check_grads: forward mode gives J v = {a!r} for output leaf {n} but central "
                f"differences give {b!r} (largest difference {worst:.3g}; "
                f"eps={eps}, atol={atol}, rtol={rtol})"
            )
    return tangents


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int = 1,
    modes: Sequence[str] = ("fwd", "rev"),
    eps: float = 1e-5,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    seed: int = 0,
) -> None:
    """Raise AssertionError unless ``f``'s derivatives up to ``order`` match finite differences.

    Float leaves of ``args`` are promoted to float64, where central differences are a
    trustworthy reference. ``"fwd"`` checks jvp along a random direction, ``"rev"`` checks
    vjp along random directions; each order then checks the previous order's jvp (resp.
    vjp) function in every mode, so mixed orders (forward over reverse, ...) are checked too.
    """
    unknown = set(modes) - {"fwd", "rev"}
    if unknown:
        raise ValueError(f"check_grads: unknown modes {sorted(unknown)}; supported: ('fwd', 'rev')")
    rng = np.random.default_rng(seed)
    args = [tree.map(_to_float64, a) for a in args]
    if "fwd" in modes:
        v = check_jvp(f, args, eps=eps, atol=atol, rtol=rtol, rng=rng)
        if order > 1:

            def pushed_forward(*xs):
                return jvp(f, xs, v)[1]

            check_grads(pushed_forward, args, order - 1, modes, eps, atol, rtol, seed + 1)
    if "rev" in modes:
        check_vjp(f, args, eps=eps, atol=atol, rtol=rtol, rng=rng)
        if order > 1:
            out = f(*args)
            u = tree.map(lambda y: _random_like(rng, y), out)

            def pulled_back(*xs):
                return vjp(f, *xs)[1](u)

            check_grads(pulled_back, args, order - 1, modes, eps, atol, rtol, seed + 1)

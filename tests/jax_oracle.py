"""JAX as the oracle: a function written twice, once with fnzero and once with JAX, must give
the same value, gradient, forward-mode tangent, vmap rows and (where asked) second
derivative, in float64. Tests that use this module skip cleanly where JAX is missing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = pytest.importorskip("jax.numpy")

import fnzero as fz  # noqa: E402
import fnzero.numpy as fnp  # noqa: E402

RTOL = 1e-9
ATOL = 1e-10


def _close(ours: Any, theirs: Any, what: str, rtol: float, atol: float) -> None:
    ours_leaves = fz.tree.leaves(ours)
    theirs_leaves = jax.tree_util.tree_leaves(theirs)
    n, m = len(ours_leaves), len(theirs_leaves)
    assert n == m, f"{what}: {n} leaves vs JAX's {m}"
    for a, b in zip(ours_leaves, theirs_leaves):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, f"{what}: shape {a.shape} vs JAX's {b.shape}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def _compiled(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` under ``jax.jit`` (one compilation instead of one per operation, which makes the
    oracle several times faster), or eagerly where ``f`` needs concrete values."""
    jitted = jax.jit(f)

    def call(*args):
        try:
            return jitted(*args)
        except Exception:  # noqa: BLE001 (eager JAX raises the real error, if there is one)
            return f(*args)

    return call


def _scalarize(f: Callable[..., Any], w: Sequence[np.ndarray], sum_: Callable[[Any], Any]):
    """``sum(f(*args) * w)``: a scalar whose gradient is the vjp of ``f`` along ``w``."""

    def g(*args):
        out = f(*args)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return sum_(sum(sum_(o * wk) for o, wk in zip(outs, w)))

    return g


def check_against_jax(
    ours: Callable[..., Any],
    theirs: Callable[..., Any],
    *args: np.ndarray,
    argnums: Sequence[int] | None = None,
    order: int = 1,
    vmap: bool = True,
    jit: bool = False,
    rtol: float = RTOL,
    atol: float = ATOL,
    seed: int = 0,
) -> None:
    """Compare ``ours(*args)`` with ``theirs(*args)``: values; then, for the float arguments
    in ``argnums`` (all float ones when None), reverse mode, forward mode, vmap over a
    leading axis of 2, optionally jit, and with ``order=2`` the gradient of the gradient."""
    args = tuple(np.asarray(a) for a in args)
    jargs = tuple(jnp.asarray(a) for a in args)
    expected = _compiled(theirs)(*jargs)
    _close(ours(*args), expected, "value", rtol, atol)
    if argnums is None:
        argnums = tuple(k for k, a in enumerate(args) if a.dtype.kind == "f")
    if not argnums:
        return
    argnums = tuple(argnums)
    rng = np.random.default_rng(seed)
    outs = expected if isinstance(expected, (tuple, list)) else (expected,)
    w = [rng.standard_normal(np.shape(o)) for o in outs]
    g_ours = _scalarize(ours, w, fnp.sum)
    g_theirs = _scalarize(theirs, [jnp.asarray(x) for x in w], jnp.sum)
    g_expected = _compiled(jax.grad(g_theirs, argnums=argnums))(*jargs)
    _close(fz.grad(g_ours, argnums=argnums)(*args), g_expected, "grad", rtol, atol)
    tangents = [rng.standard_normal(args[k].shape) for k in argnums]

    def along(f, k_args):
        def h(*moving):
            full = list(k_args)
            for k, m in zip(argnums, moving):
                full[k] = m
            return f(*full)

        return h

    moving = [args[k] for k in argnums]
    _, t_ours = fz.jvp(along(ours, args), moving, tangents)
    jtangents = [jnp.asarray(t) for t in tangents]
    _, t_theirs = _compiled(lambda *m: jax.jvp(along(theirs, jargs), list(m), jtangents))(
        *[jargs[k] for k in argnums]
    )
    _close(t_ours, t_theirs, "jvp", rtol, atol)
    if vmap:
        stacked = tuple(np.stack([a, a[::-1] if a.ndim else -a]) if a.dtype.kind == "f" else a for a in args)
        in_axes = tuple(0 if a.dtype.kind == "f" else None for a in args)
        _close(
            fz.vmap(ours, in_axes=in_axes)(*stacked),
            _compiled(jax.vmap(theirs, in_axes=in_axes))(*(jnp.asarray(a) for a in stacked)),
            "vmap",
            rtol,
            atol,
        )
    if jit:
        _close(
            fz.jit(fz.grad(g_ours, argnums=argnums))(*args),
            g_expected,
            "jit(grad)",
            rtol,
            atol,
        )
    if order >= 2:
        k = argnums[0]
        v = rng.standard_normal(args[k].shape)

        def directional(f, sum_, asarray):
            def d(*a):
                gk = (fz.grad if sum_ is fnp.sum else jax.grad)(f, argnums=k)(*a)
                return sum_(gk * asarray(v))

            return d

        _close(
            fz.grad(directional(g_ours, fnp.sum, np.asarray), argnums=k)(*args),
            _compiled(jax.grad(directional(g_theirs, jnp.sum, jnp.asarray), argnums=k))(*jargs),
            "second derivative",
            rtol * 10,
            atol * 10,
        )

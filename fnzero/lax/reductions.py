"""Reductions with the options of ``jax.scipy.special.logsumexp`` (weights ``b``, a sign for
sums that ``b`` makes negative, a ``where`` mask), composed from fnzero.numpy operations so
that every derivative order comes for free. fnzero.nn and fnzero.scipy.special export it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero._checks import flag


def _masked(x: Any, where: Any, fill: float) -> Any:
    return x if where is None else fnp.where(where, x, fill)


def logsumexp(
    a: Any,
    axis: Any = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
    where: Any = None,
) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis`` without overflow (jax.nn.logsumexp).

    With ``return_sign`` the pair ``(log|s|, sign(s))`` for the sum ``s``, which ``b`` may make
    negative; without it a negative sum gives NaN. ``where`` masks entries out of the sum.
    """
    keepdims = flag(keepdims, "keepdims", "fnzero.nn.logsumexp")
    return_sign = flag(return_sign, "return_sign", "fnzero.nn.logsumexp")
    if b is None and where is None and not return_sign:
        return fnp.logsumexp(a, axis=axis, keepdims=keepdims)
    safe = _masked(a, where, -np.inf)
    peak = fnp.stop_gradient(fnp.max(safe, axis, True))
    peak = fnp.where(fnp.isfinite(peak), peak, 0)
    terms = fnp.exp(safe - peak)
    if b is not None:
        terms = terms * _masked(b, where, 0)
    total = fnp.sum(terms, axis=axis, keepdims=True)
    if return_sign:
        sign = fnp.stop_gradient(fnp.sign(total))
        out = fnp.log(fnp.abs(total)) + peak
        if not keepdims:
            out, sign = fnp.squeeze(out, axis), fnp.squeeze(sign, axis)
        return out, sign
    out = fnp.log(total) + peak
    return out if keepdims else fnp.squeeze(out, axis)

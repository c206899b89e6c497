"""Products: matmul and einsum are primitives; dot, tensordot and outer are built on them."""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from fnzero.backends import xp_of
from fnzero.core.primitive import Primitive, VariadicVJP
from fnzero.numpy._axes import normalize_axis
from fnzero.numpy.arithmetic import multiply
from fnzero.numpy.batching import batch_size, rank_up, shape_of, to_front
from fnzero.numpy.shapes import _transpose, broadcast_to, moveaxis, reshape, transpose


def _shape(x) -> tuple[int, ...]:
    return getattr(x, "shape", ())


def _as_matrices(g, a, b):
    """Promote 1-d operands (and the cotangent) to the matrix case of matmul."""
    a2 = reshape(a, (1,) + a.shape) if a.ndim == 1 else a
    b2 = reshape(b, b.shape + (1,)) if b.ndim == 1 else b
    g2 = g
    if b.ndim == 1:
        g2 = reshape(g2, g2.shape + (1,))
    if a.ndim == 1:
        g2 = reshape(g2, g2.shape[:-1] + (1,) + g2.shape[-1:])
    return g2, a2, b2


def _mT(x):
    """``x`` with its last two axes swapped (a matrix transpose, batched over leading axes)."""
    n = x.ndim
    return _transpose(x, (*range(n - 2), n - 1, n - 2))


def _matmul_vjp_a(g, ans, a, b):
    if a.ndim >= 2 and b.ndim >= 2:
        return g @ _mT(b)
    g2, _, b2 = _as_matrices(g, a, b)
    ga = g2 @ _mT(b2)
    return reshape(ga, ga.shape[:-2] + ga.shape[-1:]) if a.ndim == 1 else ga


def _matmul_vjp_b(g, ans, a, b):
    if a.ndim >= 2 and b.ndim >= 2:
        return _mT(a) @ g
    g2, a2, _ = _as_matrices(g, a, b)
    gb = _mT(a2) @ g2
    return reshape(gb, gb.shape[:-1]) if b.ndim == 1 else gb


def _check_matmul(a, b):
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        raise ValueError(f"fnzero.numpy.matmul: operands must be at least 1-d, got shapes {sa} and {sb}")
    ka = sa[-1]
    kb = sb[0] if len(sb) == 1 else sb[-2]
    if ka != kb:
        raise ValueError(
            f"fnzero.numpy.matmul: shapes {sa} and {sb} do not align: {ka} (last axis of the first) "
            f"!= {kb} ({'only' if len(sb) == 1 else 'second-to-last'} axis of the second)"
        )


def _matmul_impl(a, b):
    try:
        return a @ b
    except ValueError:
        _check_matmul(a, b)
        raise


matmul = Primitive("matmul", _matmul_impl, onnx="MatMul").defvjp(_matmul_vjp_a, _matmul_vjp_b)
matmul.defjvp(lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t))


def _matmul_batched(args, dims):
    (a, b), (da, db) = args, dims
    sa, sb = (_example_shape(x, d) for x, d in zip(args, dims))
    if db is None and len(sb) <= 2:  # fold the batch into a's rows: one plain matrix product
        a = to_front(a, da)
        s = shape_of(a)
        out = matmul(reshape(a, (-1, s[-1])), b)
        return reshape(out, s[:1] + (s[1:-1] if len(sa) > 1 else ()) + shape_of(out)[1:]), 0
    if da is None and len(sa) <= 2 and len(sb) >= 2:  # fold the batch into b's columns
        b = moveaxis(b, db, -2)  # (..., k, B, n)
        s = shape_of(b)
        out = matmul(a, reshape(b, s[:-2] + (s[-2] * s[-1],)))
        out = reshape(out, shape_of(out)[:-1] + s[-2:])
        return out, len(shape_of(out)) - 2
    size = batch_size(args, dims)
    a = to_front(a, da, size)
    b = to_front(b, db, size)
    a = reshape(a, shape_of(a)[:1] + (1,) + sa) if len(sa) == 1 else a
    b = reshape(b, shape_of(b) + (1,)) if len(sb) == 1 else b
    rank = max(len(shape_of(a)), len(shape_of(b))) - 1
    a, b = rank_up(a, rank), rank_up(b, rank)
    # Outer products (per-example weight gradients): a broadcast multiply, 3x faster than a
    # stack of rank-1 matrix products.
    out = multiply(a, b) if shape_of(a)[-1] == 1 else matmul(a, b)
    lead = np.broadcast_shapes(sa[:-2], sb[:-2])
    final = lead + (sa[-2:-1] if len(sa) > 1 else ()) + (sb[-1:] if len(sb) > 1 else ())
    return reshape(out, (size,) + final), 0


def _example_shape(x: Any, d: int | None) -> tuple[int, ...]:
    s = shape_of(x)
    return s if d is None else s[:d] + s[d + 1 :]


matmul.defbatch(_matmul_batched)


def tensordot(a, b, axes: int | Sequence = 2):
    """Sum products over ``axes`` (NumPy's forms), as one matmul of reshaped operands."""
    sa, sb = _shape(a), _shape(b)
    if isinstance(axes, (int, np.integer)):
        if not 0 <= axes <= min(len(sa), len(sb)):
            raise ValueError(
                f"fnzero.numpy.tensordot: axes={axes} is negative or more axes than shapes {sa} and {sb} have"
            )
        axes_a = list(range(len(sa) - int(axes), len(sa)))
        axes_b = list(range(int(axes)))
    else:
        axes_a, axes_b = ([ax] if isinstance(ax, (int, np.integer)) else list(ax) for ax in axes)
    axes_a = [normalize_axis(x, len(sa), "tensordot")[0] for x in axes_a]
    axes_b = [normalize_axis(x, len(sb), "tensordot")[0] for x in axes_b]
    if len(set(axes_a)) != len(axes_a) or len(set(axes_b)) != len(axes_b):
        raise ValueError(f"fnzero.numpy.tensordot: repeated axis in axes={axes}")
    if [sa[i] for i in axes_a] != [sb[i] for i in axes_b]:
        raise ValueError(
            f"fnzero.numpy.tensordot: summed axes of shapes {sa} and {sb} differ in length "
            f"({[sa[i] for i in axes_a]} vs {[sb[i] for i in axes_b]})"
        )
    free_a = [i for i in range(len(sa)) if i not in axes_a]
    free_b = [i for i in range(len(sb)) if i not in axes_b]
    k = math.prod(sa[i] for i in axes_a)
    a2 = reshape(transpose(a, free_a + axes_a), (-1, k))
    b2 = reshape(transpose(b, axes_b + free_b), (k, -1))
    return reshape(a2 @ b2, tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b))


def dot(a, b):
    """NumPy's dot: products for scalars, matmul up to 2-d, else a tensordot."""
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        return multiply(a, b)
    if len(sb) <= 2:
        return matmul(a, b)
    return tensordot(a, b, ([-1], [-2]))


def outer(a, b):
    """The outer product of two vectors (flattened first, as NumPy does): ``a[i] * b[j]``."""
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def inner(a, b):
    """NumPy's inner: products for scalars, else a sum over both last axes."""
    if not _shape(a) or not _shape(b):
        return multiply(a, b)
    return tensordot(a, b, ([-1], [-1]))


def _einsum_impl(*operands, inputs, output):
    return xp_of(*operands).einsum(",".join(inputs) + "->" + output, *operands)


def _einsum_vjp(k, g, ans, *operands, inputs, output):
    target = inputs[k]
    if len(set(target)) != len(target):
        raise NotImplementedError(
            f"fnzero.numpy.einsum: no derivative for an operand with a repeated index ({target!r})"
        )
    others = [s for i, s in enumerate(inputs) if i != k]
    seen = set(output).union(*others) if others else set(output)
    kept = "".join(c for c in target if c in seen)
    gk = _einsum(g, *(o for i, o in enumerate(operands) if i != k), inputs=(output, *others), output=kept)
    if kept == target:
        return gk
    shape = _shape(operands[k])
    spread = tuple(d if c in seen else 1 for c, d in zip(target, shape))
    return broadcast_to(reshape(gk, spread), shape)


def _einsum_jvp(tangents, ans, *operands, inputs, output):
    # Linear in each operand: the tangent is the sum of einsums with one operand replaced.
    out = None
    for k, t in enumerate(tangents):
        if t is not None:
            term = _einsum(*operands[:k], t, *operands[k + 1 :], inputs=inputs, output=output)
            out = term if out is None else out + term
    return out


_einsum = Primitive("einsum", _einsum_impl).defvjp(VariadicVJP(_einsum_vjp))
_einsum.defjvp_joint(_einsum_jvp)


def _einsum_batched(args, dims, inputs, output):
    letter = next(c for c in string.ascii_letters if c not in "".join(inputs) + output)
    moved = [a if d is None else to_front(a, d) for a, d in zip(args, dims)]
    subs = tuple(s if d is None else letter + s for s, d in zip(inputs, dims))
    return _einsum(*moved, inputs=subs, output=letter + output), 0


_einsum.defbatch(_einsum_batched)


def einsum(subscripts: str, *operands):
    """Einstein summation, NumPy's notation (``...`` and implicit output included)."""
    subscripts = subscripts.replace(" ", "")
    lhs, arrow, rhs = subscripts.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(operands):
        raise ValueError(
            f"fnzero.numpy.einsum: {subscripts!r} names {len(inputs)} operands, got {len(operands)}"
        )
    spare = iter(c for c in string.ascii_letters if c not in subscripts)
    ellipsis_dims = 0
    for s, x in zip(inputs, operands):
        if "..." in s:
            ellipsis_dims = max(ellipsis_dims, len(_shape(x)) - (len(s) - 3))
    fill = "".join(next(spare) for _ in range(ellipsis_dims))
    expanded = []
    for s, x in zip(inputs, operands):
        if "..." in s:
            n = len(_shape(x)) - (len(s) - 3)
            s = s.replace("...", fill[ellipsis_dims - n :])
        if len(s) != len(_shape(x)):
            raise ValueError(
                f"fnzero.numpy.einsum: subscripts {s!r} do not match an operand of shape {_shape(x)}"
            )
        expanded.append(s)
    if arrow:
        output = rhs.replace("...", fill)
    else:
        counts = {c: "".join(expanded).count(c) for c in set("".join(expanded))}
        output = fill + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in fill))
    return _einsum(*operands, inputs=tuple(expanded), output=output)

"""What the reverse-mode transforms share: watching inputs, checking outputs, reading results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from fnzero import tree
from fnzero._checks import flag
from fnzero.backends import backend_of
from fnzero.core.reverse import ReverseTracer, Tape
from fnzero.core.tracer import TRACER_TYPES
from fnzero.numpy import astype, zeros_like


def check_callable(fun: Any, name: str) -> None:
    """A TypeError naming the transform when ``fun`` is not callable (at the transform, not at
    the first call of the function it returns)."""
    if not callable(fun):
        raise TypeError(
            f"fnzero.{name}: fun must be a callable (the function to transform), got {fun!r:.60} "
            f"({type(fun).__name__})"
        )


def check_argnums(argnums: int | Sequence[int], nargs: int, name: str) -> tuple[int, ...]:
    if type(argnums) is int and 0 <= argnums < nargs:  # the usual case
        return (argnums,)
    nums = as_int_tuple(argnums, "argnums", name)
    for n in nums:
        if not -nargs <= n < nargs:
            raise ValueError(
                f"{name}: argnums={argnums!r} is out of range for a call with {nargs} positional "
                f"argument{'s' if nargs != 1 else ''}"
            )
    return tuple(int(n) % nargs for n in nums)


def as_int_tuple(nums: Any, argument: str, name: str) -> tuple[int, ...]:
    """``nums`` (an int or a tuple or list of ints) as a tuple; a TypeError naming
    ``argument`` for anything else (floats, strings, bools)."""

    def is_int(n: Any) -> bool:
        return isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_))

    items = (nums,) if is_int(nums) else tuple(nums) if isinstance(nums, (tuple, list)) else None
    if items is None or not all(is_int(n) for n in items):
        raise TypeError(
            f"{name}: {argument} must be an int or a tuple of ints, got {nums!r} ({type(nums).__name__})"
        )
    return tuple(int(n) for n in items)


def _leaf_dtype(leaf: Any):
    return getattr(leaf, "dtype", None)


def as_differentiable(leaf: Any, allow_int: bool, label: str) -> tuple[Any, bool]:
    """``leaf`` as an array and whether it is differentiated (False: an integer leaf let through).

    Python floats become float64 arrays. Integer and boolean leaves are an error unless
    ``allow_int``, when they are passed through (their derivative is zero).
    """
    if isinstance(leaf, (float, bool, int)):
        leaf = np.asarray(leaf)
    dtype = _leaf_dtype(leaf)
    if dtype is None or (backend_of(leaf) is None and type(leaf) not in TRACER_TYPES):
        raise TypeError(
            f"{label}: cannot differentiate with respect to a {type(leaf).__name__} "
            f"({leaf!r:.40}); differentiable leaves must be float arrays or Python floats"
        )
    if dtype.kind != "f":
        if allow_int and dtype.kind in "biu":
            return leaf, False
        raise TypeError(
            f"{label}: differentiation needs floating-point inputs, got dtype {dtype}; "
            f"convert it with .astype(float) or pass allow_int=True to get a zero gradient"
        )
    return leaf, True


def label_of(where: str, path: str) -> str:
    return f"{where}{'/' + path if path else ''}"


class Watched(list):
    """The tracers of one argument's leaves (None for an integer leaf let through by
    ``allow_int``), with the argument's structure and leaves: what its cotangent is built on.

    ``treedef`` is None for the usual argument, one array or a plain tuple or list of them
    (``container`` says which): their cotangents are rebuilt without walking a tree.
    """

    __slots__ = ("treedef", "leaves", "container")


def _plain_leaves(arg: Any) -> tuple[list, type | None] | None:
    """``([arg], None)`` for a float ndarray, ``(list(arg), tuple or list)`` for a plain
    tuple or list of them; None for anything else (it takes the general path)."""
    if type(arg) is np.ndarray:
        return ([arg], None) if arg.dtype.kind == "f" else None
    kind = type(arg)
    if kind is not tuple and kind is not list:
        return None
    for leaf in arg:
        if type(leaf) is not np.ndarray or leaf.dtype.kind != "f":
            return None
    return list(arg), kind


def watch(tape: Tape, arg: Any, allow_int: bool, where: str) -> tuple[Any, Watched]:
    """``arg`` with every float leaf replaced by a tracer on ``tape``, and the watched leaves."""
    watched = Watched()
    plain = _plain_leaves(arg)
    if plain is not None:
        leaves, container = plain
        for leaf in leaves:
            watched.append(tape.watch(leaf))
        watched.treedef, watched.leaves, watched.container = None, leaves, container
        return (watched[0] if container is None else container(watched)), watched
    leaves, treedef = tree.flatten(arg)
    out = []
    for i, leaf in enumerate(leaves):
        try:
            leaf, differentiated = as_differentiable(leaf, allow_int, where)
        except TypeError:  # say which leaf: its path is worth computing only now
            as_differentiable(leaf, allow_int, label_of(where, tree.flatten_with_path(arg)[i][0]))
            raise
        leaves[i] = leaf
        t = tape.watch(leaf) if differentiated else None
        out.append(leaf if t is None else t)
        watched.append(t)
    watched.treedef, watched.leaves, watched.container = treedef, leaves, None
    return tree.unflatten(treedef, out), watched


class Recording(NamedTuple):
    """A function run once on a tape: watched arguments, their tracers, output and aux."""

    tape: Tape
    args: list
    watched: list
    out: Any
    aux: Any


def record(fun: Callable[..., Any], primals: Sequence[Any], has_aux: bool, name: str) -> Recording:
    """Run ``fun(*primals)`` with every primal watched on a new tape (closed afterwards)."""
    has_aux = flag(has_aux, "has_aux", f"fnzero.{name}")
    tape = Tape()
    args, watched = [], []
    for n, p in enumerate(primals):
        arg, w = watch(tape, p, False, f"{name}: primal {n}")
        args.append(arg)
        watched.append(w)
    try:
        result = fun(*args)
    finally:
        tape.closed = True
    out, aux = split_aux(result, has_aux, name)
    return Recording(tape, args, watched, out, aux)


def node_of(tape: Tape, x: Any) -> int:
    """The node index of ``x`` on ``tape``, or -1 when ``x`` is a constant there."""
    return x._index if type(x) is ReverseTracer and x._trace is tape else -1


def split_aux(result: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(
            f"{name} with has_aux=True needs the function to return a pair (output, aux); "
            f"it returned {type(result).__name__}"
            + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
        )
    return result[0], result[1]


def check_scalar(out: Any, name: str) -> None:
    shape = out._value.shape if type(out) is ReverseTracer else getattr(out, "shape", None)
    if shape is None and not isinstance(out, (float, int)):
        raise TypeError(
            f"{name} needs a function returning a scalar array, got {type(out).__name__}"
            + ("; if it returns (output, aux), pass has_aux=True" if isinstance(out, (tuple, list)) else "")
        )
    if shape is not None and shape != ():
        raise TypeError(
            f"{name} needs a function with a scalar output, got an output of shape {shape}; "
            f"use fnzero.vjp or jacrev for non-scalar outputs, or reduce it (e.g. .sum())"
        )
    dtype = getattr(out, "dtype", None)
    if dtype is not None and dtype.kind == "c":
        raise TypeError(
            f"{name} needs a real-valued output, got dtype {dtype}: the gradient of a complex "
            f"output is not the gradient of its real part. Return a real value (the real part, "
            f"or abs(z) ** 2), or use fnzero.vjp, which takes a cotangent for a complex output"
        )
    if dtype is not None and dtype.kind != "f":
        raise TypeError(f"{name} needs a floating-point output, got dtype {dtype}")


def cotangent_of(leaf: Any, watched: ReverseTracer | None, cts: list) -> Any:
    """The cotangent for one input leaf: zeros when nothing reached it, in its dtype."""
    if watched is None:
        return zeros_like(leaf)
    i = watched._index
    g = cts[i] if i < len(cts) else None
    if g is None:
        return zeros_like(watched._value)
    if type(g) is np.ndarray and g.flags.writeable and g.dtype == watched._value.dtype:
        return g  # the usual case: an array of its own, in the leaf's dtype
    if g.dtype != watched.dtype:
        g = astype(g, watched.dtype)
    if isinstance(g, np.generic):
        g = np.asarray(g)
    elif isinstance(g, np.ndarray) and not g.flags.writeable:
        g = g.copy()  # a broadcast view: give the caller an array of its own
    return g


def memory_owner(x: Any) -> Any:
    """The object whose memory the array ``x`` uses (a view's base, followed to the end), or
    None for what cannot be written to: traced values, NumPy scalars, Python numbers."""
    if type(x) is not np.ndarray and (
        type(x) in TRACER_TYPES or isinstance(x, np.generic) or not hasattr(x, "base")
    ):
        return None
    base = x.base
    while base is not None:
        x = base
        base = getattr(x, "base", None)
    return x


class Distinct:
    """Hands out arrays that share memory with nothing handed out before, nor with the
    values it was told to avoid (the caller's inputs and cotangents): a rule may pass one
    cotangent on to several operands, so the sweep's results can alias. Only an array that
    collides is copied, so the usual call costs one look at each leaf's base."""

    __slots__ = ("seen",)

    def __init__(self, avoid: Any = ()) -> None:
        self.seen: set[int] = set()
        for x in avoid:
            owner = memory_owner(x)
            if owner is not None:
                self.seen.add(id(owner))

    def __call__(self, x: Any) -> Any:
        owner = memory_owner(x)
        if owner is None:
            return x
        if id(owner) in self.seen:
            x = x.copy()
            owner = x
        self.seen.add(id(owner))
        return x


def unwrap_tree(tape: Tape, x: Any) -> Any:
    return tree.map(tape.value_of, x)


def cotangents(watched: Watched, cts: list, distinct: Distinct) -> Any:
    """The cotangent of one watched argument, in its structure, each leaf passed through
    ``distinct`` (shared by all the arguments of one call)."""
    grads = [distinct(cotangent_of(x, w, cts)) for x, w in zip(watched.leaves, watched)]
    if watched.treedef is None:
        return grads[0] if watched.container is None else watched.container(grads)
    return tree.unflatten(watched.treedef, grads)

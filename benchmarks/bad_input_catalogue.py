"""A catalogue of wrong calls across fnzero's public API, and what each one gives.

Every entry is a call that is wrong (a shape that would broadcast by accident, a bad axis, a
float where an int is needed, a traced value turned into a number, a negative rate...) and
the fragments its error message must hold: the argument's name, or the shapes involved. A
few entries are calls that look wrong but are right (``argnums=np.int64(0)``, as JAX takes
it); they carry a check of the answer instead.

Each call runs with a time limit, and lands in one of four classes:

- clear: a ValueError, TypeError (or another error the entry names, such as fnzero's
  UnexpectedTracerError or numpy's AxisError) whose message holds every fragment, or whose
  direct cause does (the traceback prints the cause first: NumPy's ``buf[i] = x`` replaces
  fnzero's refusal of ``float(x)`` by its own error, with ours as the cause); for the entries
  that are right, the right answer;
- unclear: another exception, or a message that does not name the problem;
- silent: the wrong call returned (a silent wrong answer), or a right one returned a wrong answer;
- hang: the call ran past the time limit.

    python benchmarks/bad_input_catalogue.py            # the counts, and every entry not clear
    python benchmarks/bad_input_catalogue.py --verbose  # every entry
    python benchmarks/bad_input_catalogue.py --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import fnzero as fz
import fnzero.numpy as fnp
from fnzero import data, lax, nn, optim, random, tree

CLEAR_TYPES: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    fz.UnexpectedTracerError,
    fz.ConcretizationTypeError,
)
# Errors that are clear for the entries that name them: an index out of range, a file that is not there.
INDEX_TYPES = (*CLEAR_TYPES, IndexError)
FILE_TYPES = (*CLEAR_TYPES, OSError)

TIME_LIMIT_S = 3.0


@dataclass
class Entry:
    """One wrong call: ``call()`` must raise one of ``types`` with every regex of ``match``
    in its message; or, when ``accept`` is given, it may instead return an answer that
    ``accept`` finds right."""

    name: str
    area: str
    call: Callable[[], Any]
    match: tuple[str, ...]
    types: tuple[type[BaseException], ...] = CLEAR_TYPES
    accept: Callable[[Any], bool] | None = None


@dataclass
class Outcome:
    """What one entry gave."""

    name: str
    area: str
    kind: str  # clear, unclear, silent, hang
    detail: str = ""
    seconds: float = 0.0


CATALOGUE: list[Entry] = []
_AREA = ["numpy"]


def area(name: str) -> None:
    """Entries declared from here on belong to area ``name``."""
    _AREA[0] = name


def wrong(
    name: str,
    call: Callable[[], Any],
    *match: str,
    types: tuple[type[BaseException], ...] = CLEAR_TYPES,
    accept: Callable[[Any], bool] | None = None,
) -> None:
    """Add an entry to the catalogue (names are unique)."""
    if any(e.name == name for e in CATALOGUE):
        raise ValueError(f"catalogue entry {name!r} is declared twice")
    CATALOGUE.append(Entry(name, _AREA[0], call, match, types, accept))


def S(*dims: int) -> str:
    """A regex for a shape as messages write it: ``(3, 1)``, ``(3,)``, ``[3, 1]`` or ``[3,1]``."""
    if len(dims) == 1:
        return rf"(\({dims[0]},\)|\[{dims[0]}\])"
    inner = r", ?".join(str(d) for d in dims)
    return rf"[\(\[]{inner}[\)\]]"


def close(expected: Any) -> Callable[[Any], bool]:
    """An ``accept`` check: the answer equals ``expected`` (leaf by leaf, to rounding)."""

    def check(got: Any) -> bool:
        a, b = tree.leaves(got), tree.leaves(expected)
        return len(a) == len(b) and all(
            np.shape(x) == np.shape(y) and np.allclose(np.asarray(x), np.asarray(y)) for x, y in zip(a, b)
        )

    return check


X23 = np.arange(6.0).reshape(2, 3)
A31 = np.ones((3, 1))
B24 = np.ones((2, 4))
V3 = np.arange(3.0)
V4 = np.arange(4.0)
ONE = np.array(1.0)


def traced(f: Callable[[Any], Any], x: Any = V3) -> Callable[[], Any]:
    """``f`` called on a value traced by grad (its output summed, so grad applies)."""
    return lambda: fz.grad(lambda v: fnp.sum(fnp.asarray(f(v), dtype=float)))(x)


# ---------------------------------------------------------------- fnzero.numpy
area("numpy")

for _op in [
    "add",
    "subtract",
    "multiply",
    "divide",
    "power",
    "maximum",
    "minimum",
    "equal",
    "less",
    "arctan2",
]:
    if hasattr(fnp, _op):
        wrong(f"numpy.{_op} (3,1) with (2,4)", lambda op=_op: getattr(fnp, op)(A31, B24), S(3, 1), S(2, 4))
wrong("numpy.add traced (2,) + (3,)", traced(lambda v: v[:2] + V3), S(2), S(3))
wrong("numpy.multiply traced (3,) * (4,)", traced(lambda v: v * V4), S(3), S(4))
wrong("numpy.where cond (3,) x (3,) y (4,)", lambda: fnp.where(V3 > 0, V3, V4), S(3), S(4))
wrong("numpy.matmul (2,3) @ (2,3)", lambda: fnp.matmul(X23, X23), S(2, 3))
wrong("numpy.matmul of a 0-d array", lambda: fnp.matmul(np.float64(2.0), X23), "matmul")
wrong(
    "numpy.matmul traced (2,3) @ (2,3)",
    traced(lambda v: fnp.matmul(fnp.reshape(v, (2, 3)), X23), X23),
    S(2, 3),
)
wrong("numpy.dot (2,3) . (2,3)", lambda: fnp.dot(X23, X23), S(2, 3))
wrong("numpy.inner (3,) (4,)", lambda: fnp.inner(V3, V4), S(3), S(4))
wrong("numpy.vdot (3,) (4,)", lambda: fnp.vdot(V3, V4), "3", "4")
wrong("numpy.tensordot axes mismatch", lambda: fnp.tensordot(X23, X23, axes=([1], [1, 0])), "axes")
wrong("numpy.tensordot axes sizes differ", lambda: fnp.tensordot(X23, X23, axes=([1], [0])), "3", "2")
wrong("numpy.einsum sizes differ", lambda: fnp.einsum("ij,jk->ik", X23, X23), "einsum", S(2, 3))
wrong("numpy.einsum bad subscripts", lambda: fnp.einsum("ij,k->ik", X23), "operand|subscript")
wrong("numpy.einsum too many indices", lambda: fnp.einsum("ijk->i", X23), "ijk|dimension|subscript")
wrong("numpy.reshape 6 into (4,)", lambda: fnp.reshape(X23, (4,)), S(2, 3), S(4))
wrong("numpy.reshape (2.5, 2)", lambda: fnp.reshape(np.ones(4), (2.5, 2)), "shape", "2.5")
wrong("numpy.reshape two -1", lambda: fnp.reshape(X23, (-1, -1)), "-1|unknown")
wrong("numpy.reshape float dim", lambda: fnp.reshape(X23, (2.0, 3)), "2.0|float")
wrong("numpy.reshape traced 6 into (4,)", traced(lambda v: fnp.reshape(v, (4,)), X23), "6|" + S(2, 3), S(4))
wrong("tracer.reshape 6 into (5,)", traced(lambda v: v.reshape(5), X23), S(5))
wrong("numpy.concatenate (2,3) with (3,3)", lambda: fnp.concatenate([X23, np.ones((3, 3))], axis=1), "3", "2")
wrong("numpy.concatenate ndim differ", lambda: fnp.concatenate([X23, V3]), "dimension|ndim|" + S(3))
wrong(
    "numpy.concatenate of 0-d",
    lambda: fnp.concatenate([np.float64(1.0), np.float64(2.0)]),
    "0-d|zero-dim|dimension",
)
wrong("numpy.concatenate empty list", lambda: fnp.concatenate([]), "at least one|empty|need")
wrong("numpy.stack shapes differ", lambda: fnp.stack([V3, V4]), S(3), S(4))
wrong("numpy.stack traced shapes differ", traced(lambda v: fnp.stack([v, V4])), S(3), S(4))
wrong("numpy.hstack shapes differ", lambda: fnp.hstack([X23, np.ones((3, 3))]), "2|3")
wrong("numpy.vstack shapes differ", lambda: fnp.vstack([X23, np.ones((2, 4))]), "3", "4")
wrong("numpy.split unequal", lambda: fnp.split(np.ones(5), 2), "equal|divide|5")
wrong("numpy.split sections 0", lambda: fnp.split(np.ones(4), 0), "0|sections")
wrong("numpy.broadcast_to (3,) to (4,)", lambda: fnp.broadcast_to(V3, (4,)), S(3), S(4))
wrong(
    "numpy.broadcast_to traced (3,) to (2, 4)", traced(lambda v: fnp.broadcast_to(v, (2, 4))), S(3), S(2, 4)
)
wrong("numpy.transpose wrong axes count", lambda: fnp.transpose(X23, (0,)), "axes")
wrong("numpy.transpose repeated axes", lambda: fnp.transpose(X23, (0, 0)), "axes|repeated")
wrong("numpy.squeeze axis of size 3", lambda: fnp.squeeze(X23, 1), "size|squeeze|1")
wrong("numpy.swapaxes axis 2 of 2-d", lambda: fnp.swapaxes(X23, 0, 2), "axis 2")
wrong("numpy.moveaxis repeated", lambda: fnp.moveaxis(X23, (0, 0), (0, 1)), "moveaxis", "source")
wrong("numpy.expand_dims axis 3 of 2-d", lambda: fnp.expand_dims(X23, 3), "axis 3")
wrong("numpy.flip axis 2", lambda: fnp.flip(X23, 2), "axis 2")
# NumPy broadcasts shift against axis: axis 0 is rolled by 1 + 2.
wrong(
    "numpy.roll shift (1, 2) axis (0,)",
    lambda: fnp.roll(X23, (1, 2), axis=(0,)),
    "shift",
    accept=close(np.roll(X23, (1, 2), axis=(0,))),
)
wrong(
    "numpy.roll shift (1, 2) axis (0, 1, 0)", lambda: fnp.roll(X23, (1, 2), axis=(0, 1, 0)), "shift", "axis"
)
wrong("numpy.sum axis 2 of 2-d", lambda: fnp.sum(X23, axis=2), "axis 2")
wrong("numpy.sum axis -3", lambda: fnp.sum(X23, axis=-3), "axis -3")
wrong("numpy.sum axis 1.5", lambda: fnp.sum(X23, axis=1.5), "axis", "1.5")
wrong("numpy.sum axis '0'", lambda: fnp.sum(X23, axis="0"), "axis", "'0'")
wrong("numpy.sum axis True", lambda: fnp.sum(X23, axis=True), "axis", "True")
wrong("numpy.sum axis repeated", lambda: fnp.sum(X23, axis=(0, 0)), "axis|repeated|duplicate")
wrong("numpy.mean axis 2", lambda: fnp.mean(X23, axis=2), "axis 2")
wrong("numpy.mean traced axis 1.5", traced(lambda v: fnp.mean(v, axis=1.5), X23), "axis", "1.5")
wrong("numpy.var axis 5", lambda: fnp.var(X23, axis=5), "axis 5")
wrong("numpy.std axis '1'", lambda: fnp.std(X23, axis="1"), "axis")
wrong("numpy.max axis 2", lambda: fnp.max(X23, axis=2), "axis 2")
wrong("numpy.max of an empty array", lambda: fnp.max(np.ones((0,))), "empty|zero-size|identity")
wrong("numpy.argmax axis tuple", lambda: fnp.argmax(X23, axis=(0, 1)), "axis")
wrong("numpy.argmax axis 2", lambda: fnp.argmax(X23, axis=2), "axis 2")
wrong("numpy.argmax of an empty array", lambda: fnp.argmax(np.ones((0,))), "empty")
wrong("numpy.cumsum axis 2", lambda: fnp.cumsum(X23, axis=2), "axis 2")
wrong("numpy.cumsum axis 1.5", lambda: fnp.cumsum(X23, axis=1.5), "axis", "1.5")
wrong("numpy.prod axis 1.5", lambda: fnp.prod(X23, axis=1.5), "axis", "1.5")
wrong("numpy.logsumexp axis 3", lambda: fnp.logsumexp(X23, axis=3), "axis 3")
wrong("numpy.diff n=-1", lambda: fnp.diff(V3, n=-1), "n", "-1")
wrong("numpy.diff n=1.5", lambda: fnp.diff(V3, n=1.5), "n")
wrong("numpy.repeat negative", lambda: fnp.repeat(V3, -1), "repeat|negative|-1")
wrong("numpy.repeat counts length", lambda: fnp.repeat(V3, [1, 2]), "repeat|3|2")
wrong("numpy.tile float reps", lambda: fnp.tile(V3, 1.5), "reps|1.5|float")
wrong("numpy.pad negative", lambda: fnp.pad(V3, -1), "pad|negative|-1")
wrong(
    "numpy.pad bad mode",
    lambda: fnp.pad(V3, 1, mode="nope"),
    "mode",
    "nope",
    types=(*CLEAR_TYPES, NotImplementedError),
)
wrong("numpy.take out of range", lambda: fnp.take(V3, [5]), "5|bounds|range", types=INDEX_TYPES)
wrong("numpy.take axis 2", lambda: fnp.take(X23, [0], axis=2), "axis 2")
wrong(
    "numpy.take_along_axis ndim", lambda: fnp.take_along_axis(X23, np.zeros(2, int), axis=1), "dim|ndim|shape"
)
wrong("indexing x[5] of (3,)", lambda: fnp.asarray(V3)[5], "5", types=INDEX_TYPES)
wrong("indexing traced x[5] of (3,)", traced(lambda v: v[5]), "5", types=INDEX_TYPES)
wrong(
    "indexing too many indices", lambda: fnp.asarray(V3)[0, 0], "too many|dimension|index", types=INDEX_TYPES
)
wrong("indexing traced float index", traced(lambda v: v[1.5]), "valid indices|1.5|float", types=INDEX_TYPES)
wrong(
    "indexing traced boolean mask of wrong length",
    traced(lambda v: v[np.array([True, False])]),
    "boolean|mask|2|3",
    types=INDEX_TYPES,
)
wrong("at.set value shape", traced(lambda v: v.at[:2].set(V3)), S(3), S(2))
wrong("at.add value shape (4,) into (3,)", traced(lambda v: v.at[:].add(V4)), S(4), S(3))
wrong("numpy.zeros negative", lambda: fnp.zeros(-1), "negative|-1")
wrong("numpy.zeros float size", lambda: fnp.zeros(2.5), "2.5|float|integer")
wrong("numpy.zeros string size", lambda: fnp.zeros("3"), "'3'|str|integer")
wrong("numpy.ones (2, -1)", lambda: fnp.ones((2, -1)), "negative|-1")
wrong("numpy.ones bad dtype", lambda: fnp.ones(3, dtype="float99"), "float99")
wrong("numpy.full fill of shape (2,) into (3,)", lambda: fnp.full((3,), np.ones(2)), S(2), S(3))
wrong("numpy.full_like fill shape", lambda: fnp.full_like(V3, np.ones(2)), S(2), S(3))
wrong("numpy.arange step 0", lambda: fnp.arange(0, 10, 0), "step|zero|0")
wrong("numpy.linspace num -1", lambda: fnp.linspace(0, 1, num=-1), "num|negative|-1")
wrong("numpy.linspace num 2.5", lambda: fnp.linspace(0, 1, num=2.5), "num|integer|float")
wrong("numpy.eye -1", lambda: fnp.eye(-1), "negative|-1")
wrong("numpy.eye 2.5", lambda: fnp.eye(2.5), "2.5|float|integer")
wrong("numpy.astype bad dtype", lambda: fnp.astype(V3, "notadtype"), "notadtype")
wrong("numpy.asarray ragged list", lambda: fnp.asarray([1.0, [2.0, 3.0]]), "inhomogeneous|sequence|shape")
wrong("numpy.asarray of a string to float", lambda: fnp.asarray("abc", dtype=float), "abc|float")
wrong("numpy.exp of a string", lambda: fnp.exp("a"), "str|exp|'a'")
wrong("numpy.exp of None", lambda: fnp.exp(None), "None|exp")
wrong("numpy.add with None", lambda: fnp.add(V3, None), "None|add")
wrong("numpy.sqrt out=", lambda: fnp.sqrt(V3, out=np.empty(3)), "out")
wrong("numpy.sum out=", lambda: fnp.sum(V3, out=np.empty(())), "out")
wrong("numpy.clip both None", lambda: fnp.clip(V3), "min|max|None", types=CLEAR_TYPES)
wrong("numpy.sort axis 2", lambda: fnp.sort(X23, axis=2), "axis 2")
wrong("numpy.argsort axis 2", lambda: fnp.argsort(X23, axis=2), "axis 2")
wrong("numpy.cross of (2,) (3,)", lambda: fnp.cross(np.ones(4), V3), "dimension|2|3|4")
wrong("numpy.convolve of 2-d", lambda: fnp.convolve(X23, V3), "1-D", S(2, 3))
wrong("numpy.interp xp fp lengths", lambda: fnp.interp(0.5, V3, V4), "xp|fp|3|4")
wrong("numpy.linalg.inv (2,3)", lambda: fnp.linalg.inv(X23), "square|" + S(2, 3))
wrong("numpy.linalg.det of 1-d", lambda: fnp.linalg.det(V3), "dimension|square|2-d|" + S(3))
wrong("numpy.linalg.solve (3,3) with (4,)", lambda: fnp.linalg.solve(np.eye(3), V4), S(3, 3), S(4))
wrong("numpy.linalg.cholesky (2,3)", lambda: fnp.linalg.cholesky(X23), "square|" + S(2, 3))
wrong("numpy.linalg.norm bad ord", lambda: fnp.linalg.norm(X23, ord="fro2"), "ord|fro2")
wrong("numpy.linalg.eigh (2,3)", lambda: fnp.linalg.eigh(X23), "square|" + S(2, 3))
wrong("numpy.trace of 1-d", lambda: fnp.trace(V3), "2-d|dimension|at least|diag")
wrong("numpy.outer traced int x", lambda: fnp.diagonal(V3), "2-d|dimension|at least|diag")
wrong("numpy.squeeze traced axis of size 3", traced(lambda v: fnp.squeeze(v, 1), X23), "size|squeeze")


# ---------------------------------------------------------------- transforms
area("transforms")


def _sq(x: Any) -> Any:
    return fnp.sum(x**2)


def _mul(a: Any, b: Any) -> Any:
    return a * b


wrong("grad of a (3,) output", lambda: fz.grad(lambda x: x * 2.0)(V3), "scalar", S(3))
wrong("grad of a (1,) output", lambda: fz.grad(lambda x: fnp.sum(x, keepdims=True))(V3), "scalar", S(1))
wrong(
    "grad of a tuple output", lambda: fz.grad(lambda x: (fnp.sum(x), fnp.sum(x)))(V3), "scalar|tuple|has_aux"
)
wrong("grad of a string output", lambda: fz.grad(lambda x: "a")(V3), "str|output")
wrong("grad of a None output", lambda: fz.grad(lambda x: None)(V3), "None|output")
# A constant output: its derivative is 0 (JAX refuses an int output; 0 is not wrong).
wrong("grad of an int output", lambda: fz.grad(lambda x: 3)(1.0), "int|output|float", accept=close(0.0))
wrong("value_and_grad of a (3,) output", lambda: fz.value_and_grad(lambda x: x * 2.0)(V3), "scalar", S(3))
wrong(
    "grad has_aux output not a pair",
    lambda: fz.grad(lambda x: fnp.sum(x), has_aux=True)(V3),
    "has_aux",
    "pair|tuple",
)
wrong(
    "grad has_aux output a triple",
    lambda: fz.grad(lambda x: (fnp.sum(x), 1, 2), has_aux=True)(V3),
    "has_aux",
    "pair|2|3",
)
wrong("grad has_aux='yes'", lambda: fz.grad(_sq, has_aux="yes")(V3), "has_aux")
wrong("grad of a non-callable", lambda: fz.grad(3.0), "callable|3.0")
wrong("grad called with no argument", lambda: fz.grad(lambda: 1.0)(), "argnums|argument")
wrong("grad of a string argument", lambda: fz.grad(lambda s: 1.0)("abc"), "str|'abc'")
# None is an empty pytree: its gradient is None, as in JAX.
wrong("grad of a None argument", lambda: fz.grad(lambda s: 1.0)(None), "None", accept=lambda r: r is None)
wrong("grad of an int argument", lambda: fz.grad(lambda x: x * 2.0)(3), "int|float|integer")
wrong("grad of an int array argument", lambda: fz.grad(lambda x: fnp.sum(x * 2.0))(np.arange(3)), "int")
wrong("grad argnums=3 of 1 argument", lambda: fz.grad(_sq, argnums=3)(V3), "argnums=3", "out of range")
wrong(
    "grad argnums=-3 of 2 arguments",
    lambda: fz.grad(_mul, argnums=-3)(1.0, 2.0),
    "argnums=-3",
    "out of range",
)
wrong("grad argnums=1.0", lambda: fz.grad(_mul, argnums=1.0)(1.0, 2.0), "argnums", "1.0")
wrong("grad argnums=True", lambda: fz.grad(_mul, argnums=True)(1.0, 2.0), "argnums", "True")
wrong("grad argnums=np.True_", lambda: fz.grad(_mul, argnums=np.True_)(1.0, 2.0), "argnums", "True")
wrong("grad argnums='0'", lambda: fz.grad(_mul, argnums="0")(1.0, 2.0), "argnums", "'0'")
wrong("grad argnums=None", lambda: fz.grad(_mul, argnums=None)(1.0, 2.0), "argnums", "None")
wrong("grad argnums=(0, 1.0)", lambda: fz.grad(_mul, argnums=(0, 1.0))(1.0, 2.0), "argnums", "1.0")
wrong("grad argnums=[0, 5]", lambda: fz.grad(_mul, argnums=(0, 5))(1.0, 2.0), "argnums=5|5", "out of range")
wrong(
    "grad argnums=np.float64(0)", lambda: fz.grad(_mul, argnums=np.float64(0))(1.0, 2.0), "argnums", "float"
)
wrong(
    "grad argnums=np.int64(0)",
    lambda: fz.grad(_mul, argnums=np.int64(0))(2.0, 3.0),
    "argnums",
    accept=close(3.0),
)
wrong(
    "grad argnums=np.int32(1)",
    lambda: fz.grad(_mul, argnums=np.int32(1))(2.0, 3.0),
    "argnums",
    accept=close(2.0),
)
wrong(
    "grad argnums=(np.int64(0), 1)",
    lambda: fz.grad(_mul, argnums=(np.int64(0), 1))(2.0, 3.0),
    "argnums",
    accept=close((3.0, 2.0)),
)
wrong(
    "value_and_grad argnums=np.int64(1)",
    lambda: fz.value_and_grad(_mul, argnums=np.int64(1))(2.0, 3.0),
    "argnums",
    accept=close((6.0, 2.0)),
)
wrong(
    "jacrev argnums=np.int64(0)",
    lambda: fz.jacrev(_mul, argnums=np.int64(0))(2.0, 3.0),
    "argnums",
    accept=close(3.0),
)
wrong(
    "grad argnums=np.int64(2) of 2 arguments",
    lambda: fz.grad(_mul, argnums=np.int64(2))(2.0, 3.0),
    r"argnums=(np\.int64\()?2",
    "out of range",
)
wrong("value_and_grad argnums=1.5", lambda: fz.value_and_grad(_mul, argnums=1.5)(1.0, 2.0), "argnums", "1.5")
wrong("jacrev argnums=5", lambda: fz.jacrev(_mul, argnums=5)(1.0, 2.0), "argnums=5", "out of range")
wrong("jacfwd argnums='1'", lambda: fz.jacfwd(_mul, argnums="1")(1.0, 2.0), "argnums")
# JAX's hessian is jacfwd(jacrev(f)): a (3,) output gives (3, 3, 3).
wrong(
    "hessian of a (3,) output",
    lambda: fz.hessian(lambda x: x**2)(V3),
    "scalar",
    accept=close(2.0 * np.einsum("ij,jk->ijk", np.eye(3), np.eye(3))),
)
wrong("hessian of a non-callable", lambda: fz.hessian("f"), "callable")
wrong("jacfwd of a non-callable", lambda: fz.jacfwd(None), "callable")
wrong("value_and_grad of a non-callable", lambda: fz.value_and_grad(1), "value_and_grad", "callable")
wrong("custom_jvp of a non-callable", lambda: fz.custom_jvp(2.0), "callable")
wrong("jacrev of a string", lambda: fz.jacrev(lambda x: "a")(V3), "str|output")
wrong("jvp primals not a tuple", lambda: fz.jvp(_sq, V3, V3), "primals|tuple")
wrong("jvp tangent shape (2,) for (3,)", lambda: fz.jvp(_sq, (V3,), (np.ones(2),)), S(2), S(3))
wrong("jvp tangent (3,1) for (3,)", lambda: fz.jvp(_sq, (V3,), (A31,)), S(3, 1), S(3))
wrong("jvp fewer tangents", lambda: fz.jvp(_mul, (1.0, 2.0), (1.0,)), "tangent|2|1")
wrong("jvp tangent structure", lambda: fz.jvp(_sq, ([V3],), ((V3,),)), "structure|list|tuple")
wrong("jvp of a non-callable", lambda: fz.jvp(None, (V3,), (V3,)), "callable|None")
wrong("vjp cotangent shape (2,) for (3,)", lambda: fz.vjp(lambda x: x * 2.0, V3)[1](np.ones(2)), S(2), S(3))
wrong("vjp cotangent (3,1) for (3,)", lambda: fz.vjp(lambda x: x * 2.0, V3)[1](A31), S(3, 1), S(3))
wrong("vjp cotangent for a scalar is (3,)", lambda: fz.vjp(_sq, V3)[1](np.ones(3)), S(3), r"\(\)|scalar|\[\]")
wrong(
    "vjp cotangent structure",
    lambda: fz.vjp(lambda x: (x, x), V3)[1](V3),
    "structure|tuple|cotangent",
)
wrong("vjp has_aux output not a pair", lambda: fz.vjp(_sq, V3, has_aux=True), "has_aux")
wrong("linearize tangent shape", lambda: fz.linearize(_sq, V3)[1](np.ones(2)), S(2), S(3))
wrong("vmap sizes 3 and 4", lambda: fz.vmap(_mul)(V3, V4), "3", "4", "size|axis")
wrong("vmap in_axes longer than args", lambda: fz.vmap(_sq, in_axes=(0, 0))(V3), "in_axes", "2|1")
wrong("vmap in_axes shorter than args", lambda: fz.vmap(_mul, in_axes=(0,))(V3, V3), "in_axes")
wrong("vmap in_axes 1 of a 1-d argument", lambda: fz.vmap(_sq, in_axes=1)(V3), "in_axes|axis", "1", S(3))
wrong("vmap of a 0-d argument", lambda: fz.vmap(_sq)(np.float64(1.0)), "in_axes|axis|0-d|scalar", r"\(\)|0")
wrong("vmap in_axes 1.5", lambda: fz.vmap(_sq, in_axes=1.5), "in_axes", "1.5")
wrong("vmap in_axes (True,)", lambda: fz.vmap(_sq, in_axes=(True,)), "in_axes", "True")
wrong("vmap out_axes 5", lambda: fz.vmap(lambda x: x * 2.0, out_axes=5)(X23), "out_axes|axis", "5")
wrong("vmap out_axes '0'", lambda: fz.vmap(_sq, out_axes="0"), "out_axes")
wrong("vmap all in_axes None", lambda: fz.vmap(_sq, in_axes=None)(V3), "in_axes|axis_size|None")
wrong("vmap axis_size -1", lambda: fz.vmap(_sq, in_axes=None, axis_size=-1), "axis_size", "-1")
wrong("vmap axis_size 2.5", lambda: fz.vmap(_sq, in_axes=None, axis_size=2.5), "axis_size", "2.5")
wrong(
    "vmap in_axes dict keys differ",
    lambda: fz.vmap(lambda d: d["a"] * 2.0, in_axes=({"b": 0},))({"a": V3}),
    "in_axes|structure|key",
)
wrong("vmap of a non-callable", lambda: fz.vmap("f"), "callable|'f'")
wrong(
    "vmap output a string",
    lambda: fz.vmap(lambda x: "a")(V3),
    "str|output",
    accept=lambda r: list(np.asarray(r)) == ["a"] * 3,
)
wrong("jit static_argnums 1.5", lambda: fz.jit(_mul, static_argnums=1.5), "static_argnums", "1.5")
wrong(
    "jit static_argnums 5 of 2 arguments",
    lambda: fz.jit(_mul, static_argnums=5)(1.0, 2.0),
    "static_argnums",
    "5",
)
wrong(
    "jit static argument unhashable",
    lambda: fz.jit(lambda x, n: x * len(n), static_argnums=1)(1.0, [1, 2]),
    "static|hash",
    "list|1",
)
wrong("jit donate_argnums '0'", lambda: fz.jit(_mul, donate_argnums="0"), "donate_argnums")
wrong("jit cache_size 0", lambda: fz.jit(_mul, cache_size=0), "cache_size")
wrong("jit of a non-callable", lambda: fz.jit(42), "fnzero.jit", "callable")
wrong("jit float() of a traced value", lambda: fz.jit(lambda x: float(x) * 2.0)(ONE), "float")
wrong("jit bool() of a traced value", lambda: fz.jit(lambda x: x if x > 0 else -x)(ONE), "bool|truth")
wrong("jit shape from a traced value", lambda: fz.jit(lambda n: fnp.zeros(n))(np.array(3)), "traced")
wrong("jit range of a traced value", lambda: fz.jit(lambda n: sum(range(n)))(np.array(3)), "traced")
_kept: list = []


def _leak_from_grad() -> Any:
    _kept.clear()
    fz.grad(lambda x: (_kept.append(x), x * 2.0)[1])(1.0)
    return _kept[0] + 1.0


def _leak_from_jit() -> Any:
    _kept.clear()
    fz.jit(lambda x: (_kept.append(x), x * 2.0)[1])(ONE)
    return _kept[0] * 3.0


def _leak_from_vmap() -> Any:
    _kept.clear()
    fz.vmap(lambda x: (_kept.append(x), x * 2.0)[1])(V3)
    return float(_kept[0])


def _leak_from_jvp_float() -> Any:
    _kept.clear()
    fz.jvp(lambda x: (_kept.append(x), x * 2.0)[1], (1.0,), (1.0,))
    return float(_kept[0])


def _leak_into_grad() -> Any:
    _kept.clear()
    fz.jit(lambda x: (_kept.append(x), x * 2.0)[1])(ONE)
    return fz.grad(lambda y: y * _kept[0])(2.0)


wrong("leaked tracer from grad, arithmetic", _leak_from_grad, "already returned|leak|after")
wrong("leaked tracer from jit, arithmetic", _leak_from_jit, "after the function returned|leak")
wrong("leaked tracer from vmap, float()", _leak_from_vmap, "returned|leak|batch")
wrong("leaked tracer from jvp, float()", _leak_from_jvp_float, "already returned|leak")
wrong("leaked tracer from jit, used in grad", _leak_into_grad, "after the function returned|leak")


def _custom_vjp_wrong_count() -> Any:
    f = fz.custom_vjp(lambda a, b: a * b)
    f.defvjp(lambda a, b: (a * b, (a, b)), lambda res, g: (g * res[1],))
    return fz.grad(f)(2.0, 3.0)


def _custom_vjp_wrong_shape() -> Any:
    f = fz.custom_vjp(lambda a: fnp.sum(a))
    f.defvjp(lambda a: (fnp.sum(a), None), lambda res, g: (np.ones(2),))
    return fz.grad(f)(V3)


def _custom_vjp_fwd_not_pair() -> Any:
    f = fz.custom_vjp(lambda a: a * 2.0)
    f.defvjp(lambda a: a * 2.0, lambda res, g: (g * 2.0,))
    return fz.grad(f)(1.0)


def _custom_jvp_wrong_shape() -> Any:
    f = fz.custom_jvp(lambda a: a * 2.0)
    f.defjvp(lambda primals, tangents: (primals[0] * 2.0, np.ones(2)))
    return fz.jvp(f, (V3,), (V3,))


wrong("custom_vjp bwd returns 1 cotangent for 2 arguments", _custom_vjp_wrong_count, "bwd|cotangent", "2|1")
wrong("custom_vjp bwd cotangent shape", _custom_vjp_wrong_shape, "bwd|cotangent", S(2), S(3))
wrong("custom_vjp fwd not a pair", _custom_vjp_fwd_not_pair, "fwd", "pair|tuple|2")
wrong("custom_jvp tangent shape", _custom_jvp_wrong_shape, "tangent|jvp", S(2), S(3))
wrong("custom_vjp nondiff_argnums 1.0", lambda: fz.custom_vjp(_mul, nondiff_argnums=1.0), "nondiff_argnums")
wrong("checkpoint of a non-callable", lambda: fz.checkpoint(3), "callable|3")
# With a concrete pred only the chosen branch runs (its answer is right); under jit both are checked.
wrong(
    "lax.cond branches disagree, concrete pred",
    lambda: lax.cond(True, lambda x: x, lambda x: x[:2], V3),
    S(3),
    accept=close(V3),
)
wrong(
    "lax.cond branches disagree under jit",
    lambda: fz.jit(lambda p, v: lax.cond(p, lambda x: x, lambda x: x[:2], v))(np.array(True), V3),
    S(3),
    S(2),
)
wrong("lax.cond pred (3,)", lambda: lax.cond(V3 > 0, lambda x: x, lambda x: x, V3), "pred|scalar", S(3))
wrong("lax.cond pred a string", lambda: lax.cond("yes", lambda x: x, lambda x: x, V3), "pred")
wrong(
    "lax.switch index float", lambda: lax.switch(0.5, [lambda x: x, lambda x: -x], V3), "index", "float|0.5"
)
wrong("lax.scan carry changes shape", lambda: lax.scan(lambda c, x: (c[:1], x), V3, V3), "carry", S(3), S(1))
wrong("lax.scan length disagrees", lambda: lax.scan(lambda c, x: (c, x), 0.0, V3, length=4), "length", "3|4")
wrong("lax.scan xs lengths differ", lambda: lax.scan(lambda c, x: (c, x), 0.0, (V3, V4)), "3", "4")
wrong("lax.fori_loop float bounds", lambda: lax.fori_loop(0.0, 2.5, lambda i, v: v, V3), "lower|upper|int")
wrong(
    "lax.fori_loop body changes dtype",
    lambda: lax.fori_loop(0, 2, lambda i, v: v.astype(np.float32), V3),
    "float32",
    "float64",
)
wrong(
    "lax.while_loop body changes shape",
    lambda: lax.while_loop(lambda v: fnp.sum(v) < 10, lambda v: fnp.concatenate([v, v]), V3),
    S(3),
    S(6),
)
wrong(
    "lax.while_loop cond not scalar",
    lambda: lax.while_loop(lambda v: v < 10, lambda v: v + 1, V3),
    "cond",
    S(3),
)
wrong("lax.map of a non-callable", lambda: lax.map(3, V3), "callable|3")


# ---------------------------------------------------------------- conversions of traced values
area("conversions")


def _into_buffer(index: Any, x: Any = 2.0) -> Callable[[], Any]:
    def f(v: Any) -> Any:
        buf = np.zeros(3)
        buf[index] = v
        return v * 2.0

    return lambda: fz.grad(f)(x)


def _into_buffer_1d(index: Any) -> Callable[[], Any]:
    def f(v: Any) -> Any:
        buf = np.zeros((3, 3))
        buf[index] = v
        return fnp.sum(v)

    return lambda: fz.grad(f)(V3)


wrong("grad float(x)", lambda: fz.grad(lambda x: x * float(x))(3.0), "float", "traced|derivative")
wrong("grad int(x)", lambda: fz.grad(lambda x: x * int(x))(3.0), "int", "traced|derivative")
wrong("grad complex(x)", lambda: fz.grad(lambda x: x * complex(x).real)(3.0), "complex", "traced|derivative")
wrong("grad math.exp(x)", lambda: fz.grad(math.exp)(1.0), "float", "traced|derivative")
wrong("grad math.sin(x)", lambda: fz.grad(lambda x: math.sin(x))(1.0), "float", "traced|derivative")
wrong("grad math.sqrt(x)", lambda: fz.grad(lambda x: math.sqrt(x))(4.0), "float", "traced|derivative")
wrong("grad math.log1p(x)", lambda: fz.grad(lambda x: math.log1p(x))(1.0), "float", "traced|derivative")
wrong(
    "grad np.asarray(x)", lambda: fz.grad(lambda x: x * np.asarray(x))(3.0), "conversion|NumPy", "derivative"
)
wrong(
    "grad np.array(x)", lambda: fz.grad(lambda x: fnp.sum(np.array(x)))(V3), "conversion|NumPy", "derivative"
)
wrong(
    "grad np.float64(x)", lambda: fz.grad(lambda x: x * np.float64(x))(3.0), "conversion|NumPy", "derivative"
)
wrong(
    "grad np.float32(x)",
    lambda: fz.grad(lambda x: x * np.float32(x))(3.0),
    "conversion|NumPy|float",
    "derivative",
)
wrong("grad x.item()", lambda: fz.grad(lambda x: x * x.item())(3.0), "item", "traced|derivative")
wrong(
    "grad x.tolist()",
    lambda: fz.grad(lambda x: fnp.sum(x) * x.tolist()[0])(V3),
    "tolist",
    "traced|derivative",
)
wrong("grad buf[0] = x (x 0-d)", _into_buffer(0), "traced|derivative", "conversion|NumPy|buffer|element")
wrong("grad buf[...] = x (x 0-d)", _into_buffer(Ellipsis), "conversion|NumPy", "derivative")
wrong("grad buf[1:2] = x (x 0-d)", _into_buffer(slice(1, 2)), "conversion|NumPy", "derivative")
wrong("grad buf[[0, 2]] = x (x 0-d)", _into_buffer([0, 2]), "conversion|NumPy", "derivative")
wrong("grad buf[0] = x (x 1-element)", _into_buffer(0, np.ones(1)), "traced|derivative")
wrong("grad buf[0] = x (x (3,), a row)", _into_buffer_1d(0), "conversion|NumPy", "derivative")
wrong("grad buf[:, 1] = x (x (3,))", _into_buffer_1d((slice(None), 1)), "conversion|NumPy", "derivative")
wrong("grad buf[0, 0] = x[0]", lambda: fz.grad(lambda v: _put00(v[0]) + fnp.sum(v))(V3), "traced|derivative")
wrong(
    "grad np.copyto(buf, x)",
    lambda: fz.grad(lambda v: (np.copyto(np.zeros(3), v), fnp.sum(v))[1])(V3),
    "conversion|NumPy|traced",
)
wrong("value_and_grad float(x)", lambda: fz.value_and_grad(lambda x: x * float(x))(3.0), "float", "traced")
wrong("jvp float(x)", lambda: fz.jvp(lambda x: x * float(x), (3.0,), (1.0,)), "float", "traced")
wrong("jacfwd np.asarray(x)", lambda: fz.jacfwd(lambda x: x * np.asarray(x))(V3), "conversion|NumPy")
wrong("hessian float(x)", lambda: fz.hessian(lambda x: x * float(x))(3.0), "float", "traced")
wrong("jit int(x)", lambda: fz.jit(lambda x: x * int(x))(ONE), "int", "jit")
wrong("jit np.asarray(x)", lambda: fz.jit(lambda x: x * np.asarray(x))(ONE), "jit")
wrong("jit x.item()", lambda: fz.jit(lambda x: x * x.item())(ONE), "item|jit")
wrong("jit buf[0] = x", lambda: fz.jit(lambda v: _put0(v))(ONE), "jit")
wrong("vmap float(x)", lambda: fz.vmap(lambda x: x * float(x))(V3), "vmap", "batch")
wrong("vmap buf[0] = x", lambda: fz.vmap(lambda v: _put0(v))(V3), "vmap", "batch")
wrong("vmap if x > 0", lambda: fz.vmap(lambda x: x if x > 0 else -x)(V3), "vmap", "batch")
wrong("numpy function on a tracer with no fnzero version", lambda: fz.grad(lambda x: np.fix(x))(1.0), "fix")
wrong("ufunc out= on a tracer", lambda: fz.grad(lambda x: np.add(x, 1.0, out=np.zeros(())))(1.0), "out")
wrong("ufunc reduce on a tracer", lambda: fz.grad(lambda x: np.multiply.reduce(x))(V3), "reduce")
wrong("tracer slice assignment", lambda: fz.grad(lambda x: _setitem(x))(V3), r"\.at\[")
wrong("grad of a complex output", lambda: fz.grad(lambda x: fnp.sum(x * (1 + 1j)))(V3), "complex", "real")


def _put0(v: Any) -> Any:
    buf = np.zeros(3)
    buf[0] = v
    return v


def _put00(v: Any) -> Any:
    buf = np.zeros((2, 2))
    buf[0, 0] = v
    return v


def _setitem(x: Any) -> Any:
    x[1:] = 0.0
    return fnp.sum(x)


# ---------------------------------------------------------------- nn
area("nn")
KEY = random.key(0)
IMG = np.ones((2, 3, 8, 8), np.float32)

wrong("Linear in_features 2.5", lambda: nn.Linear(2.5, 3, key=KEY), "in_features", "2.5")
wrong("Linear in_features '2'", lambda: nn.Linear("2", 3, key=KEY), "in_features")
wrong("Linear in_features True", lambda: nn.Linear(True, 3, key=KEY), "in_features")
wrong("Linear out_features -3", lambda: nn.Linear(2, -3, key=KEY), "out_features", "-3")
wrong("Linear in_features 0", lambda: nn.Linear(0, 3, key=KEY), "in_features", "0")
wrong("Linear without a key", lambda: nn.Linear(2, 3), "key")
wrong("Linear init 'nope'", lambda: nn.Linear(2, 3, key=KEY, init="nope"), "init", "nope")
wrong("Linear key a string", lambda: nn.Linear(2, 3, key="k"), "key")
wrong(
    "Linear called on (2, 5) for in_features 3",
    lambda: nn.Linear(3, 4, key=KEY)(np.ones((2, 5))),
    "3|5",
    S(2, 5),
)
wrong("MLP sizes [2]", lambda: nn.MLP([2], key=KEY), "sizes")
wrong("MLP sizes [2, 0, 1]", lambda: nn.MLP([2, 0, 1], key=KEY), r"sizes\[1\]")
wrong("MLP sizes 3", lambda: nn.MLP(3, key=KEY), "sizes")
wrong("linear x (4,3) W (2,5)", lambda: nn.linear(np.ones((4, 3)), np.ones((2, 5))), S(4, 3), S(2, 5))
wrong("linear b (3,1) for W (2,3)", lambda: nn.linear(np.ones((4, 2)), X23, np.ones((3, 1))), "b", S(3, 1))
wrong("linear b scalar for W (2,3)", lambda: nn.linear(np.ones((4, 2)), X23, np.float64(1.0)), "b")
wrong("linear W 1-d", lambda: nn.linear(np.ones((4, 3)), V3), "W", "2-d|2-D|" + S(3))
wrong("Conv2d kernel_size 0", lambda: nn.Conv2d(3, 4, 0, key=KEY), "kernel_size", "0")
wrong("Conv2d kernel_size 2.5", lambda: nn.Conv2d(3, 4, 2.5, key=KEY), "kernel_size", "2.5")
wrong("Conv2d stride 0", lambda: nn.Conv2d(3, 4, 3, stride=0, key=KEY), "stride")
wrong("Conv2d padding -1", lambda: nn.Conv2d(3, 4, 3, padding=-1, key=KEY), "padding")
wrong("Conv2d groups 2 for 3 channels", lambda: nn.Conv2d(3, 4, 3, groups=2, key=KEY), "groups", "3|2")
wrong(
    "Conv2d called on 2 channels for 3",
    lambda: nn.Conv2d(3, 4, 3, key=KEY)(np.ones((1, 2, 8, 8))),
    "channel",
    "2",
    "3",
)
wrong(
    "conv2d x 3-d", lambda: nn.conv2d(np.ones((3, 8, 8)), np.ones((4, 3, 3, 3))), "4-d|4-D|NCHW|" + S(3, 8, 8)
)
wrong("conv2d channels differ", lambda: nn.conv2d(IMG, np.ones((4, 2, 3, 3))), "channel", "3", "2")
wrong("conv2d kernel larger than input", lambda: nn.conv2d(IMG, np.ones((4, 3, 9, 9))), "9|kernel|output|8")
wrong("conv2d bias shape", lambda: nn.conv2d(IMG, np.ones((4, 3, 3, 3)), np.ones(3)), "b|bias", S(3))
wrong("conv2d stride 0", lambda: nn.conv2d(IMG, np.ones((4, 3, 3, 3)), stride=0), "stride")
wrong("conv2d padding -1", lambda: nn.conv2d(IMG, np.ones((4, 3, 3, 3)), padding=-1), "padding")
wrong(
    "ConvTranspose2d output_padding -1",
    lambda: nn.ConvTranspose2d(3, 4, 3, output_padding=-1, key=KEY),
    "output_padding",
)
wrong("MaxPool2d 0", lambda: nn.MaxPool2d(0), "kernel_size")
wrong("MaxPool2d 2.5", lambda: nn.MaxPool2d(2.5), "kernel_size")
wrong("AvgPool2d stride 0", lambda: nn.AvgPool2d(2, stride=0), "stride")
wrong("max_pool2d kernel 9 on 8x8", lambda: nn.max_pool2d(IMG, 9), "9|kernel|8|output")
wrong("max_pool2d on 3-d", lambda: nn.max_pool2d(np.ones((3, 8, 8)), 2), "4-d|4-D|NCHW|" + S(3, 8, 8))
wrong("avg_pool2d kernel 0", lambda: nn.avg_pool2d(IMG, 0), "kernel_size")
wrong("BatchNorm 0", lambda: nn.BatchNorm(0), "num_features")
wrong("BatchNorm momentum 1.5", lambda: nn.BatchNorm(4, momentum=1.5), "momentum")
wrong("BatchNorm eps -1", lambda: nn.BatchNorm(4, eps=-1e-5), "eps")
wrong(
    "batch_norm gamma of 4 for 3 channels",
    lambda: nn.batch_norm(np.ones((2, 3)), np.ones(4), np.zeros(4), np.zeros(3), np.ones(3), train=False),
    "gamma",
    S(4),
)
wrong(
    "batch_norm train 'False'",
    lambda: nn.batch_norm(np.ones((2, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), train="False"),
    "train",
)
wrong("LayerNorm 0", lambda: nn.LayerNorm(0), "normalized_shape|0")
wrong("LayerNorm 2.5", lambda: nn.LayerNorm(2.5), "normalized_shape|2.5")
wrong("layer_norm axis 1.5", lambda: nn.layer_norm(X23, np.ones(3), np.zeros(3), axis=1.5), "axis", "1.5")
wrong("layer_norm gamma shape", lambda: nn.layer_norm(X23, np.ones(2), np.zeros(2)), "gamma|scale", S(2))
wrong("Embedding dim -2", lambda: nn.Embedding(10, -2, key=KEY), "embedding_dim", "-2")
wrong("Embedding 0 embeddings", lambda: nn.Embedding(0, 3, key=KEY), "num_embeddings")
wrong(
    "embedding id 5 of 5",
    lambda: nn.embedding(np.array([5]), np.ones((5, 3))),
    "5",
    "ids|index|range",
    types=INDEX_TYPES,
)
wrong(
    "embedding id -1",
    lambda: nn.embedding(np.array([-1]), np.ones((5, 3))),
    "-1",
    "ids|index|range",
    types=INDEX_TYPES,
)
wrong("embedding float ids", lambda: nn.embedding(np.array([1.5]), np.ones((5, 3))), "ids|integer|float")
wrong("embedding W 1-d", lambda: nn.embedding(np.array([1]), np.ones(5)), "W|2-d|2-D")
wrong("RNN hidden 0", lambda: nn.RNN(3, 0, key=KEY), "hidden_size")
wrong("LSTM input 2.0", lambda: nn.LSTM(2.0, 4, key=KEY), "input_size")
wrong("dropout rate -0.1", lambda: nn.dropout(V3, -0.1, key=KEY, train=True), "rate", "-0.1")
wrong("dropout rate 1.5", lambda: nn.dropout(V3, 1.5, key=KEY, train=True), "rate", "1.5")
wrong("dropout rate '0.5'", lambda: nn.dropout(V3, "0.5", key=KEY, train=True), "rate")
wrong("dropout rate nan", lambda: nn.dropout(V3, float("nan"), key=KEY, train=True), "rate", "nan")
wrong("dropout train 'False'", lambda: nn.dropout(V3, 0.5, key=KEY, train="False"), "train")
wrong("dropout train without a key", lambda: nn.dropout(V3, 0.5, train=True), "key")
wrong("Dropout(1.5)", lambda: nn.Dropout(1.5), "rate")
wrong("mean_squared_error (3,1) vs (3,)", lambda: nn.mean_squared_error(A31, V3), S(3, 1), S(3))
wrong(
    "mean_squared_error (4,1) vs (1,4)",
    lambda: nn.mean_squared_error(np.ones((4, 1)), np.ones((1, 4))),
    S(4, 1),
    S(1, 4),
)
wrong(
    "mean_squared_error under grad (3,1) vs (3,)",
    lambda: fz.grad(lambda y: nn.mean_squared_error(y, V3))(A31),
    S(3, 1),
    S(3),
)
wrong(
    "mean_squared_error reduction 'avg'",
    lambda: nn.mean_squared_error(V3, V3, reduction="avg"),
    "reduction",
    "avg",
)
wrong("huber_loss delta 0", lambda: nn.huber_loss(V3, V3, 0.0), "delta")
wrong("huber_loss (3,1) vs (3,)", lambda: nn.huber_loss(A31, V3), S(3, 1), S(3))
wrong(
    "softmax_cross_entropy probs (3,) for logits (3,1)",
    lambda: nn.softmax_cross_entropy(A31, V3),
    S(3),
    S(3, 1),
)
wrong(
    "softmax_cross_entropy label 3 of 3 classes",
    lambda: nn.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 3])),
    "label",
    "3",
)
wrong(
    "softmax_cross_entropy label -1",
    lambda: nn.softmax_cross_entropy(np.ones((2, 3)), np.array([0, -1])),
    "label",
    "-1",
)
wrong(
    "softmax_cross_entropy labels (3,) for batch 2",
    lambda: nn.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1, 2])),
    "label",
    S(3),
    S(2, 3),
)
wrong(
    "softmax_cross_entropy float labels of wrong shape",
    lambda: nn.softmax_cross_entropy(np.ones((2, 3)), np.ones((2, 4)) / 4),
    S(2, 4),
    S(2, 3),
)
wrong(
    "softmax_cross_entropy reduction 'avg'",
    lambda: nn.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1]), reduction="avg"),
    "reduction",
)
wrong(
    "sigmoid_binary_cross_entropy (3,1) vs (3,)",
    lambda: nn.sigmoid_binary_cross_entropy(A31, V3),
    S(3),
    S(3, 1),
)
wrong(
    "accuracy labels (3,) for batch 2", lambda: nn.accuracy(np.ones((2, 3)), np.array([0, 1, 2])), S(3), "2"
)
wrong("one_hot num_classes -1", lambda: nn.one_hot(np.array([0, 1]), -1), "num_classes")
wrong("one_hot num_classes 2.5", lambda: nn.one_hot(np.array([0, 1]), 2.5), "num_classes")
wrong("softmax axis 2 of 2-d", lambda: nn.softmax(X23, axis=2), "axis 2")
wrong("log_softmax axis 1.5", lambda: nn.log_softmax(X23, axis=1.5), "axis", "1.5")
wrong("glu odd axis", lambda: nn.glu(X23), "glu|even|3")
wrong("leaky_relu slope a string", lambda: nn.leaky_relu(V3, "a"), "negative_slope|str|'a'")
wrong("flatten of a 0-d value", lambda: nn.flatten(np.float64(1.0)), "flatten|0-d|dimension|batch")
wrong("Sequential of a non-callable", lambda: nn.Sequential(3), "callable|layer|3")


# ---------------------------------------------------------------- optim
area("optim")
P = {"w": np.ones(3), "b": np.zeros(2)}
G_BAD = {"w": np.ones((3, 1)), "b": np.zeros(2)}


def _update(opt: Any, grads: Any, state_params: Any = P, params: Any = None) -> Any:
    state = opt.init(state_params)
    return opt.update(grads, state, params)


for _name in ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "momentum"]:
    _make = getattr(optim, _name)
    wrong(
        f"{_name}: gradient (3,1) for parameter (3,)",
        lambda m=_make: optim.apply_updates(P, _update(m(0.1), G_BAD, P, P)[0]),
        S(3, 1),
        S(3),
    )
    wrong(f"{_name}: learning rate -1", lambda m=_make: m(-1.0), "learning_rate", "-1")
wrong("adam learning rate nan", lambda: optim.adam(float("nan")), "learning_rate", "nan")
wrong("adam learning rate inf", lambda: optim.adam(float("inf")), "learning_rate", "inf")
wrong("adam learning rate '0.1'", lambda: optim.adam("0.1"), "learning_rate", "'0.1'")
wrong("adam learning rate None", lambda: optim.adam(None), "learning_rate", "None")
wrong("adam b1 1", lambda: optim.adam(0.1, b1=1), "b1")
wrong("adam b2 1.5", lambda: optim.adam(0.1, b2=1.5), "b2")
wrong("adam eps 0", lambda: optim.adam(0.1, eps=0), "eps")
wrong("sgd momentum 1.0", lambda: optim.sgd(0.1, momentum=1.0), "momentum")
wrong("rmsprop decay 1.0", lambda: optim.rmsprop(0.1, decay=1.0), "decay")
wrong("adamw weight_decay -1e-4", lambda: optim.adamw(0.1, weight_decay=-1e-4), "weight_decay")
wrong("clip_by_global_norm -1", lambda: optim.clip_by_global_norm(-1), "max_norm")
wrong("clip -0.5", lambda: optim.clip(-0.5), "max_delta")
wrong("scale nan", lambda: optim.scale(float("nan")), "factor")
wrong("update grads None", lambda: _update(optim.adam(0.1), None), "updates", "None")
wrong(
    "update grads of other keys",
    lambda: _update(optim.adam(0.1), {"w": np.ones(3), "c": np.zeros(2)}),
    "structure",
)
wrong(
    "update grads a tuple for a dict",
    lambda: _update(optim.sgd(0.1, momentum=0.9), (np.ones(3), np.zeros(2))),
    "structure",
)
wrong(
    "update with another optimizer's state",
    lambda: optim.adam(0.1).update(P, optim.sgd(0.1).init(P)),
    "state",
)
wrong(
    "apply_updates shapes (3,) and (3,1)",
    lambda: optim.apply_updates(np.ones(3), np.ones((3, 1))),
    S(3, 1),
    S(3),
)
wrong("apply_updates updates None", lambda: optim.apply_updates(P, None), "updates", "None")
wrong(
    "apply_updates structures differ", lambda: optim.apply_updates(P, [np.ones(3), np.zeros(2)]), "structure"
)
wrong(
    "adamw params of other shapes",
    lambda: _update(optim.adamw(0.1), P, P, {"w": np.ones(4), "b": np.zeros(2)}),
    S(4),
    S(3),
)
wrong(
    "step_schedule boundaries not sorted",
    lambda: optim.step_schedule(0.1, [10, 5])(7),
    "boundaries",
    accept=close(0.1 * 0.1),
)
wrong(
    "chain of a non-transformation",
    lambda: optim.chain(optim.scale(0.1), 3),
    "chain|GradientTransformation|3",
)
wrong(
    "masked mask of another structure",
    lambda: _update(optim.masked(optim.scale(0.1), {"w": True}), P),
    "mask|structure",
)
wrong(
    "schedule returning nan", lambda: _update(optim.sgd(lambda step: float("nan")), P), "learning_rate", "nan"
)
wrong("cosine_decay_schedule decay_steps 0", lambda: optim.cosine_decay_schedule(0.1, 0), "decay_steps")
wrong("warmup_schedule warmup_steps -1", lambda: optim.warmup_schedule(0.1, -1), "warmup_steps")
wrong("global_norm of a string leaf", lambda: optim.global_norm({"w": "a"}), "str|'a'|leaf")


# ---------------------------------------------------------------- random
area("random")
wrong("key of a string", lambda: random.key("a"), "seed", "'a'|str")
wrong("key of a float", lambda: random.key(1.5), "seed", "1.5|float")
wrong("key of None", lambda: random.key(None), "seed", "None")
wrong("key of an array", lambda: random.key(np.ones(3)), "seed")
wrong("key of 2**70", lambda: random.key(2**70), "seed")
wrong("normal with a float array for a key", lambda: random.normal(np.zeros(2), (3,)), "key")
wrong("normal with an int for a key", lambda: random.normal(0, (3,)), "key")
wrong("normal with a (3,) uint32 key", lambda: random.normal(np.zeros(3, np.uint32), (3,)), "key", S(3))
wrong("normal shape (-1,)", lambda: random.normal(KEY, (-1,)), "shape", "-1")
wrong("normal shape 2.5", lambda: random.normal(KEY, 2.5), "shape", "2.5")
wrong("normal shape '3'", lambda: random.normal(KEY, "3"), "shape")
wrong("normal dtype int32", lambda: random.normal(KEY, (3,), np.int32), "dtype", "int32")
wrong(
    "uniform minval > maxval", lambda: random.uniform(KEY, (3,), minval=1.0, maxval=0.0), "minval", "maxval"
)
wrong("uniform bounds (2,) for shape (3,)", lambda: random.uniform(KEY, (3,), minval=np.zeros(2)), S(2), S(3))
wrong("randint dtype float", lambda: random.randint(KEY, (3,), 0, 5, dtype=np.float32), "dtype")
wrong("randint minval >= maxval", lambda: random.randint(KEY, (3,), 5, 5), "minval|maxval")
wrong(
    "randint maxval past the dtype",
    lambda: random.randint(KEY, (3,), 0, 300, dtype=np.uint8),
    "300|maxval|uint8",
)
wrong("split num 0", lambda: random.split(KEY, 0), "num", accept=lambda r: np.shape(r)[0] == 0)
wrong("split num -1", lambda: random.split(KEY, -1), "num")
wrong("split num 2.5", lambda: random.split(KEY, 2.5), "num")
wrong("fold_in data 1.5", lambda: random.fold_in(KEY, 1.5), "data")
wrong("fold_in data 'a'", lambda: random.fold_in(KEY, "a"), "data")
wrong("permutation -1", lambda: random.permutation(KEY, -1), "-1|permutation")
wrong("permutation 2.5", lambda: random.permutation(KEY, 2.5), "2.5|float|permutation")
wrong("permutation axis 2 of 2-d", lambda: random.permutation(KEY, X23, axis=2), "axis 2")
wrong(
    "choice 5 of 3 without replacement", lambda: random.choice(KEY, 3, (5,), replace=False), "5|3", "replace"
)
wrong("choice p of length 2 for 3", lambda: random.choice(KEY, 3, (2,), p=np.array([0.5, 0.5])), "p", "2|3")
wrong("choice p negative", lambda: random.choice(KEY, 3, (2,), p=np.array([1.5, -0.5, 0.0])), "p")
# p is normalised, as JAX does.
wrong(
    "choice p not summing to 1",
    lambda: random.choice(KEY, 3, (200,), p=np.array([0.5, 0.5, 0.0])),
    "p",
    accept=lambda r: np.shape(r) == (200,) and set(np.asarray(r).tolist()) == {0, 1},
)
wrong("bernoulli p 1.5", lambda: random.bernoulli(KEY, 1.5, (3,)), "p", "1.5")
wrong("categorical axis 2", lambda: random.categorical(KEY, X23, axis=2), "axis")
wrong("gamma a negative", lambda: random.gamma(KEY, -1.0, (3,)), "a|-1")
wrong("poisson lam negative", lambda: random.poisson(KEY, -1.0, (3,)), "lam|-1")
wrong(
    "multivariate_normal cov shape",
    lambda: random.multivariate_normal(KEY, V3, np.eye(2)),
    "cov",
    S(2, 2),
    S(3),
)
wrong("truncated_normal lower > upper", lambda: random.truncated_normal(KEY, 1.0, -1.0, (3,)), "lower|upper")
wrong("bits dtype float", lambda: random.bits(KEY, (3,), np.float32), "dtype")


# ---------------------------------------------------------------- data
area("data")
DS = data.ArrayDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
for _bs in [0, -1, 2.0, None, "4", True]:
    wrong(f"DataLoader batch_size {_bs!r}", lambda b=_bs: data.DataLoader(DS, b, key=KEY), "batch_size")
wrong("DataLoader shuffle 'False'", lambda: data.DataLoader(DS, 2, shuffle="False"), "shuffle")
wrong("DataLoader drop_last 1", lambda: data.DataLoader(DS, 2, shuffle=False, drop_last=1), "drop_last")
wrong("DataLoader rank 3 of size 3", lambda: data.DataLoader(DS, 2, shuffle=False, rank=3, size=3), "rank")
wrong("DataLoader size 0", lambda: data.DataLoader(DS, 2, shuffle=False, size=0), "size")
# Without a key the loader shuffles from key 0 (documented), the same order every run.
wrong(
    "DataLoader shuffle without a key",
    lambda: sorted(np.concatenate([b[1] for b in data.DataLoader(DS, 2, shuffle=True)]).tolist()),
    "key",
    accept=lambda r: r == [0, 1, 2, 3, 4],
)
wrong("SeqDataLoader batch_size 0", lambda: data.SeqDataLoader(DS, 0), "batch_size")
wrong("ArrayDataset 5 examples 4 labels", lambda: data.ArrayDataset(np.ones((5, 2)), np.arange(4)), "5", "4")
wrong("Normalize std 0", lambda: data.Normalize(0.0, 0.0), "std")
wrong("Compose of a non-callable", lambda: data.Compose(3), "callable|3")
wrong("AsType bad dtype", lambda: data.AsType("float99"), "float99")


# ---------------------------------------------------------------- io
area("io")
_TMP: list[str] = []


def tmp(name: str) -> str:
    """A path in the catalogue's temporary directory."""
    if not _TMP:
        _TMP.append(tempfile.mkdtemp(prefix="fnzero-catalogue-"))
    return os.path.join(_TMP[0], name)


def _saved(name: str, x: Any) -> str:
    path = tmp(name)
    fz.save(path, x)
    return path


def _text_file() -> str:
    path = tmp("notes.txt")
    Path(path).write_text("not a checkpoint\n")
    return path


wrong(
    "save into a missing directory",
    lambda: fz.save(tmp("missing/dir/ckpt.npz"), P),
    "missing",
    types=FILE_TYPES,
)
wrong("save onto a directory", lambda: fz.save(tmp(""), P), "fnzero-catalogue|directory", types=FILE_TYPES)
wrong("save path None", lambda: fz.save(None, P), "path|None")
wrong("save path 123", lambda: fz.save(123, P), "path|int|123")
wrong("save a string leaf", lambda: fz.save(tmp("s.npz"), {"w": "abc"}), "w", "str|'abc'")
wrong("save an object array", lambda: fz.save(tmp("o.npz"), {"w": np.array([None, 1])}), "w", "object")
wrong("save a function leaf", lambda: fz.save(tmp("f.npz"), {"f": len}), "f", "function|builtin")
wrong(
    "save a traced value",
    lambda: fz.grad(lambda x: (fz.save(tmp("t.npz"), x), x)[1])(1.0),
    "traced|derivative",
)
wrong("load a missing file", lambda: fz.load(tmp("nope.npz")), "nope.npz", types=FILE_TYPES)
wrong("load a text file", lambda: fz.load(_text_file()), "notes.txt", "checkpoint")
wrong("load a directory", lambda: fz.load(tmp("")), "fnzero-catalogue|directory", types=FILE_TYPES)
wrong("load path None", lambda: fz.load(None), "path|None")
wrong(
    "load template shape",
    lambda: fz.load(_saved("a.npz", P), {"w": np.ones(4), "b": np.zeros(2)}),
    S(3),
    S(4),
)
wrong(
    "load template dtype",
    lambda: fz.load(_saved("b.npz", P), {"w": np.ones(3, np.float32), "b": np.zeros(2)}),
    "float32",
    "float64",
)
wrong("load template missing key", lambda: fz.load(_saved("c.npz", P), {"w": np.ones(3)}), "b")
wrong(
    "load template extra key",
    lambda: fz.load(_saved("d.npz", P), {**P, "c": np.ones(1)}),
    "c",
)
wrong(
    "load template a list for a dict",
    lambda: fz.load(_saved("e.npz", P), [np.zeros(2), np.ones(3)]),
    "structure|w|b|0",
)
wrong(
    "load template int for a float",
    lambda: fz.load(_saved("g.npz", {"n": 1.5}), {"n": 0}),
    "n",
    "1.5|int|float",
)


# ---------------------------------------------------------------- tree
area("tree")
wrong("flatten dict keys of mixed types", lambda: tree.flatten({1: 1.0, "b": 2.0}), "keys", "int", "str")
wrong("unflatten with too few leaves", lambda: tree.unflatten(tree.structure([1, 2, 3]), [1, 2]), "3", "2")
wrong("unflatten with too many leaves", lambda: tree.unflatten(tree.structure([1, 2]), [1, 2, 3]), "3", "2")
wrong("unflatten treedef not a treedef", lambda: tree.unflatten([1, 2], [1, 2]), "treedef|PyTreeDef")
wrong(
    "map over trees of other structures", lambda: tree.map(lambda a, b: a + b, [1, 2], [1, 2, 3]), "structure"
)
wrong(
    "map over dicts of other keys", lambda: tree.map(lambda a, b: a + b, {"a": 1}, {"b": 1}), "structure|key"
)
wrong("map of a non-callable", lambda: tree.map(3, [1, 2]), "callable|3|int")
wrong("register a non-class", lambda: tree.register(3, lambda x: ((), None), lambda a, c: 3), "class|type|3")
wrong("register_attrs of a plain class", lambda: tree.register_attrs(type("Plain", (), {})), "attrs|Plain")
wrong(
    "reduce of an empty tree without initializer",
    lambda: tree.reduce(lambda a, b: a + b, []),
    "empty|initializer",
)
wrong(
    "grad of a dict of mixed keys",
    lambda: fz.grad(lambda d: d[1] * 2.0)({1: 1.0, "b": 2.0}),
    "keys",
    "int",
    "str",
)
wrong(
    "vmap in_axes tree wider than the argument",
    lambda: fz.vmap(lambda a: a, in_axes=([0, 0],))([V3]),
    "in_axes",
)


# ---------------------------------------------------------------- more: accidental broadcasting, flags
area("numpy")
wrong("numpy.sum keepdims 'no'", lambda: fnp.sum(X23, axis=0, keepdims="no"), "keepdims")
wrong("numpy.mean keepdims None", lambda: fnp.mean(X23, axis=0, keepdims=None), "keepdims")
# NumPy takes any real ddof (the divisor is n - ddof).
wrong("numpy.var ddof 1.5", lambda: fnp.var(V3, ddof=1.5), "ddof", accept=close(np.var(V3, ddof=1.5)))
wrong("numpy.var ddof -1", lambda: fnp.var(V3, ddof=-1), "ddof", accept=close(np.var(V3, ddof=-1)))
wrong(
    "numpy.sum where of shape (2,)",
    lambda: fnp.sum(X23, where=np.array([True, False])),
    "where",
)
wrong("numpy.clip min > max", lambda: fnp.clip(V3, 2.0, 1.0), "min|max", accept=close(np.clip(V3, 2.0, 1.0)))
wrong("numpy.pad pad_width of 3 pairs for 2-d", lambda: fnp.pad(X23, ((1, 1), (1, 1), (1, 1))), "pad|shape|3")
wrong("numpy.einsum output index not in the inputs", lambda: fnp.einsum("ij->k", X23), "k|output")
wrong("numpy.tensordot axes -1", lambda: fnp.tensordot(X23, X23, axes=-1), "axes")
wrong("numpy.zeros (2, 2.0)", lambda: fnp.zeros((2, 2.0)), "float|integer|shape")
wrong("numpy.full shape 2.5", lambda: fnp.full(2.5, 1.0), "float|integer|shape")
wrong(
    "indexing a float index array",
    lambda: fnp.asarray(V3)[np.array([0.0, 1.0])],
    "integer|index",
    types=INDEX_TYPES,
)
wrong("at.set index 5 of (3,)", traced(lambda v: v.at[5].set(1.0)), "5|bounds|range", types=INDEX_TYPES)
wrong("at.add index -4 of (3,)", traced(lambda v: v.at[-4].add(1.0)), "-4|bounds|range", types=INDEX_TYPES)
wrong("numpy.linalg.solve singular", lambda: fnp.linalg.solve(np.zeros((2, 2)), np.ones(2)), "[Ss]ingular")
wrong("numpy.linalg.norm axis 2", lambda: fnp.linalg.norm(X23, axis=2), "axis")
wrong("numpy.concatenate axis 1.5", lambda: fnp.concatenate([X23, X23], axis=1.5), "axis")
wrong("numpy.stack axis 3", lambda: fnp.stack([X23, X23], axis=3), "axis 3")
wrong("numpy.where one argument of two", lambda: fnp.where(V3 > 0, V3), "where|x|y|three|both")
wrong("numpy.matmul traced (3,) @ (4,)", traced(lambda v: fnp.matmul(v, V4)), S(3), S(4))
wrong("numpy.dot traced (3,) . (2, 3)", traced(lambda v: fnp.dot(v, X23)), S(3), S(2, 3))
wrong("numpy.outer of a string", lambda: fnp.outer(V3, "a"), "str|'a'|U1|outer")

area("transforms")
wrong(
    "jvp tangent float32 for float64 primal",
    lambda: fz.jvp(_sq, (V3,), (V3.astype(np.float32),)),
    "float32",
    "float64",
)
wrong("jvp tangent int for float primal", lambda: fz.jvp(_sq, (V3,), (np.arange(3),)), "int64", "float64")
wrong(
    "vmap out_axes tuple longer than outputs", lambda: fz.vmap(lambda x: x, out_axes=(0, 0))(V3), "out_axes"
)
wrong("vmap in_axes -2 of a 1-d argument", lambda: fz.vmap(_sq, in_axes=-2)(V3), "in_axes|axis", "-2")
wrong(
    "vmap in_axes a list",
    lambda: fz.vmap(_mul, in_axes=[0, None])(V3, 2.0),
    "in_axes",
    accept=close(V3 * 2.0),
)
wrong(
    "grad has_aux with a (3,) value",
    lambda: fz.grad(lambda x: (x * 2.0, 1), has_aux=True)(V3),
    "scalar",
    S(3),
)
wrong("grad of a list output", lambda: fz.grad(lambda x: [fnp.sum(x)])(V3), "scalar|list")
wrong("grad of a 0-d int array argument", lambda: fz.grad(lambda x: x * 2.0)(np.array(3)), "int")
wrong("grad allow_int 'yes'", lambda: fz.grad(_sq, allow_int="yes")(V3), "allow_int")
wrong("vjp has_aux 'yes'", lambda: fz.vjp(_sq, V3, has_aux="yes"), "has_aux")
wrong(
    "vjp cotangent int for float output",
    lambda: fz.vjp(lambda x: x * 2.0, V3)[1](np.arange(3)),
    "int",
    accept=close((2.0 * np.arange(3),)),
)
wrong("jacrev has_aux output not a pair", lambda: fz.jacrev(_sq, has_aux=True)(V3), "has_aux")
wrong("lax.scan xs not an array", lambda: lax.scan(lambda c, x: (c, x), 0.0, "abc"), "xs|str")
wrong("lax.scan f returns one value", lambda: lax.scan(lambda c, x: c + x, 0.0, V3), "pair|tuple|carry")
wrong(
    "lax.fori_loop body returns a tuple",
    lambda: lax.fori_loop(0, 2, lambda i, v: (v, v), V3),
    "structure|tuple",
)
wrong("lax.switch branches empty", lambda: lax.switch(0, [], V3), "branches")
wrong("lax.scan unroll 0", lambda: lax.scan(lambda c, x: (c, x), 0.0, V3, unroll=0), "unroll")

area("nn")
wrong(
    "accuracy labels (2,1) for logits (2,3)",
    lambda: nn.accuracy(np.ones((2, 3)), np.zeros((2, 1), int)),
    S(2, 1),
    S(2, 3),
)
wrong(
    "softmax_cross_entropy int labels (2,1) for logits (2,3)",
    lambda: nn.softmax_cross_entropy(np.ones((2, 3)), np.zeros((2, 1), int)),
    S(2, 1),
    S(2, 3),
)
wrong(
    "softmax_cross_entropy float labels 1.0 (class index as float)",
    lambda: nn.softmax_cross_entropy(np.ones((2, 3)), np.array([0.0, 1.0])),
    "label|target",
    S(2),
)
wrong(
    "sigmoid_binary_cross_entropy labels (1,3) for logits (3,)",
    lambda: nn.sigmoid_binary_cross_entropy(V3, np.ones((1, 3))),
    S(1, 3),
    S(3),
)
# As JAX: a label that equals no class index gives a row of zeros (documented).
wrong(
    "one_hot of float labels 1.5",
    lambda: nn.one_hot(np.array([1.5]), 3),
    "integer|float|x",
    accept=close(np.zeros((1, 3))),
)
wrong(
    "one_hot label past num_classes",
    lambda: nn.one_hot(np.array([0, 5]), 3),
    "num_classes",
    accept=close(np.array([[1.0, 0, 0], [0, 0, 0]])),
)
wrong("Conv2d called on 3-d input", lambda: nn.Conv2d(3, 4, 3, key=KEY)(np.ones((3, 8, 8))), S(3, 8, 8))
wrong(
    "BatchNorm(3) called on 4 channels",
    lambda: nn.BatchNorm(3)(np.ones((2, 4)), nn.BatchNorm(3).init_state(), train=True),
    S(2, 4),
    "3|4",
)
wrong("LayerNorm(3) on (2, 4)", lambda: nn.LayerNorm(3)(np.ones((2, 4))), S(3), S(2, 4))
wrong(
    "Embedding called on float ids", lambda: nn.Embedding(5, 3, key=KEY)(np.array([1.5])), "ids|integer|float"
)
wrong(
    "LSTM called on 5 features for 3", lambda: nn.LSTM(3, 4, key=KEY)(np.ones((2, 6, 5), np.float32)), "3|5"
)
wrong("Linear dtype 'float99'", lambda: nn.Linear(2, 3, key=KEY, dtype="float99"), "float99")
wrong("dropout key an int", lambda: nn.dropout(V3, 0.5, key=0, train=True), "key")
wrong(
    "batch_norm running mean (4,) for 3 channels",
    lambda: nn.batch_norm(np.ones((2, 3)), np.ones(3), np.zeros(3), np.zeros(4), np.ones(3), train=False),
    "mean",
    S(4),
)
wrong(
    "batch_norm gamma (1, 3) for 3 channels",
    lambda: nn.batch_norm(
        np.ones((2, 3)), np.ones((1, 3)), np.zeros(3), np.zeros(3), np.ones(3), train=False
    ),
    "gamma",
    S(1, 3),
)
wrong(
    "layer_norm gamma (1, 3)",
    lambda: nn.layer_norm(X23, np.ones((2, 3)) * 2, np.zeros(3)),
    "gamma|scale",
    S(2, 3),
)
wrong("conv2d bias (1, 4)", lambda: nn.conv2d(IMG, np.ones((4, 3, 3, 3)), np.ones((1, 4))), "b|bias", S(1, 4))
wrong("conv2d groups 2 for 3 channels", lambda: nn.conv2d(IMG, np.ones((4, 3, 3, 3)), groups=2), "groups")
wrong("max_pool2d stride 0", lambda: nn.max_pool2d(IMG, 2, stride=0), "stride")
wrong(
    "softmax where of shape (2,)",
    lambda: nn.softmax(X23, where=np.array([True, False])),
    "where|broadcast",
    S(2),
)
wrong(
    "embedding ids (2,) traced float",
    lambda: fz.grad(lambda W: fnp.sum(nn.embedding(np.array([0.0, 1.0]), W)))(np.ones((5, 3))),
    "ids|integer|float",
)

area("optim")
wrong("adamw update without params", lambda: _update(optim.adamw(0.1), P, P, None), "params")
wrong(
    "masked mask callable of another structure",
    lambda: _update(optim.masked(optim.scale(0.1), lambda p: [True]), P),
    "mask|structure",
)
wrong(
    "adam with an int parameter (allow_int gradients)",
    lambda: _update(optim.adam(0.1), {"n": np.zeros(3, int)}, {"n": np.arange(3)}, None)[0],
    "int",
    accept=close({"n": np.zeros(3)}),
)
# apply_updates keeps each parameter's dtype (documented, as optax): an int parameter stays int.
wrong(
    "apply_updates int params",
    lambda: optim.apply_updates({"n": np.arange(3)}, {"n": np.ones(3) * 0.5}),
    "int|dtype",
    accept=close({"n": np.arange(3)}),
)
wrong("sgd nesterov 'yes'", lambda: optim.sgd(0.1, momentum=0.9, nesterov="yes"), "nesterov")
wrong(
    "update params of other structure",
    lambda: _update(optim.adamw(0.1), P, P, [np.ones(3)]),
    "structure|params",
)

area("random")
wrong(
    "normal dtype float16",
    lambda: random.normal(KEY, (3,), np.float16),
    "dtype",
    accept=lambda r: r.dtype == np.float16 and r.shape == (3,),
)
wrong(
    "randint minval float",
    lambda: random.randint(KEY, (3,), 0.5, 5),
    "minval",
    accept=lambda r: r.shape == (3,) and set(np.asarray(r).tolist()) <= {0, 1, 2, 3, 4},
)
wrong("choice of an empty population", lambda: random.choice(KEY, 0, (1,)), "0|empty|population")
wrong(
    "categorical all -inf",
    lambda: random.categorical(KEY, np.full(3, -np.inf)),
    "logits|inf",
    accept=lambda r: 0 <= int(r) < 3,
)
wrong("uniform dtype int", lambda: random.uniform(KEY, (3,), np.int32), "dtype")
wrong(
    "bernoulli p of shape (2,) for shape (3,)",
    lambda: random.bernoulli(KEY, np.full(2, 0.5), (3,)),
    S(2),
    S(3),
)
wrong("permutation of a string", lambda: random.permutation(KEY, "abc"), "str|'abc'|x")
wrong("split key a float array", lambda: random.split(np.zeros(2)), "key")
wrong("fold_in data -1", lambda: random.fold_in(KEY, -1), "data", accept=lambda r: np.shape(r) == (2,))

area("data")
wrong(
    "DataLoader of a dataset without len", lambda: data.DataLoader(object(), 2, shuffle=False), "dataset|len"
)
wrong("DataLoader rank 1.0", lambda: data.DataLoader(DS, 2, shuffle=False, rank=1.0, size=2), "rank")
wrong("ArrayDataset labels a scalar", lambda: data.ArrayDataset(np.ones((5, 2)), 3), "label")
wrong(
    "Normalize std (3,) for 2 features",
    lambda: data.Normalize(0.0, np.ones(3))(np.ones((4, 2))),
    S(3),
    S(4, 2),
)

area("io")
wrong(
    "save dict with int keys",
    lambda: fz.save(tmp("k.npz"), {1: np.ones(2)}),
    "key|1|int",
    accept=lambda r: r is None,
)
# A key holding "/" reads back as nested dicts without a template (documented); a clash is refused.
wrong(
    "save key with a slash",
    lambda: fz.load(_saved("sl.npz", {"a/b": np.ones(2)}), {"a/b": np.zeros(2)}),
    "a/b",
    accept=close({"a/b": np.ones(2)}),
)
wrong(
    "save keys 'a/b' and a.b clash",
    lambda: fz.save(tmp("cl.npz"), {"a/b": 1.0, "a": {"b": 2.0}}),
    "a/b",
    "share",
)
wrong("save reserved key", lambda: fz.save(tmp("r.npz"), {"__fnzero__": np.ones(2)}), "__fnzero__")
wrong(
    "load template float for a (3,) member",
    lambda: fz.load(_saved("h.npz", {"w": np.ones(3)}), {"w": 0.0}),
    "w",
    S(3),
)
wrong(
    "load template None leaf for an array",
    lambda: fz.load(_saved("i.npz", P), {"w": None, "b": np.zeros(2)}),
    "w",
)
wrong("load like a string", lambda: fz.load(_saved("j.npz", P), "abc"), "like|template|str|structure")

area("tree")
wrong(
    "map with None where the other tree has a leaf",
    lambda: tree.map(lambda a, b: a + b, [None, 1], [1, 1]),
    "structure|None",
)
wrong("leaves of a dict of mixed keys", lambda: tree.leaves({1: 1, "a": 2}), "keys", "int", "str")
wrong("register_attrs of a non-class", lambda: tree.register_attrs(3), "class|attrs|3")


# ------------------------------------------------ more: shapes that would broadcast by accident
area("nn")
wrong(
    "linear b (4,2) per row for W (3,2)",
    lambda: nn.linear(np.ones((4, 3)), np.ones((3, 2)), np.ones((4, 2))),
    "b",
    S(4, 2),
)
wrong(
    "conv2d bias (4,1,1)",
    lambda: nn.conv2d(IMG, np.ones((4, 3, 3, 3)), np.ones((4, 1, 1))),
    "b|bias",
    S(4, 1, 1),
)
wrong(
    "batch_norm beta (3,1)",
    lambda: nn.batch_norm(
        np.ones((2, 3)), np.ones(3), np.zeros((3, 1)), np.zeros(3), np.ones(3), train=False
    ),
    "beta",
    S(3, 1),
)
wrong(
    "softmax_cross_entropy probabilities (1,3) for logits (2,3)",
    lambda: nn.softmax_cross_entropy(np.ones((2, 3)), np.full((1, 3), 1 / 3)),
    S(1, 3),
    S(2, 3),
)
wrong("huber_loss (4,1) vs (1,4)", lambda: nn.huber_loss(np.ones((4, 1)), np.ones((1, 4))), S(4, 1), S(1, 4))
wrong(
    "mean_squared_error under vmap (3,1) vs (3,)",
    lambda: fz.vmap(nn.mean_squared_error)(np.ones((2, 3, 1)), np.ones((2, 3))),
    S(3, 1),
    S(3),
)
wrong(
    "embedding W traced (5,) 1-d",
    lambda: fz.grad(lambda W: fnp.sum(nn.embedding(np.array([1]), W)))(np.ones(5)),
    "W",
)

area("transforms")
wrong("linearize tangent (1,3) for (3,)", lambda: fz.linearize(_sq, V3)[1](np.ones((1, 3))), S(1, 3), S(3))
wrong("jvp tangent (1,3) for (3,)", lambda: fz.jvp(_sq, (V3,), (np.ones((1, 3)),)), S(1, 3), S(3))
wrong(
    "vjp cotangent (1,3) for (3,)", lambda: fz.vjp(lambda x: x * 2.0, V3)[1](np.ones((1, 3))), S(1, 3), S(3)
)
wrong("vjp cotangent 0-d for (3,)", lambda: fz.vjp(lambda x: x * 2.0, V3)[1](np.float64(1.0)), S(3))
wrong("vjp cotangent a Python float for (3,)", lambda: fz.vjp(lambda x: x * 2.0, V3)[1](1.0), S(3))
wrong(
    "lax.scan carry (1,) becomes (3,)",
    lambda: lax.scan(lambda c, x: (c + x * V3, x), np.zeros(1), V3),
    "carry",
    S(1),
    S(3),
)
wrong(
    "lax.cond under vmap branches (3,) and (1,3)",
    lambda: fz.vmap(lambda p, v: lax.cond(p, lambda x: x, lambda x: x[None], v))(
        np.array([True, False]), X23
    ),
    S(3),
    S(1, 3),
)
wrong(
    "lax.while_loop body (3,) to (1,3)",
    lambda: lax.while_loop(lambda v: fnp.sum(v) < 10, lambda v: v[None] + 1, V3),
    S(3),
    S(1, 3),
)
wrong(
    "custom_vjp bwd cotangent (1,3) for (3,)",
    lambda: _custom_vjp_cotangent((1, 3)),
    "bwd|cotangent",
    S(1, 3),
    S(3),
)

area("optim")
wrong(
    "apply_updates (3,) with (1,3)", lambda: optim.apply_updates(np.ones(3), np.ones((1, 3))), S(1, 3), S(3)
)
wrong(
    "sgd gradient 0-d for parameter (3,)",
    lambda: _update(optim.sgd(0.1, momentum=0.9), {"w": np.float64(1.0), "b": np.zeros(2)}),
    S(3),
)
wrong(
    "adam gradient (1,3) for parameter (3,)",
    lambda: _update(optim.adam(0.1), {"w": np.ones((1, 3)), "b": np.zeros(2)}),
    S(1, 3),
    S(3),
)

area("random")
wrong(
    "uniform minval (1,3) for shape (3,)",
    lambda: random.uniform(KEY, (3,), minval=np.zeros((1, 3))),
    S(1, 3),
    S(3),
)
wrong(
    "randint maxval (2,) for shape (3,)", lambda: random.randint(KEY, (3,), 0, np.array([3, 4])), S(2), S(3)
)
wrong(
    "normal of a (3,2) array of keys",
    lambda: random.normal(np.zeros((3, 2), np.uint32), (2,)),
    "key",
    accept=lambda r: np.shape(r) == (3, 2),
)

area("io")
wrong(
    "load template (1,3) for a (3,) member",
    lambda: fz.load(_saved("m.npz", {"w": np.ones(3)}), {"w": np.ones((1, 3))}),
    S(1, 3),
    S(3),
)
wrong(
    "load template 0-d for a (1,) member",
    lambda: fz.load(_saved("n.npz", {"w": np.ones(1)}), {"w": np.float64(0.0)}),
    S(1),
)


def _custom_vjp_cotangent(shape: tuple) -> Any:
    f = fz.custom_vjp(lambda a: fnp.sum(a))
    f.defvjp(lambda a: (fnp.sum(a), None), lambda res, g: (np.ones(shape),))
    return fz.grad(f)(V3)


# ------------------------------------------------ more: scipy, linalg flags, onnx, devices
area("scipy")
import fnzero.scipy.linalg as _sla  # noqa: E402
import fnzero.scipy.special as _special  # noqa: E402
import fnzero.scipy.stats.norm as _norm  # noqa: E402

TRI = np.array([[2.0, 0.0], [1.0, 3.0]])
wrong(
    "solve_triangular lower 'False'", lambda: _sla.solve_triangular(TRI, np.ones(2), lower="False"), "lower"
)
wrong(
    "solve_triangular unit_diagonal 'no'",
    lambda: _sla.solve_triangular(TRI, np.ones(2), unit_diagonal="no"),
    "unit_diagonal",
)
wrong("solve_triangular trans 3", lambda: _sla.solve_triangular(TRI, np.ones(2), trans=3), "trans")
wrong("solve_triangular b (3,) for a (2,2)", lambda: _sla.solve_triangular(TRI, np.ones(3)), S(3), S(2, 2))
wrong("solve_triangular a (2,3)", lambda: _sla.solve_triangular(X23, np.ones(2)), S(2, 3))
wrong("cho_factor lower 'False'", lambda: _sla.cho_factor(np.eye(2) * 2, lower="False"), "lower")
wrong("cho_factor (2,3)", lambda: _sla.cho_factor(X23), S(2, 3))
wrong("cho_solve not a pair", lambda: _sla.cho_solve(np.eye(2), np.ones(2)), "c_and_lower")
wrong("cho_solve b (3,) for c (2,2)", lambda: _sla.cho_solve(_sla.cho_factor(np.eye(2)), np.ones(3)), S(3))
wrong("special.gammaln of a string", lambda: _special.gammaln("a"), "str|'a'|gammaln")
wrong("special.xlogy (3,1) with (2,4)", lambda: _special.xlogy(A31, B24), S(3, 1), S(2, 4))
wrong("special.polygamma n 1.5", lambda: _special.polygamma(1.5, V3), "n")
wrong("special.logsumexp axis 2", lambda: _special.logsumexp(X23, axis=2), "axis 2")
wrong("special.softmax axis 1.5", lambda: _special.softmax(X23, axis=1.5), "axis", "1.5")
wrong("stats.norm.pdf (3,1) with loc (2,4)", lambda: _norm.pdf(A31, B24), S(3, 1), S(2, 4))
wrong("stats.norm.cdf of a string", lambda: _norm.cdf("a"), "str|'a'|cdf")
wrong("numpy.linalg.qr mode 'nope'", lambda: fnp.linalg.qr(X23, mode="nope"), "mode", "nope")
wrong("numpy.linalg.eigh UPLO 'X'", lambda: fnp.linalg.eigh(np.eye(2), UPLO="X"), "UPLO")
wrong("numpy.linalg.svd full_matrices 'no'", lambda: fnp.linalg.svd(X23, full_matrices="no"), "full_matrices")
wrong("numpy.linalg.matrix_power n 1.5", lambda: fnp.linalg.matrix_power(np.eye(2), 1.5), "n|integer")

area("io")
wrong("device_put to 'tpu'", lambda: fz.device_put(V3, "tpu"), "tpu")
wrong("device_put backend 3", lambda: fz.device_put(V3, 3), "backend|3")
wrong("onnx.export of a non-callable", lambda: fz.onnx.export(3, (V3,)), "callable|3")
wrong(
    "onnx.export example_args not a sequence",
    lambda: fz.onnx.export(fnp.sin, V3),
    "example_args|tuple|sequence",
)


# ------------------------------------------------ more: flags given as strings (a string is truthy)
area("flags")
wrong(
    "lax.scan reverse 'False'", lambda: lax.scan(lambda c, x: (c + x, c), 0.0, V3, reverse="False"), "reverse"
)
wrong("random.choice replace 'False'", lambda: random.choice(KEY, 3, (3,), replace="False"), "replace")
wrong(
    "random.permutation independent 'no'",
    lambda: random.permutation(KEY, X23, independent="no"),
    "independent",
)
wrong("nn.gelu approximate 'False'", lambda: nn.gelu(V3, approximate="False"), "approximate")
wrong("nn.Linear bias 'False'", lambda: nn.Linear(2, 3, key=KEY, bias="False"), "bias")
wrong("nn.Conv2d bias 'False'", lambda: nn.Conv2d(3, 4, 3, key=KEY, bias="False"), "bias")
wrong("numpy.linspace endpoint 'False'", lambda: fnp.linspace(0.0, 1.0, 5, endpoint="False"), "endpoint")
wrong("numpy.sort descending 'no'", lambda: fnp.sort(V3, descending="no"), "descending")
wrong("numpy.argsort descending 'no'", lambda: fnp.argsort(V3, descending="no"), "descending")
wrong("numpy.unique return_counts 'no'", lambda: fnp.unique(V3, return_counts="no"), "return_counts")
wrong("numpy.isclose equal_nan 'no'", lambda: fnp.isclose(V3, V3, equal_nan="no"), "equal_nan")
wrong("numpy.average returned 'no'", lambda: fnp.average(V3, returned="no"), "returned")
wrong("numpy.median keepdims 'no'", lambda: fnp.median(X23, axis=0, keepdims="no"), "keepdims")
wrong("numpy.nanmean keepdims 'no'", lambda: fnp.nanmean(X23, axis=0, keepdims="no"), "keepdims")
wrong("numpy.all keepdims 'no'", lambda: fnp.all(X23, axis=0, keepdims="no"), "keepdims")
wrong("numpy.meshgrid sparse 'no'", lambda: fnp.meshgrid(V3, V4, sparse="no"), "sparse")
wrong(
    "numpy.cumulative_sum include_initial 'no'",
    lambda: fnp.cumulative_sum(V3, include_initial="no"),
    "include_initial",
)
wrong("jvp has_aux 'yes'", lambda: fz.jvp(_sq, (V3,), (V3,), has_aux="yes"), "has_aux")
wrong("jacrev has_aux 'yes'", lambda: fz.jacrev(_sq, has_aux="yes")(V3), "has_aux")
wrong("linearize has_aux 'yes'", lambda: fz.linearize(_sq, V3, has_aux="yes"), "has_aux")
wrong("nn.logsumexp return_sign 'no'", lambda: nn.logsumexp(V3, return_sign="no"), "return_sign")
wrong("special.logsumexp return_sign 'no'", lambda: _special.logsumexp(V3, return_sign="no"), "return_sign")
wrong("data.spiral train 'no'", lambda: data.spiral(train="no"), "train")
wrong("data.digits train 'no'", lambda: data.digits(train="no"), "train")
wrong(
    "nn.Sequential called with train 'False'",
    lambda: nn.Sequential(nn.Dropout(0.5))(V3, key=KEY, train="False"),
    "train",
)


# ------------------------------------------------ more: integers given as floats (int() would truncate)
area("numpy")
wrong("numpy.roll shift 1.5", lambda: fnp.roll(V3, 1.5), "shift", "1.5")
wrong("numpy.roll axis 0.0", lambda: fnp.roll(X23, 1, axis=0.0), "axis")
wrong("numpy.repeat repeats 2.5", lambda: fnp.repeat(V3, 2.5), "repeats|2.5|integer|float")
wrong("numpy.tile reps (2.5,)", lambda: fnp.tile(V3, (2.5,)), "reps|2.5|integer|float")
wrong("numpy.split sections 2.0", lambda: fnp.split(np.ones(4), 2.0), "sections|indices|2.0|integer|float")
wrong("numpy.linspace num 5.0", lambda: fnp.linspace(0.0, 1.0, 5.0), "num|integer|float")
# 1.0 is the integer 1: the answer is right.
wrong("numpy.diff n 1.0", lambda: fnp.diff(V3, n=1.0), "n|integer|float", accept=close(np.diff(V3)))
wrong("numpy.eye k 0.5", lambda: fnp.eye(3, k=0.5), "k|integer|float")
wrong("numpy.tri k 0.5", lambda: fnp.tri(3, k=0.5), "k|integer|float")
wrong("numpy.triu k 0.5", lambda: fnp.triu(np.ones((3, 3)), k=0.5), "k|integer|float")
wrong("numpy.diagonal offset 0.5", lambda: fnp.diagonal(np.ones((3, 3)), offset=0.5), "offset|integer|float")
wrong("numpy.expand_dims axis 1.0", lambda: fnp.expand_dims(V3, 1.0), "axis")
wrong("numpy.swapaxes axis 1.0", lambda: fnp.swapaxes(X23, 0, 1.0), "axis")
wrong("numpy.moveaxis source 1.0", lambda: fnp.moveaxis(X23, 1.0, 0), "source|axis")
wrong("numpy.squeeze axis 0.0", lambda: fnp.squeeze(np.ones((1, 3)), 0.0), "axis")
wrong("numpy.take axis 0.0", lambda: fnp.take(X23, [0], axis=0.0), "axis")
wrong("numpy.flip axis 0.0", lambda: fnp.flip(X23, 0.0), "axis")
wrong("numpy.argsort axis 0.0", lambda: fnp.argsort(X23, axis=0.0), "axis")
wrong("numpy.sort axis 0.0", lambda: fnp.sort(X23, axis=0.0), "axis")
wrong("numpy.cumsum axis 0.0", lambda: fnp.cumsum(X23, axis=0.0), "axis")
wrong("numpy.concatenate axis 0.0", lambda: fnp.concatenate([X23, X23], axis=0.0), "axis")
wrong("numpy.stack axis 0.0", lambda: fnp.stack([X23, X23], axis=0.0), "axis")
wrong("numpy.broadcast_to (2.0, 3)", lambda: fnp.broadcast_to(V3, (2.0, 3)), "shape|2.0|integer|float")
wrong("numpy.pad width 1.5", lambda: fnp.pad(V3, 1.5), "pad|1.5|integer|float")
wrong("numpy.full (2.0, 3)", lambda: fnp.full((2.0, 3), 1.0), "shape|integer|float")
wrong("numpy.zeros_like shape (2.0,)", lambda: fnp.zeros_like(V3, shape=(2.0,)), "shape|integer|float")
wrong(
    "numpy.arange to 3 of floats gives floats",
    lambda: fnp.arange(3.0),
    "arange",
    accept=close(np.arange(3.0)),
)
wrong("numpy.around decimals 1.5", lambda: fnp.round(V3, 1.5), "decimals|integer|float")
wrong("numpy.argmax axis 0.0", lambda: fnp.argmax(X23, axis=0.0), "axis")
wrong("numpy.einsum of a float operand list", lambda: fnp.einsum("ii", np.ones((2, 3))), "ii|2|3|dimension")

area("nn")
wrong("nn.one_hot num_classes 3.0", lambda: nn.one_hot(np.array([0, 1]), 3.0), "num_classes")
wrong("nn.max_pool2d kernel 2.0", lambda: nn.max_pool2d(IMG, 2.0), "kernel_size")
wrong("nn.conv2d stride 1.0", lambda: nn.conv2d(IMG, np.ones((4, 3, 3, 3)), stride=1.0), "stride")
wrong("nn.conv2d padding 1.5", lambda: nn.conv2d(IMG, np.ones((4, 3, 3, 3)), padding=1.5), "padding")
wrong("nn.softmax axis 1.0", lambda: nn.softmax(X23, axis=1.0), "axis")
wrong("nn.glu axis 1.0", lambda: nn.glu(np.ones((2, 4)), axis=1.0), "axis")
wrong(
    "nn.flatten of (2,3,4) gives (2,12)",
    lambda: nn.flatten(np.ones((2, 3, 4))),
    "flatten",
    accept=lambda r: r.shape == (2, 12),
)
wrong("nn.Embedding(10.0, 3)", lambda: nn.Embedding(10.0, 3, key=KEY), "num_embeddings")

area("random")
wrong("random.randint shape (3.0,)", lambda: random.randint(KEY, (3.0,), 0, 5), "shape")
wrong("random.permutation axis 0.0", lambda: random.permutation(KEY, X23, axis=0.0), "axis")
wrong("random.categorical axis 1.0", lambda: random.categorical(KEY, X23, axis=1.0), "axis")
wrong("random.choice shape (2.0,)", lambda: random.choice(KEY, 3, (2.0,)), "shape")
wrong("random.key(1.0)", lambda: random.key(1.0), "seed")
wrong("random.fold_in data 2.0", lambda: random.fold_in(KEY, 2.0), "data")

area("transforms")
wrong("vmap in_axes 0.0", lambda: fz.vmap(_sq, in_axes=0.0), "in_axes")
wrong("vmap out_axes 0.0", lambda: fz.vmap(_sq, out_axes=0.0), "out_axes")
wrong("lax.fori_loop upper 3.0", lambda: lax.fori_loop(0, 3.0, lambda i, v: v + 1, 0.0), "upper|lower|int")
wrong("lax.scan length 3.0", lambda: lax.scan(lambda c, x: (c, x), 0.0, None, length=3.0), "length")
wrong("lax.switch index 1.0", lambda: lax.switch(1.0, [lambda x: x, lambda x: -x], V3), "index")
wrong("jit static_argnums 0.0", lambda: fz.jit(_mul, static_argnums=0.0), "static_argnums")

area("data")
wrong("DataLoader batch_size np.float64(2)", lambda: data.DataLoader(DS, np.float64(2)), "batch_size")
wrong("SeqDataLoader batch_size 2.0", lambda: data.SeqDataLoader(DS, 2.0), "batch_size")


area("numpy")
_SUB2 = fnp.frompyfunc(lambda x, y: x - 2.0 * y, 2, 1)
_IMMUTABLE = (*CLEAR_TYPES, NotImplementedError)
wrong("ufunc add.at in place", lambda: fnp.add.at(np.zeros(3), [0], 1.0), "inplace=False", types=_IMMUTABLE)
wrong("ufunc reduce out=", lambda: fnp.add.reduce(V3, out=np.zeros(())), "out=", types=_IMMUTABLE)
wrong("ufunc negative.reduce", lambda: fnp.negative.reduce(V3), "binary", "nin=1")
wrong("ufunc frompyfunc reduce of no elements", lambda: _SUB2.reduce(np.zeros((0, 2))), "identity", "initial")
wrong(
    "ufunc frompyfunc reduce where no initial", lambda: _SUB2.reduce(X23, where=X23 > 1), "where", "initial"
)
wrong("ufunc frompyfunc reduce axis (0, 1)", lambda: _SUB2.reduce(X23, axis=(0, 1)), "one axis", r"\(0, 1\)")
wrong(
    "ufunc reduceat index 3 of 3", lambda: _SUB2.reduceat(V3, [0, 3]), "index 3", "size 3", types=INDEX_TYPES
)
wrong("ufunc reduceat indices 0.5", lambda: _SUB2.reduceat(V3, [0.5]), "indices", "float64")
wrong("ufunc call of 1 array for nin 2", lambda: _SUB2(V3), "takes 2 arrays", "got 1")
wrong("ufunc negative.at with b", lambda: fnp.negative.at(V3, [0], 1.0, inplace=False), "b argument")
wrong("ufunc nin 0", lambda: fnp.ufunc(len, 0, 1), "nin", "0")


# ---------------------------------------------------------------- running
class _Hang(BaseException):
    """Raised by the timer when an entry runs past its time limit (a BaseException, so that
    no ``except Exception`` in the library swallows it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Hang


def _first_line(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}"
    return text if len(text) < 300 else text[:297] + "..."


def run_entry(entry: Entry, time_limit_s: float = TIME_LIMIT_S) -> Outcome:
    """Run one entry under a timer and classify what it gave."""
    start = time.perf_counter()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit_s)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = entry.call()
    except _Hang:
        return Outcome(
            entry.name, entry.area, "hang", f"ran past {time_limit_s} s", time.perf_counter() - start
        )
    except Exception as e:  # noqa: BLE001 - every exception is classified
        return _classify(entry, e, time.perf_counter() - start)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - start
    if entry.accept is not None:
        try:
            right = entry.accept(result)
        except Exception as e:  # noqa: BLE001
            right, result = False, f"(the check failed: {_first_line(e)})"
        if right:
            return Outcome(entry.name, entry.area, "clear", "accepted with the right answer", seconds)
        return Outcome(entry.name, entry.area, "silent", f"wrong answer {result!r:.200}", seconds)
    return Outcome(entry.name, entry.area, "silent", f"returned {result!r:.200}", seconds)


def _classify(entry: Entry, e: Exception, seconds: float) -> Outcome:
    cause = e.__cause__
    if cause is not None and _names_the_problem(entry, cause) and not _names_the_problem(entry, e):
        detail = f"{_first_line(e)}, caused by {type(cause).__name__}: {_first_line(cause)}"
        return Outcome(entry.name, entry.area, "clear", detail, seconds)
    message = str(e)
    chained = cause or e.__context__
    if not isinstance(e, entry.types):
        return Outcome(entry.name, entry.area, "unclear", f"exception type: {_first_line(e)}", seconds)
    missing = [m for m in entry.match if not re.search(m, message)]
    if missing:
        cause = f" (caused by {_first_line(chained)})" if chained is not None else ""
        return Outcome(
            entry.name, entry.area, "unclear", f"message lacks {missing}: {_first_line(e)}{cause}", seconds
        )
    return Outcome(entry.name, entry.area, "clear", _first_line(e), seconds)


def _names_the_problem(entry: Entry, e: BaseException) -> bool:
    return isinstance(e, entry.types) and all(re.search(m, str(e)) for m in entry.match)


def run_catalogue(entries: list[Entry] | None = None, time_limit_s: float = TIME_LIMIT_S) -> list[Outcome]:
    """Every entry's outcome, in catalogue order."""
    try:
        return [run_entry(e, time_limit_s) for e in (CATALOGUE if entries is None else entries)]
    finally:
        for d in _TMP:
            with contextlib.suppress(OSError):
                for p in sorted(Path(d).rglob("*"), reverse=True):
                    p.rmdir() if p.is_dir() else p.unlink()
                os.rmdir(d)
        _TMP.clear()


KINDS = ("clear", "unclear", "silent", "hang")


def main(argv: list[str] | None = None) -> int:
    """Run the catalogue; print the counts and every entry that is not clear."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print every entry, clear ones too")
    parser.add_argument("--area", help="run only the entries of this area (numpy, transforms, ...)")
    parser.add_argument("--json", help="write the outcomes to this file")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT_S, help="seconds per entry")
    args = parser.parse_args(argv)
    entries = [e for e in CATALOGUE if args.area in (None, e.area)]
    start = time.perf_counter()
    outcomes = run_catalogue(entries, args.time_limit)
    elapsed = time.perf_counter() - start
    for o in outcomes:
        if args.verbose or o.kind != "clear":
            print(f"[{o.kind:7}] {o.area:11} {o.name}: {o.detail}")
    counts = Counter(o.kind for o in outcomes)
    by_area = Counter((o.area, o.kind) for o in outcomes)
    print()
    print(f"{'area':12}" + "".join(f"{k:>9}" for k in KINDS))
    for a in dict.fromkeys(o.area for o in outcomes):
        print(f"{a:12}" + "".join(f"{by_area[a, k]:9d}" for k in KINDS))
    print(f"{'total':12}" + "".join(f"{counts[k]:9d}" for k in KINDS))
    print(f"{len(outcomes)} entries in {elapsed:.1f} s")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "counts": {k: counts[k] for k in KINDS},
                    "outcomes": [vars(o) for o in outcomes],
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

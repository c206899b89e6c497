"""grad and value_and_grad: reverse-mode derivatives of scalar functions of pytrees."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero._checks import flag
from fnzero.core.reverse import ReverseTracer, Tape, backward
from fnzero.numpy import ones_like
from fnzero.transforms._inputs import (
    Distinct,
    check_argnums,
    check_callable,
    check_scalar,
    cotangents,
    split_aux,
    unwrap_tree,
    watch,
)


def value_and_grad(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    allow_int: bool = False,
) -> Callable[..., Any]:
    """``fun`` turned into a function returning ``(value, gradient)`` (JAX's semantics).

    The gradient is taken with respect to the positional arguments ``argnums`` (an int, or a
    tuple giving a tuple of gradients); each has the structure, shapes and dtypes of its
    argument. With ``has_aux`` ``fun`` returns ``(value, aux)`` and the result is
    ``((value, aux), gradient)``.
    """
    check_callable(fun, "value_and_grad")
    has_aux = flag(has_aux, "has_aux", "fnzero.value_and_grad")
    allow_int = flag(allow_int, "allow_int", "fnzero.value_and_grad")

    @functools.wraps(fun)
    def value_and_grad_fun(*args: Any, **kwargs: Any) -> Any:
        nums = check_argnums(argnums, len(args), "grad")
        tape = Tape()
        args = list(args)
        watched = {}
        for n in nums:
            args[n], watched[n] = watch(tape, args[n], allow_int, f"argument {n}")
        try:
            result = fun(*args, **kwargs)
        finally:
            tape.closed = True
        out, aux = split_aux(result, has_aux, "grad") if has_aux else (result, None)
        check_scalar(out, "grad")
        if type(out) is ReverseTracer and out._trace is tape:
            value = out._value
            plain = type(value) is np.ndarray or isinstance(value, np.generic)
            seed = np.array(1, value.dtype) if plain else ones_like(value)
            cts = backward(tape, {out._index: seed})
        else:
            value, cts = out, []
        # No gradient shares memory with another, with an input or with the value.
        distinct = Distinct([value, *(leaf for n in nums for leaf in watched[n].leaves)])
        if isinstance(argnums, int):
            grad_out = cotangents(watched[nums[0]], cts, distinct)
        else:
            grad_out = tuple([cotangents(watched[n], cts, distinct) for n in nums])
        if has_aux:
            return (value, unwrap_tree(tape, aux)), grad_out
        return value, grad_out

    return value_and_grad_fun


def grad(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    allow_int: bool = False,
) -> Callable[..., Any]:
    """The gradient of a scalar function: ``grad(f)(x)`` has the structure of ``x``.

    Composes to any order (``grad(grad(f))``) and with the other transforms. With
    ``has_aux`` the result is ``(gradient, aux)``.
    """
    check_callable(fun, "grad")
    has_aux = flag(has_aux, "has_aux", "fnzero.grad")
    vg = value_and_grad(fun, argnums, has_aux, allow_int)

    @functools.wraps(fun)
    def grad_fun(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g

    return grad_fun

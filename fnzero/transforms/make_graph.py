"""make_graph: the computation a function performs, as a listing, DOT text or a picture."""

from __future__ import annotations

import functools
import inspect
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from fnzero import tree
from fnzero.core.graph import Equation, GraphTrace, GraphTracer, Var

_NAMES = "xyzabcdefghijk"


def _label(v: Var) -> str:
    return f"{v.name}:{v.dtype}{list(v.shape)}"


def _params_text(params: dict) -> str:
    return "".join(f" {k}={v!r}" for k, v in params.items() if not isinstance(v, tuple) or len(v) < 8)


@attrs.frozen
class Graph:
    """The equations recorded while running a function, with its inputs and outputs."""

    inputs: tuple[Var, ...]
    equations: tuple[Equation, ...]
    outputs: tuple[Var | str, ...]

    def __str__(self) -> str:
        lines = [f"graph({', '.join(_label(v) for v in self.inputs)}) {{"]
        for eq in self.equations:
            args = ", ".join(i.name if isinstance(i, Var) else i for i in eq.inputs)
            lines.append(f"  {_label(eq.output)} = {eq.primitive}({args}){_params_text(eq.params)}")
        outs = ", ".join(o.name if isinstance(o, Var) else o for o in self.outputs)
        lines.append(f"  return {outs}")
        lines.append("}")
        return "\n".join(lines)

    def to_dot(self) -> str:
        """Graphviz DOT: values as ellipses (name, shape, dtype), operations as boxes."""
        lines = ["digraph fnzero {", "  rankdir=TB;", '  node [fontname="Helvetica"];']
        seen: set[str] = set()

        def value_node(v: Var) -> str:
            if v.name not in seen:
                seen.add(v.name)
                color = ', style=filled, fillcolor="#ffd7a8"' if v in self.inputs else ""
                lines.append(
                    f'  "{v.name}" [label="{v.name}\\n{list(v.shape)} {v.dtype}", shape=ellipse{color}];'
                )
            return f'"{v.name}"'

        for v in self.inputs:
            value_node(v)
        for k, eq in enumerate(self.equations):
            op = f'"op{k}"'
            lines.append(f'  {op} [label="{eq.primitive}", shape=box, style=filled, fillcolor="#c9e4ff"];')
            for j, i in enumerate(eq.inputs):
                if isinstance(i, Var):
                    lines.append(f"  {value_node(i)} -> {op};")
                else:
                    const = f'"c{k}_{j}"'
                    lines.append(f'  {const} [label="{i}", shape=plaintext];')
                    lines.append(f"  {const} -> {op};")
            lines.append(f"  {op} -> {value_node(eq.output)};")
        lines.append("}")
        return "\n".join(lines)

    def render(self, path: str | os.PathLike) -> str:
        """Draw the graph with Graphviz's ``dot`` into ``path`` (.png, .svg or .pdf)."""
        path = os.fspath(path)
        fmt = os.path.splitext(path)[1].lstrip(".") or "png"
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError(
                "Graph.render needs Graphviz's `dot` program: install graphviz "
                "(apt-get install graphviz, brew install graphviz or conda install graphviz), "
                "or use Graph.to_dot() and render the text elsewhere"
            )
        with tempfile.NamedTemporaryFile("w", suffix=".dot", delete=False) as f:
            f.write(self.to_dot())
        try:
            subprocess.run([dot, f"-T{fmt}", f.name, "-o", path], check=True, capture_output=True)
        finally:
            os.unlink(f.name)
        return path


def argument_names(fun: Callable[..., Any], count: int) -> list[str]:
    """Names for the first ``count`` positional arguments of ``fun`` in a listing: its parameter
    names where ``inspect.signature`` finds them (``xs0``, ``xs1``, ... for ``*xs``), else (no
    signature, or a bare ``*args`` wrapper) x, y, z, ... A name that looks like an intermediate
    value's (``v1``) or is taken gets a ``_``, so that every input's name is its own."""
    letters = [_NAMES[n] if n < len(_NAMES) else f"arg{n}" for n in range(count)]
    try:
        parameters = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):  # some builtins and extension functions have none
        return letters
    positional = [p for p in parameters if p.kind <= inspect.Parameter.VAR_POSITIONAL]
    if [(p.kind, p.name) for p in positional] == [(inspect.Parameter.VAR_POSITIONAL, "args")]:
        return letters  # a generic wrapper, ``f(*args, **kwargs)``: its names say nothing
    names: list[str] = []
    for p in parameters:
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            names += [f"{p.name}{k}" for k in range(count - len(names))]
        elif p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
    # More arguments than the signature takes get argN (the call itself will say what is wrong).
    names = names[:count] + [f"arg{n}" for n in range(len(names), count)]
    unique: list[str] = []
    for name in names:
        while re.fullmatch(r"v\d+", name) or name in unique:
            name += "_"
        unique.append(name)
    return unique


def input_name(n: int, path: str, names: Sequence[str] | None = None) -> str:
    """The name of an input leaf in a listing: the argument's name (``names[n]``, default x, y,
    z, ...), then the leaf's path inside it; an empty argument name (keyword arguments, whose
    paths start with the keyword) leaves the path alone."""
    if names is not None:
        base = names[n]
    else:
        base = _NAMES[n] if n < len(_NAMES) else f"arg{n}"
    return f"{base}/{path}" if base and path else base or path


def trace_args(
    trace: GraphTrace,
    args: tuple,
    traced: Callable[[int, int, Any], bool] = lambda n, i, leaf: True,
    names: Sequence[str] | None = None,
) -> tuple[list, list[Var]]:
    """``args`` with their leaves replaced by ``trace``'s tracers (those ``traced(arg, leaf
    index, leaf)`` picks), and the Vars of those inputs in order, named by ``input_name``."""
    inputs: list[Var] = []
    traced_args = []
    for n, arg in enumerate(args):
        leaves, treedef = tree.flatten(arg)
        paths = None
        out = []
        for i, leaf in enumerate(leaves):
            if not traced(n, i, leaf):
                out.append(leaf)
                continue
            if paths is None:
                paths = tree.flatten_with_path(arg)
            t = trace.new_var(leaf, input_name(n, paths[i][0], names))
            inputs.append(t._var)
            out.append(t)
        traced_args.append(tree.unflatten(treedef, out))
    return traced_args, inputs


def make_graph(fun: Callable[..., Any]) -> Callable[..., Graph]:
    """``make_graph(f)(*args)`` runs ``f`` and returns the :class:`Graph` of what it computed.

    Works on transformed functions: ``make_graph(grad(grad(tanh)))(x)`` shows the second
    derivative's computation. Inputs are named after ``fun``'s parameters (``params/W1``, ``x``).
    """

    @functools.wraps(fun)
    def graph_of(*args: Any) -> Graph:
        trace = GraphTrace()
        traced_args, inputs = trace_args(trace, args, names=argument_names(fun, len(args)))
        out = fun(*traced_args)
        outputs = tuple(
            o._var if type(o) is GraphTracer and o._trace is trace else repr(o) for o in tree.leaves(out)
        )
        return Graph(tuple(inputs), tuple(trace.equations), outputs)

    return graph_of

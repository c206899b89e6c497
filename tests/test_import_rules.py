"""The layers hold: every import between fnzero's top-level modules points down an allowed edge,
and no layer reaches into another's private (``_name``) modules. Parsed with ``ast``, so lazy
imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fnzero"


def _is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports() -> list[tuple[str, str]]:
    """Every ``(importing module, imported fnzero module)`` pair in the package."""
    found = []
    for file in sorted(PACKAGE.rglob("*.py")):
        parts = ("fnzero",) + file.relative_to(PACKAGE).with_suffix("").parts
        here = parts[:-1] if parts[-1] == "__init__" else parts
        package = here if file.name == "__init__.py" else here[:-1]
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
                module = ".".join(p for p in (base, node.module or "") if p)
                subs = [f"{module}.{alias.name}" for alias in node.names]
                targets = [s for s in subs if _is_module(s)] or [module]
            else:
                continue
            found += [(".".join(here), t) for t in targets if t.split(".")[0] == "fnzero"]
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "fnzero"


JOBS = {
    "fnzero",
    "__main__",
    "cli",
    "train",
    "examples",
}  # the facade and the runnable jobs: any public module
ALLOWED = {  # layer -> the layers it may import (its own modules are always allowed)
    "backends": set(),
    "tree": set(),
    "tree_util": {"tree"},
    "core": {"backends"},
    # the package-wide argument checks: they recognise tracers and read labels and ids on the host
    "_checks": {"core", "backends"},
    "numpy": {"core", "backends", "tree", "_checks"},
    # linalg on fnzero.numpy.linalg; special declares primitives (core), reuses the normal quantile
    # (random) and the logistic and logsumexp of fnzero.lax.
    "scipy": {"core", "numpy", "random", "lax", "backends"},
    "random": {"core", "numpy", "backends"},
    "transforms": {"core", "numpy", "backends", "tree", "_checks"},
    "device": {"backends", "tree"},
    "io": {"backends", "tree"},
    "distributed": {"backends", "tree"},
    "test_util": {"transforms", "backends", "tree"},
    "lax": {"core", "numpy", "transforms", "backends", "tree", "_checks"},
    "onnx": {"core", "transforms", "lax"},
    # nn's primitives are lax's (the exact gelu's normal CDF is scipy.special's); a new array goes
    # beside its inputs through ``backend=x``.
    "nn": {"numpy", "lax", "scipy", "transforms", "random", "tree", "_checks"},
    "optim": {"numpy", "backends", "tree", "_checks"},
    "data": {"random", "device", "backends", "_checks"},
}
# The traces of core run ops on cotangents, tangents and batches (sum_to, astype, moveaxis), so these three
# modules sit above fnzero.numpy; the rest of core (primitive, tracer, trace, levels, graph) stays below it.
CORE_ENGINES = {"fnzero.core.reverse", "fnzero.core.forward", "fnzero.core.batching"}
# Private modules shared across layers: fnzero._checks is the one home of the argument checks and their
# error messages; numpy.linalg._matrices holds the matrix checks and helpers that scipy.linalg shares with
# numpy.linalg (until it gets a public name).
SHARED_PRIVATE = {"fnzero._checks", "fnzero.numpy.linalg._matrices"}


def _cross_layer() -> list[tuple[str, str]]:
    return [(a, b) for a, b in imports() if _layer(a) != _layer(b)]


def test_every_import_between_layers_follows_an_allowed_edge():
    edges = _cross_layer()
    assert ("fnzero.lax.convolution", "fnzero.numpy.batching") in edges  # the parser sees real imports
    bad = [
        (a, b)
        for a, b in edges
        if _layer(a) not in JOBS
        and _layer(b) not in ALLOWED[_layer(a)]
        and not (a in CORE_ENGINES and _layer(b) == "numpy")
    ]
    assert bad == [], f"imports against the layer table (README.md, Architecture): {bad}"
    assert set(ALLOWED) | JOBS >= {_layer(a) for a, _ in edges}, (
        "a new top-level module needs a row in ALLOWED"
    )
    assert {a for a, b in edges if _layer(a) == "core" and _layer(b) == "numpy"} <= CORE_ENGINES


def test_no_layer_imports_another_layers_private_modules():
    def private(module: str) -> bool:
        return any(p.startswith("_") and not p.startswith("__") for p in module.split(".")[1:])

    bad = [(a, b) for a, b in _cross_layer() if private(b) and b not in SHARED_PRIVATE]
    assert bad == [], f"imports of private modules across layers: {bad}"
    assert {b for _, b in _cross_layer() if private(b)} == SHARED_PRIVATE  # the exception is still needed

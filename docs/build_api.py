"""Build fnzero's API reference from its docstrings: one Markdown page per public module.

    python docs/build_api.py [--out docs/api]

Each page lists the module's public names (its ``__all__``) with their signatures and
docstrings; a primitive is listed with the transforms its rules support. Nothing is fetched:
the pages come from the installed package alone (``tests/test_api_docs.py`` builds them).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path

# The modules a user imports, in the order the index lists them.
PUBLIC_MODULES = (
    "fnzero",
    "fnzero.transforms",
    "fnzero.numpy",
    "fnzero.numpy.batching",
    "fnzero.numpy.linalg",
    "fnzero.scipy.linalg",
    "fnzero.lax",
    "fnzero.nn",
    "fnzero.nn.models",
    "fnzero.optim",
    "fnzero.random",
    "fnzero.scipy.special",
    "fnzero.scipy.stats.norm",
    "fnzero.data",
    "fnzero.tree",
    "fnzero.backends",
    "fnzero.distributed",
    "fnzero.test_util",
)


def public_names(module) -> list[str]:
    """The names a module exports: its ``__all__``, else its names without a leading underscore
    that are defined in fnzero (imports of other libraries are not fnzero's API)."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    found = []
    for name, obj in vars(module).items():
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        if getattr(obj, "__module__", module.__name__).startswith("fnzero"):
            found.append(name)
    return sorted(found)


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def _support(prim) -> str:
    """What a primitive's rules let the transforms do with it."""
    rules = [
        what
        for what, present in (
            ("reverse mode", prim.vjps is not None),
            ("forward mode", prim.jvp is not None),
            ("vmap", prim.batch is not None),
        )
        if present
    ]
    return ", ".join(rules) if rules else "not differentiable"


def describe(name: str, obj) -> str:
    """One entry: a heading with the signature, then the docstring."""
    from fnzero.core.primitive import Primitive
    from fnzero.numpy import ufunc

    if isinstance(obj, Primitive):
        doc = inspect.getdoc(obj.impl) if obj.impl is not None else None
        text = f"Primitive `{obj.name}` ({_support(obj)})."
        if doc and doc != inspect.getdoc(Primitive):
            text += "\n\n" + doc
        return f"### `{name}`\n\n{text}\n"
    if isinstance(obj, ufunc) and isinstance(obj._func, Primitive):
        text = f"A ufunc of the primitive `{obj._func.name}` ({_support(obj._func)}), nin={obj.nin}."
        return f"### `{name}`\n\n{text}\n\n{inspect.getdoc(obj)}\n"
    if inspect.isclass(obj):
        kind = "class "
    elif callable(obj):
        kind = ""
    else:
        return f"### `{name}`\n\n`{name} = {obj!r}`\n"
    doc = inspect.getdoc(obj) or "(no docstring)"
    return f"### `{kind}{name}{_signature(obj)}`\n\n{doc}\n"


def module_page(module_name: str) -> str:
    module = importlib.import_module(module_name)
    lines = [f"# `{module_name}`", "", inspect.getdoc(module) or "", ""]
    for name in public_names(module):
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            lines.append(f"### `{name}`\n\nSubmodule `{obj.__name__}`.\n")
        else:
            lines.append(describe(name, obj))
    return "\n".join(lines)


def build(out: Path) -> list[Path]:
    """Write one page per public module and an index into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    index = ["# fnzero API reference", ""]
    for name in PUBLIC_MODULES:
        path = out / f"{name}.md"
        path.write_text(module_page(name), encoding="utf-8")
        written.append(path)
        summary = (inspect.getdoc(importlib.import_module(name)) or "").split("\n")[0]
        index.append(f"- [`{name}`]({path.name}): {summary}")
    (out / "index.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return [out / "index.md", *written]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "api")
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

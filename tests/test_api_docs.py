"""The API reference builds from the docstrings, offline, and lists every public name."""

from __future__ import annotations

import importlib
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
build_api = runpy.run_path(str(ROOT / "docs" / "build_api.py"))


def test_the_reference_has_a_page_per_module_and_an_entry_per_public_name(tmp_path):
    written = build_api["build"](tmp_path)
    assert {p.name for p in written} == {"index.md"} | {f"{m}.md" for m in build_api["PUBLIC_MODULES"]}
    for name in build_api["PUBLIC_MODULES"]:
        page = (tmp_path / f"{name}.md").read_text(encoding="utf-8")
        module = importlib.import_module(name)
        for public in build_api["public_names"](module):
            assert f"### `{public}" in page or f"### `class {public}" in page, (name, public)


def test_a_primitive_says_which_transforms_it_supports(tmp_path):
    build_api["build"](tmp_path)
    page = (tmp_path / "fnzero.numpy.md").read_text(encoding="utf-8")
    assert "Primitive `tanh` (reverse mode, forward mode, vmap)" in page
    assert "A ufunc of the primitive `add` (reverse mode, forward mode, vmap)" in page
    sign = page.split("Primitive `sign` (")[1].split(")")[0]
    assert "reverse mode" not in sign and "forward mode" not in sign  # zero almost everywhere


def test_the_docstring_of_a_function_is_on_its_page(tmp_path):
    import fnzero

    build_api["build"](tmp_path)
    page = (tmp_path / "fnzero.md").read_text(encoding="utf-8")
    assert fnzero.grad.__doc__.strip().split("\n")[0] in page


def test_every_public_function_has_a_docstring(tmp_path):
    pages = {page.name: page.read_text(encoding="utf-8") for page in build_api["build"](tmp_path)}
    undocumented = [name for name, text in pages.items() if "(no docstring)" in text]
    assert not undocumented, f"pages with an entry that has no docstring: {undocumented}"

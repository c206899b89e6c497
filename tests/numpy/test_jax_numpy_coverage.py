"""How much of jax.numpy a porting user finds in fnzero.numpy: the count is printed, it may
only grow, and every callable name still missing is listed in docs/jax_numpy_coverage.md with
the reason."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import fnzero.numpy as fnp

jnp = pytest.importorskip("jax.numpy")

DOC = Path(__file__).resolve().parents[2] / "docs" / "jax_numpy_coverage.md"
FLOOR = 0.9  # raise it as names land; the goal is 0.9 or more


def _callable_names() -> list[str]:
    return sorted(
        name
        for name in dir(jnp)
        if not name.startswith("_")
        and callable(getattr(jnp, name))
        and not inspect.ismodule(getattr(jnp, name))
    )


def _documented_missing() -> dict[str, str]:
    rows = re.findall(r"^\| `([A-Za-z_0-9]+)` \| (.+?) \|$", DOC.read_text(), flags=re.MULTILINE)
    return dict(rows)


def test_coverage_of_jax_numpy_names(capsys):
    names = _callable_names()
    have = [n for n in names if hasattr(fnp, n)]
    share = len(have) / len(names)
    with capsys.disabled():
        print(f"\nfnzero.numpy has {len(have)} of jax.numpy's {len(names)} callable names ({share:.1%})")
    assert share >= FLOOR, f"coverage {share:.1%} fell below {FLOOR:.0%}"


def _same_jax_as_the_doc() -> None:
    """The list was written against one JAX release; another may add or drop names."""
    written = re.search(r"\(JAX ([0-9.]+)\)", DOC.read_text())
    jax = pytest.importorskip("jax")
    if written is None or written.group(1) != jax.__version__:
        listed = written and written.group(1)
        pytest.skip(f"{DOC.name} lists JAX {listed}'s names; JAX {jax.__version__} is here")


def test_every_missing_name_is_documented_with_a_reason():
    _same_jax_as_the_doc()
    documented = _documented_missing()
    missing = [n for n in _callable_names() if not hasattr(fnp, n)]
    undocumented = [n for n in missing if not documented.get(n, "").strip()]
    assert not undocumented, f"missing from fnzero.numpy and from {DOC.name}: {undocumented}"


def test_the_list_of_missing_names_is_current():
    _same_jax_as_the_doc()
    stale = [n for n in _documented_missing() if hasattr(fnp, n)]
    assert not stale, f"{DOC.name} lists names fnzero.numpy now has: {stale}"

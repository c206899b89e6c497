"""Smoke test of benchmarks/linalg_grads.py: it runs to the end and every peer's gradient of the
solve, Cholesky and SVD losses equals fnzero's. No timing is asserted. JAX is left out (its
import and compiles would be most of the run); autograd is the peer checked here."""

from __future__ import annotations

import re

from benchmark_runs import run_script


def test_linalg_gradient_benchmark_quick_run_agrees_with_every_peer():
    proc = run_script(["-m", "benchmarks.linalg_grads", "--quick", "--no-jax"], OPENBLAS_NUM_THREADS="1")
    rows = {line[:24].strip(): line[24:] for line in proc.stdout.splitlines() if line[:24].strip()}
    assert {"fnzero", "fnzero jit", "numpy forward"} <= set(rows)
    checked = [
        n for n in rows if n not in ("numpy forward", "jax") and "skipped" not in rows[n] and "n =" not in n
    ]
    assert {"fnzero", "fnzero jit"} <= set(checked)
    for name in checked:
        diffs = [float(d) for d in re.findall(r"\[([0-9.e+-]+)\]", rows[name])]
        assert len(diffs) == 3 and max(diffs) < 1e-10, (name, rows[name])

"""Smoke test of benchmarks/core.py: it runs to the end, and fnzero computes the NumPy floor's
numbers on every workload. No timing is asserted (speed is the benchmark's business)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# float32 for the MLP step, float64 for the chain and Newton's method.
RTOL = {"chain": 1e-9, "mlp": 1e-4, "newton": 1e-9}


def test_core_benchmark_quick_run_matches_the_numpy_floor(tmp_path):
    results = tmp_path / "core.json"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    proc = subprocess.run(
        [sys.executable, "benchmarks/core.py", "--quick", "--only", "fnzero,floor", "--json", str(results)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tables = json.loads(results.read_text())["tables"]
    assert set(tables) == set(RTOL)
    for workload, rows in tables.items():
        assert set(rows) == {"floor", "fnzero"}, workload
        ours, floor = rows["fnzero"]["checksum"], rows["floor"]["checksum"]
        assert math.isfinite(floor) and floor != 0, workload
        assert math.isclose(ours, floor, rel_tol=RTOL[workload]), (workload, ours, floor)
    assert proc.stdout.count("target ") == 3


def test_vmap_benchmark_quick_run_agrees_with_the_loops():
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "benchmarks/vmap_bench.py", "--quick"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "per-example grads equal the loop: True; jacrev equals the row loop: True" in proc.stdout
    assert proc.stdout.count("target ") == 3

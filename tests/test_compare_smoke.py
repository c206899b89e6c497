"""Smoke test of benchmarks/compare.py's own workloads (cnn, lstm, hessian): it runs to the end,
and fnzero computes the hand-written NumPy floor's numbers. No timing is asserted."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# float32 training steps, float64 Hessian.
RTOL = {"cnn": 1e-4, "lstm": 1e-4, "hessian": 1e-9}


def test_compare_quick_run_matches_the_numpy_floor(tmp_path):
    results = tmp_path / "compare.json"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/compare.py",
            "--quick",
            "--only",
            "floor,fnzero",
            "--workloads",
            ",".join(RTOL),
            "--json",
            str(results),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
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

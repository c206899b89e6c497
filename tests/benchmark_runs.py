"""Running a benchmark script from a test: in a subprocess from the repository root, with
fnzero's checksums compared to the NumPy floor's (timings are never asserted)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_script(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """``python benchmarks/... args`` with the repository on PYTHONPATH; it must exit 0."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def assert_matches_floor(results: Path, rtol: dict[str, float]) -> None:
    """Every workload in the JSON ``results`` has fnzero's checksum within ``rtol`` of the floor's."""
    tables = json.loads(results.read_text())["tables"]
    assert set(tables) == set(rtol)
    for workload, rows in tables.items():
        assert set(rows) == {"floor", "fnzero"}, workload
        ours, floor = rows["fnzero"]["checksum"], rows["floor"]["checksum"]
        assert math.isfinite(floor) and floor != 0, workload
        assert math.isclose(ours, floor, rel_tol=rtol[workload]), (workload, ours, floor)

"""Running a benchmark script from a test: in a subprocess from the repository root, with
each implementation's checksums compared to the floor's (timings are never asserted)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_script(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """``python args`` (a script path, or ``-m module``) with the repository on PYTHONPATH;
    it must exit 0."""
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


def assert_matches_floor(results: Path, rtol: dict[str, float], names: set[str]) -> None:
    """Every workload in the JSON ``results`` has a row for each of ``names`` (and perhaps
    their variants, such as ``fnzero jacrev``), and each row's checksum is within ``rtol`` of
    the floor's."""
    tables = json.loads(results.read_text())["tables"]
    assert set(tables) == set(rtol)
    for workload, rows in tables.items():
        assert names <= set(rows) and all(r.split()[0] in names for r in rows), (workload, set(rows))
        floor = rows["floor"]["checksum"]
        assert math.isfinite(floor) and floor != 0, workload
        for name, row in rows.items():
            assert math.isclose(row["checksum"], floor, rel_tol=rtol[workload]), (workload, name, floor)


def run_quick(tmp_path: Path, rtol: dict[str, float], names: set[str], *args: str) -> str:
    """``python -m benchmarks.run --quick`` on the workloads of ``rtol`` and the implementations
    ``names``; asserts they agree with the floor and returns what it printed."""
    results = tmp_path / "results.json"
    only = ",".join(sorted(names))
    cmd = ["-m", "benchmarks.run", "--quick", "--only", only, "--workloads", ",".join(rtol), *args]
    proc = run_script([*cmd, "--json", str(results)])
    assert_matches_floor(results, rtol, names)
    assert "DIFFERS" not in proc.stdout
    return proc.stdout

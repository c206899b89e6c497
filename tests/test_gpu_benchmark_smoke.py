"""Smoke tests of benchmarks/gpu.py: without a GPU it says so and measures nothing; with
``--cpu`` its floor and fnzero run on NumPy and agree. No timing is asserted."""

from __future__ import annotations

import json
import math

import pytest
from benchmark_runs import run_script

from fnzero import backends

# float32 training steps (600 of them on a GPU), float64 chain.
RTOL = {"mlp_epoch": 1e-3, "cnn": 1e-3, "chain": 1e-7}


@pytest.mark.skipif("cupy" in backends.available(), reason="CuPy and a GPU are here")
def test_without_a_gpu_it_says_so_and_exits_cleanly():
    proc = run_script(["benchmarks/gpu.py"])
    assert "no GPU run here" in proc.stdout
    assert "Nothing was measured" in proc.stdout
    assert "median ms" not in proc.stdout


def test_cpu_check_run_matches_the_floor(tmp_path):
    results = tmp_path / "gpu.json"
    proc = run_script(
        [
            "benchmarks/gpu.py",
            "--cpu",
            "--quick",
            "--only",
            "floor,fnzero,fnzero-jit",
            "--json",
            str(results),
        ],
        OPENBLAS_NUM_THREADS="1",
    )
    tables = json.loads(results.read_text())["tables"]
    assert set(tables) == set(RTOL)
    for workload, rows in tables.items():
        assert set(rows) == {"floor", "fnzero", "fnzero-jit"}, workload
        floor = rows["floor"]["checksum"]
        assert math.isfinite(floor) and floor != 0, workload
        for name in ("fnzero", "fnzero-jit"):
            assert math.isclose(rows[name]["checksum"], floor, rel_tol=RTOL[workload]), (workload, name)
    assert "DIFFERS" not in proc.stdout
    assert proc.stdout.count("target ") == 8

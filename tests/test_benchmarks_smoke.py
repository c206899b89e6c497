"""Smoke tests of benchmarks/core.py, vmap_bench.py and scaling.py: they run to the end, and
fnzero computes the reference numbers. No timing is asserted (speed is the benchmarks' business)."""

from __future__ import annotations

from benchmark_runs import assert_matches_floor, run_script

# float32 for the MLP step, float64 for the chain and Newton's method.
RTOL = {"chain": 1e-9, "mlp": 1e-4, "newton": 1e-9}


def test_core_benchmark_quick_run_matches_the_numpy_floor(tmp_path):
    results = tmp_path / "core.json"
    proc = run_script(["benchmarks/core.py", "--quick", "--only", "fnzero,floor", "--json", str(results)])
    assert_matches_floor(results, RTOL)
    assert proc.stdout.count("target ") == 3


def test_vmap_benchmark_quick_run_agrees_with_the_loops():
    proc = run_script(["benchmarks/vmap_bench.py", "--quick"], OPENBLAS_NUM_THREADS="1")
    assert "per-example grads equal the loop: True; jacrev equals the row loop: True" in proc.stdout
    assert proc.stdout.count("target ") == 3


def test_scaling_sweep_quick_run_covers_every_size(tmp_path):
    proc = run_script(["benchmarks/scaling.py", "--quick", "--png", str(tmp_path / "scaling.png")])
    rows = [line.split() for line in proc.stdout.splitlines()]
    sizes = [int(r[0]) for r in rows if r and r[0].isdigit()]
    assert sizes == [1, 4, 16, 64, 256, 1024, 64, 256, 1024, 4096]
    medians = [(float(r[1]), float(r[2])) for r in rows if r and r[0].isdigit()]  # floor, fnzero
    assert all(0 < floor and 0 < ours for floor, ours in medians)  # times measured, not judged

"""Smoke tests of benchmarks/run.py on the scalar and MLP workloads, vmap_bench.py and
scaling.py: they run to the end, and fnzero computes the floor's numbers. No timing is
asserted (speed is the benchmarks' business)."""

from __future__ import annotations

from benchmark_runs import run_quick, run_script

# float64 for the chain and Newton's method, float32 for the MLP step.
RTOL = {"chain": 1e-9, "newton": 1e-9, "mlp": 1e-4}


def test_runner_quick_run_matches_the_floor(tmp_path):
    out = run_quick(tmp_path, RTOL, {"floor", "fnzero", "fnzero-jit"})
    assert out.count("target ") == 3  # chain, Newton, MLP step


def test_vmap_benchmark_quick_run_agrees_with_the_loops():
    proc = run_script(["-m", "benchmarks.vmap_bench", "--quick", "--no-peers"], OPENBLAS_NUM_THREADS="1")
    assert "per-example grads equal the loop: True; jacrev equals the row loop: True" in proc.stdout
    assert "bit for bit: True" in proc.stdout
    assert proc.stdout.count("target ") == 3


def test_scaling_sweep_quick_run_covers_every_size(tmp_path):
    proc = run_script(["-m", "benchmarks.scaling", "--quick", "--png", str(tmp_path / "scaling.png")])
    rows = [line.split() for line in proc.stdout.splitlines()]
    sizes = [int(r[0]) for r in rows if r and r[0].isdigit()]
    assert sizes == [1, 4, 16, 64, 256, 1024, 64, 256, 1024, 4096]
    medians = [(float(r[1]), float(r[2])) for r in rows if r and r[0].isdigit()]  # floor, fnzero
    assert all(0 < floor and 0 < ours for floor, ours in medians)  # times measured, not judged

"""Smoke test of benchmarks/compare.py's own workloads (cnn, lstm, hessian): it runs to the end,
and fnzero computes the hand-written NumPy floor's numbers. No timing is asserted."""

from __future__ import annotations

from benchmark_runs import assert_matches_floor, run_script

# float32 training steps, float64 Hessian.
RTOL = {"cnn": 1e-4, "lstm": 1e-4, "hessian": 1e-9}


def test_compare_quick_run_matches_the_numpy_floor(tmp_path):
    results = tmp_path / "compare.json"
    run_script(
        [
            "benchmarks/compare.py",
            "--quick",
            "--only",
            "floor,fnzero",
            "--workloads",
            ",".join(RTOL),
            "--json",
            str(results),
        ]
    )
    assert_matches_floor(results, RTOL)

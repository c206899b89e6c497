"""Smoke test of benchmarks/compare.py's own workloads (cnn, lstm, hessian, per_example): it
runs to the end, and fnzero computes the hand-written NumPy floor's numbers. No timing is
asserted."""

from __future__ import annotations

from benchmark_runs import assert_matches_floor, run_script

# float32 training steps and per-example gradients, float64 Hessian.
RTOL = {"cnn": 1e-4, "lstm": 1e-4, "hessian": 1e-9, "per_example": 1e-4}


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


def test_interleaved_run_prints_each_implementations_ratio_to_the_floor():
    out = run_script(["benchmarks/interleaved.py", "lstm", "--only", "floor,fnzero", "--rounds", "2"]).stdout
    rows = {f[0]: f for f in map(str.split, out.splitlines()) if f[:1] in (["floor"], ["fnzero"])}
    assert set(rows) == {"floor", "fnzero"}
    assert rows["floor"][3] == "1.000" and float(rows["fnzero"][3]) > 0
    assert "DIFFERS" not in out

"""Smoke tests of benchmarks/run.py on the CNN, LSTM, Hessian and per-example workloads, and of
interleaved.py: they run to the end, and fnzero computes the floor's numbers. No timing is
asserted."""

from __future__ import annotations

from benchmark_runs import run_quick, run_script

# float32 training steps and per-example gradients, float64 Hessian.
RTOL = {"cnn": 1e-4, "lstm": 1e-4, "hessian": 1e-9, "per_example": 1e-4}


def test_runner_quick_run_matches_the_floor(tmp_path):
    run_quick(tmp_path, RTOL, {"floor", "fnzero"})


def test_interleaved_run_prints_each_implementations_ratio_to_the_floor():
    out = run_script(
        ["-m", "benchmarks.interleaved", "lstm", "--only", "floor,fnzero", "--rounds", "2"]
    ).stdout
    rows = {f[0]: f for f in map(str.split, out.splitlines()) if f[:1] in (["floor"], ["fnzero"])}
    assert set(rows) == {"floor", "fnzero"}
    assert rows["floor"][3] == "1.000" and float(rows["fnzero"][3]) > 0
    assert "DIFFERS" not in out


# The workloads that replaced conv_bench.py, jacobian_bench.py and modules_bench.py.
MORE = {"conv": 1e-3, "pool": 1e-6, "rosenbrock": 1e-9, "jacfwd": 1e-9}


def test_runner_quick_run_of_the_derivative_workloads_matches_the_floor(tmp_path):
    out = run_quick(tmp_path, MORE, {"floor", "fnzero", "fnzero-jit"})
    assert "target rosenbrock Hessian" in out and "target jacfwd vs autograd" in out

"""Smoke tests of the GPU run (benchmarks/run.py --device gpu, and its alias gpu.py): without a
GPU it says so and measures nothing; the GPU's own workload, mlp_epoch, runs on the CPU, and
the floor, fnzero and fnzero.jit agree there (cnn and chain, the GPU's others, are checked on
the CPU by the other smoke tests). No timing is asserted."""

from __future__ import annotations

import pytest
from benchmark_runs import run_quick, run_script

from fnzero import backends

# float32, 3 training steps under --quick.
RTOL = {"mlp_epoch": 1e-3}


@pytest.mark.skipif("cupy" in backends.available(), reason="CuPy and a GPU are here")
def test_without_a_gpu_it_says_so_and_exits_cleanly():
    for cmd in (["-m", "benchmarks.run", "--device", "gpu"], ["benchmarks/gpu.py"]):
        out = run_script(cmd).stdout
        assert "no GPU run here" in out and "Nothing was measured" in out
        assert "median ms" not in out


def test_gpu_workloads_on_the_cpu_match_the_floor(tmp_path):
    out = run_quick(tmp_path, RTOL, {"floor", "fnzero", "fnzero-jit"}, "--device", "cpu")
    assert "target fnzero MLP epoch" in out and "target fnzero-jit MLP epoch" in out

"""Collectives under ``mpiexec -n 2`` against the same reductions done by hand; failures."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
from distributed_worker import ROOT, SEEDS, random_tree
from mpi_launch import WORKER, env, run

import fnzero as fz

N = 2


def _ranks(tmp_path, task: str, **extra: str) -> list[dict]:
    done = run(N, [str(WORKER), task, str(tmp_path)], **extra)
    assert done.returncode == 0, done.stdout + done.stderr
    return [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(N)]


def test_collectives_equal_the_reductions_done_by_hand(tmp_path):
    ranks = _ranks(tmp_path, "collectives")
    checked = 0
    for seed in SEEDS:
        inputs = [dict(fz.tree.flatten_with_path(random_tree(seed, r))) for r in range(N)]
        for path in inputs[0]:
            leaves = [x[path] for x in inputs]
            expected = {
                "psum": leaves[0] + leaves[1],
                "pmean": (leaves[0] + leaves[1]) / 2,
                "all_gather": np.stack(leaves),
                "broadcast": leaves[ROOT],
            }
            for name, want in expected.items():
                for result in ranks:
                    got = result[f"{seed}/{name}/{path}"]
                    assert got.shape == want.shape
                    if name != "pmean":
                        assert got.dtype == leaves[0].dtype
                    np.testing.assert_allclose(got, want, rtol=1e-6)
                    checked += 1
    assert checked >= len(SEEDS) * 4 * N


def test_mismatched_trees_raise_on_every_rank_and_the_world_goes_on(tmp_path):
    done = run(N, [str(WORKER), "mismatch", str(tmp_path)])
    assert done.returncode == 0, done.stderr
    for r in range(N):
        assert f"rank {r} caught: fnzero.distributed.psum: the ranks passed different trees" in done.stdout
        assert "float32[3]" in done.stdout and "float32[4]" in done.stdout
        np.testing.assert_array_equal(np.load(tmp_path / f"rank{r}.npz")["after"], [2.0, 2.0])


def test_a_rank_that_never_arrives_is_named_within_the_timeout(tmp_path):
    start = time.monotonic()
    done = run(N, [str(WORKER), "hang", str(tmp_path)], timeout=60, FNZERO_COLLECTIVE_TIMEOUT="2")
    assert time.monotonic() - start < 40
    assert done.returncode != 0
    assert "rank 0 of 2: psum (collective #1): rank 1 did not arrive within 2 s" in done.stderr


def test_a_rank_that_raises_stops_the_others_naming_itself(tmp_path):
    done = run(N, [str(WORKER), "fail", str(tmp_path)], timeout=60, FNZERO_COLLECTIVE_TIMEOUT="30")
    assert done.returncode != 0
    assert "rank 1 of 2: raised RuntimeError: rank one cannot go on; aborting all ranks" in done.stderr


NO_MPI4PY = """
import sys
sys.modules["mpi4py"] = None  # import mpi4py now fails, as when it is not installed
import numpy as np
import fnzero.distributed as dist
w = dist.init()
print(dist.rank(), dist.size())
x = {"a": np.arange(3.0)}
try:
    out = dist.psum(x)
    print("psum", out["a"].tolist(), dist.all_gather(x)["a"].shape)
except ImportError as e:
    print("ImportError:", e)
"""


@pytest.mark.parametrize("launcher", [{}, {"PMI_SIZE": "2", "PMI_RANK": "0"}])
def test_without_mpi4py_a_world_of_one(launcher):
    done = subprocess.run(
        [sys.executable, "-c", NO_MPI4PY], capture_output=True, text=True, env=env(**launcher), timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "0 1"
    if launcher:
        assert "started by an MPI launcher with 2 processes" in lines[1]
        assert 'pip install "fnzero[distributed]"' in lines[1]
    else:
        assert lines[1] == "psum [0.0, 1.0, 2.0] (1, 3)"

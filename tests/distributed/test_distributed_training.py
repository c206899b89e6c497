"""Data-parallel training under ``mpiexec -n 2`` against one process on the same global batches."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
from mpi_launch import WORKER, popen, run

import fnzero as fz
from fnzero import random
from fnzero import train as training


def _train_worker(tmp_path: Path, n: int) -> list[dict]:
    out = tmp_path / f"n{n}"
    out.mkdir()
    done = run(n, [str(WORKER), "train", str(out)])
    assert done.returncode == 0, done.stdout + done.stderr
    return [dict(np.load(out / f"rank{r}.npz")) for r in range(n)]


def test_two_processes_train_like_one_on_the_same_global_batches(tmp_path):
    two, one = _train_worker(tmp_path, 2), _train_worker(tmp_path, 1)[0]
    initial = training.build_model("mlp", (64,), 10, random.fold_in(random.key(0), 0))
    assert two[0]["differing_steps"] == 0 and two[1]["differing_steps"] == 0
    for path, start in fz.tree.flatten_with_path(initial):
        np.testing.assert_array_equal(two[0][path], two[1][path])
        np.testing.assert_allclose(two[0][path], one[path], rtol=1e-4, atol=1e-6)
        assert np.abs(one[path] - start).max() > 1e-3  # 50 steps moved every parameter


def _checkpoint_arrays(folder: Path) -> dict:
    with np.load(folder / "checkpoint.npz") as f:
        return {k: f[k] for k in f.files}


def _fnzero_train(n: int, out: Path, epochs: int, *flags: str):
    done = run(n, ["-m", "fnzero", "train", "--epochs", str(epochs), "--out", str(out), "--quiet", *flags])
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_two_process_checkpoint_resumes_in_one_process(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _fnzero_train(2, a, 1)
    shutil.copytree(a, b)
    _fnzero_train(2, a, 2, "--resume")
    _fnzero_train(1, b, 2, "--resume")
    two, one = _checkpoint_arrays(a), _checkpoint_arrays(b)
    assert two.keys() == one.keys() and len(two) > 3
    for k in two:
        if k.startswith("model") or k.startswith("opt"):
            np.testing.assert_allclose(one[k], two[k], rtol=1e-4, atol=1e-6, err_msg=k)
    assert int(one["epoch"]) == int(two["epoch"]) == 2


def _rank_pid(marker: str, rank: int) -> int:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        ranks = {f"PMI_RANK={rank}".encode(), f"OMPI_COMM_WORLD_RANK={rank}".encode()}  # MPICH, Open MPI
        if f"FNZERO_TEST_RUN={marker}".encode() in environ and ranks & set(environ):
            return int(entry)
    raise AssertionError(f"no process of rank {rank} found")


def test_a_killed_rank_stops_the_run_and_leaves_a_loadable_checkpoint(tmp_path):
    marker = uuid.uuid4().hex
    args = ["-m", "fnzero", "train", "--epochs", "500", "--out", str(tmp_path), "--quiet"]
    job = popen(2, args, FNZERO_TEST_RUN=marker, FNZERO_COLLECTIVE_TIMEOUT="10")
    try:
        deadline = time.monotonic() + 90
        while not (tmp_path / "checkpoint.npz").exists():
            assert job.poll() is None and time.monotonic() < deadline, "no checkpoint was written"
            time.sleep(0.1)
        victim = _rank_pid(marker, 1)
        os.kill(victim, signal.SIGKILL)
        output, _ = job.communicate(timeout=30)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode != 0
    # Either the survivor's deadline names rank 1, or the launcher names its PID and rank 1's
    # start-up line maps that PID to the rank.
    named_by_pid = f"PID {victim}" in output and f"rank 1 of 2 is PID {victim}" in output
    assert named_by_pid or "rank 1 did not arrive" in output, output
    record = training.read_run(str(tmp_path / "checkpoint.npz"))
    assert record["epoch"] >= 1 and len(record["history"]) == record["epoch"]


def test_ranks_started_with_different_flags_fail_at_once_naming_them(tmp_path):
    from mpi_launch import env, mpiexec

    def rank(epochs: str) -> list[str]:
        return [
            "-n",
            "1",
            sys.executable,
            "-m",
            "fnzero",
            "train",
            "--epochs",
            epochs,
            "--out",
            str(tmp_path),
        ]

    # A collective timeout far beyond the subprocess's: waiting for it would fail the test.
    done = subprocess.run(
        [mpiexec(), *rank("1"), ":", *rank("2")],
        capture_output=True,
        text=True,
        env=env(FNZERO_COLLECTIVE_TIMEOUT="3600"),
        timeout=120,
    )
    assert done.returncode != 0
    assert "different flags" in done.stderr and "--epochs: rank 0: 1, rank 1: 2" in done.stderr
    assert done.stderr.count("different flags") == 1 and "Traceback" not in done.stderr

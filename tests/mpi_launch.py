"""Starting a test worker under ``mpiexec -n N`` (skipping when mpi4py or mpiexec is missing)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "distributed_worker.py"


def mpiexec() -> str:
    """The mpiexec beside this Python (the one mpi4py's MPI came with), else the one on PATH."""
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip('mpi4py is not installed (pip install -e ".[distributed]")')
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec: install the mpich wheel (fnzero[distributed]) or a system MPI")
    return found


def env(**extra: str) -> dict[str, str]:
    """The environment for workers: this checkout importable, one BLAS thread per process."""
    e = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    e.update(extra)
    return e


def run(n: int, args: list[str], timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
    """``args`` (after ``python``) in ``n`` processes under mpiexec; n=1 runs without a launcher."""
    command = [sys.executable, *args] if n == 1 else [mpiexec(), "-n", str(n), sys.executable, *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=env(**extra), timeout=timeout, cwd=ROOT
    )


def popen(n: int, args: list[str], **extra: str) -> subprocess.Popen:
    """Like :func:`run`, but returns at once."""
    command = [mpiexec(), "-n", str(n), sys.executable, *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env(**extra), cwd=ROOT
    )

"""The process group: who we are (rank) and how many we are (size), from the MPI launcher.

A process started without a launcher (or without mpi4py) is a world of one, where every
collective is the identity: code written for many processes runs unchanged on one.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import attrs

INSTALL_HINT = 'pip install "fnzero[distributed]" (mpi4py and the mpich wheel)'
DEFAULT_TIMEOUT = 300.0
# MPI_Abort tears the job down at once; the launcher forwards a rank's stderr only if given a moment.
_FORWARD_SECONDS = 0.5

# Variables that MPI launchers set in every process they start: MPICH/Intel MPI (hydra),
# Open MPI, MVAPICH, and PMIx-based launchers (srun, prterun).
_LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
_LAUNCHER_VARS = (*_LAUNCHER_SIZE_VARS, "PMIX_RANK")


@attrs.define
class World:
    """The state behind :func:`rank` / :func:`size`; ``comm`` is an mpi4py communicator or None."""

    rank: int = 0
    size: int = 1
    comm: Any = None
    timeout: float = DEFAULT_TIMEOUT
    launched_size: int = 1  # what the launcher asked for, even when mpi4py is missing
    calls: int = 0  # collectives so far: a tag that keeps consecutive calls apart


_world: World | None = None


def launcher_size() -> int:
    """How many processes the MPI launcher started (1 when there is no launcher; 0 if unknown)."""
    for var in _LAUNCHER_SIZE_VARS:
        if var in os.environ:
            return int(os.environ[var])
    return 0 if "PMIX_RANK" in os.environ else 1


def init(comm: Any = None, timeout: float | None = None) -> World:
    """Join the process group the MPI launcher started (``mpiexec -n N ...``).

    ``comm`` is an mpi4py communicator (default ``COMM_WORLD``). ``timeout`` (seconds; default
    ``$FNZERO_COLLECTIVE_TIMEOUT`` or 300) bounds how long a collective waits for the other
    ranks before it names the missing ones and aborts the job. Without a launcher, or without
    mpi4py, this is a world of one. Calling it again returns the same world.
    """
    global _world
    if _world is not None:
        return _world
    if timeout is None:
        timeout = float(os.environ.get("FNZERO_COLLECTIVE_TIMEOUT", DEFAULT_TIMEOUT))
    if timeout <= 0:
        raise ValueError(f"fnzero.distributed.init: timeout must be positive, got {timeout}")
    launched = launcher_size()
    if comm is None and launched == 1:
        _world = World(timeout=timeout)
        return _world
    try:
        from mpi4py import MPI
    except ImportError:
        _world = World(timeout=timeout, launched_size=max(launched, 2))
        return _world
    comm = MPI.COMM_WORLD if comm is None else comm
    _world = World(comm.Get_rank(), comm.Get_size(), comm, timeout, comm.Get_size())
    if _world.size > 1:
        _install_excepthook(_world)
    return _world


def world() -> World:
    """The current world (initialising it on first use)."""
    return init() if _world is None else _world


def rank() -> int:
    """This process's index in the group, 0 ... size() - 1."""
    return world().rank


def size() -> int:
    """How many processes take part."""
    return world().size


def abort(message: str, code: int = 1) -> None:
    """Print ``message`` naming this rank and stop every rank (``MPI_Abort``): no rank is left waiting."""
    w = world()
    sys.stderr.write(f"fnzero.distributed: rank {w.rank} of {w.size}: {message}\n")
    sys.stderr.flush()
    if w.comm is not None and w.size > 1:
        time.sleep(_FORWARD_SECONDS)
        w.comm.Abort(code)
    raise SystemExit(code)


def _install_excepthook(w: World) -> None:
    """An uncaught exception on one rank aborts all of them instead of leaving them waiting."""
    previous = sys.excepthook

    def hook(kind, value, tb):
        previous(kind, value, tb)
        abort(f"raised {kind.__name__}: {value}; aborting all ranks")

    sys.excepthook = hook

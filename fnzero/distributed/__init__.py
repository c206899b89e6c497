"""Data-parallel training across processes: JAX's collectives on pytrees over MPI (and NCCL).

Start the processes with an MPI launcher (``mpiexec -n 4 fnzero train``); each calls
:func:`init`, reads its :func:`rank` and :func:`size`, and combines values with :func:`psum`,
:func:`pmean`, :func:`all_gather` and :func:`broadcast`. NumPy trees travel over MPI
(mpi4py), CuPy trees over NCCL (untested). Without a launcher, or without mpi4py, a process
is a world of one and the collectives are the identity. Install: ``pip install
"fnzero[distributed]"``.
"""

from fnzero.distributed.agreement import ConfigMismatchError, check_same_config
from fnzero.distributed.collectives import TreeMismatchError, all_gather, broadcast, pmean, psum
from fnzero.distributed.failure import abort_on_error
from fnzero.distributed.process_group import World, abort, init, rank, size, world

__all__ = [
    "init",
    "rank",
    "size",
    "world",
    "World",
    "psum",
    "pmean",
    "all_gather",
    "broadcast",
    "abort",
    "abort_on_error",
    "TreeMismatchError",
    "check_same_config",
    "ConfigMismatchError",
]

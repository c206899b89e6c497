"""JAX's collectives on whole pytrees across the processes of the world.

Each call packs the tree into one buffer per dtype, checks that every rank passed the same
structure, shapes and dtypes (a mismatch is an error on every rank, never a wrong sum), and
moves the buffers with one nonblocking MPI call each, waited on with a deadline. CuPy trees
go over NCCL instead (see :mod:`fnzero.distributed.nccl`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero import tree
from fnzero.distributed import nccl
from fnzero.distributed.failure import wait
from fnzero.distributed.packing import Packed, pack, unpack
from fnzero.distributed.process_group import INSTALL_HINT, World, world


class TreeMismatchError(ValueError):
    """Ranks passed trees of different structure, shapes or dtypes to the same collective."""


def psum(x: Any) -> Any:
    """The elementwise sum of ``x`` over all ranks, on every rank."""
    w, packed = _begin("psum", x)
    if w.size == 1:
        return x
    return unpack(packed, {k: _allreduce(w, packed, b) for k, b in packed.buffers.items()})


def pmean(x: Any) -> Any:
    """The elementwise mean of ``x`` over all ranks, on every rank (floats keep their dtype)."""
    n = world().size
    total = psum(x)
    if n == 1:
        return total
    return tree.map(lambda a: a / a.dtype.type(n) if _is_float(a) else a / n, total)


def all_gather(x: Any) -> Any:
    """Every rank's ``x`` stacked along a new leading axis (rank order), on every rank."""
    w, packed = _begin("all_gather", x)
    if w.size == 1:
        return tree.map(lambda a: packed.xp.asarray(a)[None], x)
    out = {k: _allgather(w, packed, b).reshape(w.size, -1) for k, b in packed.buffers.items()}
    return unpack(packed, out, lead=(w.size,))


def broadcast(x: Any, root: int = 0) -> Any:
    """Rank ``root``'s ``x`` on every rank (the others' values only fix structure and shapes)."""
    w = world()
    if not 0 <= root < max(w.size, 1):
        raise ValueError(f"fnzero.distributed.broadcast: root {root} is not a rank of a world of {w.size}")
    w, packed = _begin(f"broadcast(root={root})", x)
    if w.size == 1:
        return x
    return unpack(packed, {k: _bcast(w, packed, b, root) for k, b in packed.buffers.items()})


def _begin(op: str, x: Any) -> tuple[World, Packed]:
    w = world()
    if w.comm is None and w.launched_size > 1:
        raise ImportError(
            f"fnzero.distributed.{op.split('(')[0]}: this process was started by an MPI launcher "
            f"with {w.launched_size} processes, but mpi4py is not installed: {INSTALL_HINT}"
        )
    packed = pack(x)
    if w.size > 1:
        _check_same_tree(w, op, packed)
    return w, packed


def _check_same_tree(w: World, op: str, packed: Packed) -> None:
    """Every rank sends its signature to every other: arrival and agreement in one exchange."""
    w.calls += 1
    tag = w.calls % 32000
    mine = np.frombuffer(packed.signature(op), np.uint8)
    peers = [p for p in range(w.size) if p != w.rank]
    theirs = {p: np.empty_like(mine) for p in peers}
    requests = [w.comm.Irecv(theirs[p], source=p, tag=tag) for p in peers]
    requests += [w.comm.Isend(mine, dest=p, tag=tag) for p in peers]
    wait(w, requests, f"{op} (collective #{w.calls})", peers + peers)
    if all(np.array_equal(theirs[p], mine) for p in peers):
        return
    descriptions = w.comm.allgather(f"{op} on {packed.describe()}")
    lines = "\n".join(f"  rank {r}: {d}" for r, d in enumerate(descriptions))
    raise TreeMismatchError(f"fnzero.distributed.{op}: the ranks passed different trees:\n{lines}")


def _allreduce(w: World, packed: Packed, buf: Any) -> Any:
    if packed.xp is not np:
        return nccl.allreduce(w, buf)
    from mpi4py import MPI

    out = np.empty_like(buf)
    wait(w, [w.comm.Iallreduce(buf, out, op=MPI.SUM)], "psum")
    return out


def _allgather(w: World, packed: Packed, buf: Any) -> Any:
    if packed.xp is not np:
        return nccl.allgather(w, buf)
    out = np.empty(w.size * buf.size, buf.dtype)
    wait(w, [w.comm.Iallgather(buf, out)], "all_gather")
    return out


def _bcast(w: World, packed: Packed, buf: Any, root: int) -> Any:
    if packed.xp is not np:
        return nccl.broadcast(w, buf, root)
    out = np.array(buf, copy=True)
    wait(w, [w.comm.Ibcast(out, root=root)], "broadcast")
    return out


def _is_float(a: Any) -> bool:
    return a.dtype.kind in "fc"

"""Collectives on CuPy buffers over NCCL, the communicator bootstrapped through MPI.

UNTESTED: written against ``cupy.cuda.nccl`` without a GPU to run it on. Rank 0 makes the
NCCL unique id, MPI broadcasts it, and every rank builds an ``NcclCommunicator`` on its
device (``rank % device count``). Arrival and tree agreement are still checked over MPI
before each call (so a missing rank is named); the NCCL call itself has no deadline.
"""

from __future__ import annotations

from typing import Any

from fnzero.distributed.process_group import World

_communicators: dict[int, Any] = {}

_NCCL_DTYPES = {
    "float16": "NCCL_FLOAT16",
    "float32": "NCCL_FLOAT32",
    "float64": "NCCL_FLOAT64",
    "int8": "NCCL_INT8",
    "uint8": "NCCL_UINT8",
    "int32": "NCCL_INT32",
    "uint32": "NCCL_UINT32",
    "int64": "NCCL_INT64",
    "uint64": "NCCL_UINT64",
}


def communicator(w: World) -> Any:
    """This rank's NCCL communicator (made once per world, collectively over MPI)."""
    if id(w) not in _communicators:
        import cupy
        from cupy.cuda import nccl

        cupy.cuda.Device(w.rank % cupy.cuda.runtime.getDeviceCount()).use()
        uid = nccl.get_unique_id() if w.rank == 0 else None
        uid = w.comm.bcast(uid, root=0)
        _communicators[id(w)] = nccl.NcclCommunicator(w.size, uid, w.rank)
    return _communicators[id(w)]


def _dtype(buf: Any) -> int:
    from cupy.cuda import nccl

    if buf.dtype.name not in _NCCL_DTYPES:
        raise TypeError(f"fnzero.distributed: NCCL cannot reduce dtype {buf.dtype.name}")
    return getattr(nccl, _NCCL_DTYPES[buf.dtype.name])


def allreduce(w: World, buf: Any) -> Any:
    """Sum of ``buf`` over the ranks (UNTESTED)."""
    import cupy
    from cupy.cuda import nccl

    out = cupy.empty_like(buf)
    stream = cupy.cuda.get_current_stream()
    communicator(w).allReduce(buf.data.ptr, out.data.ptr, buf.size, _dtype(buf), nccl.NCCL_SUM, stream.ptr)
    return out


def allgather(w: World, buf: Any) -> Any:
    """The ranks' ``buf`` concatenated in rank order (UNTESTED)."""
    import cupy

    out = cupy.empty(w.size * buf.size, buf.dtype)
    stream = cupy.cuda.get_current_stream()
    communicator(w).allGather(buf.data.ptr, out.data.ptr, buf.size, _dtype(buf), stream.ptr)
    return out


def broadcast(w: World, buf: Any, root: int) -> Any:
    """Rank ``root``'s ``buf`` on every rank (UNTESTED)."""
    import cupy

    out = buf.copy()
    stream = cupy.cuda.get_current_stream()
    communicator(w).broadcast(out.data.ptr, out.data.ptr, buf.size, _dtype(buf), root, stream.ptr)
    return out

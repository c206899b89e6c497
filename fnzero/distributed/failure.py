"""Waiting with a deadline: a rank that died, raised or hangs is named, and the job stops."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from typing import Any

from fnzero.distributed.process_group import World, abort

# MPI moves a large message only while some call (here Test) drives it: sleeping between
# tests made a 3 MB allreduce 6x slower. So spin (yielding the core to whoever needs it) for a
# while, then poll slowly: a wait that long is a straggler, not a transfer.
_SPIN_SECONDS = 0.05
_POLL_SECONDS = 0.001


def wait(w: World, requests: list[Any], what: str, peers: list[int] | None = None) -> None:
    """Complete nonblocking MPI ``requests`` within ``w.timeout`` seconds, else abort the job.

    When ``peers[i]`` is the rank that ``requests[i]`` waits for, the message names the ranks
    that never arrived.
    """
    start = time.monotonic()
    deadline = start + w.timeout
    done = [False] * len(requests)
    while True:
        for i, request in enumerate(requests):
            if not done[i]:
                done[i] = request.Test()
        if all(done):
            return
        if time.monotonic() > deadline:
            if peers is None:
                missing = "another rank"
            else:
                late = sorted({p for p, d in zip(peers, done) if not d})
                missing = "rank " + ", ".join(map(str, late))
            abort(
                f"{what}: {missing} did not arrive within {w.timeout:g} s (it died, raised or is stuck); "
                "aborting all ranks"
            )
        if time.monotonic() - start < _SPIN_SECONDS:
            os.sched_yield()
        else:
            time.sleep(_POLL_SECONDS)


@contextlib.contextmanager
def abort_on_error(w: World) -> Iterator[None]:
    """Inside this block, an exception on one rank stops all ranks with a message naming it.

    Without it, a rank that raises and exits cleanly would leave the others waiting until
    their collective's timeout. In a world of one, exceptions pass through unchanged.
    """
    try:
        yield
    except BaseException as e:
        if w.size > 1 and not isinstance(e, SystemExit):
            abort(f"raised {type(e).__name__}: {e}; aborting all ranks")
        raise

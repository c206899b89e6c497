"""Waiting with a deadline: a rank that died, raised or hangs is named, and the job stops."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from fnzero.distributed.world import World, abort

_POLL_SECONDS = 0.0005


def wait(w: World, requests: list[Any], what: str, peers: list[int] | None = None) -> None:
    """Complete nonblocking MPI ``requests`` within ``w.timeout`` seconds, else abort the job.

    When ``peers[i]`` is the rank that ``requests[i]`` waits for, the message names the ranks
    that never arrived.
    """
    deadline = time.monotonic() + w.timeout
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

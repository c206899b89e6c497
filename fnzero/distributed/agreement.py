"""Checking at start that every rank was started with the same run configuration.

Ranks started with different flags (``--epochs 1`` on one, ``--epochs 2`` on another) would
otherwise run different numbers of collectives, and the one left waiting would only learn it
at the collective timeout. One ``all_gather`` of a digest settles it at once; on a mismatch a
second exchange brings every rank's configuration, so the error names the differing keys.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from fnzero.distributed.collectives import all_gather
from fnzero.distributed.process_group import world


class ConfigMismatchError(ValueError):
    """The ranks were started with different configurations (raised on every rank alike)."""


def check_same_config(config: dict[str, Any], what: str = "configuration") -> None:
    """Raise :class:`ConfigMismatchError` on every rank unless all ranks passed an equal ``config``.

    ``config`` maps names (e.g. command-line flags) to JSON-serialisable values. In a world of
    one this returns at once.
    """
    if world().size == 1:
        return
    encoded = json.dumps(config, sort_keys=True, default=repr).encode()
    digest = np.frombuffer(hashlib.sha256(encoded).digest(), np.uint8)
    digests = np.asarray(all_gather(digest))
    if (digests == digests[0]).all():
        return
    configs = _gather_bytes(encoded)
    keys = sorted({k for c in configs for k in c})
    lines = [f"the ranks were started with different {what}:"]
    for key in keys:
        values = [c.get(key, "(absent)") for c in configs]
        if any(v != values[0] for v in values):
            lines.append(f"  {key}: " + ", ".join(f"rank {r}: {v}" for r, v in enumerate(values)))
    raise ConfigMismatchError("\n".join(lines))


def _gather_bytes(encoded: bytes) -> list[dict[str, Any]]:
    lengths = np.asarray(all_gather(np.asarray([len(encoded)], np.int64)))[:, 0]
    padded = np.zeros(int(lengths.max()), np.uint8)
    padded[: len(encoded)] = np.frombuffer(encoded, np.uint8)
    rows = np.asarray(all_gather(padded))
    return [json.loads(bytes(row[:n]).decode()) for row, n in zip(rows, lengths)]

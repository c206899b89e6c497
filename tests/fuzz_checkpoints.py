"""Measure how fnzero.save / fnzero.load face damage (run by hand, not by pytest).

``python tests/fuzz_checkpoints.py [N]`` corrupts a saved checkpoint N ways (flip, truncate,
insert bytes) and counts what ``load`` did with each: the saved values, the documented
ValueError, another exception (an escape) or different values (a silent wrong answer).
Then it kills processes in the middle of ``save`` and counts the temporaries left behind.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import sys
import tempfile
import time

import numpy as np

import fnzero as fz


def _template():
    rng = np.random.default_rng(0)
    return {
        "model": {"W": rng.normal(size=(16, 8)).astype(np.float32), "b": np.zeros(8, np.float32)},
        "opt": {"count": np.array(7, np.int64), "m": [rng.normal(size=(8,))]},
        "epoch": 3,
        "lr": 0.5,
    }


def _same(a, b) -> bool:
    la, lb = fz.tree.leaves(a), fz.tree.leaves(b)
    return fz.tree.structure(a) == fz.tree.structure(b) and all(
        type(x) is type(y) and np.array_equal(np.asarray(x), np.asarray(y)) and np.shape(x) == np.shape(y)
        for x, y in zip(la, lb)
    )


def corrupt(data: bytes, rng: random.Random) -> bytes:
    """One random flip, truncation or insertion."""
    kind = rng.choice(["flip", "flip", "bits", "truncate", "insert", "overwrite"])
    b = bytearray(data)
    i = rng.randrange(len(b))
    if kind == "flip":
        b[i] = (b[i] + rng.randrange(1, 256)) % 256
    elif kind == "bits":
        b[i] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        del b[i:]
    elif kind == "insert":
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
    else:
        n = rng.randrange(1, 9)
        b[i : i + n] = bytes(rng.randrange(256) for _ in range(n))
    return bytes(b)


def fuzz_load(n: int, seed: int = 0) -> collections.Counter:
    rng = random.Random(seed)
    template = _template()
    counts: collections.Counter = collections.Counter()
    with tempfile.TemporaryDirectory() as d:
        good = os.path.join(d, "good.npz")
        fz.save(good, template)
        data = open(good, "rb").read()
        bad = os.path.join(d, "bad.npz")
        for _ in range(n):
            with open(bad, "wb") as f:
                f.write(corrupt(data, rng))
            for like in (template, None):
                try:
                    back = fz.load(bad, like=like)
                except ValueError as e:
                    counts["ValueError" if bad in str(e) else "ValueError without the file name"] += 1
                    continue
                except Exception as e:  # noqa: BLE001 - counting what escapes is the point
                    counts[f"escape: {type(e).__name__}"] += 1
                    continue
                expected = template if like is not None else fz.load(good)
                counts["same values" if _same(back, expected) else "WRONG VALUES"] += 1
    return counts


def kill_during_save(kills: int, seed: int = 0) -> tuple[int, int]:
    """(kills that left a temporary, kills after which one remained past the next save,
    temporaries in the folder at the end)."""
    rng = random.Random(seed)
    tree = {"W": np.random.default_rng(0).normal(size=(256, 256))}
    left_by_kill = left_after_save = 0
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ckpt.npz")
        fz.save(path, tree)
        for _ in range(kills):
            pid = os.fork()
            if pid == 0:
                try:
                    while True:
                        fz.save(path, tree)
                finally:
                    os._exit(0)
            time.sleep(rng.uniform(0.005, 0.2))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            left_by_kill += any(name.endswith(".tmp") for name in os.listdir(d))
            fz.save(path, tree)
            left_after_save += any(name.endswith(".tmp") for name in os.listdir(d))
            assert np.array_equal(fz.load(path)["W"], tree["W"])
        at_end = sum(name.endswith(".tmp") for name in os.listdir(d))
    return left_by_kill, left_after_save, at_end


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    counts = fuzz_load(n)
    print(f"load of {n} corrupted files, each with and without a template ({2 * n} loads):")
    for outcome, count in counts.most_common():
        print(f"  {count:5d}  {outcome}")
    kills = 20
    by_kill, after, at_end = kill_during_save(kills)
    print(
        f"{kills} kills during save: {by_kill} left a temporary, {after} still had one after the next "
        f"save, {at_end} temporaries in the folder at the end"
    )

"""Checkpoints: round trips, template checks, clear errors and atomic writes."""

from __future__ import annotations

import collections
import os
import random
import signal
import stat
import time

import numpy as np
import pytest

import fnzero as fz
from fnzero import io

Pair = collections.namedtuple("Pair", "W b")


def _tree(xp=np):
    return {
        "layers": [Pair(xp.ones((2, 3), np.float32), xp.zeros(3, np.float32)), Pair(xp.eye(3), None)],
        "opt": {"count": np.array(7, np.int64), "m": [xp.full((2,), 0.5, np.float16)]},
        "step": 25,
    }


def test_round_trip_with_template(tmp_path, backend):
    t = _tree(backend.xp)
    io.save(tmp_path / "ckpt.npz", t)
    back = io.load(tmp_path / "ckpt.npz", like=t)
    assert fz.tree.structure(back) == fz.tree.structure(t)
    assert back["step"] == 25 and isinstance(back["step"], int)
    for a, b in zip(fz.tree.leaves(t), fz.tree.leaves(back)):
        if hasattr(a, "dtype"):
            assert type(b) is type(a) and b.dtype == a.dtype
            np.testing.assert_array_equal(backend.to_host(b), backend.to_host(a))


def test_without_template_gives_nested_dicts_keyed_by_path(tmp_path):
    io.save(tmp_path / "c.npz", _tree())
    back = io.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(back["layers"]["0"]["W"], np.ones((2, 3)))
    assert back["step"] == 25 and back["opt"]["m"]["0"].dtype == np.float16
    assert "b" not in back["layers"]["1"]  # None is a node with no leaves


def test_single_array_round_trip(tmp_path):
    io.save(tmp_path / "a.npz", np.arange(4.0))
    np.testing.assert_array_equal(io.load(tmp_path / "a.npz"), np.arange(4.0))


def test_mismatched_template_lists_every_problem(tmp_path):
    io.save(tmp_path / "c.npz", {"W": np.ones((2, 3)), "b": np.zeros(3), "old": np.zeros(1)})
    template = {"W": np.ones((3, 3)), "b": np.zeros(3, np.float32), "new": np.zeros(2)}
    with pytest.raises(ValueError) as info:
        io.load(tmp_path / "c.npz", like=template)
    message = str(info.value)
    for words in (
        "missing from the file: new",
        "not in the template: old",
        "W: file has float64[2, 3]",
        "b: file has float64[3], template has float32[3]",
    ):
        assert words in message


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", None])
def test_unreadable_files_give_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.npz"
    if content is None:  # a real checkpoint cut short
        io.save(path, {"W": np.random.default_rng(0).normal(size=(50, 50))})
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        io.load(path)


def test_plain_npz_is_not_a_checkpoint(tmp_path):
    np.savez(tmp_path / "plain.npz", W=np.ones(2))
    with pytest.raises(ValueError, match="not an fnzero checkpoint"):
        io.load(tmp_path / "plain.npz")


def test_non_array_leaf_is_refused(tmp_path):
    with pytest.raises(TypeError, match="'name'"):
        io.save(tmp_path / "c.npz", {"name": "mlp"})
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_interrupted_save_leaves_the_old_checkpoint(tmp_path, monkeypatch, error):
    path = tmp_path / "ckpt.npz"
    io.save(path, {"W": np.ones(3)})

    def broken(f, array, **kwargs):
        f.write(b"PK\x03\x04 partial bytes")
        raise error

    monkeypatch.setattr(np.lib.format, "write_array", broken)
    with pytest.raises(type(error)):
        io.save(path, {"W": np.zeros(3)})
    monkeypatch.undo()
    np.testing.assert_array_equal(io.load(path)["W"], np.ones(3))
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]


# -- interrupted saves and their temporaries ---------------------------------------------


def _temporaries(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_saves_killed_at_random_moments_leave_no_stale_temporary(tmp_path):
    rng = random.Random(0)
    path = tmp_path / "ckpt.npz"
    old = {"W": np.random.default_rng(0).normal(size=(128, 128))}
    io.save(path, old)
    left_by_kills = 0
    for _ in range(20):
        pid = os.fork()
        if pid == 0:  # the child saves over and over until it is killed
            try:
                while True:
                    io.save(path, old)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.001, 0.04))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        left_by_kills += bool(_temporaries(tmp_path))
        np.testing.assert_array_equal(io.load(path, like=old)["W"], old["W"])
        io.save(path, old)
        assert _temporaries(tmp_path) == []
        np.testing.assert_array_equal(io.load(path, like=old)["W"], old["W"])
    assert left_by_kills > 0  # the kills did land mid-save, so the cleaning was exercised


def _dead_pid():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_only_temporaries_of_dead_or_idle_writers_are_removed(tmp_path):
    host = io._host_tag()
    old = time.time() - io.STALE_TEMPORARY_AGE_S - 10
    names = {
        f".ckpt.npz.{host}.{os.getpid()}.abc123.tmp": (None, True),  # a live writer (us)
        f".ckpt.npz.{host}.{_dead_pid()}.abc123.tmp": (None, False),  # its writer died
        f".ckpt.npz.otherhost.{os.getpid()}.abc123.tmp": (None, True),  # another host, busy
        ".ckpt.npz.otherhost.12345.abc123.tmp": (old, False),  # another host, idle an hour
        ".ckpt.npz.k3j_x9qa.tmp": (None, True),  # the older naming, fresh
        ".ckpt.npz.q8w7e6r5.tmp": (old, False),  # the older naming, idle
        f".other.npz.{host}.{_dead_pid()}.abc123.tmp": (None, True),  # another target's
    }
    for name, (mtime, _) in names.items():
        (tmp_path / name).write_bytes(b"partial")
        if mtime is not None:
            os.utime(tmp_path / name, (mtime, mtime))
    io.save(tmp_path / "ckpt.npz", {"W": np.ones(2)})
    kept = {name for name, (_, stays) in names.items() if stays}
    assert set(_temporaries(tmp_path)) == kept


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_checkpoints_follow_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        io.save(tmp_path / "c.npz", {"W": np.ones(2)})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "c.npz").st_mode) == 0o666 & ~umask

"""Checkpoints under damage: every corrupted or crafted file is refused with a ValueError
naming it (never another exception, never different values), before costly reads."""

from __future__ import annotations

import io as pyio
import json
import os
import tempfile
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fnzero as fz
from fnzero import io

TEMPLATE = {
    "model": {"W": np.arange(24, dtype=np.float32).reshape(4, 6), "b": np.full(6, 0.5, np.float32)},
    "opt": {"count": np.array(7, np.int64), "m": [np.linspace(-1, 1, 5)]},
    "epoch": 3,
    "lr": 0.25,
}


def _saved_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        fz.save(os.path.join(d, "c.npz"), TEMPLATE)
        with open(os.path.join(d, "c.npz"), "rb") as f:
            return f.read()


SAVED = _saved_bytes()


def _same(a, b) -> bool:
    if fz.tree.structure(a) != fz.tree.structure(b):
        return False
    return all(
        type(x) is type(y) and np.shape(x) == np.shape(y) and np.array_equal(x, y)
        for x, y in zip(fz.tree.leaves(a), fz.tree.leaves(b))
    )


_edit = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(SAVED) - 1), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, len(SAVED) - 1), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, len(SAVED)), st.integers(0, 255)),
)


def _apply(data: bytes, edits) -> bytes:
    b = bytearray(data)
    for kind, at, value in edits:
        at = min(at, len(b))
        if kind == "flip" and at < len(b):
            b[at] ^= value
        elif kind == "truncate":
            del b[at:]
        elif kind == "insert":
            b[at:at] = bytes([value])
    return bytes(b)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_edit, min_size=1, max_size=3))
def test_a_damaged_checkpoint_loads_intact_or_raises_value_error(edits):
    damaged = _apply(SAVED, edits)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "damaged.npz")
        with open(path, "wb") as f:
            f.write(damaged)
        for like in (TEMPLATE, None):
            try:
                back = fz.load(path, like=like)
            except ValueError as e:
                assert path in str(e)
                continue
            expected = TEMPLATE if like is not None else _nested(TEMPLATE)
            assert _same(back, expected), f"damage {edits} gave different values"


def _nested(t):
    return {
        "model": {"W": t["model"]["W"], "b": t["model"]["b"]},
        "opt": {"count": t["opt"]["count"], "m": {"0": t["opt"]["m"][0]}},
        "epoch": np.asarray(t["epoch"]),
        "lr": np.asarray(t["lr"]),
    }


def test_every_single_byte_flip_of_the_data_is_refused(tmp_path):
    # STORED members put the raw array bytes in the file: only the CRC can notice a flip.
    path = tmp_path / "stored.npz"
    W = np.arange(64.0)
    _craft(path, {"W.npy": _npy(W)}, ["W"], compression=zipfile.ZIP_STORED)
    np.testing.assert_array_equal(io.load(path, like={"W": W})["W"], W)
    data = path.read_bytes()
    start = data.index(W.tobytes())
    for offset in range(0, W.nbytes, 37):
        flipped = bytearray(data)
        flipped[start + offset] ^= 0x10
        path.write_bytes(bytes(flipped))
        with pytest.raises(ValueError, match="CRC-32"):
            io.load(path, like={"W": W})


# -- crafted files ---------------------------------------------------------------------


def _npy(array: np.ndarray) -> bytes:
    buf = pyio.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=True)
    return buf.getvalue()


def _record(**overrides) -> bytes:
    return json.dumps({"format": "fnzero-checkpoint", "version": 2, **overrides}).encode()


def _craft(
    path, members: dict[str, bytes], paths, record: bytes | None = None, compression=zipfile.ZIP_DEFLATED
):
    record = _record(paths=paths) if record is None else record
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        zf.writestr("__fnzero__.npy", _npy(np.frombuffer(record, np.uint8)))
        for name, data in members.items():
            zf.writestr(name, data)


def _header_only(shape, dtype="<f8") -> bytes:
    buf = pyio.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def test_a_header_declaring_a_huge_array_costs_nothing(tmp_path):
    path = tmp_path / "huge.npz"
    _craft(path, {"W.npy": _header_only((100_000, 100_000)) + b"\0" * 64}, ["W"])
    tracemalloc.start()
    try:
        for like in ({"W": np.broadcast_to(np.zeros(()), (100_000, 100_000))}, None):
            with pytest.raises(ValueError, match="huge.npz"):
                io.load(path, like=like)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 << 20


def test_a_compressed_bomb_is_refused_from_its_header(tmp_path):
    path = tmp_path / "bomb.npz"
    io.save(path, {"W": np.zeros(2_000_000)})  # 16 MB of zeros, a few kB on disk
    assert os.path.getsize(path) < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"W: file has float64\[2000000\], template has float64\[2\]"):
            io.load(path, like={"W": np.zeros(2)})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_sizes_the_file_cannot_hold_are_refused(tmp_path):
    path = tmp_path / "c.npz"
    _craft(path, {"W.npy": _header_only((1000, 1000))}, ["W"])
    with pytest.raises(ValueError, match="declares"):
        io.load(path)


@pytest.mark.parametrize(
    ("member", "fragment"),
    [
        (_npy(np.array([{"a": 1}], dtype=object)), "dtype object"),
        (_npy(np.array(["text"])), "dtype <U4"),
        (_npy(np.zeros(2, dtype=[("x", "f4")])), "checkpoints hold numbers"),
        (b"\x93NUMPY\x09\x00junk", "npy format version"),
        (b"not npy at all", "not a readable checkpoint"),
    ],
)
def test_members_that_are_not_numeric_npy_arrays_are_refused(tmp_path, member, fragment):
    path = tmp_path / "c.npz"
    _craft(path, {"W.npy": member}, ["W"])
    with pytest.raises(ValueError, match=fragment):
        io.load(path)


def test_other_compression_methods_are_refused(tmp_path):
    path = tmp_path / "bz.npz"
    _craft(path, {"W.npy": _npy(np.ones(3))}, ["W"], compression=zipfile.ZIP_BZIP2)
    with pytest.raises(ValueError, match="compression method 12"):
        io.load(path)


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        (b"{not json", "JSONDecodeError"),
        (b"\xff\xfe", "UnicodeDecodeError"),
        (b"[" * 100_000 + b"]" * 100_000, "not a readable checkpoint"),
        (b"[1, 2]", "another format"),
        (_record(format="other", paths=["W"]), "another format"),
        (_record(version="2", paths=["W"]), "format version is '2'"),
        (_record(version=99, paths=["W"]), "format version is 99"),
        (_record(version=True, paths=["W"]), "format version is True"),
        (_record(paths="W"), "not a list of distinct strings"),
        (_record(paths=[1]), "not a list of distinct strings"),
        (_record(paths=["W", "W"]), "not a list of distinct strings"),
        (_record(), "not a list of distinct strings"),
        (_record(paths=["../W"]), "outside the archive root"),
        (_record(paths=["/W"]), "outside the archive root"),
        (_record(paths=["a\\W"]), "backslash"),
        (_record(paths=["__fnzero__"]), "reserved"),
        (_record(paths=["V"]), "'V.npy' its record lists is missing"),
    ],
)
def test_crafted_records_are_refused(tmp_path, record, fragment):
    path = tmp_path / "c.npz"
    _craft(path, {"W.npy": _npy(np.ones(3))}, None, record=record)
    with pytest.raises(ValueError, match=fragment) as info:
        io.load(path)
    assert str(path) in str(info.value)


def test_a_record_that_is_not_a_uint8_vector_is_refused(tmp_path):
    path = tmp_path / "c.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("__fnzero__.npy", _npy(np.zeros((2, 2), np.float32)))
    with pytest.raises(ValueError, match="not a short uint8 vector"):
        io.load(path)


def test_paths_that_nest_through_a_leaf_are_refused(tmp_path):
    path = tmp_path / "c.npz"
    _craft(path, {"a.npy": _npy(np.ones(1)), "a/b.npy": _npy(np.ones(1))}, ["a", "a/b"])
    with pytest.raises(ValueError, match="runs through a leaf"):
        io.load(path)


def test_fortran_order_members_load_in_order(tmp_path):
    path = tmp_path / "f.npz"
    W = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    _craft(path, {"W.npy": _npy(W)}, ["W"])
    np.testing.assert_array_equal(io.load(path, like={"W": np.zeros((2, 3))})["W"], W)


def test_version_1_checkpoints_still_load(tmp_path):
    path = tmp_path / "v1.npz"
    meta = {"format": "fnzero-checkpoint", "version": 1, "paths": ["__root__"], "structure": "*"}
    np.savez_compressed(
        path, __root__=np.arange(3.0), __fnzero__=np.frombuffer(json.dumps(meta).encode(), np.uint8)
    )
    np.testing.assert_array_equal(io.load(path), np.arange(3.0))

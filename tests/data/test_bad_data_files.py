"""Crafted dataset files: an IDX gzip bomb is refused before it inflates, a CIFAR-10 pickle
that names anything but NumPy's array rebuilders is refused before anything runs."""

from __future__ import annotations

import gzip
import os
import pickle
import struct

import numpy as np
import pytest

from fnzero import data


def _idx_header(shape, code=0x08):
    return struct.pack(">BBBB", 0, 0, code, len(shape)) + struct.pack(f">{len(shape)}I", *shape)


def test_a_gzip_bomb_is_refused_after_reading_what_its_header_declares(tmp_path):
    path = tmp_path / "bomb-idx1-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(_idx_header((10,)))
        zeros = bytes(1 << 20)
        for _ in range(64):  # 64 MB of zeros, about 64 KB on disk
            f.write(zeros)
    assert os.path.getsize(path) < 1 << 20
    with pytest.raises(ValueError, match=r"header says \(10,\) \(10 bytes\) but more than that follow") as e:
        data.read_idx(str(path))
    assert str(path) in str(e.value)


def test_a_header_declaring_more_than_the_cap_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(_idx_header((60000, 60000, 60000)))
    with pytest.raises(ValueError, match=r"\(60000, 60000, 60000\) \(216000000000000 bytes\), more than the"):
        data.read_idx(str(path))
    small = tmp_path / "small-idx1-ubyte"
    small.write_bytes(_idx_header((100,)) + bytes(100))
    with pytest.raises(ValueError, match="more than the 50 bytes read at most"):
        data.read_idx(str(small), max_bytes=50)
    assert data.read_idx(str(small)).shape == (100,)


@pytest.mark.parametrize(
    "content, words",
    [
        (struct.pack(">BBBB", 0, 0, 0x08, 3) + b"\x00\x00\x00\x05", "header of 3 dimensions is cut short"),
        (b"\x00\x00", "bad magic number"),
    ],
)
def test_cut_idx_headers_say_so(tmp_path, content, words):
    path = tmp_path / "cut.gz"
    with gzip.open(path, "wb") as f:
        f.write(content)
    with pytest.raises(ValueError, match=words):
        data.read_idx(str(path))


def test_a_damaged_gzip_stream_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "damaged.gz"
    path.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(ValueError, match="damaged.gz: not a readable IDX file"):
        data.read_idx(str(path))


class _RunsCode:
    """Pickles to a call of ``fn(*args)``: what a crafted file would do on load."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _cifar_folder(tmp_path, batch):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as f:
        pickle.dump(batch, f)
    return folder


@pytest.mark.parametrize("protocol", [2, 5])
@pytest.mark.parametrize("where", ["top", "data", "label"])
def test_a_cifar_pickle_that_runs_code_is_refused_and_nothing_runs(tmp_path, protocol, where):
    marker = tmp_path / "ran"
    payload = _RunsCode(os.system, f"touch {marker}")
    pixels = np.zeros((2, 3072), np.uint8)
    batch = {
        "top": payload,
        "data": {b"data": payload, b"labels": [0, 1]},
        "label": {b"data": pixels, b"labels": [0, payload]},
    }[where]
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as f:
        pickle.dump(batch, f, protocol=protocol)
    with pytest.raises(
        ValueError, match=r"test_batch: not a CIFAR-10 batch: the pickle names (posix|os|nt)\.system"
    ):
        data.CIFAR10(str(tmp_path), train=False)
    assert not marker.exists()


@pytest.mark.parametrize("fn", [eval, exec, getattr, __import__, pickle.loads])
def test_builtins_and_other_callables_are_refused_too(tmp_path, fn):
    _cifar_folder(tmp_path, {b"data": _RunsCode(fn, "1"), b"labels": []})
    with pytest.raises(ValueError, match="the pickle names .*only NumPy arrays"):
        data.CIFAR10(str(tmp_path), train=False)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_plain_cifar_batches_still_load_under_every_protocol(tmp_path, protocol):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    pixels = np.arange(2 * 3072, dtype=np.int64).astype(np.uint8).reshape(2, 3072)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": pixels, b"labels": [7, 2], b"batch_label": b"test"}, f, protocol=protocol)
    ds = data.CIFAR10(str(tmp_path), train=False)
    np.testing.assert_array_equal(ds.data.reshape(2, -1), pixels)
    assert ds.label.tolist() == [7, 2]


@pytest.mark.parametrize(
    "batch, words",
    [
        ([1, 2, 3], "expected a dict with b'data' and b'labels'"),
        ({b"data": np.zeros((2, 3072), np.float64), b"labels": [0, 1]}, "data of dtype float64"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0.5, 1.0]}, "labels of dtype float64"),
    ],
)
def test_cifar_batches_of_the_wrong_kind_say_so(tmp_path, batch, words):
    _cifar_folder(tmp_path, batch)
    with pytest.raises(ValueError, match=words):
        data.CIFAR10(str(tmp_path), train=False)


def test_a_cut_cifar_pickle_is_a_value_error(tmp_path):
    folder = _cifar_folder(tmp_path, {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1]})
    raw = (folder / "test_batch").read_bytes()
    (folder / "test_batch").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="test_batch: not a CIFAR-10 batch"):
        data.CIFAR10(str(tmp_path), train=False)


def test_idx_files_of_the_wrong_rank_are_refused_by_mnist(tmp_path):
    for name, shape in [("t10k-images-idx3-ubyte.gz", (4, 784)), ("t10k-labels-idx1-ubyte.gz", (4,))]:
        with gzip.open(tmp_path / name, "wb") as f:
            f.write(_idx_header(shape) + bytes(int(np.prod(shape))))
    with pytest.raises(
        ValueError, match=r"MNIST: .*t10k-images-idx3-ubyte.gz holds an array of shape \(4, 784\)"
    ):
        data.MNIST(str(tmp_path), train=False)

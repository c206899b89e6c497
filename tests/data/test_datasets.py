"""Datasets: the book's toy data, the shipped digits, and readers for IDX and CIFAR files
(tested on small files the tests write in the standard formats)."""

from __future__ import annotations

import gzip
import pickle
import struct

import numpy as np
import pytest

from fnzero import data


def test_spiral_is_three_seeded_arms():
    train, test = data.spiral(), data.spiral(train=False)
    assert train.data.shape == (300, 2) and train.data.dtype == np.float32
    assert np.bincount(train.label).tolist() == [100, 100, 100]
    np.testing.assert_array_equal(train.data, data.spiral().data)  # seeded
    assert not np.allclose(np.sort(train.data, axis=0), np.sort(test.data, axis=0))
    radius = np.linalg.norm(train.data, axis=1)
    assert radius.max() < 1.0 and radius.min() >= 0.0


def test_sine_curve_predicts_the_next_value():
    train, test = data.sine_curve(), data.sine_curve(train=False)
    assert len(train) == 999 and train.data.shape == (999, 1)
    np.testing.assert_array_equal(train.data[1:], train.label[:-1])
    grid = np.linspace(0, 2 * np.pi, 1000)
    np.testing.assert_allclose(test.data[:, 0], np.cos(grid[:-1]), atol=1e-6)
    assert np.abs(train.data[:, 0] - np.sin(grid[:-1])).max() <= 0.05 + 1e-6


def test_digits_ship_with_the_package():
    train, test = data.digits(), data.digits(train=False)
    assert len(train) + len(test) == 1797 and len(test) == 360
    assert train.data.shape[1:] == (1, 8, 8) and train.data.max() == 16
    assert set(np.unique(train.label)) == set(range(10))
    # the split is fixed and disjoint
    rows = {r.tobytes() for r in train.data.reshape(len(train), -1)}
    overlap = sum(r.tobytes() in rows for r in test.data.reshape(len(test), -1))
    assert overlap < 5  # a few digits are pixel-identical duplicates in the UCI data


def test_dataset_indexing_and_transforms():
    ds = data.digits(transform=data.Compose(data.Flatten(), data.AsType(np.float32), data.Normalize(0, 16)))
    x, t = ds[3]
    assert x.shape == (64,) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert t == ds.label[3]
    with pytest.raises(IndexError):
        ds[len(ds)]


def _write_idx(path, array, code):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.mark.parametrize("cls", [data.MNIST, data.FashionMNIST])
def test_idx_datasets_read_standard_files(tmp_path, cls):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=5, dtype=np.uint8)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images, 0x08)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels, 0x08)
    ds = cls(str(tmp_path), train=False)
    np.testing.assert_array_equal(ds.data[:, 0], images)
    np.testing.assert_array_equal(ds.label, labels)
    with pytest.raises(FileNotFoundError, match="download=True"):
        cls(str(tmp_path), train=True)


def test_idx_reader_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(str(bad))
    short = tmp_path / "short.gz"
    with gzip.open(short, "wb") as f:
        f.write(struct.pack(">BBBBI", 0, 0, 0x08, 1, 10) + b"\x00" * 3)
    with pytest.raises(ValueError, match="10"):
        data.read_idx(str(short))


def test_cifar10_reads_pickle_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, size=(4, 3072), dtype=np.uint8)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": pixels, b"labels": [3, 1, 4, 1]}, f)
    ds = data.CIFAR10(str(tmp_path), train=False)
    assert ds.data.shape == (4, 3, 32, 32)
    np.testing.assert_array_equal(ds.data[2, 1].ravel(), pixels[2, 1024:2048])
    assert ds.label.tolist() == [3, 1, 4, 1]
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        data.CIFAR10(str(tmp_path), train=True)

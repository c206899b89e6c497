"""Opt-in downloads: checked, atomic, never without being asked. No real network: a local
HTTP server on 127.0.0.1 and ``file://`` URLs stand in for the mirrors."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import pickle
import socket
import struct
import sys
import tarfile
import threading
import types
import urllib.request

import numpy as np
import pytest

from fnzero import data
from fnzero.cli import main
from fnzero.data import download as dl


def _sha(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


@pytest.fixture
def server(tmp_path):
    """A local HTTP server serving the folder ``tmp_path/www``; yields its base URL."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(www), **kwargs)

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path != "/short":
                return super().do_GET()
            self.send_response(200)  # promises 1000 bytes, sends 10, hangs up
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.close_connection = True

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _leftovers(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".part"))


def test_a_good_download_lands_checked_and_leaves_no_temporary_file(server, tmp_path, capsys):
    www, base = server
    payload = os.urandom(300_000)
    (www / "blob.bin").write_bytes(payload)
    target = tmp_path / "data" / "blob.bin"
    assert dl.download(base + "blob.bin", str(target), _sha(payload).upper()) == str(target)
    assert target.read_bytes() == payload
    assert _leftovers(tmp_path / "data") == []
    err = capsys.readouterr().err  # stderr is not a terminal here: plain lines, no bar
    assert "downloading" in err and "SHA-256 checked" in err and "50%" in err
    dl.download(base + "blob.bin", str(tmp_path / "quiet.bin"), _sha(payload), progress=False)
    assert capsys.readouterr().err == ""


def test_a_terminal_gets_a_tqdm_bar_when_tqdm_is_installed(server, tmp_path, capsys, monkeypatch):
    www, base = server
    (www / "blob.bin").write_bytes(b"y" * 200_000)
    bars = []

    class FakeBar:
        def __init__(self, **kwargs):
            self.kwargs, self.n, self.closed = kwargs, 0, False
            bars.append(self)

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    dl.download(base + "blob.bin", str(tmp_path / "blob.bin"), _sha(b"y" * 200_000))
    assert len(bars) == 1 and bars[0].n == bars[0].kwargs["total"] == 200_000 and bars[0].closed
    assert "%" not in capsys.readouterr().err  # the bar, not the plain lines
    monkeypatch.setitem(sys.modules, "tqdm", None)  # tqdm not installed: plain lines instead
    dl.download(base + "blob.bin", str(tmp_path / "again.bin"), _sha(b"y" * 200_000))
    assert "50%" in capsys.readouterr().err and len(bars) == 1


def test_a_corrupt_download_raises_and_leaves_nothing(server, tmp_path):
    www, base = server
    (www / "blob.bin").write_bytes(b"not what was published")
    folder = tmp_path / "data"
    expected = _sha(b"the published bytes")
    with pytest.raises(ValueError, match="blob.bin") as info:
        dl.download(base + "blob.bin", str(folder / "blob.bin"), expected, progress=False)
    message = str(info.value)
    assert expected in message and _sha(b"not what was published") in message
    assert os.listdir(folder) == []


def test_an_unreachable_url_names_it_and_says_how_to_place_the_file(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/train-images-idx3-ubyte.gz"
    with pytest.raises(dl.DownloadError, match="by other means") as info:
        dl.download(url, str(tmp_path / "x.gz"), "0" * 64, progress=False)
    assert url in str(info.value) and isinstance(info.value, ConnectionError)
    missing = (tmp_path / "nowhere.gz").as_uri()
    with pytest.raises(dl.DownloadError, match="nowhere.gz"):
        dl.download(missing, str(tmp_path / "y.gz"), "0" * 64, progress=False)
    assert _leftovers(tmp_path) == [] and not (tmp_path / "x.gz").exists()
    with pytest.raises(ValueError, match="64 hexadecimal"):
        dl.download(missing, str(tmp_path / "y.gz"), "abc")


def test_a_server_sending_too_much_too_little_or_an_error_is_refused(server, tmp_path):
    www, base = server
    (www / "big.bin").write_bytes(b"x" * 5000)
    with pytest.raises(dl.DownloadError, match="more than 1000 bytes"):
        dl.download(
            base + "big.bin", str(tmp_path / "big.bin"), _sha(b"x" * 5000), progress=False, max_bytes=1000
        )
    with pytest.raises(dl.DownloadError, match="HTTP Error 404"):
        dl.download(base + "absent", str(tmp_path / "absent"), "0" * 64, progress=False)
    assert os.listdir(tmp_path) == ["www"]


def test_fetch_tries_the_next_mirror_and_lists_all_when_every_one_fails(server, tmp_path, monkeypatch):
    www, base = server
    (www / "a.gz").write_bytes(b"payload")
    dead = (tmp_path / "dead").as_uri() + "/"
    source = dl.Source(mirrors=(dead, base), sha256={"a.gz": _sha(b"payload"), "b.gz": "1" * 64})
    monkeypatch.setitem(dl.SOURCES, "toy", source)
    dl.fetch("toy", str(tmp_path / "d"), ["a.gz"], progress=False)
    assert (tmp_path / "d" / "a.gz").read_bytes() == b"payload"
    with pytest.raises(dl.DownloadError, match="Tried") as info:
        dl.fetch("toy", str(tmp_path / "d"), ["b.gz"], progress=False)
    assert dead + "b.gz" in str(info.value) and base + "b.gz" in str(info.value)
    assert "by hand" in str(info.value)


def _idx_gz(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes())


def _fake_mnist(www) -> dict[str, str]:
    rng = np.random.default_rng(0)
    digests = {}
    for split, n in (("train", 40), ("t10k", 20)):
        files = {
            f"{split}-images-idx3-ubyte.gz": _idx_gz(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
            f"{split}-labels-idx1-ubyte.gz": _idx_gz(np.arange(n, dtype=np.uint8) % 10),
        }
        for name, payload in files.items():
            (www / name).write_bytes(payload)
            digests[name] = _sha(payload)
    return digests


def _no_network(*args, **kwargs):
    raise AssertionError("network access without --download")


def test_the_command_never_touches_the_network_without_download(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    for dataset in ("mnist", "fashion-mnist", "cifar10"):
        args = [
            "train",
            "--dataset",
            dataset,
            "--data-root",
            str(tmp_path / "empty"),
            "--out",
            str(tmp_path / "o"),
        ]
        assert main(args) == 2
        assert "--download" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.MNIST(str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.CIFAR10(str(tmp_path / "empty"), train=False)


def test_download_flag_fetches_checks_and_trains(server, tmp_path, capsys, monkeypatch):
    www, base = server
    digests = _fake_mnist(www)
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source(mirrors=(base,), sha256=digests))
    root, out = tmp_path / "root", tmp_path / "run"
    common = ["--dataset", "mnist", "--data-root", str(root), "--epochs", "1", "--quiet"]
    assert main(["train", *common, "--out", str(out), "--download"]) == 0, capsys.readouterr().err
    assert sorted(os.listdir(root)) == sorted(digests)
    assert "test accuracy" in capsys.readouterr().out
    # The files are there now: eval needs no network and no flag.
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    assert main(["eval", str(out)]) == 0
    assert "on 20 examples" in capsys.readouterr().out
    # A run trained with --download does not make eval download: eval asks anew.
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        os.remove(root / name)
    assert main(["eval", str(out)]) == 2
    assert "--download" in capsys.readouterr().err
    monkeypatch.undo()
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source(mirrors=(base,), sha256=digests))
    assert main(["eval", str(out), "--download"]) == 0
    assert "on 20 examples" in capsys.readouterr().out and sorted(os.listdir(root)) == sorted(digests)


def test_a_corrupt_mirror_fails_the_command_and_saves_nothing(server, tmp_path, capsys, monkeypatch):
    www, base = server
    digests = _fake_mnist(www)
    digests["train-images-idx3-ubyte.gz"] = "f" * 64
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source(mirrors=(base,), sha256=digests))
    root = tmp_path / "root"
    args = [
        "train",
        "--dataset",
        "mnist",
        "--data-root",
        str(root),
        "--out",
        str(tmp_path / "o"),
        "--download",
    ]
    assert main(args) == 2
    assert "f" * 64 in capsys.readouterr().err
    assert os.listdir(root) == []


def _batches() -> list[str]:
    return [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def _cifar_tarball(path, first: list[tarfile.TarInfo]) -> None:
    rng = np.random.default_rng(2)
    with tarfile.open(path, "w:gz") as tar:
        for info in first:
            tar.addfile(info, io.BytesIO(b"evil") if info.isreg() else None)
        for name in _batches():
            batch = {b"data": rng.integers(0, 256, (3, 3072), dtype=np.uint8), b"labels": [1, 2, 3]}
            payload = pickle.dumps(batch, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))


def test_cifar10_download_extracts_only_the_batches_into_the_target(tmp_path, monkeypatch):
    www = tmp_path / "www"
    www.mkdir()
    escape = tarfile.TarInfo("../../escaped")
    escape.size = 4
    link = tarfile.TarInfo("cifar-10-batches-py/test_batch")  # a link under a batch's name comes first
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    _cifar_tarball(www / "cifar-10-python.tar.gz", [escape, link])
    digest = _sha((www / "cifar-10-python.tar.gz").read_bytes())
    monkeypatch.setitem(
        dl.SOURCES,
        "cifar10",
        dl.Source(mirrors=(www.as_uri() + "/",), sha256={"cifar-10-python.tar.gz": digest}),
    )
    root = tmp_path / "deep" / "root"
    ds = data.CIFAR10(str(root), train=False, download=True)
    assert ds.data.shape == (3, 3, 32, 32) and ds.label.tolist() == [1, 2, 3]
    batches = root / "cifar-10-batches-py"
    assert sorted(os.listdir(batches)) == sorted(_batches())
    assert not (batches / "test_batch").is_symlink()
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "deep" / "escaped").exists()
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    assert len(data.CIFAR10(str(root), train=True)) == 15  # the train split came out too


def test_a_tarball_without_the_batches_is_refused(tmp_path):
    archive = tmp_path / "t.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("readme.html")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(ValueError, match="holds no cifar-10-batches-py/test_batch"):
        dl.extract_members(str(archive), "cifar-10-batches-py/", ["test_batch"], str(tmp_path / "out"))
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tarball")
    with pytest.raises(ValueError, match="not a readable tarball"):
        dl.extract_members(str(tmp_path / "junk.tar.gz"), "", ["x"], str(tmp_path / "out"))
    assert os.listdir(tmp_path / "out") == []


def test_the_table_lists_every_official_file_with_a_sha256():
    assert set(dl.SOURCES) == {"mnist", "fashion-mnist", "cifar10"}
    idx = {f"{s}-{k}-idx{d}-ubyte.gz" for s in ("train", "t10k") for k, d in (("images", 3), ("labels", 1))}
    assert set(dl.SOURCES["mnist"].sha256) == idx == set(dl.SOURCES["fashion-mnist"].sha256)
    assert set(dl.SOURCES["cifar10"].sha256) == {"cifar-10-python.tar.gz"}
    for source in dl.SOURCES.values():
        assert source.mirrors and all(
            m.startswith(("https://", "http://")) and m.endswith("/") for m in source.mirrors
        )
        assert all(dl._check_digest(d) == d for d in source.sha256.values())

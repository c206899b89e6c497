"""Opt-in downloads of the standard dataset files, checked against their published SHA-256.

This is the only network access fnzero makes, and only when asked (``download=True`` on a
dataset, ``--download`` on the command). A file is streamed into a temporary file next to its
target, its digest compared with the expected one, and only then renamed into place, so an
interrupted or corrupt download never leaves a file that looks complete.

``SOURCES`` lists, per dataset, the mirrors tried in order and each file's SHA-256. The digests
are the ones torchvision's dataset builders check (``pytorch/vision``,
``torchvision/prototype/datasets/_builtin/mnist.py`` and ``cifar.py``); Keras checks the same
digest for the CIFAR-10 tarball.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from typing import Any, NamedTuple

# The largest file fetched (CIFAR-10's tarball is 170 MB): a server sending more is cut off.
MAX_DOWNLOAD_BYTES = 1 << 30
_CHUNK = 1 << 16


class Source(NamedTuple):
    """Where a dataset's files come from: base URLs tried in order (a file's URL is the base
    followed by its name) and each file's SHA-256 hex digest."""

    mirrors: tuple[str, ...]
    sha256: dict[str, str]


SOURCES: dict[str, Source] = {
    "mnist": Source(
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        sha256={
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    ),
    "fashion-mnist": Source(
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        sha256={
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    ),
    "cifar10": Source(
        mirrors=("https://www.cs.toronto.edu/~kriz/",),
        sha256={
            "cifar-10-python.tar.gz": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        },
    ),
}


class DownloadError(ConnectionError):
    """A file could not be fetched (no network, a server error, a transfer cut short);
    ``reason`` is the cause alone, without the advice the message adds."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason or message


def _check_digest(sha256: Any) -> str:
    if (
        not isinstance(sha256, str)
        or len(sha256) != 64
        or any(c not in "0123456789abcdef" for c in sha256.lower())
    ):
        raise ValueError(f"download: sha256 must be 64 hexadecimal digits, got {sha256!r}")
    return sha256.lower()


class _Progress:
    """A tqdm bar when tqdm is installed and stderr is a terminal; otherwise a few plain lines on
    stderr (the start, each quarter when the size is known, the end); nothing when disabled."""

    def __init__(self, name: str, url: str, total: int | None, enabled: bool):
        self.name, self.total, self.enabled = name, total, enabled
        self.bar: Any = None
        self.done, self.quarter = 0, 0
        if not enabled:
            return
        if sys.stderr.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, desc=name, unit="B", unit_scale=True, leave=False)
                return
        size = f" ({total / 1e6:.1f} MB)" if total else ""
        self._say(f"downloading {url}{size}")

    def _say(self, line: str) -> None:
        print(f"fnzero: {line}", file=sys.stderr, flush=True)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.enabled and self.total:
            quarter = min(4 * self.done // self.total, 4)
            if 0 < quarter < 4 and quarter > self.quarter:
                self._say(f"{self.name}: {25 * quarter}%")
            self.quarter = max(self.quarter, quarter)

    def close(self, path: str | None) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.enabled and path is not None:
            self._say(f"saved {path} ({self.done / 1e6:.1f} MB, SHA-256 checked)")


_NETWORK_ERRORS = (OSError, http.client.HTTPException)


def _failed(url: str, cause: BaseException | str, by_hand: str) -> DownloadError:
    if isinstance(cause, (str, urllib.error.HTTPError)):
        reason = str(cause)  # "HTTP Error 404: Not Found"
    else:
        reason = str(getattr(cause, "reason", None) or cause)
    return DownloadError(f"could not download {url}: {reason}; {by_hand}", reason)


def download(
    url: str,
    path: str,
    sha256: str,
    *,
    progress: bool = True,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    timeout: float = 60.0,
) -> str:
    """Fetch ``url`` to ``path`` and return ``path``, having checked the data's SHA-256.

    The data is streamed into a temporary file in ``path``'s folder and renamed into place only
    once its digest equals ``sha256``: a failed or corrupt download leaves nothing at ``path``
    (and no temporary file). A digest mismatch raises ``ValueError``; no network, a server
    error or a transfer cut short raise ``DownloadError`` (a ``ConnectionError``) naming the URL.
    ``progress`` shows a tqdm bar (when tqdm is installed and stderr is a terminal) or a few
    lines on stderr."""
    expected = _check_digest(sha256)
    folder = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    by_hand = f"without network, fetch {url} by other means and put it at {path!r} (SHA-256 {expected})"
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    bar = None
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            try:
                response = urllib.request.urlopen(url, timeout=timeout)
            except _NETWORK_ERRORS as e:
                raise _failed(url, e, by_hand) from e
            with response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                bar = _Progress(name, url, total, progress)
                while True:
                    try:
                        chunk = response.read(_CHUNK)
                    except _NETWORK_ERRORS as e:
                        raise _failed(url, e, by_hand) from e
                    if not chunk:
                        break
                    if bar.done + len(chunk) > max_bytes:
                        raise _failed(url, f"the server sent more than {max_bytes} bytes", by_hand)
                    digest.update(chunk)
                    out.write(chunk)  # a full disk raises as itself, not as a network error
                    bar.update(len(chunk))
                if total is not None and bar.done < total:
                    raise _failed(url, f"the transfer was cut short ({bar.done} of {total} bytes)", by_hand)
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if got != expected:
            raise ValueError(
                f"{name}: the download from {url} is corrupt: SHA-256 expected {expected}, got {got} "
                f"(nothing was saved at {path!r}; try again, or {by_hand})"
            )
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if bar is not None:
            bar.close(None)
        raise
    bar.close(path)
    return path


def fetch(dataset: str, folder: str, names: list[str] | tuple[str, ...], *, progress: bool = True) -> None:
    """Download the files ``names`` of ``dataset`` (a key of ``SOURCES``) that ``folder`` lacks,
    trying each mirror in turn; files already there are left alone."""
    if dataset not in SOURCES:
        raise ValueError(f"fetch: unknown dataset {dataset!r}; choose from {', '.join(SOURCES)}")
    source = SOURCES[dataset]
    for name in names:
        if name not in source.sha256:
            raise ValueError(
                f"fetch: {dataset} has no file {name!r}; its files are {', '.join(source.sha256)}"
            )
        path = os.path.join(folder, name)
        if os.path.exists(path):
            continue
        errors = []
        for mirror in source.mirrors:
            try:
                download(mirror + name, path, source.sha256[name], progress=progress)
                break
            except DownloadError as e:
                errors.append(e.reason)
        else:
            tried = "\n  ".join(f"{m}{name}: {err}" for m, err in zip(source.mirrors, errors))
            raise DownloadError(
                f"{dataset}: could not download {name} (no network?). Tried:\n  {tried}\n"
                f"Put the file there by hand: {path!r} (SHA-256 {source.sha256[name]})."
            )


# Each CIFAR-10 batch is 31 MB; a tar member declaring more is not read.
_MAX_MEMBER_BYTES = 1 << 28


def extract_members(archive: str, prefix: str, names: list[str] | tuple[str, ...], folder: str) -> None:
    """Copy the regular files ``prefix + name`` of the tarball ``archive`` into ``folder/name``.

    Only these fixed names are written, each through a temporary file renamed into place: a
    member's own path (absolute, with ``..``, a link or a device) never decides where anything
    lands, and nothing in the archive is unpickled or run."""
    wanted = {prefix + n: n for n in names}
    os.makedirs(folder, exist_ok=True)
    found = set()
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = wanted.get(member.name.removeprefix("./"))
                if name is None or name in found or not member.isreg():
                    continue
                if member.size > _MAX_MEMBER_BYTES:
                    raise ValueError(
                        f"{archive}: member {member.name} declares {member.size} bytes, more than the "
                        f"{_MAX_MEMBER_BYTES} read at most"
                    )
                source = tar.extractfile(member)
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
                try:
                    with os.fdopen(fd, "wb") as out, source:
                        shutil.copyfileobj(source, out)
                    os.replace(tmp, os.path.join(folder, name))
                except BaseException:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
                    raise
                found.add(name)
                if len(found) == len(wanted):
                    break
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise ValueError(f"{archive}: not a readable tarball ({e})") from None
    missing = [prefix + n for n in names if n not in found]
    if missing:
        raise ValueError(f"{archive}: holds no {', '.join(missing)}")

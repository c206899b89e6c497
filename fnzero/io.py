"""Checkpoints: any pytree of numeric arrays to one compressed .npz, written atomically.

Each leaf is a zip member named by its path (``"layers/0/W.npy"``, readable with
``numpy.load``); a small JSON record (``__fnzero__.npy``) lists the paths.

Writing: the file is written beside the target as ``.NAME.HOST.PID.XXXX.tmp``, flushed and
fsynced, then renamed over the target, so an interrupted save leaves the previous
checkpoint intact. A save removes the temporaries of its target that a dead writer left:
those whose writer process (same host, by its pid) is gone, and any not modified for
``STALE_TEMPORARY_AGE_S`` seconds (writers on other hosts, pids reused). A temporary of a
save running in another live process is never touched. The file's mode follows the umask
(``0o666 & ~umask``) like any other output.

Reading: every failure to read a file that exists is a ``ValueError`` naming the file and
the problem (a missing or unreadable path stays an ``OSError``). Each member's npy header
is checked before its data is read: numeric dtypes only, a size that matches the member,
and with a template its exact shape and dtype, so a small file cannot make ``load``
allocate much more than the template (or, without one, than deflate's 1032:1 limit). Each
member's CRC-32 is verified, so damaged data is refused, never returned.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import struct
import tempfile
import time
import zipfile
import zlib
from typing import Any

import numpy as np

from fnzero import tree
from fnzero.backends import backend_of

__all__ = ["save", "load", "STALE_TEMPORARY_AGE_S"]

STALE_TEMPORARY_AGE_S = 3600.0
"""A temporary not modified for this long is stale whoever wrote it."""

_META = "__fnzero__"
_ROOT = "__root__"
_FORMAT = "fnzero-checkpoint"
_VERSION = 2
_NUMERIC_KINDS = "biufc"  # bool, signed, unsigned, float, complex
_DEFLATE_MAX_RATIO = 1032  # no deflate stream expands more than this
_META_MAX_BYTES = 64 << 20
_CHUNK = 1 << 20
_SCALAR_KINDS = {bool: "b", int: "biu", float: "biuf", complex: "biufc"}
# What reading untrusted bytes can raise (zlib.error from damaged deflate data,
# NotImplementedError from an unknown compression method, RecursionError from nesting).
_PARSE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    TypeError,
    NotImplementedError,
    RuntimeError,
    MemoryError,
    OverflowError,
    UnicodeError,
    SyntaxError,
    struct.error,
)


class _Refused(Exception):
    """A problem with the file's content; ``load`` words it with the file's name."""


# -- paths and members ---------------------------------------------------------------


def _path_problem(path: str) -> str | None:
    """Why ``path`` cannot name a zip member safely, or None."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return "is not encodable as UTF-8"
    for part in path.split("/"):
        if part in ("", ".", ".."):
            return "has an empty, '.' or '..' component (a zip member outside the archive root)"
        if "\\" in part or any(ord(c) < 32 for c in part):
            return "contains a backslash or a control character"
    if len(path.encode("utf-8")) > 60000:
        return "is longer than a zip member name can be"
    return None


def _member(path: str) -> str:
    return (path or _ROOT) + ".npy"


# -- save ----------------------------------------------------------------------------


def _host_array(path: str, leaf: Any) -> np.ndarray:
    where = repr(path) if path else "the root"
    backend = backend_of(leaf)
    if backend is not None:
        array = np.asarray(backend.to_host(leaf))
    elif isinstance(leaf, (bool, int, float, complex)):
        try:
            array = np.asarray(leaf)
        except OverflowError:
            array = np.asarray(None, dtype=object)
    else:
        raise TypeError(
            f"fnzero.save: the leaf at {where} is a {type(leaf).__name__}; checkpoints hold arrays "
            "and numbers (make other values static fields or keep them out of the tree)"
        )
    if array.dtype.kind not in _NUMERIC_KINDS or array.dtype.fields is not None:
        raise TypeError(
            f"fnzero.save: the leaf at {where} has dtype {array.dtype} (from {type(leaf).__name__}); "
            "checkpoints hold bool, integer, float and complex arrays (integers within int64/uint64)"
        )
    return array


def _host_arrays(x: Any) -> tuple[dict[str, np.ndarray], bool]:
    """The leaves by path, and whether ``x`` is a bare leaf (path "")."""
    flat = tree.flatten_with_path(x)
    bare = tree.node_children(x) is None
    arrays: dict[str, np.ndarray] = {}
    for path, leaf in flat:
        if not bare:
            problem = _path_problem(path)
            if problem is not None:
                raise ValueError(f"fnzero.save: the key path {path!r} {problem}; rename the key")
            if path == _META:
                raise ValueError(
                    f"fnzero.save: {_META!r} is reserved for the checkpoint's record; rename the key"
                )
        if path in arrays:
            raise ValueError(f"fnzero.save: two leaves share the path {path!r}; rename a key")
        arrays[path] = _host_array(path, leaf)
    return arrays, bare


def _umask() -> int:
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # no reader on this platform: set and restore
    os.umask(mask)
    return mask


def _host_tag() -> str:
    return re.sub(r"[^a-z0-9-]", "-", socket.gethostname().lower()) or "host"


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's live process, or we cannot tell: keep its file
    return True


def _remove_stale_temporaries(directory: str, name: str) -> None:
    ours = re.compile(rf"\.{re.escape(name)}\.([a-z0-9-]+)\.(\d+)\.[a-z0-9_]+\.tmp")
    legacy = re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.tmp")
    host, now = _host_tag(), time.time()
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        match = ours.fullmatch(entry)
        if match is None and legacy.fullmatch(entry) is None:
            continue
        full = os.path.join(directory, entry)
        try:
            idle = now - os.stat(full).st_mtime
        except OSError:
            continue
        dead = match is not None and match[1] == host and not _pid_running(int(match[2]))
        if dead or idle > STALE_TEMPORARY_AGE_S:
            with contextlib.suppress(OSError):
                os.unlink(full)


def _fsync_directory(directory: str) -> None:
    with contextlib.suppress(OSError):  # not every platform lets a directory be opened
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_zip(f, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    record = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for member, array in [(_META + ".npy", record)] + [(_member(p), a) for p, a in arrays.items()]:
            with zf.open(member, "w", force_zip64=True) as m:
                np.lib.format.write_array(m, array, allow_pickle=False)


def save(path: str | os.PathLike, x: Any) -> None:
    """Write the pytree ``x`` to ``path`` (arrays on any backend are brought to the host).

    Leaves must be numeric arrays or Python numbers; key paths must be usable as zip
    member names (no empty, ``.`` or ``..`` components, no backslashes); the top-level key
    ``"__fnzero__"`` is reserved.
    """
    path = os.fspath(path)
    arrays, bare = _host_arrays(x)
    meta = {
        "format": _FORMAT,
        "version": _VERSION,
        "paths": [""] if bare else list(arrays),
        "structure": repr(tree.structure(x)),
    }
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    _remove_stale_temporaries(directory, name)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.{_host_tag()}.{os.getpid()}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), 0o666 & ~_umask())
            _write_zip(f, meta, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


# -- load ----------------------------------------------------------------------------


class _CRCReader:
    """Reads a zip member, counting bytes and computing their CRC-32 as it goes."""

    def __init__(self, stream):
        self.stream, self.crc, self.count = stream, 0, 0

    def read(self, n: int) -> bytes:
        data = self.stream.read(n)
        self.crc, self.count = zlib.crc32(data, self.crc), self.count + len(data)
        return data


class _Member:
    """One array member, its npy header read and checked, its data not yet read."""

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, file_size: int):
        self.info = info
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(f"member {info.filename!r} uses compression method {info.compress_type}")
        if info.flag_bits & 0x1:
            raise _Refused(f"member {info.filename!r} is encrypted")
        limit = info.compress_size * (_DEFLATE_MAX_RATIO if info.compress_type else 1) + 64
        if info.header_offset + info.compress_size > file_size or info.file_size > limit:
            raise _Refused(f"member {info.filename!r} declares sizes the file cannot hold")
        self.reader = _CRCReader(zf.open(info))
        version = np.lib.format.read_magic(self.reader)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(self.reader)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(self.reader)
        else:
            raise _Refused(f"member {info.filename!r} has npy format version {version}")
        if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise _Refused(f"member {info.filename!r} holds dtype {dtype}; checkpoints hold numbers")
        self.shape, self.fortran, self.dtype = tuple(shape), fortran, dtype
        self.nbytes = dtype.itemsize
        for n in self.shape:
            self.nbytes *= n
        if self.reader.count + self.nbytes != info.file_size:
            raise _Refused(
                f"member {info.filename!r} declares {dtype}{list(self.shape)} ({self.nbytes} bytes) "
                f"but holds {info.file_size - self.reader.count} bytes"
            )

    def read(self) -> np.ndarray:
        data = bytearray(self.nbytes)
        view, done = memoryview(data), 0
        while done < self.nbytes:
            chunk = self.reader.read(min(_CHUNK, self.nbytes - done))
            if not chunk:
                break
            view[done : done + len(chunk)] = chunk
            done += len(chunk)
        if done != self.nbytes or self.reader.read(1):
            raise _Refused(f"member {self.info.filename!r} does not hold the bytes its header declares")
        if self.reader.crc != self.info.CRC:
            raise _Refused(f"member {self.info.filename!r} fails its CRC-32 check (damaged data)")
        flat = np.frombuffer(data, dtype=self.dtype)
        if self.fortran:
            return flat.reshape(self.shape[::-1]).transpose()
        return flat.reshape(self.shape)


def _read_meta(zf: zipfile.ZipFile, file_size: int) -> list[str]:
    """The leaf paths the checkpoint's record lists ("" for a bare leaf), checked."""
    try:
        info = zf.getinfo(_META + ".npy")
    except KeyError:
        raise _Refused("it is an .npz file but not an fnzero checkpoint (no fnzero record)") from None
    record = _Member(zf, info, file_size)
    if record.dtype != np.uint8 or len(record.shape) != 1 or record.nbytes > _META_MAX_BYTES:
        raise _Refused(f"its record is {record.dtype}{list(record.shape)}, not a short uint8 vector")
    meta = json.loads(bytes(record.read()).decode("utf-8"))
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise _Refused("it is not an fnzero checkpoint (its record names another format)")
    version, paths = meta.get("version"), meta.get("paths")
    if type(version) is not int or version not in (1, _VERSION):
        raise _Refused(f"its format version is {version!r}; this fnzero reads versions 1 and {_VERSION}")
    if (
        not isinstance(paths, list)
        or not all(isinstance(p, str) for p in paths)
        or len(set(paths)) != len(paths)
    ):
        raise _Refused("its record's 'paths' is not a list of distinct strings")
    if version == 1 and paths == [_ROOT]:
        paths = [""]
    if paths != [""]:
        for p in paths:
            problem = _path_problem(p)
            if problem is not None or p == _META:
                raise _Refused(f"its record lists the path {p!r}, which {problem or 'is reserved'}")
    return paths


def _open_checkpoint(path: str, f) -> tuple[zipfile.ZipFile, dict[str, _Member]]:
    start = f.read(8)
    f.seek(0)
    if start.startswith(b"\x93NUMPY"):
        raise _Refused("it is a .npy file, not an fnzero checkpoint (read it with numpy.load)")
    file_size = os.fstat(f.fileno()).st_size
    zf = zipfile.ZipFile(f)
    paths = _read_meta(zf, file_size)
    members = {}
    for p in paths:
        try:
            info = zf.getinfo(_member(p))
        except KeyError:
            raise _Refused(f"the member {_member(p)!r} its record lists is missing") from None
        members[p] = _Member(zf, info, file_size)
    return zf, members


def _template_leaves(like: Any) -> list[tuple[str, Any]]:
    bare = tree.node_children(like) is None
    leaves = [("" if bare else p, leaf) for p, leaf in tree.flatten_with_path(like)]
    for p, leaf in leaves:
        if backend_of(leaf) is None and type(leaf) not in _SCALAR_KINDS:
            raise TypeError(
                f"fnzero.load: the template's leaf at {p or 'the root'!r} is a {type(leaf).__name__}; "
                "templates hold arrays and Python numbers (bool, int, float, complex)"
            )
    return leaves


def _mismatch(path: str, leaf: Any, member: _Member) -> str | None:
    got = f"file has {member.dtype}{list(member.shape)}"
    name = path or "the root"
    if backend_of(leaf) is not None:
        want = (tuple(leaf.shape), np.dtype(leaf.dtype))
        if (member.shape, member.dtype) != want:
            return f"{name}: {got}, template has {want[1]}{list(want[0])}"
        return None
    if member.shape != () or member.dtype.kind not in _SCALAR_KINDS[type(leaf)]:
        return f"{name}: {got}, template has a Python {type(leaf).__name__} (a scalar)"
    return None


def _restore(path: str, leaf: Any, value: np.ndarray) -> Any:
    backend = backend_of(leaf)
    if backend is not None:
        return backend.from_host(value)
    item = value.item()
    cast = type(leaf)(item)
    same = cast == item or (cast != cast and item != item)  # NaN stays NaN
    if not same:
        raise _Refused(
            f"{path or 'the root'} holds {item!r}, which a Python {type(leaf).__name__} cannot hold"
        )
    return cast


def _nested_dicts(arrays: dict[str, np.ndarray]) -> Any:
    if list(arrays) == [""]:
        return arrays[""]
    out: dict = {}
    for key, value in arrays.items():
        node = out
        *parents, last = key.split("/")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise _Refused(f"the path {key!r} runs through a leaf")
        if last in node:
            raise _Refused(f"the path {key!r} is both a leaf and a node")
        node[last] = value
    return out


def _load(path: str, f, like: Any, expected: list[tuple[str, Any]] | None) -> Any:
    zf, members = _open_checkpoint(path, f)
    with zf:
        if expected is None:
            return _nested_dicts({p: m.read() for p, m in members.items()})
        missing = [p or "the root" for p, _ in expected if p not in members]
        extra = sorted(set(members) - {p for p, _ in expected})
        mismatched = [
            m for p, leaf in expected if p in members for m in [_mismatch(p, leaf, members[p])] if m
        ]
        if missing or extra or mismatched:
            lines = [f"fnzero.load: {path!r} does not match the template:"]
            lines += [f"  missing from the file: {p}" for p in missing]
            lines += [f"  not in the template: {p or 'the root'}" for p in extra]
            lines += [f"  {m}" for m in mismatched]
            raise ValueError("\n".join(lines))
        treedef = tree.structure(like)
        return tree.unflatten(treedef, [_restore(p, leaf, members[p].read()) for p, leaf in expected])


def load(path: str | os.PathLike, like: Any = None) -> Any:
    """Read a checkpoint; with ``like`` (a template tree) return a tree of its structure.

    Every key, shape and dtype is checked against the template before any data is read,
    arrays land on the template's backend, and a Python-number leaf takes the file's value
    only when it holds it exactly. Without a template the result is nested dicts keyed by
    path. Raises ValueError (naming the file) for any file that is not an intact fnzero
    checkpoint matching the template.
    """
    path = os.fspath(path)
    expected = None if like is None else _template_leaves(like)
    with open(path, "rb") as f:
        try:
            return _load(path, f, like, expected)
        except _Refused as e:
            raise ValueError(f"fnzero.load: {path!r} is not a readable checkpoint: {e}") from None
        except _PARSE_ERRORS as e:
            if isinstance(e, ValueError) and str(e).startswith("fnzero.load"):
                raise
            raise ValueError(
                f"fnzero.load: {path!r} is not a readable checkpoint (damaged, truncated or not an .npz): "
                f"{type(e).__name__}: {e}"
            ) from e

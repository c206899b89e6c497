"""Checkpoints: any pytree of arrays to one compressed .npz, written atomically.

Keys are the leaves' paths (``"layers/0/W"``); a small JSON record keeps the structure.
The file is written beside the target, flushed and fsynced, then renamed over it, so an
interrupted save leaves the previous checkpoint intact and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from fnzero import tree
from fnzero.backends import backend_of

_META_KEY = "__fnzero__"
_ROOT_KEY = "__root__"
_FORMAT = "fnzero-checkpoint"


def _host_arrays(x: Any) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for path, leaf in tree.flatten_with_path(x):
        key = path or _ROOT_KEY
        if key in arrays or key == _META_KEY:
            raise ValueError(f"fnzero.save: two leaves share the path {key!r}; rename a key")
        backend = backend_of(leaf)
        if backend is not None:
            arrays[key] = np.asarray(backend.to_host(leaf))
        elif isinstance(leaf, (bool, int, float, complex)):
            arrays[key] = np.asarray(leaf)
        else:
            raise TypeError(
                f"fnzero.save: the leaf at {key!r} is a {type(leaf).__name__}; checkpoints hold arrays "
                "and numbers (make other values static fields or keep them out of the tree)"
            )
    return arrays


def _fsync_directory(directory: str) -> None:
    with contextlib.suppress(OSError):  # not every platform lets a directory be opened
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save(path: str | os.PathLike, x: Any) -> None:
    """Write the pytree ``x`` to ``path`` (arrays on any backend are brought to the host)."""
    path = os.fspath(path)
    arrays = _host_arrays(x)
    meta = {"format": _FORMAT, "version": 1, "paths": list(arrays), "structure": repr(tree.structure(x))}
    arrays[_META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _read(path: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            if _META_KEY not in data.files:
                raise ValueError(f"fnzero.load: {path!r} is an .npz file but not an fnzero checkpoint")
            meta = json.loads(bytes(data[_META_KEY]).decode())
            if meta.get("format") != _FORMAT:
                raise ValueError(f"fnzero.load: {path!r} is not an fnzero checkpoint")
            return {key: data[key] for key in meta["paths"]}
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, json.JSONDecodeError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(
            f"fnzero.load: {path!r} is not a readable checkpoint (truncated or not an .npz): {e}"
        ) from e
    except ValueError as e:
        if str(e).startswith("fnzero.load"):
            raise
        raise ValueError(f"fnzero.load: {path!r} is not a readable checkpoint: {e}") from e


def _nested_dicts(arrays: dict[str, np.ndarray]) -> Any:
    if list(arrays) == [_ROOT_KEY]:
        return arrays[_ROOT_KEY]
    out: dict = {}
    for key, value in arrays.items():
        node = out
        *parents, last = key.split("/")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def _restore(leaf: Any, value: np.ndarray) -> Any:
    if isinstance(leaf, bool):
        return bool(value)
    if isinstance(leaf, int):
        return int(value)
    if isinstance(leaf, float):
        return float(value)
    backend = backend_of(leaf)
    return backend.from_host(value) if backend is not None else value


def load(path: str | os.PathLike, like: Any = None) -> Any:
    """Read a checkpoint; with ``like`` (a template tree) return a tree of its structure.

    Every key, shape and dtype is checked against the template, and arrays land on the
    template's backend. Without a template the result is nested dicts keyed by path.
    """
    path = os.fspath(path)
    arrays = _read(path)
    if like is None:
        return _nested_dicts(arrays)
    expected = [(p or _ROOT_KEY, leaf) for p, leaf in tree.flatten_with_path(like)]
    missing = [k for k, _ in expected if k not in arrays]
    extra = sorted(set(arrays) - {k for k, _ in expected})
    mismatched = []
    for key, leaf in expected:
        if key not in arrays:
            continue
        shape, dtype = (
            np.shape(leaf) if backend_of(leaf) is None else leaf.shape,
            getattr(leaf, "dtype", None),
        )
        got = arrays[key]
        if tuple(shape) != got.shape or (dtype is not None and np.dtype(dtype) != got.dtype):
            mismatched.append(
                f"{key}: file has {got.dtype}{list(got.shape)}, template has {dtype}{list(shape)}"
            )
    if missing or extra or mismatched:
        lines = [f"fnzero.load: {path!r} does not match the template:"]
        lines += [f"  missing from the file: {k}" for k in missing]
        lines += [f"  not in the template: {k}" for k in extra]
        lines += [f"  {m}" for m in mismatched]
        raise ValueError("\n".join(lines))
    leaves, treedef = tree.flatten(like)
    return tree.unflatten(treedef, [_restore(leaf, arrays[key]) for (key, _), leaf in zip(expected, leaves)])

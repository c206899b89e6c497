"""What the workload modules share: the device a run uses, the peers' libraries (each raising
:class:`Skipped` when it cannot run here), checksums that read any library's arrays, and the
two ways of taking an SGD step (functional, and in place as DeZero and PyTorch do it)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from benchmarks._harness import Case, Skipped, numpy_threads

LR = 0.1


@dataclass(frozen=True)
class Device:
    """Where a run's workloads live: ``kind`` ("cpu" or "gpu"), the array module ``xp`` (numpy or
    cupy), fnzero's backend name, PyTorch's device, ``sync()`` (waits for every queued kernel:
    each timed call ends with it), and ``quick`` (smoke run: workloads may shrink)."""

    kind: str
    xp: Any
    backend: str
    torch_device: str
    sync: Callable[[], None]
    quick: bool = False

    def put(self, tree: Any) -> Any:
        """Host NumPy arrays (any nesting of lists, tuples and dicts) as arrays of ``xp``."""
        if isinstance(tree, dict):
            return {k: self.put(v) for k, v in tree.items()}
        if isinstance(tree, (list, tuple)):
            return type(tree)(self.put(v) for v in tree)
        return self.xp.asarray(tree)


def cpu(quick: bool = False) -> Device:
    return Device("cpu", np, "numpy", "cpu", lambda: None, quick)


def gpu(quick: bool = False) -> Device:
    import cupy

    return Device("gpu", cupy, "cupy", "cuda", cupy.cuda.Device().synchronize, quick)


def why_no_gpu() -> str | None:
    """None when CuPy can run on a GPU here; otherwise why not, in one sentence."""
    try:
        import cupy
    except ImportError as e:
        return f"CuPy is not importable ({e}); install the cupy-cudaXXx wheel matching your CUDA"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDA driver missing or broken: CuPy raises its own types
        return f"CuPy found no usable GPU ({type(e).__name__}: {e})"
    return None if count > 0 else "CuPy found no GPU"


def synced(dev: Device, run: Callable[[], Any]) -> Callable[[], Any]:
    """``run`` followed by waiting for the device (nothing to wait for on the CPU)."""
    if dev.kind == "cpu":
        return run

    def call():
        out = run()
        dev.sync()
        return out

    return call


# ---- checksums ----------------------------------------------------------------------------


def host(a: Any) -> np.ndarray:
    """Any library's array as a float64 NumPy array (a copy from the device where needed)."""
    if hasattr(a, "detach"):  # torch
        a = a.detach().cpu().numpy()
    elif type(a).__module__.startswith("dezero"):
        a = a.data
    if hasattr(a, "get") and not isinstance(a, np.ndarray):  # cupy
        a = a.get()
    return np.asarray(a, np.float64)


def step_digest(init: Sequence[np.ndarray], lr: float = LR) -> Callable[[Any], float]:
    """For ``(loss, new_params)`` or ``(losses, new_params)``: the mean loss plus the L1 norm of
    the update over the learning rate (the gradient's L1 norm, for one step)."""

    def digest(out: tuple[Any, Any]) -> float:
        losses, params = out
        losses = losses if isinstance(losses, (list, tuple)) else [losses]
        moved = sum(float(np.abs(host(p) - host(p0)).sum()) for p, p0 in zip(params, init))
        return sum(float(host(v)) for v in losses) / len(losses) + moved / lr

    return digest


def sum_and_l1(tree: Any) -> float:
    """The sum and the L1 norm of every array in a dict, list or single array."""
    leaves = tree.values() if isinstance(tree, dict) else tree if isinstance(tree, (list, tuple)) else [tree]
    return sum(float(h.sum() + np.abs(h).sum()) for h in map(host, leaves))


def xent_by_hand(xp: Any, z: Any, t: Any, rows: Any) -> tuple[Any, Any]:
    """The floors' mean softmax cross-entropy of the logits ``z`` (in the array module ``xp``;
    ``rows`` is ``arange(len(t))``) and its gradient with respect to ``z``."""
    m = z.max(axis=1, keepdims=True)
    e = xp.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    value = xp.mean(m[:, 0] + xp.log(s[:, 0]) - z[rows, t])
    d = e / s
    d[rows, t] -= 1
    d /= len(t)
    return value, d


# ---- the peers' libraries -----------------------------------------------------------------


def _unavailable(name: str, error: BaseException) -> Skipped:
    return Skipped(f"{name} is not usable here ({type(error).__name__}: {error})")


def package_version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "(unknown version)"


def autograd() -> Any:
    """HIPS/autograd, or Skipped."""
    try:
        import autograd
        import autograd.numpy  # noqa: F401
        import autograd.scipy.special  # noqa: F401
    except ImportError as e:
        raise _unavailable("autograd", e) from e
    return autograd


def dezero() -> tuple[Any, Any]:
    """DeZero and its functions module, or Skipped saying why not."""
    if importlib.util.find_spec("dezero") is None:
        raise Skipped("dezero is not installed")
    if not hasattr(np, "int"):
        np.int = int  # DeZero still spells int as np.int, which NumPy 2 removed
    try:
        import dezero
        import dezero.functions as F
    except ImportError as e:
        raise _unavailable("dezero", e) from e
    return dezero, F


def torch(dev: Device) -> Any:
    """PyTorch with NumPy's BLAS thread count and full float32 arithmetic (no TF32), or Skipped."""
    try:
        import torch
    except ImportError as e:
        raise _unavailable("torch", e) from e
    if dev.torch_device == "cuda" and not torch.cuda.is_available():
        raise Skipped("torch sees no CUDA device")
    torch.set_num_threads(numpy_threads()[0])
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch


def torch_sync(dev: Device) -> Callable[[], None]:
    import torch

    return torch.cuda.synchronize if dev.torch_device == "cuda" else (lambda: None)


def jax(dev: Device) -> Any:
    """JAX with float64 enabled (the chain, Newton, the Hessian) and 'highest' matmul precision,
    on the run's device, or Skipped."""
    try:
        import jax
    except ImportError as e:
        raise _unavailable("jax", e) from e
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_default_matmul_precision", "highest")
    platform = jax.devices()[0].platform
    if dev.kind == "gpu" and platform != "gpu":
        raise Skipped(f"jax runs on {platform}, not on the GPU")
    return jax


def note(name: str, dev: Device) -> str:
    """What a reader needs to judge implementation ``name``'s numbers; Skipped when its library
    cannot run here."""
    if name == "floor":
        return f"floor: the forward and backward written by hand in {dev.xp.__name__}"
    if name in ("fnzero", "fnzero-jit"):
        import fnzero as fz

        how = "eager" if name == "fnzero" else "one fnzero.jit over each workload's call (replayed kernels)"
        return f"{name}: fnzero {fz.__version__} on its {dev.backend} backend, {how}"
    if name == "autograd":
        autograd()
        return f"autograd: autograd {package_version('autograd')}"
    if name == "dezero":
        dezero()
        return (
            f"dezero: dezero {package_version('dezero')}, the book's code, fused F.* functions, in-place SGD"
        )
    if name == "torch":
        t = torch(dev)
        extra = f", cuDNN {t.backends.cudnn.version()}, TF32 off" if dev.torch_device == "cuda" else ""
        return (
            f"torch: torch {t.__version__} eager on {dev.torch_device}{extra}, "
            f"torch.set_num_threads({t.get_num_threads()}); in-place SGD"
        )
    if name in ("jax", "jax-jit"):
        j = jax(dev)
        how = "op by op (no jit)" if name == "jax" else "one jax.jit over each workload (compiled in warm-up)"
        return f"{name}: jax {j.__version__} on {j.devices()[0].platform}, {how}; XLA's own threads"
    raise ValueError(f"unknown implementation {name!r}")


# ---- SGD steps ----------------------------------------------------------------------------


def functional_step(value_and_grad: Callable, params: Any, init: Sequence[np.ndarray], dev: Device) -> Case:
    """``value_and_grad(params)`` then ``p - LR * g``: fnzero's, autograd's and JAX's step."""

    def run():
        loss, grads = value_and_grad(params)
        return loss, [p - LR * g for p, g in zip(params, grads)]

    return Case(synced(dev, run), step_digest(init))


def put_back(params: list, init: Sequence[np.ndarray]) -> Callable[[], None]:
    """A Case.reset for parameters updated in place: copy ``init`` back into them (DeZero's
    Parameters through ``.data``, PyTorch's tensors without recording)."""

    def reset() -> None:
        if hasattr(params[0], "copy_"):  # torch
            import torch

            with torch.no_grad():
                for p, p0 in zip(params, init):
                    p.copy_(torch.as_tensor(p0, device=p.device))
        else:
            for p, p0 in zip(params, init):
                p.data[...] = p0

    return reset


def dezero_step(
    forward: Callable, init: Sequence[Any], digest_init: Sequence[np.ndarray], dev: Device
) -> Case:
    """One DeZero SGD step as the book writes it: ``forward(params)`` gives the loss, then
    cleargrad, backward() and dezero.optimizers.SGD's in-place update, on copies of ``init``
    (arrays of the device) put back before every call."""
    dz, _ = dezero()
    params = [dz.Parameter(p.copy()) for p in init]

    def run():
        loss = forward(params)
        for p in params:
            p.cleargrad()
        loss.backward()
        for p in params:  # dezero.optimizers.SGD's update
            p.data -= LR * p.grad.data
        return loss.data, [p.data for p in params]

    return Case(synced(dev, run), step_digest(digest_init), put_back(params, init))


def torch_step(forward: Callable, init: Sequence[np.ndarray], dev: Device) -> Case:
    """One PyTorch SGD step: ``forward(params)`` gives the loss, then backward() and
    torch.optim.SGD's in-place update, on tensors of ``init`` put back before every call."""
    t = torch(dev)
    params = [t.tensor(p, device=dev.torch_device, requires_grad=True) for p in init]
    sync = torch_sync(dev)

    def run():
        loss = forward(params)
        loss.backward()
        with t.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        sync()
        return loss.detach(), [p.detach() for p in params]

    return Case(run, step_digest(init), put_back(params, init))


def jax_case(j: Any, fun: Callable, *args: Any, digest: Callable[[Any], float]) -> Case:
    """``fun(*args)``, waited for (JAX dispatches asynchronously)."""
    return Case(lambda: j.block_until_ready(fun(*args)), digest)


def jax_peers(make: Callable[[Device, bool], Case]) -> dict[str, Callable[[Device], Case]]:
    """``{"jax": ..., "jax-jit": ...}`` from ``make(dev, jit)``: JAX op by op and under one jit."""
    return {"jax": lambda dev: make(dev, False), "jax-jit": lambda dev: make(dev, True)}


def jax_step(j: Any, loss: Callable, params: Any, init: Sequence[np.ndarray], jit: bool) -> Case:
    """JAX's functional SGD step of ``loss(params)``; one jax.jit over the step with ``jit``."""
    value_and_grad = j.value_and_grad(loss)

    def step(p):
        value, grads = value_and_grad(p)
        return value, [q - LR * g for q, g in zip(p, grads)]

    return jax_case(j, j.jit(step) if jit else step, params, digest=step_digest(init))


# ---- targets ------------------------------------------------------------------------------


def median(rows: dict, name: str) -> float | None:
    """Row ``name``'s median ms, None where it was not measured."""
    row = rows.get(name)
    return None if row is None else row.median_ms


def ratio(rows: dict, name: str, other: str) -> float | None:
    """Row ``name``'s median over row ``other``'s, None where either was not measured."""
    a, b = median(rows, name), median(rows, other)
    return None if a is None or b is None else a / b

"""The workloads, one module each, every one with the same interface:

- ``RTOL``: ``{device kind: relative tolerance of the checksum}``; its keys are the devices
  ("cpu", "gpu") the workload runs on;
- ``title(dev)``: the table's title (sizes, dtype, what the checksum is);
- ``floor(dev)`` (where one can be written): the hand-written forward and backward, in
  ``dev.xp`` (numpy or cupy), as a :class:`benchmarks._harness.Case`;
- ``fnzero(dev, jit)``: fnzero as its users write it, under ``fnzero.jit`` when ``jit``;
- ``PEERS``: ``{implementation: function(dev) -> Case}`` for the peers that have it
  (autograd, dezero, torch, jax, jax-jit); one whose library cannot run raises ``Skipped``.
  A key ``"NAME VARIANT"`` (``"fnzero jacrev"``, ``"autograd make_jvp"``) is another way
  implementation NAME computes the same thing, timed whenever NAME is;
- ``targets(rows, dev)`` (optional): ``PASS``/``MISS`` lines for fnzero's speed targets.

Data come from fixed seeds as host NumPy arrays; every implementation copies them to its
device. ``python -m benchmarks.run`` times them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

from benchmarks._harness import Case, Row, Settings, Skipped, measure
from benchmarks.workloads import _common
from benchmarks.workloads._common import Device

NAMES = (
    "chain",
    "newton",
    "mlp",
    "mlp_epoch",
    "cnn",
    "lstm",
    "hessian",
    "per_example",
    "conv",
    "pool",
    "rosenbrock",
    "jacfwd",
    "mlp_adam",
    "resnet",
)
# What a run times by default on each kind of device.
DEFAULT = {
    "cpu": ("chain", "newton", "mlp", "cnn", "lstm", "hessian", "per_example", "conv", "pool", "rosenbrock")
    + ("jacfwd", "mlp_adam", "resnet"),
    "gpu": ("mlp_epoch", "cnn", "chain"),
}
IMPLEMENTATIONS = ("floor", "fnzero", "fnzero-jit", "autograd", "dezero", "torch", "jax", "jax-jit")


def load(name: str) -> ModuleType:
    """The module of workload ``name``."""
    if name not in NAMES:
        raise ValueError(f"unknown workload {name!r}; choose from {', '.join(NAMES)}")
    return importlib.import_module(f"benchmarks.workloads.{name}")


def factory(workload: ModuleType, implementation: str) -> Callable[[Device], Case] | None:
    """How ``implementation`` builds ``workload``'s case, None where it has none written."""
    if implementation == "floor":
        return getattr(workload, "floor", None)
    if implementation in ("fnzero", "fnzero-jit"):
        jit = implementation == "fnzero-jit"
        return lambda dev: workload.fnzero(dev, jit)
    return workload.PEERS.get(implementation)


def usable(names: list[str], dev: Device, notes: list[str]) -> list[str]:
    """The implementations among ``names`` that can run here; each one's note (or why it is
    skipped) goes to ``notes``."""
    found = []
    for name in names:
        try:
            notes.append(_common.note(name, dev))
        except Skipped as e:
            notes.append(f"skipped {name}: {e}")
            continue
        found.append(name)
    return found


def measure_all(name: str, impls: list[str], dev: Device, settings: Settings, notes: list[str]) -> list[Row]:
    """One row per implementation of workload ``name`` that has it and can run here, in the
    order of ``impls``; what is missing or skipped goes to ``notes``."""
    module = load(name)
    rows, missing = [], []
    for impl in impls:
        own = factory(module, impl)
        if own is None:
            missing.append(impl)
        variants = [k for k in getattr(module, "PEERS", {}) if k.startswith(f"{impl} ")]
        for label, make in [(impl, own), *((k, module.PEERS[k]) for k in variants)]:
            if make is None:
                continue
            try:
                case = make(dev)
            except Skipped as e:
                notes.append(f"{name}: skipped {label}: {e}")
                continue
            rows.append(measure(label, case, settings))
    if missing:
        notes.append(f"{name}: none written for {', '.join(missing)}")
    return rows

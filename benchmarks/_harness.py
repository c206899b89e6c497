"""What every benchmark script shares: timing medians after warm-up, tables of ratios, targets.

A workload is timed once per implementation in one process on the same data. Each
implementation is a :class:`Case`: ``run()`` does the timed work once (and waits for it:
asynchronous libraries block inside ``run``), ``digest(out)`` turns the output of the first
call into one float, the checksum that shows every implementation computed the same numbers.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    """One implementation of one workload. ``reset``, where given, runs untimed before every
    call and puts back what a call changes (parameters a library updates in place), so that
    every timed call computes the same numbers: repeated SGD steps would otherwise run on
    diverged parameters (the LSTM reaches inf within ten steps)."""

    run: Callable[[], Any]
    digest: Callable[[Any], float]
    reset: Callable[[], None] | None = None


@dataclass(frozen=True)
class Implementation:
    """One library's cases, by workload name, built from the same data as every other library's.

    ``note`` says what a reader needs to judge its numbers (version, threads, how it runs).
    """

    cases: dict[str, Callable[[], Case]]
    note: str = ""


class Skipped(Exception):
    """An implementation that cannot run here (its library is not importable); says why."""


@dataclass(frozen=True)
class Settings:
    """How long to measure: ``warmup`` calls, then up to ``repeats`` timed calls, stopping early
    once ``min_repeats`` are done and ``budget_s`` seconds of timed calls have passed."""

    warmup: int
    repeats: int
    min_repeats: int
    budget_s: float


FULL = Settings(warmup=3, repeats=41, min_repeats=5, budget_s=5.0)
QUICK = Settings(warmup=1, repeats=3, min_repeats=3, budget_s=0.0)


@dataclass(frozen=True)
class Row:
    """The measurement of one implementation: median wall time, number of timed calls, checksum,
    and minor page faults per timed call (None where the OS does not count them)."""

    name: str
    median_ms: float
    runs: int
    checksum: float
    times_ms: list[float] = field(default_factory=list, repr=False)
    faults: float | None = None


def keep_freed_memory() -> str:
    """Stop glibc's allocator from handing freed memory back to the kernel between calls (its
    trim and mmap thresholds raised, as ``MALLOC_TRIM_THRESHOLD_`` and friends would at
    start-up); returns a line saying what was done.

    Otherwise a call may fault back in, and zero, pages that the previous call freed, a few
    microseconds a page, and whether it does depends on the heap layout the process happened
    to reach: a lottery that moved one workload between 1.3x and 1.9x the floor. With the
    memory kept, every implementation's time is its computation's.
    """
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return "allocator: not glibc, left as it is (page faults may distort timings)"
    kept = all(mallopt(option, value) == 1 for option, value in _KEEP_FREED_MEMORY)
    if not kept:
        return "allocator: glibc refused the thresholds (page faults may distort timings)"
    return "allocator: glibc keeps freed memory (trim and mmap thresholds 256 MiB; --default-allocator: off)"


def allocator_option(parser: argparse.ArgumentParser) -> None:
    """``--default-allocator``: time with glibc returning freed memory (see keep_freed_memory)."""
    parser.add_argument(
        "--default-allocator",
        action="store_true",
        help="leave glibc returning freed memory to the kernel (timings then include page faults)",
    )


def set_allocator(args: argparse.Namespace) -> str:
    """Keep freed memory unless ``--default-allocator`` was given; a line saying which."""
    if args.default_allocator:
        return "allocator: glibc's defaults (freed memory goes back to the kernel)"
    return keep_freed_memory()


# mallopt options (malloc.h): M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD.
_KEEP_FREED_MEMORY = ((-1, 256 * 2**20), (-2, 64 * 2**20), (-3, 256 * 2**20))


def minor_faults() -> int | None:
    """Minor page faults of this process so far: each is a page of fresh memory the kernel
    had to map and zero, which the allocator returned to it after an earlier call."""
    try:
        import resource
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def measure(name: str, case: Case, settings: Settings) -> Row:
    """Median wall-clock milliseconds of ``case.run()`` after warm-up, and its checksum.

    The first call is both the checksum's source and the first warm-up call. The garbage
    collector stays on (its cost is part of what users pay) but starts each case empty.
    """
    gc.collect()
    reset = case.reset or (lambda: None)
    reset()
    checksum = float(case.digest(case.run()))
    for _ in range(settings.warmup - 1):
        reset()
        case.run()
    times: list[float] = []
    faults = 0 if minor_faults() is not None else None
    started = time.perf_counter()
    while len(times) < settings.repeats:
        reset()
        f0, t0 = minor_faults(), time.perf_counter()
        case.run()
        times.append(time.perf_counter() - t0)
        if faults is not None:
            faults += minor_faults() - f0
        if len(times) >= settings.min_repeats and time.perf_counter() - started > settings.budget_s:
            break
    faults = None if faults is None else faults / len(times)
    times_ms = [t * 1e3 for t in times]
    return Row(name, statistics.median(times_ms), len(times), checksum, times_ms, faults)


def measure_interleaved(cases: dict[str, Case], rounds: int, warmup: int = 3) -> list[Row]:
    """Like :func:`measure` for several cases at once, taken in turn: every round calls each
    case once, so a machine whose speed drifts slows them all alike and their ratios hold.

    Each case's first call gives its checksum and counts as its first warm-up call.
    """
    resets = {name: case.reset or (lambda: None) for name, case in cases.items()}
    checksums = {}
    for name, case in cases.items():
        resets[name]()
        checksums[name] = float(case.digest(case.run()))
    for _ in range(warmup - 1):
        for name, case in cases.items():
            resets[name]()
            case.run()
    gc.collect()
    times: dict[str, list[float]] = {name: [] for name in cases}
    counted = minor_faults() is not None
    faults: dict[str, int] = dict.fromkeys(cases, 0)
    for _ in range(rounds):
        for name, case in cases.items():
            resets[name]()
            f0, t0 = minor_faults(), time.perf_counter()
            case.run()
            times[name].append((time.perf_counter() - t0) * 1e3)
            if counted:
                faults[name] += minor_faults() - f0
    return [
        Row(
            name,
            statistics.median(ts),
            rounds,
            checksums[name],
            ts,
            faults[name] / rounds if counted else None,
        )
        for name, ts in times.items()
    ]


def close(a: float, b: float, rtol: float) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=rtol)


def print_table(title: str, rows: list[Row], *, floor: str | None, subject: str, rtol: float) -> None:
    """One table: median and fastest ms, ratio to the floor (of medians, and of fastest calls),
    ratio subject/row, page faults per call, checksum.

    A checksum further than ``rtol`` (relative) from the floor's, or the subject's where
    there is no floor, is flagged ``DIFFERS``. Page faults show memory the allocator gave
    back to the OS between calls and had to fault in again: thousands a call cost
    milliseconds, and which heap layout a process ends up with decides it.
    """
    by_name = {r.name: r for r in rows}
    base = by_name.get(floor) if floor else None
    subj = by_name.get(subject)
    ref = base or subj
    header = (
        f"{'implementation':<22}{'median ms':>12}{'min ms':>11}{'runs':>6}{'x floor':>10}{'(min)':>9}"
        f"{f'{subject}/peer':>14}{'faults':>8}   checksum"
    )
    print(f"\n{title}\n{header}\n{'-' * (len(header) + 16)}")
    for r in rows:
        x_floor = f"{r.median_ms / base.median_ms:.2f}" if base else "-"
        x_floor_min = f"{min(r.times_ms) / min(base.times_ms):.2f}" if base else "-"
        vs = f"{subj.median_ms / r.median_ms:.2f}" if subj else "-"
        flag = "" if ref is None or close(r.checksum, ref.checksum, rtol) else "  DIFFERS"
        faults = "-" if r.faults is None else f"{r.faults:.0f}"
        print(
            f"{r.name:<22}{r.median_ms:>12.3f}{min(r.times_ms):>11.3f}{r.runs:>6}{x_floor:>10}{x_floor_min:>9}{vs:>14}"
            f"{faults:>8}   {r.checksum:.12g}{flag}"
        )


def target_line(label: str, value: float | None, limit: float, unit: str, *, inclusive: bool = False) -> str:
    """``PASS``/``MISS`` for ``value < limit`` (``<=`` when ``inclusive``), or not measured."""
    op = "<=" if inclusive else "<"
    if value is None:
        return f"target {label} {op} {limit:g}{unit}: not measured"
    ok = value <= limit if inclusive else value < limit
    return f"target {label} {op} {limit:g}{unit}: {value:.3f}{unit} {'PASS' if ok else 'MISS'}"


def numpy_threads() -> tuple[int, str]:
    """How many threads NumPy's BLAS uses, and how that was found out."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        blas = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
        if blas:
            return blas[0], "threadpoolctl"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var]), var
    return os.cpu_count() or 1, "os.cpu_count(), OpenBLAS' default"


def load_average() -> str:
    """The 1-minute load average: other processes on the machine distort every timing."""
    try:
        return f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    except OSError:
        return "load average: unknown"


def describe_machine(extra: Iterable[str] = ()) -> str:
    threads, source = numpy_threads()
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores, "
        f"{platform.machine()} {platform.system()}",
        f"numpy BLAS threads: {threads} (from {source})",
        load_average(),
        *extra,
    ]
    return "\n".join(lines)


def write_json(path: str, tables: dict[str, list[Row]], targets: list[str], notes: list[str]) -> None:
    """Machine-readable results: ``{workload: {implementation: row}}``, target lines, notes."""
    data = {
        "tables": {w: {r.name: asdict(r) for r in rows} for w, rows in tables.items()},
        "targets": targets,
        "notes": notes,
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=1)


def parse_choices(parser: argparse.ArgumentParser, argv: list[str] | None, **known: Sequence[str]) -> Any:
    """Parse ``argv``; each option named in ``known`` (a comma-separated string) becomes a list
    of names, every one of them among ``known[option]``, else the parser exits naming it."""
    args = parser.parse_args(argv)
    for option, choices in known.items():
        names = [n for n in getattr(args, option).split(",") if n]
        unknown = [n for n in names if n not in choices]
        if unknown:
            parser.error(f"--{option}: unknown {', '.join(unknown)}; choose from {', '.join(choices)}")
        setattr(args, option, names)
    return args

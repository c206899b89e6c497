"""fnzero.random against numpy.random.Generator: a 1,000,000-element array, one process.

Target: ``uniform(key, (10**6,))`` costs at most 2x ``Generator.random(10**6)``.
Both defaults are compared (float32 for fnzero, float64 for NumPy), and each dtype against
its own. Times are medians of interleaved rounds; the spread (min..max) shows the noise, and the
ratio of the minima is the one to trust on a busy machine.

    python -m benchmarks.random_bench [--rounds 30]
"""

from __future__ import annotations

import argparse

import numpy as np

import fnzero.random as fr
from benchmarks._harness import Case, measure_interleaved

N = 1_000_000


def _mean(sample) -> float:
    return float(np.mean(sample))


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    key = fr.key(0)
    cases = {
        "numpy Generator.random (float64, its default)": lambda: rng.random(N),
        "numpy Generator.random(dtype=float32)": lambda: rng.random(N, dtype=np.float32),
        "numpy Generator.standard_normal (float32)": lambda: rng.standard_normal(N, dtype=np.float32),
        "fnzero uniform (float32, its default)": lambda: fr.uniform(key, (N,)),
        "fnzero uniform(dtype=float64)": lambda: fr.uniform(key, (N,), np.float64),
        "fnzero normal (float32)": lambda: fr.normal(key, (N,)),
        "fnzero bits (uint32)": lambda: fr.bits(key, (N,)),
    }
    rows = measure_interleaved({name: Case(f, _mean) for name, f in cases.items()}, args.rounds, warmup=1)
    times = {r.name: r.times_ms for r in rows}
    medians = {r.name: r.median_ms for r in rows}
    print(f"{N:,} samples, median of {args.rounds} interleaved rounds (min..max):")
    for name, t in times.items():
        print(f"  {name:48s} {medians[name]:7.2f} ms  ({min(t):.2f}..{max(t):.2f})")
    pairs = {
        "uniform float32 / Generator.random() (defaults)": (
            "fnzero uniform (float32, its default)",
            "numpy Generator.random (float64, its default)",
        ),
        "uniform float32 / Generator.random(float32)": (
            "fnzero uniform (float32, its default)",
            "numpy Generator.random(dtype=float32)",
        ),
        "uniform float64 / Generator.random() float64": (
            "fnzero uniform(dtype=float64)",
            "numpy Generator.random (float64, its default)",
        ),
        "normal float32 / Generator.standard_normal(float32)": (
            "fnzero normal (float32)",
            "numpy Generator.standard_normal (float32)",
        ),
    }
    ratios = {name: medians[a] / medians[b] for name, (a, b) in pairs.items()}
    print(f"{'ratio':60s} {'medians':>8s} {'minima':>8s}")
    for name, (a, b) in pairs.items():
        print(f"  {name:58s} {ratios[name]:7.2f}x {min(times[a]) / min(times[b]):7.2f}x")
    first = next(iter(ratios.values()))
    print(f"target uniform <= 2x Generator.random: {'met' if first <= 2 else 'NOT met'} ({first:.2f}x)")
    return ratios


if __name__ == "__main__":
    main()

"""Time and peak memory to build VGG16 (138 million parameters), each measured in a fresh
subprocess so one build's memory does not hide another's: a random model from a key, and
``truncated_normal`` against ``normal`` on fc6's (25088, 4096) weight. Peak memory is the
process's maximum resident set (``resource.getrusage``), which includes the interpreter
and NumPy (about 60 MiB). CPU seconds (``time.process_time``, user + system, page faults
included) are printed beside the wall-clock ones: on a shared machine they move less.

    python -m benchmarks.vgg16_build [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CASES = {
    "VGG16(key=...)": "from fnzero.nn.models import VGG16; VGG16(key=fz.random.key(0){small})",
    "truncated_normal fc6": "fz.random.truncated_normal(fz.random.key(0), -2.0, 2.0, {shape})",
    "normal fc6": "fz.random.normal(fz.random.key(0), {shape})",
}

CHILD = """
import os, resource, sys, tempfile, time
import fnzero as fz
tmp = tempfile.mkdtemp()
t0, c0 = time.perf_counter(), time.process_time()
{body}
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(seconds, cpu, peak)
"""


def measure(body: str) -> tuple[float, float, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(body=body)], capture_output=True, text=True, env=env, check=True
    )
    seconds, cpu, peak = out.stdout.split()[-3:]
    return float(seconds), float(cpu), float(peak)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a VGG16 of width 8 and a 1/16 fc6 (smoke test)")
    parser.add_argument("--json", default=None, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    small = ", width=8, fc_width=256, image_size=32" if args.quick else ""
    shape = "(1568, 4096)" if args.quick else "(25088, 4096)"
    print(f"{'case':<24}{'seconds':>10}{'cpu s':>10}{'peak MiB':>12}")
    results = {}
    for name, template in CASES.items():
        seconds, cpu, peak = measure(template.format(small=small, shape=shape))
        results[name] = {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak}
        print(f"{name:<24}{seconds:>10.2f}{cpu:>10.2f}{peak:>12.0f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

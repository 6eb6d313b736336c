"""Gray-level benchmarks: vqpress against scikit-learn, kmeans1d and Pillow, and the .vqz
file against palette PNG and lossless WebP, side by side in one process.

Usage::

    python benchmarks/bench_core.py            # full run (about two minutes)
    python benchmarks/bench_core.py --quick    # fewer repeats, no kmeans1d on the big cases

Prints markdown tables (with the machine and versions) for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import date
from importlib import metadata


def versions() -> str:
    names = ["vqpress", "numpy", "pillow", "scikit-learn", "kmeans1d", "constriction"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def interleaved(cases: dict, rounds: int, repeat: int) -> dict:
    """Median seconds of each case, the cases run in turn ``rounds`` times (each a median of
    ``repeat`` calls), so a change in the machine's load falls on every case alike."""
    import time

    import numpy as np

    samples = {name: [] for name in cases}
    for _ in range(rounds):
        for name, func in cases.items():
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                func()
                times.append(time.perf_counter() - start)
            samples[name].append(float(np.median(times)))
    return {name: float(np.median(v)) for name, v in samples.items()}


def floor_table(quick: bool) -> str:
    """Issue 13, item 5: ``optimal`` fit + encode of the 8-level gray face against its
    unavoidable part (the histogram and one look-up-table pass, by the compiled kernels),
    and 1,000,000 distinct float64 values at 16 levels against kmeans1d."""
    import numpy as np

    import vqpress
    from vqpress._counting import count_patterns
    from vqpress._lookup import apply_table

    face = vqpress.datasets.face(gray=True)
    cb = vqpress.fit(face, 8, "optimal")
    table = cb._table(face.dtype, cb.code_dtype)
    flat, out = face.reshape(-1), np.empty(face.size, dtype=np.uint8)

    def floor():
        count_patterns(flat, np.zeros(256, dtype=np.int64))
        apply_table(flat, table, out)

    t = interleaved({"fit+encode": lambda: vqpress.fit(face, 8, "optimal").encode(face), "floor": floor,
                     "compress": lambda: vqpress.compress(face, 8, "optimal")},
                    rounds=5 if quick else 11, repeat=20)
    lines = [
        "| case | vqpress (ms) | reference | reference (ms) | ratio | target |",
        "|---|---:|---|---:|---:|---|",
        f"| face, 8 levels, optimal fit + encode | {t['fit+encode'] * 1e3:.3f} | histogram + one table pass "
        f"(compiled) | {t['floor'] * 1e3:.3f} | {t['fit+encode'] / t['floor']:.2f}x | <= 2x |",
        f"| face, 8 levels, optimal compress (fit, encode, pack) | {t['compress'] * 1e3:.3f} | the same | "
        f"{t['floor'] * 1e3:.3f} | {t['compress'] / t['floor']:.2f}x | - |",
    ]
    try:
        import kmeans1d
    except ImportError:
        lines.append("| 1,000,000 distinct float64, 16 levels | - | kmeans1d (not installed) | - | - | >= 5x faster |")
        return "\n".join(lines)
    values = np.random.default_rng(0).standard_normal(1_000_000)
    t = interleaved({"vqpress": lambda: vqpress.fit(values, 16, "optimal").encode(values),
                     "kmeans1d": lambda: kmeans1d.cluster(values, 16)}, rounds=1 if quick else 3, repeat=1)
    lines.append(f"| 1,000,000 distinct float64, 16 levels, optimal fit + encode | {t['vqpress'] * 1e3:.0f} | "
                 f"kmeans1d (exact) | {t['kmeans1d'] * 1e3:.0f} | {t['kmeans1d'] / t['vqpress']:.1f}x faster | "
                 ">= 5x faster |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats; skip kmeans1d on the big cases")
    args = parser.parse_args(argv)

    from vqpress import bench

    def progress(step):
        print(f"  ... {step}", file=sys.stderr, flush=True)

    print(f"Measured {date.today().isoformat()} on {machine()}; load average "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}.  ")
    print(f"Versions: {versions()}.")
    print()
    print("### Gray at the floor (issue 13): medians of interleaved runs")
    print()
    print(floor_table(args.quick))
    print()
    print("### Speed: fit + encode, gray (medians; MSE of the float reconstruction)")
    print()
    print(bench.format_table(bench.run_benchmarks(quick=args.quick, progress=progress, extended=False)))
    print()
    print("### Size: .vqz against palette PNG and lossless WebP (gray face, optimal levels)")
    print()
    print(bench.format_storage_table(bench.storage_cases(5 if args.quick else 11, progress)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

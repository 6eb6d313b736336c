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
    names = ["vqpress", "numpy", "pillow", "scikit-learn", "kmeans1d", "constriction", "numba"]
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats; skip kmeans1d on the big cases")
    args = parser.parse_args(argv)

    from vqpress import bench

    def progress(step):
        print(f"  ... {step}", file=sys.stderr, flush=True)

    print(f"Measured {date.today().isoformat()} on {machine()}.  ")
    print(f"Versions: {versions()}.")
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

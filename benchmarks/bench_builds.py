"""The payload coder of two builds of vqpress side by side (say main's checkout and a branch's),
on the palette cases of ``bench_entropy.py`` at the default effort or ``--effort`` (or, with
``--gray``, its gray cases and the colour ramp, face rgb 16): for a change that keeps the bytes
and should only make them faster.

Each build runs in a worker process of its own (this Python with that tree's ``src`` first
on its path, its compiled modules built in place); the runs alternate between the two (A B,
then B A), on ONE thread. Times are medians of CPU time (``time.process_time``) of
``cm.encode`` / ``cm.decode`` as ``bench_entropy.py`` times them (the symbol order
included); the workers check that both builds write the same bytes and decode them back.

    python benchmarks/bench_builds.py OLD_SRC NEW_SRC [--runs 9] [--quick] [--colours 64,256] [--gray] [--effort 2]

e.g. ``python benchmarks/bench_builds.py /work/main/src src``. Needs scikit-image (the
``bench`` extra) for the photographs.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent

# a worker: the cases from an .npz (name -> codes, symbols in the name's last word, gray levels
# (ordered) when the name has "_gray_"), then one line a command, "enc NAME" / "dec NAME", answered with CPU seconds; first it prints a digest
# of its payloads
_WORKER = r"""
import hashlib, os, sys, time
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
src, path, effort = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, src)
import numpy as np
import vqpress
from vqpress.coding import cm
if not cm.__file__.startswith(src):
    sys.exit(f"vqpress came from {cm.__file__}, not {src}")
cases = dict(np.load(path))
n_of = {name: int(name.rsplit("_", 1)[1]) for name in cases}
ordered_of = {name: "_gray_" in name for name in cases}
data = {name: cm.encode(codes, n_of[name], ordered=ordered_of[name], effort=effort) for name, codes in cases.items()}
print(hashlib.sha256(b"".join(data[k] for k in sorted(data))).hexdigest(), flush=True)
with vqpress.thread_limit(1):
    for line in sys.stdin:
        what, name = line.split()
        codes, n = cases[name], n_of[name]
        t0 = time.process_time()
        if what == "enc":
            ok = cm.encode(codes, n, ordered=ordered_of[name], effort=effort) == data[name]
        else:
            ok = np.array_equal(cm.decode(data[name], codes.shape, n), codes)
        t = time.process_time() - t0
        print(t if ok else "wrong", flush=True)
"""


def gray_cases(quick: bool = False):
    """(name, codes, n) of every gray case of ``bench_entropy.py`` and of its colour ramp
    (face rgb 16, coded by the ordered model in the palette's order)."""
    from bench_entropy import cases

    for name, c in cases(quick):
        if c.codebook.channels == 0 or name == "face rgb 16":
            codes = c.codes()
            yield name, codes.reshape(-1, codes.shape[-1]), c.codebook.n_colors


class Worker:
    """One build's worker process."""

    def __init__(self, src: str, cases_path: str, effort: int):
        self.src = str(pathlib.Path(src).resolve())
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH="")
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER, self.src, cases_path, str(effort)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.digest = self.proc.stdout.readline().strip()
        if not self.digest:
            raise SystemExit(f"the worker of {self.src} failed")

    def seconds(self, what: str, name: str) -> float:
        self.proc.stdin.write(f"{what} {name}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer == "wrong":
            raise SystemExit(f"{self.src}: {what} of {name} did not give the payload or the map back")
        return float(answer)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="the src folder of build A")
    ap.add_argument("new", help="the src folder of build B")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--quick", action="store_true", help="the face only")
    ap.add_argument("--colours", default="64,256", help="only these palette sizes")
    ap.add_argument("--effort", type=int, default=2, help="the effort both builds encode at (0..9)")
    ap.add_argument("--gray", action="store_true",
                    help="the gray cases and the colour ramp (face rgb 16) instead of the palettes")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from bench_entropy import machine_line
    from bench_palette_level3 import palette_cases

    colours = {int(v) for v in args.colours.split(",")}
    # names end in the number of colours ("face rgb 256"), which the workers read back
    found = gray_cases(args.quick) if args.gray else palette_cases(args.quick, colours)
    cases = {name.replace(" ", "_"): codes for name, codes, _ in found}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cases.npz")
        np.savez(path, **cases)
        a, b = Worker(args.old, path, args.effort), Worker(args.new, path, args.effort)
        print(machine_line(args.runs, "", "interleaved runs, CPU time, one thread"))
        print(f"A = {a.src}, B = {b.src}; effort {args.effort}; the same payloads: "
              f"{'yes' if a.digest == b.digest else 'NO'}\n")
        print("| case | A enc / dec MPix/s | B enc / dec MPix/s | B / A enc | B / A dec |")
        print("|---|---:|---:|---:|---:|")
        ratios = {"enc": [], "dec": []}
        for name, codes in cases.items():
            times = {(w, what): [] for w in "ab" for what in ("enc", "dec")}
            for r in range(args.runs):
                for what in ("enc", "dec"):
                    for w, worker in (("a", a), ("b", b)) if r % 2 == 0 else (("b", b), ("a", a)):
                        times[w, what].append(worker.seconds(what, name))
            t = {k: statistics.median(v) for k, v in times.items()}
            mpx = codes.size / 1e6
            print(f"| {name.replace('_', ' ')} "
                  f"| {mpx / t['a', 'enc']:.1f} / {mpx / t['a', 'dec']:.1f} "
                  f"| {mpx / t['b', 'enc']:.1f} / {mpx / t['b', 'dec']:.1f} "
                  f"| {t['a', 'enc'] / t['b', 'enc']:.3f} | {t['a', 'dec'] / t['b', 'dec']:.3f} |", flush=True)
            for what in ratios:
                ratios[what].append(t['a', what] / t['b', what])
        print(f"| geometric mean | | | {statistics.geometric_mean(ratios['enc']):.3f} "
              f"| {statistics.geometric_mean(ratios['dec']):.3f} |")
        a.close()
        b.close()


if __name__ == "__main__":
    main()

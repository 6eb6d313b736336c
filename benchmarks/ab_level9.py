"""Interleaved A/B of cm level 9 against levels 5 and 8 (effort 2's choice without level 9) on
maps of 4 gray levels: the face and held-out pictures (PNG paths on the command line), one
thread. Prints payload bytes, the whole .vqz's bytes at effort 2, and encode/decode MPix/s
medians of ``--runs`` interleaved rounds.

    OPENBLAS_NUM_THREADS=1 python benchmarks/ab_level9.py --runs 7 /path/camera.png ...
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from unittest import mock

import numpy as np
from PIL import Image

import vqpress
from vqpress.coding import cm

from bench_entropy import gray_of


@contextlib.contextmanager
def at_level(level):
    """cm.encode codes gray maps at exactly ``level`` (effort 2's table otherwise)."""
    settings = dict(cm._EFFORT_SETTINGS)
    settings[2] = (level, *settings[2][1:])
    with mock.patch.dict(cm._EFFORT_SETTINGS, settings), mock.patch.dict(cm._FEW_LEVELS, clear=True):
        yield


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pictures", nargs="*")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--levels", default="5,8,9")
    args = ap.parse_args()
    levels = [int(v) for v in args.levels.split(",")]
    maps = [("face", vqpress.compress(gray_of(vqpress.datasets.face()), 4))]  # bench_entropy's "face gray 4"
    for path in args.pictures:
        img = np.asarray(Image.open(path).convert("L"))
        maps.append((path.rsplit("/", 1)[-1].split(".")[0], vqpress.compress(img, 4)))
    with vqpress.thread_limit(1):
        for name, c in maps:
            codes = c.codes()
            n = c.codebook.n_colors
            enc = {lv: [] for lv in levels}
            dec = {lv: [] for lv in levels}
            data = {}
            for _ in range(args.runs):
                for lv in levels:
                    with at_level(lv):
                        t = time.process_time()
                        data[lv] = cm.encode(codes, n, ordered=True)
                        enc[lv].append(time.process_time() - t)
                    t = time.process_time()
                    back = cm.decode(data[lv], codes.shape, n)
                    dec[lv].append(time.process_time() - t)
                    assert np.array_equal(back, codes)
            mpx = codes.size / 1e6
            base = len(data[levels[0]])
            file2 = len(c.to_bytes("cm", effort=2))
            print(f"{name} {codes.shape} n={n} .vqz(e2)={file2:,}")
            for lv in levels:
                got = cm.describe(data[lv])["level"]
                print(f"  level {lv} (wrote {got}): {len(data[lv]):,} B ({len(data[lv]) / base:.4f}x)"
                      f"  enc {mpx / statistics.median(enc[lv]):.1f}  dec {mpx / statistics.median(dec[lv]):.1f} MPix/s")


if __name__ == "__main__":
    main()

"""Level 3 of the cm coding (the palette model with symbol tables) against level 2 (the fast
model), on every palette case of ``bench_entropy.py``: the raccoon face and four scikit-image
photographs at 16, 64 and 256 colours, at the default effort.

Both levels run in this one process, interleaved run by run (level 2 by switching level 3
off for the run: the default effort's palette level in ``cm._EFFORT_SETTINGS``), on ONE thread; times are medians of CPU
time (``time.process_time``) of the payload coder alone (``cm.encode`` / ``cm.decode``, as
``bench_entropy.py`` times it), sizes are the payloads' bytes (exact).

    python benchmarks/bench_palette_level3.py [--runs 5] [--quick]

Needs scikit-image (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time
from unittest import mock

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import vqpress  # noqa: E402
from bench_entropy import DECODE_TARGET, ENCODE_TARGET, cases, machine_line  # noqa: E402
from vqpress.coding import cm  # noqa: E402


def palette_cases(quick: bool = False):
    """(name, codes, n) of every palette case."""
    for name, c in cases(quick, kinds=("rgb",)):
        yield name, c.codes().reshape(-1, c.codes().shape[-1]), c.codebook.n_colors


def run(codes: np.ndarray, n: int, level3: bool) -> tuple[int, float, float]:
    """Payload bytes, encode and decode CPU seconds at the default effort."""
    ordered, _, bits, both, strip = cm._EFFORT_SETTINGS[cm.DEFAULT_EFFORT]
    settings = {cm.DEFAULT_EFFORT: (ordered, 3 if level3 else 2, bits, both, strip)}
    with mock.patch.dict(cm._EFFORT_SETTINGS, settings):
        t0 = time.process_time()
        data = cm.encode(codes, n, ordered=False)
        t_enc = time.process_time() - t0
    assert cm.describe(data)["level"] == (3 if level3 else 2)
    t0 = time.process_time()
    back = cm.decode(data, codes.shape, n)
    t_dec = time.process_time() - t0
    assert np.array_equal(back, codes)
    return len(data), t_enc, t_dec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="the face only")
    args = ap.parse_args()
    print(machine_line(args.runs, f"; effort {cm.DEFAULT_EFFORT}", "interleaved runs, CPU time, one thread"))
    print("| case | level 2 bytes | level 3 bytes | L3 / L2 | L2 enc / dec MPix/s | L3 enc / dec MPix/s "
          "| speed-up enc / dec |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    ratios, speedups = [], []
    with vqpress.thread_limit(1):
        for name, codes, n in palette_cases(args.quick):
            res = {2: [], 3: []}
            for _ in range(args.runs):
                for level in (2, 3):
                    res[level].append(run(codes, n, level == 3))
            mpx = codes.size / 1e6
            size = {lv: res[lv][0][0] for lv in res}
            enc = {lv: mpx / np.median([r[1] for r in res[lv]]) for lv in res}
            dec = {lv: mpx / np.median([r[2] for r in res[lv]]) for lv in res}
            ratios.append(size[3] / size[2])
            speedups.append((enc[3] / enc[2], dec[3] / dec[2]))
            flag = "" if enc[3] >= ENCODE_TARGET and dec[3] >= DECODE_TARGET else " *"
            print(f"| {name} | {size[2]:,} | {size[3]:,} | {size[3] / size[2]:.3f} | {enc[2]:.1f} / {dec[2]:.1f} "
                  f"| {enc[3]:.1f} / {dec[3]:.1f}{flag} | {enc[3] / enc[2]:.2f} / {dec[3] / dec[2]:.2f} |",
                  flush=True)
    sp = np.array(speedups)
    print(f"\nsize L3 / L2: geomean {np.exp(np.mean(np.log(ratios))):.3f}, max {max(ratios):.3f}; speed-up "
          f"geomean encode {np.exp(np.mean(np.log(sp[:, 0]))):.2f}, decode {np.exp(np.mean(np.log(sp[:, 1]))):.2f}"
          f"; * below the targets ({ENCODE_TARGET:.0f} / {DECODE_TARGET:.0f} MPix/s)")


if __name__ == "__main__":
    main()

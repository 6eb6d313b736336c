"""Two levels of the cm coding's palette model side by side (by default level 3, the palette
model with symbol tables, against level 2, the fast model), on every palette case of
``bench_entropy.py``: the raccoon face and four scikit-image photographs at 16, 64 and 256
colours, at the default effort (or another: ``--effort``).

Both levels run in this one process, interleaved run by run (each by setting the effort's
palette level in ``vqpress.coding.choice.EFFORT_SETTINGS``, for every palette size; levels 0 and 1, which have hashed tables,
with the table bits of efforts 3 and 5), on ONE thread; times are medians of CPU time
(``time.process_time``) of the payload coder alone (``cm.encode`` / ``cm.decode``, as
``bench_entropy.py`` times it: the symbol order included), sizes are the payloads' bytes
(exact).

    python benchmarks/bench_palette_level3.py [--runs 5] [--quick] [--levels 2,3] [--colours 64,256] [--effort 2]

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
from vqpress.coding import choice as cm_choice, cm  # noqa: E402

#: table bits of the levels with hashed tables (those of efforts 3 and 5)
_HASHED_BITS = {0: 12, 1: 14}


def palette_cases(quick: bool = False, colours=None):
    """(name, codes, n) of every palette case (of ``colours`` colours, if given)."""
    for name, c in cases(quick, kinds=("rgb",)):
        if colours is None or c.codebook.n_colors in colours:
            yield name, c.codes().reshape(-1, c.codes().shape[-1]), c.codebook.n_colors


def run(codes: np.ndarray, n: int, level: int, effort: int = cm.DEFAULT_EFFORT) -> tuple[int, float, float]:
    """Payload bytes, encode and decode CPU seconds at ``effort`` (its symbol order: refined
    from effort 3 on), palettes at ``level`` whatever their size (no palette taken for a
    colour ramp)."""
    ordered, _, bits, both, strip = cm_choice.EFFORT_SETTINGS[effort]
    settings = {effort: (ordered, level, _HASHED_BITS.get(level, bits), both, strip)}
    with mock.patch.dict(cm_choice.EFFORT_SETTINGS, settings), mock.patch.object(cm_choice, "_RAMP_STEP", 0.0), \
            mock.patch.object(cm_choice, "_FEW_COLOURS", {}), mock.patch.object(cm_choice, "DEFAULT_TOO", frozenset()):
        t0 = time.process_time()
        data = cm.encode(codes, n, ordered=False, effort=effort)
        t_enc = time.process_time() - t0
    assert cm.describe(data)["level"] == level
    t0 = time.process_time()
    back = cm.decode(data, codes.shape, n)
    t_dec = time.process_time() - t0
    assert np.array_equal(back, codes)
    return len(data), t_enc, t_dec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="the face only")
    ap.add_argument("--levels", default="2,3", help="the level to compare against, then the new one")
    ap.add_argument("--colours", default=None, help="only these palette sizes, e.g. 64,256")
    ap.add_argument("--effort", type=int, default=cm.DEFAULT_EFFORT, help="the effort whose settings (and symbol "
                    "order) both levels take")
    args = ap.parse_args()
    a, b = (int(v) for v in args.levels.split(","))
    colours = None if args.colours is None else {int(v) for v in args.colours.split(",")}
    print(machine_line(args.runs, f"; effort {args.effort}", "interleaved runs, CPU time, one thread"))
    print(f"| case | level {a} bytes | level {b} bytes | L{b} / L{a} | L{a} enc / dec MPix/s | L{b} enc / dec MPix/s "
          "| speed-up enc / dec |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    ratios, speedups = [], []
    with vqpress.thread_limit(1):
        for name, codes, n in palette_cases(args.quick, colours):
            res = {a: [], b: []}
            for _ in range(args.runs):
                for level in (a, b):
                    res[level].append(run(codes, n, level, args.effort))
            mpx = codes.size / 1e6
            size = {lv: res[lv][0][0] for lv in res}
            enc = {lv: mpx / np.median([r[1] for r in res[lv]]) for lv in res}
            dec = {lv: mpx / np.median([r[2] for r in res[lv]]) for lv in res}
            ratios.append(size[b] / size[a])
            speedups.append((enc[b] / enc[a], dec[b] / dec[a]))
            flag = "" if enc[b] >= ENCODE_TARGET and dec[b] >= DECODE_TARGET else " *"
            print(f"| {name} | {size[a]:,} | {size[b]:,} | {size[b] / size[a]:.3f} | {enc[a]:.1f} / {dec[a]:.1f} "
                  f"| {enc[b]:.1f} / {dec[b]:.1f}{flag} | {enc[b] / enc[a]:.2f} / {dec[b] / dec[a]:.2f} |",
                  flush=True)
    sp = np.array(speedups)
    print(f"\nsize L{b} / L{a}: geomean {np.exp(np.mean(np.log(ratios))):.3f}, max {max(ratios):.3f}; speed-up "
          f"geomean encode {np.exp(np.mean(np.log(sp[:, 0]))):.2f}, decode {np.exp(np.mean(np.log(sp[:, 1]))):.2f}"
          f"; * below the targets ({ENCODE_TARGET:.0f} / {DECODE_TARGET:.0f} MPix/s)")


if __name__ == "__main__":
    main()

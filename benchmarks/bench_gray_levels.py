"""The cm coding's levels for gray pictures side by side at the default effort: two levels of
the ordered model (default: level 4, the walk around the MED prediction, and level 5, its
residual as one symbol of averaged tables, the default's for gray), against JPEG XL e9.

The gray cases of ``bench_entropy.py`` (the raccoon face at 4, 8, 16 optimal levels and four
photographs at 8). Sizes are whole ``.vqz`` files (exact); speeds are those of the payload coder
alone (``vqpress.coding.cm.encode`` / ``decode``), CPU time on ONE thread, the two levels
interleaved run by run in this one process, medians of ``--runs`` runs, and their ratio. The
last column codes the second level in strips of 2^18 pixels: its size cost against one strip,
and the coder's speed with them on all threads (wall clock).

    python benchmarks/bench_gray_levels.py [--runs 7] [--quick] [--levels 4,5] [--held-out DIR]
                                           [--counts 4]

``--held-out DIR`` adds every ``DIR/*.png`` (made gray by SciPy's face formula if in colour)
at 8 and 16 optimal levels (``--counts``: at those numbers of levels, and only the cases of
them): pictures the coders were never tuned on.

Needs the ``bench`` extra (imagecodecs, scikit-image).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pathlib
import sys
import time
from unittest import mock

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "src"))
import vqpress  # noqa: E402
from bench_entropy import cases, gray_of, machine_line  # noqa: E402
from vqpress.coding import choice as cm_choice, cm  # noqa: E402

EFFORT = 2


@contextlib.contextmanager
def coded_as(level):
    """cm.encode with the ordered model at ``level`` at effort EFFORT (maps of up to 4 levels
    too: level 8 is not replaced by level 9 there)."""
    _, palette, bits, both, strip = cm_choice.EFFORT_SETTINGS[EFFORT]
    with mock.patch.dict(cm_choice.EFFORT_SETTINGS, {EFFORT: (level, palette, bits, both, strip)}), \
            mock.patch.dict(cm_choice._FEW_LEVELS, clear=True):
        yield


def held_out(folder, counts=(8, 16)):
    """(name, quantized Compressed) of every PNG in ``folder`` at each of ``counts`` gray levels."""
    if not folder:
        return
    from PIL import Image

    for path in sorted(pathlib.Path(folder).glob("*.png")):
        img = np.asarray(Image.open(path))
        gray = gray_of(img[..., :3]) if img.ndim == 3 else img
        for k in counts:
            yield f"{path.stem} gray {k}", vqpress.compress(gray, k)


def _wall(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="the face only")
    ap.add_argument("--levels", default="4,5", help="the two levels of the ordered model compared (2, 4, 5, 8, 9, "
                    "11: effort 2's choice of level 5, 8 or 11 (13 above 8 levels), 13: of level 5, 8 or 13)")
    ap.add_argument("--held-out", metavar="DIR", help="also every DIR/*.png at 8 and 16 gray levels")
    ap.add_argument("--counts", help="only the cases of these numbers of levels (held-out ones at them), e.g. 4")
    args = ap.parse_args()
    counts = tuple(int(v) for v in args.counts.split(",")) if args.counts else None
    first, second = (int(v) for v in args.levels.split(","))
    # (label, level of the ordered model) of the compared codings, both at effort 2;
    # cm.describe names the level each one wrote
    codings = ((f"level {first}", first), (f"level {second}", second))
    a, b = f"L{first}", f"L{second}"
    import imagecodecs

    print(machine_line(args.runs, f", imagecodecs {imagecodecs.__version__}", "interleaved runs, CPU time, one thread"))
    print("| case | JXL e9 bytes | " + " | ".join(f"{label}: bytes, / e9" for label, _ in codings)
          + f" | {b} / {a} size | coder enc MPix/s {a} -> {b} (ratio) | coder dec MPix/s {a} -> {b} (ratio) "
          f"| {b} in 2^18-pixel strips: size cost, all threads enc / dec MPix/s |")
    print("|---|---:|" + "---:|" * len(codings) + "---:|---:|---:|---:|")
    ratios = {"size": [], "enc": [], "dec": []}
    picked = [(name, c) for name, c in cases(args.quick, kinds=("gray",))
              if counts is None or c.codebook.n_colors in counts]
    for name, c in [*picked, *held_out(args.held_out, counts or (8, 16))]:
        jxl = len(imagecodecs.jpegxl_encode(c.decompress(), lossless=True, effort=9, numthreads=1))
        codes = c.codes().reshape(-1, c.codes().shape[-1])
        n = c.codebook.n_colors
        files, payloads = [], []
        for _, e in codings:
            with coded_as(e):
                files.append(len(c.to_bytes("cm", effort=EFFORT)))
                payloads.append(cm.encode(codes, n, ordered=True, effort=EFFORT))
        written = [cm.describe(p)["level"] for p in payloads]
        # level 8 writes level 5 when it keeps level 5's parameters; asked for level 11, the
        # encoder writes level 5, 8 or 11 (level8.choose_level; 13's successor 20 instead of 11 above
        # 8 levels), asked for level 13, level 5, 8 or 13 (or 20)
        assert all(w == e or (e == 8 and w == 5) or (e == 11 and w in (5, 8, 13, 20)) or (e == 13 and w in (5, 8, 20))
                   for w, (_, e) in zip(written, codings))
        for w, p in zip(written, payloads):
            if w in (8, 11, 13, 20):  # which parameters level 8, 11, 13 or 20 chose
                name += f" (L{w} {','.join(map(str, p[12 + n:12 + n + 5]))})"
        if second in (8, 11, 13, 20) and written[1] == 5:
            name += f" (L{second} wrote L5)"
        enc = [[] for _ in codings]
        dec = [[] for _ in codings]
        with vqpress.thread_limit(1):
            for _ in range(args.runs):
                for i, (_, e) in enumerate(codings):
                    with coded_as(e):
                        t0 = time.process_time()
                        cm.encode(codes, n, ordered=True, effort=EFFORT)
                        enc[i].append(time.process_time() - t0)
                    t0 = time.process_time()
                    back = cm.decode(payloads[i], codes.shape, n)
                    dec[i].append(time.process_time() - t0)
                    assert np.array_equal(back, codes)
        mpx = codes.size / 1e6
        e2, e4 = (mpx / np.median(t) for t in enc)
        d2, d4 = (mpx / np.median(t) for t in dec)
        ratios["size"].append(files[1] / files[0])
        ratios["enc"].append(e4 / e2)
        ratios["dec"].append(d4 / d2)
        rows = cm.strip_rows_for(*codes.shape, 1 << 18)
        with coded_as(second):
            whole = len(cm.encode(codes, n, ordered=True, effort=EFFORT, strip_rows=codes.shape[0]))
            strips = cm.encode(codes, n, ordered=True, effort=EFFORT, strip_rows=rows)
            t_e = np.median([_wall(lambda: cm.encode(codes, n, ordered=True, effort=EFFORT, strip_rows=rows))
                             for _ in range(args.runs)])
        t_d = np.median([_wall(lambda: cm.decode(strips, codes.shape, n)) for _ in range(args.runs)])
        sizes = " | ".join(f"{f:,}, {f / jxl:.3f}" for f in files)
        print(f"| {name} | {jxl:,} | {sizes} | {files[1] / files[0]:.3f} | {e2:.1f} -> {e4:.1f} ({e4 / e2:.2f}x) "
              f"| {d2:.1f} -> {d4:.1f} ({d4 / d2:.2f}x) | {-(-codes.shape[0] // rows)} strips: "
              f"{len(strips) / whole - 1:+.1%}, {mpx / t_e:.1f} / {mpx / t_d:.1f} |", flush=True)
    g = {k: float(np.exp(np.mean(np.log(v)))) for k, v in ratios.items()}
    print(f"\ngeomean {b} / {a}: size {g['size']:.3f}, encode speed {g['enc']:.2f}x, decode speed {g['dec']:.2f}x")


if __name__ == "__main__":
    main()

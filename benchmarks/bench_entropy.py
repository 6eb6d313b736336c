"""The .vqz payload codings against the best standard lossless codecs, on the same pictures.

Every case is a quantized picture: the raccoon face in gray with 4, 8, 16 optimal levels and
in colour with 16, 64, 256 k-means colours, and four photographs bundled with scikit-image
(astronaut, coffee, chelsea, rocket) in gray with 8 levels and in colour with 16, 64, 256
colours, all quantized by ``vqpress.compress`` (its defaults). Each codec stores that same
quantized picture losslessly:

* ``.vqz`` with the cm coding at each effort 0..9 (``Compressed.to_bytes("cm", effort=e)``,
  the whole file: header, codebook, payload, checksums), and with the context coding of
  format 1.0 (``--old``);
* JPEG XL lossless at efforts 1, 7 and 9 (libjxl through ``imagecodecs``);
* lossless WebP, method 6 (libwebp through ``imagecodecs``);
* palette PNG, optimized (Pillow, ``optimize=True``, 1/2/4/8 bits per index).

Sizes are bytes; times are medians over ``--runs`` runs in this one process, of CPU time
(``time.process_time``: another job on a shared machine slows it less than the wall clock),
on ONE thread for every codec (``vqpress.thread_limit(1)``, ``numthreads=1``); MPix/s of
.vqz are those of its payload coder alone (``vqpress.coding.cm.encode(..., compact=True)``,
the payload files hold, its choice of scan included, and ``decode``: the issue's speed
targets), its file times include the container. The summary adds the size
cost of coding the picture in strips of 2^18 pixels (the default makes strips of 2^20) and
the coder's speed with them on all threads (wall clock).

``--more`` adds pictures outside the issue's cases (scikit-image's brick and text in gray
with 8 and 16 levels; its colour wheel, immunohistochemistry slide, logo without its alpha
channel and retina (1411 x 1411) with 16, 64 and 256 colours): textures, text, synthetic
gradients and a picture of 2 megapixels, listed apart from the issue's cases in the summary
(the targets' figures stay those of the issue's 22 cases).

    python benchmarks/bench_entropy.py [--runs 3] [--quick] [--old] [--efforts 0,5,9] [--more]

Needs the ``bench`` extra (``pip install -e ".[bench]"``: imagecodecs, scikit-image).
"""

from __future__ import annotations

import argparse
import io
import os
import pathlib
import platform
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's BLAS threads spin beside the timings

import numpy as np
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "src"))
import vqpress  # noqa: E402
from vqpress.coding import cm, scan  # noqa: E402

#: Photographs bundled with scikit-image (no download), besides the raccoon face.
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
#: ``--more``: scikit-image pictures outside the issue's cases, (name, gray levels, colours).
MORE = (("brick", (8, 16), ()), ("text", (8, 16), ()), ("colorwheel", (), (16, 64, 256)),
        ("immunohistochemistry", (), (16, 64, 256)), ("logo", (), (16, 64, 256)),
        ("retina", (), (16, 64, 256)))
#: Size targets of issue 16 (ratio to JPEG XL e9) and speed targets (MPix/s, one thread).
GEOMEAN_TARGET, CASE_TARGET = 0.85, 0.95
ENCODE_TARGET, DECODE_TARGET = 20.0, 30.0


def gray_of(rgb: np.ndarray) -> np.ndarray:
    """SciPy's face(gray=True) formula, applied to any RGB picture."""
    f = rgb.astype(np.float64)
    return (0.21 * f[..., 0] + 0.71 * f[..., 1] + 0.07 * f[..., 2]).astype(np.uint8)


def cases(quick: bool = False, kinds=("gray", "rgb"), more: bool = False):
    """(name, quantized Compressed) for every case of the issue (of ``kinds``: its gray
    cases, its colour cases or both), quantized as they come; with ``more``, then the
    pictures of :data:`MORE` (their names start with ``+``)."""
    face = vqpress.datasets.face()
    out = [(f"face gray {k}", face, k, True) for k in (4, 8, 16)]
    out += [(f"face rgb {k}", face, k, False) for k in (16, 64, 256)]
    if not quick:
        import skimage.data

        for name in PHOTOS:
            img = getattr(skimage.data, name)()
            out.append((f"{name} gray 8", img, 8, True))
            out += [(f"{name} rgb {k}", img, k, False) for k in (16, 64, 256)]
    if more:
        import skimage.data

        for name, levels, colours in MORE:
            img = getattr(skimage.data, name)()
            if img.ndim == 3:
                img = np.ascontiguousarray(img[..., :3])  # the logo's alpha channel left out
            out += [(f"+{name} gray {k}", img, k, True) for k in levels]
            out += [(f"+{name} rgb {k}", img, k, False) for k in colours]
    for name, img, k, gray in out:
        if ("gray" if gray else "rgb") in kinds:
            yield name, vqpress.compress(gray_of(img) if gray and img.ndim == 3 else img, k)


def machine_line(runs: int, versions: str = "", method: str = "one thread") -> str:
    """The line that opens a table: date, machine, load, versions (``versions`` adds the
    peers'), medians of ``runs`` runs by ``method``."""
    return (f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; Python {platform.python_version()}, "
            f"numpy {np.__version__}, vqpress {vqpress.__version__}{versions}; medians of {runs} {method}\n")


def timed(fn, runs: int, clock=time.process_time):
    """(result, median seconds): CPU time by default, which another job on the machine
    slows down less than the wall clock; pass ``time.perf_counter`` for work on threads."""
    times = []
    for _ in range(runs):
        t0 = clock()
        out = fn()
        times.append(clock() - t0)
    return out, float(np.median(times))


def peers(picture: np.ndarray, codes: np.ndarray, palette: np.ndarray, runs: int) -> dict:
    """Size, encode and decode seconds of the standard codecs on the quantized picture."""
    import imagecodecs

    out = {}
    for effort in (1, 7, 9):
        data, t_enc = timed(lambda e=effort: imagecodecs.jpegxl_encode(picture, lossless=True, effort=e,
                                                                         numthreads=1),
                            1 if effort == 9 else runs)
        back, t_dec = timed(lambda d=data: imagecodecs.jpegxl_decode(d, numthreads=1), runs)
        assert np.array_equal(back, picture)
        out[f"JPEG XL e{effort}"] = (len(data), t_enc, t_dec)
    rgb = picture if picture.ndim == 3 else np.repeat(picture[..., None], 3, axis=2)  # WebP has no gray
    data, t_enc = timed(lambda: imagecodecs.webp_encode(rgb, lossless=True, level=100, method=6,
                                                         numthreads=1), 1)
    back, t_dec = timed(lambda: imagecodecs.webp_decode(data), runs)
    assert np.array_equal(back if picture.ndim == 3 else back[..., 0], picture)
    out["WebP lossless m6"] = (len(data), t_enc, t_dec)

    n = len(palette)
    pim = Image.fromarray(codes.astype(np.uint8), mode="P")
    pim.putpalette(np.broadcast_to(palette.reshape(n, -1), (n, 3)).astype(np.uint8).ravel().tolist())
    bits = 1 if n <= 2 else 2 if n <= 4 else 4 if n <= 16 else 8

    def png():
        buf = io.BytesIO()
        pim.save(buf, format="PNG", optimize=True, bits=bits)
        return buf.getvalue()

    data, t_enc = timed(png, 1)
    back, t_dec = timed(lambda: np.asarray(Image.open(io.BytesIO(data))), runs)
    assert np.array_equal(back, codes)
    out["PNG palette"] = (len(data), t_enc, t_dec)
    return out


def vqz(c, effort: int, runs: int, coding: str = "cm") -> tuple:
    """File size and times, and the payload coder's MPix/s (cm only)."""
    data, t_enc = timed(lambda: c.to_bytes(coding, effort=effort), runs)
    back, t_dec = timed(lambda: vqpress.from_bytes(data).codes(), runs)
    assert np.array_equal(back, c.codes())
    mpx = enc_mpx = dec_mpx = None
    if coding == "cm":
        codes = c.codes().reshape(-1, c.codes().shape[-1])
        n, ordered = c.codebook.n_colors, c.codebook.channels == 0
        # compact: the payload files hold (version 2), whose encoder also chooses the scan
        payload, t_e = timed(lambda: cm.encode(codes, n, ordered=ordered, effort=effort, compact=True), runs)
        _, t_d = timed(lambda: cm.decode(payload, codes.shape, n), runs)
        mpx = codes.size / 1e6
        enc_mpx, dec_mpx = mpx / t_e, mpx / t_d
    return len(data), t_enc, t_dec, enc_mpx, dec_mpx


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="the face only, efforts 0, 5, 9")
    ap.add_argument("--efforts", default=None, help="comma-separated efforts (default 0..9)")
    ap.add_argument("--old", action="store_true", help="also the context coding of format 1.0")
    ap.add_argument("--more", action="store_true", help="also pictures outside the issue's cases")
    args = ap.parse_args()
    efforts = ([int(e) for e in args.efforts.split(",")] if args.efforts
               else [0, 5, 9] if args.quick else list(cm.EFFORTS))
    default = cm.DEFAULT_EFFORT
    if default not in efforts:
        efforts.append(default)
    import imagecodecs

    print(machine_line(args.runs, f", imagecodecs {imagecodecs.__version__} (libjxl, libwebp), "
                                  f"Pillow {Image.__version__}", "runs, one thread"))

    summary = []
    for name, c in cases(args.quick, more=args.more):
        codes = c.codes()
        picture = c.decompress()
        palette = c.codebook.levels()
        rows = {}
        with vqpress.thread_limit(1):
            for e in efforts:
                rows[f".vqz cm e{e}"] = vqz(c, e, args.runs)
            if args.old:
                rows[".vqz context (1.0)"] = vqz(c, 0, max(1, args.runs // 2), coding="context")
        for key, (size, t_enc, t_dec) in peers(picture, codes, palette, args.runs).items():
            rows[key] = (size, t_enc, t_dec, None, None)
        jxl9 = rows["JPEG XL e9"][0]
        mpx = codes.size / 1e6
        print(f"### {name} ({codes.shape[0]} x {codes.shape[1]}, {c.codebook.n_colors} "
              f"{'levels' if c.codebook.channels == 0 else 'colours'})\n")
        print("| codec | bytes | / JXL e9 | encode ms | decode ms | coder enc MPix/s | coder dec MPix/s |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for key, (size, t_enc, t_dec, e_mpx, d_mpx) in rows.items():
            speeds = (f"{e_mpx:.1f} | {d_mpx:.1f}" if e_mpx else
                      f"({mpx / t_enc:.1f}) | ({mpx / t_dec:.1f})")
            print(f"| {key} | {size:,} | {size / jxl9:.3f} | {t_enc * 1e3:.0f} | {t_dec * 1e3:.0f} | {speeds} |")
        print()
        d = rows[f".vqz cm e{default}"]
        # strips: the size cost of coding in strips of 2^18 pixels, and the speed on all
        # threads with them (at the default, pictures of up to 2^20 pixels are one strip)
        flat = codes.reshape(-1, codes.shape[-1])
        n, ordered = c.codebook.n_colors, c.codebook.channels == 0
        whole = cm.encode(flat, n, ordered=ordered, effort=default, compact=True)
        s = cm.describe(whole)["scan"]  # strips are rows of the coded map (the map's columns under scan 7)
        coded = scan.coded_shape(flat.shape, s)
        rows_18 = cm.strip_rows_for(*coded, 1 << 18)
        whole = len(cm.encode(flat, n, ordered=ordered, effort=default, compact=True, scan=s, strip_rows=coded[0]))
        payload, t_e = timed(lambda: cm.encode(flat, n, ordered=ordered, effort=default, compact=True, scan=s,
                                               strip_rows=rows_18), args.runs, time.perf_counter)
        _, t_d = timed(lambda: cm.decode(payload, flat.shape, n), args.runs, time.perf_counter)
        threaded = (len(payload), mpx / t_e, mpx / t_d, -(-coded[0] // rows_18))
        summary.append((name, d, rows, threaded, whole))

    print(f"## Summary: .vqz cm at the default effort {default} against the targets\n")
    print("| case | .vqz | JXL e1 | JXL e7 | JXL e9 | WebP | PNG | .vqz / e9 | coder enc MPix/s "
          "| coder dec MPix/s | 2^18-pixel strips: size cost, all threads enc / dec MPix/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for name, d, rows, threaded, whole in summary:
        jxl9 = rows["JPEG XL e9"][0]
        if not name.startswith("+"):
            ratios.append(d[0] / jxl9)
        ok = "" if d[0] / jxl9 <= CASE_TARGET else " ✗"
        print(f"| {name} | {d[0]:,} | {rows['JPEG XL e1'][0]:,} | {rows['JPEG XL e7'][0]:,} | {jxl9:,} "
              f"| {rows['WebP lossless m6'][0]:,} | {rows['PNG palette'][0]:,} | {d[0] / jxl9:.3f}{ok} "
              f"| {d[3]:.1f}{'' if d[3] >= ENCODE_TARGET else ' ✗'} | {d[4]:.1f}{'' if d[4] >= DECODE_TARGET else ' ✗'} "
              f"| {threaded[3]} strips: {threaded[0] / whole - 1:+.1%}, {threaded[1]:.1f} / {threaded[2]:.1f} |")
    geo = float(np.exp(np.mean(np.log(ratios))))
    print(f"\nGeometric mean .vqz / JPEG XL e9: {geo:.3f} (target <= {GEOMEAN_TARGET}); largest "
          f"{max(ratios):.3f} (target <= {CASE_TARGET} on every case). Speed targets: coder encode >= "
          f"{ENCODE_TARGET:.0f}, decode >= {DECODE_TARGET:.0f} MPix/s on one thread.")
    for group, label in ((False, ""), (True, "pictures outside the issue's cases (+): ")):
        chosen = [rows for name, _, rows, *_ in summary if name.startswith("+") == group]
        if not chosen:
            continue
        if group:
            print(f"\n{label}")
        for e in efforts:
            r = [rows[f".vqz cm e{e}"][0] / rows["JPEG XL e9"][0] for rows in chosen]
            enc = min(rows[f".vqz cm e{e}"][3] for rows in chosen)
            dec = min(rows[f".vqz cm e{e}"][4] for rows in chosen)
            print(f"- effort {e}: geomean {np.exp(np.mean(np.log(r))):.3f}, largest {max(r):.3f}, "
                  f"slowest coder encode {enc:.1f} / decode {dec:.1f} MPix/s")


if __name__ == "__main__":
    main()

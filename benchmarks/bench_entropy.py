"""Measure vqpress.entropy on the raccoon face against lossless WebP and palette PNG.

Gray face quantized with globally optimal (min-MSE) levels at 4, 8, 16 levels, and the
colour face quantized by Pillow's median cut to 16, 64, 256 colours.  Prints sizes, bits per
pixel beside the empirical entropies, and encode/decode times (medians over ``--runs``).

    python benchmarks/bench_entropy.py [--runs 7] [--quick]
"""

from __future__ import annotations

import argparse
import bz2
import io
import pathlib
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "src"))
from vqpress.entropy import decode_code_map, encode_code_map  # noqa: E402

FACE = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "face.dat"


def face_rgb() -> np.ndarray:
    return np.frombuffer(bz2.decompress(FACE.read_bytes()), np.uint8).reshape(768, 1024, 3)


def face_gray() -> np.ndarray:
    f = face_rgb().astype(np.float64)
    return (0.21 * f[..., 0] + 0.71 * f[..., 1] + 0.07 * f[..., 2]).astype(np.uint8)


def optimal_codes(img: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Globally min-MSE k levels of a uint8 image: dynamic programming on its histogram."""
    h = np.bincount(img.ravel(), minlength=256).astype(np.float64)
    v = np.arange(256.0)
    c0, c1, c2 = (np.concatenate([[0.0], np.cumsum(h * v**p)]) for p in (0, 1, 2))
    idx = np.arange(257)

    def cost(i, j):  # SSE of bins i..j-1 around their mean
        w, s = c0[j] - c0[i], c1[j] - c1[i]
        return c2[j] - c2[i] - np.where(w > 0, s * s / np.maximum(w, 1e-300), 0.0)

    best = np.full((k + 1, 257), np.inf)
    best[0, 0] = 0.0
    back = np.zeros((k + 1, 257), dtype=int)
    for m in range(1, k + 1):
        for j in range(1, 257):
            cand = best[m - 1, :j] + cost(idx[:j], j)
            back[m, j] = int(np.argmin(cand))
            best[m, j] = cand[back[m, j]]
    starts, j = [], 256
    for m in range(k, 0, -1):
        j = back[m, j]
        starts.append(j)
    starts = np.array(sorted(starts))
    lut = np.searchsorted(starts, np.arange(256), side="right") - 1
    ends = np.append(starts[1:], 256)
    centers = (c1[ends] - c1[starts]) / np.maximum(c0[ends] - c0[starts], 1)
    return lut[img].astype(np.uint8), centers


def cond_entropy(codes: np.ndarray, n: int, offsets) -> float:
    """Empirical H(x | neighbours at offsets) in bits/pixel, outside-map neighbours = n."""
    h, w = codes.shape
    pad = np.full((h + 2, w + 4), n, dtype=np.int64)
    pad[2:, 2:-2] = codes
    ctx = np.zeros(codes.size, dtype=np.int64)
    for dr, dc in offsets:
        ctx = ctx * (n + 1) + pad[2 + dr : 2 + dr + h, 2 + dc : 2 + dc + w].ravel()

    def ent(x):
        _, cnt = np.unique(x, return_counts=True)
        p = cnt / cnt.sum()
        return float(-(p * np.log2(p)).sum())

    x = codes.ravel().astype(np.int64)
    return ent(ctx * n + x) - ent(ctx) if offsets else ent(x)


def timed(fn, runs):
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return out, float(np.median(wall)), float(np.median(cpu))


def references(codes: np.ndarray, palette: np.ndarray, runs: int):
    """Lossless WebP and optimised palette PNG of the quantized picture: sizes and times."""
    picture = Image.fromarray(palette[codes])
    pim = Image.fromarray(codes.astype(np.uint8), mode="P")
    n = len(palette)
    pim.putpalette(np.broadcast_to(palette.reshape(n, -1), (n, 3)).ravel().tolist())
    bits = 1 if n <= 2 else 2 if n <= 4 else 4 if n <= 16 else 8
    out = {}
    formats = [("webp", picture, dict(format="WEBP", lossless=True, method=6, quality=100)),
               ("png", pim, dict(format="PNG", optimize=True, bits=bits))]
    for name, img, kw in formats:
        def save(img=img, kw=kw):
            buf = io.BytesIO()
            img.save(buf, **kw)
            return buf.getvalue()

        data, t_enc, _ = timed(save, max(1, runs // 3))
        _, t_dec, _ = timed(lambda data=data: np.asarray(Image.open(io.BytesIO(data))), runs)
        out[name] = (len(data), t_enc, t_dec)
    return out


def measure(codes, n, palette, runs):
    data, t_enc, c_enc = timed(lambda: encode_code_map(codes, n), runs)
    out, t_dec, c_dec = timed(lambda: decode_code_map(data, codes.shape, n), runs)
    assert np.array_equal(out, codes)
    return len(data), t_enc, t_dec, c_enc, c_dec, references(codes, palette, runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="3 runs, skip colour")
    args = ap.parse_args()
    runs = 3 if args.quick else args.runs
    gray = face_gray()
    mp = gray.size / 1e6
    encode_code_map(np.zeros((8, 8), np.uint8), 4)  # import constriction outside the timings

    print(f"gray face {gray.shape}, {gray.size} px; times are medians of {runs} runs (wall / cpu)")
    print("| levels | ours B | bpp | H0 | H(x|L,U) | H(x|L,U,UL,UR) | PNG B | WebP B | ours/min |"
          " enc MP/s | dec MP/s | PNG enc/dec ms | WebP enc/dec ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = []
    for k in (4, 8, 16):
        codes, centers = optimal_codes(gray, k)
        size, te, td, ce, cd, ref = measure(codes, k, np.rint(centers).astype(np.uint8), runs)
        hs = [cond_entropy(codes, k, o) for o in
              ([], [(0, -1), (-1, 0)], [(0, -1), (-1, 0), (-1, -1), (-1, 1)])]
        best = min(ref["png"][0], ref["webp"][0])
        ratios.append(size / best)
        print(f"| {k} | {size} | {8 * size / gray.size:.3f}"
              f" | {hs[0]:.3f} | {hs[1]:.3f} | {hs[2]:.3f}"
              f" | {ref['png'][0]} | {ref['webp'][0]} | {size / best:.3f}"
              f" | {mp / te:.1f} ({mp / ce:.1f} cpu) | {mp / td:.1f} ({mp / cd:.1f} cpu)"
              f" | {ref['png'][1] * 1e3:.0f} / {ref['png'][2] * 1e3:.0f}"
              f" | {ref['webp'][1] * 1e3:.0f} / {ref['webp'][2] * 1e3:.0f} |")
    print(f"geometric mean ours / min(PNG, WebP): {np.prod(ratios) ** (1 / 3):.3f}")
    if args.quick:
        return

    rgb = face_rgb()
    print("\ncolour face, Pillow median cut, no dither")
    print("| colours | ours B | bpp | H0 | PNG B | WebP B | ours/min | enc ms | dec ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in (16, 64, 256):
        q = Image.fromarray(rgb).quantize(
            k, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        codes = np.asarray(q)
        n = int(codes.max()) + 1
        palette = np.array(q.getpalette()[: 3 * n], dtype=np.uint8).reshape(n, 3)
        size, te, td, _, _, ref = measure(codes, n, palette, max(1, runs // 2))
        best = min(ref["png"][0], ref["webp"][0])
        print(f"| {k} | {size} | {8 * size / codes.size:.3f} | {cond_entropy(codes, n, []):.3f}"
              f" | {ref['png'][0]} | {ref['webp'][0]} | {size / best:.3f}"
              f" | {te * 1e3:.0f} | {td * 1e3:.0f} |")


if __name__ == "__main__":
    main()

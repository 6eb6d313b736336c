"""Side-by-side benchmarks of vqpress against its peers, in one process.

Each case times vqpress and a peer on the same data in the same run and reports medians
and their ratio (these machines are noisy; ratios travel better than absolute times). Peers
that are not installed (scikit-learn, kmeans1d) are reported as missing, not skipped
silently. ``vqpress bench`` runs the short version; ``benchmarks/bench_core.py`` the full one
and writes the table for BENCHMARKS.md.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable

import numpy as np

from . import datasets, metrics
from .api import compress, fit

__all__ = ["run_benchmarks", "format_table", "median_time", "large_uint16_image"]

STRATEGIES = ("uniform", "quantile", "kmeans", "optimal")


def median_time(func: Callable[[], object], repeat: int = 7, warmup: int = 1) -> tuple[float, object]:
    """Median wall time of ``func()`` in seconds over ``repeat`` runs, and its last result."""
    result = None
    for _ in range(warmup):
        result = func()
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def large_uint16_image(shape=(1600, 2560)) -> np.ndarray:
    """A 4-megapixel 16-bit gray photograph: the face in 16-bit luma, resized bicubically.

    Deterministic; thousands of distinct values, as a real 16-bit image has.
    """
    from PIL import Image

    rgb = datasets.face().astype(np.float32)
    luma = (0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]) * 257.0
    big = np.asarray(Image.fromarray(luma, mode="F").resize(shape[::-1], Image.Resampling.BICUBIC))
    return np.clip(np.rint(big), 0, 65535).astype(np.uint16)


def _try_import(name: str):
    try:
        return __import__(name, fromlist=["_"])
    except ImportError:
        return None


def _row(case, vq_s, peer, peer_s, vq_quality=None, peer_quality=None, note=""):
    return {
        "case": case,
        "vqpress_ms": vq_s * 1e3,
        "peer": peer,
        "peer_ms": None if peer_s is None else peer_s * 1e3,
        "speedup": None if peer_s is None else peer_s / vq_s,
        "vqpress_quality": vq_quality,
        "peer_quality": peer_quality,
        "note": note,
    }


def _mse_of_centers(data: np.ndarray, centers) -> float:
    """MSE of ``data`` reconstructed by its nearest of ``centers`` (float, no rounding)."""
    centers = np.sort(np.asarray(centers, dtype=np.float64))
    mids = (centers[1:] + centers[:-1]) / 2
    rec = centers[np.searchsorted(mids, data.ravel(), side="right")]
    return float(np.mean((data.ravel().astype(np.float64) - rec) ** 2))


def _fit_encode(data, n, strategy):
    cb = fit(data, n, strategy)
    return cb, cb.encode(data)


def gray_face_cases(repeat: int, progress=None) -> list[dict]:
    """vqpress vs scikit-learn's KBinsDiscretizer, kmeans1d and Pillow on the gray face, 8 levels."""
    face = datasets.face(gray=True)
    rows = []
    sk = _try_import("sklearn.preprocessing")
    for strategy in STRATEGIES:
        if progress:
            progress(f"gray face, {strategy}")
        vq_s, (cb, _) = median_time(lambda: _fit_encode(face, 8, strategy), repeat)
        vq_mse = metrics.mse(face, cb.decode(cb.encode(face), dtype=np.float64))
        c_s, _ = median_time(lambda: compress(face, 8, strategy), repeat)
        rows.append(_row(f"compress face 8 levels, {strategy}", c_s, "(target <= 3 ms)", None, vq_mse))
        peer_strategy = "kmeans" if strategy == "optimal" else strategy
        if sk is None:
            rows.append(_row(f"fit+encode face 8 levels, {strategy}", vq_s, "scikit-learn (not installed)", None, vq_mse))
            continue
        kw = {"quantile_method": "averaged_inverted_cdf"} if peer_strategy == "quantile" else {}
        est = sk.KBinsDiscretizer(n_bins=8, encode="ordinal", strategy=peer_strategy, subsample=None, **kw)
        column = face.reshape(-1, 1)
        sk_s, codes = median_time(lambda: est.fit_transform(column), max(1, repeat // 3))
        edges = est.bin_edges_[0]
        centers = [face.ravel()[codes.ravel() == b].mean() for b in range(len(edges) - 1) if (codes == b).any()]
        sk_mse = _mse_of_centers(face, centers)
        rows.append(
            _row(f"fit+encode face 8 levels, {strategy}", vq_s, f"sklearn KBinsDiscretizer({peer_strategy})", sk_s, vq_mse, sk_mse)
        )
    km = _try_import("kmeans1d")
    if progress:
        progress("gray face, kmeans1d and Pillow")
    vq_s, (cb, _) = median_time(lambda: _fit_encode(face, 8, "optimal"), repeat)
    vq_mse = _mse_of_centers(face, cb.centers)
    if km is not None:
        values = face.ravel().astype(np.float64)
        km_s, (_, centers) = median_time(lambda: km.cluster(values, 8), max(1, repeat // 3))
        rows.append(_row("fit+encode face 8 levels, optimal", vq_s, "kmeans1d (exact)", km_s, vq_mse, _mse_of_centers(face, centers)))
    from PIL import Image

    image = Image.fromarray(face)
    pil_s, quant = median_time(lambda: image.quantize(8), repeat)
    palette = np.asarray(quant.getpalette()[: 3 * 8]).reshape(-1, 3)[:, 0]
    pil_mse = metrics.mse(face, palette[np.asarray(quant)].astype(np.uint8))
    rows.append(_row("fit+encode face 8 levels, optimal", vq_s, "Pillow Image.quantize(8)", pil_s, metrics.mse(face, cb.decode(cb.encode(face))), pil_mse))
    return rows


def large_cases(quick: bool, progress=None) -> list[dict]:
    """optimal vs kmeans1d on a 4-megapixel uint16 image and on 1,000,000 distinct floats."""
    km = _try_import("kmeans1d")
    rows = []
    if progress:
        progress("4-megapixel uint16, 16 levels")
    img = large_uint16_image()
    vq_s, (cb, _) = median_time(lambda: _fit_encode(img, 16, "optimal"), 1 if quick else 3)
    vq_mse = _mse_of_centers(img, cb.centers)
    distinct = np.unique(img).size
    case = f"fit+encode 4 MP uint16 ({distinct} distinct values), 16 levels, optimal"
    if km is not None and not quick:
        values = img.ravel().astype(np.float64)
        km_s, (_, centers) = median_time(lambda: km.cluster(values, 16), 1, warmup=0)
        rows.append(_row(case, vq_s, "kmeans1d (exact)", km_s, vq_mse, _mse_of_centers(img, centers)))
    else:
        rows.append(_row(case, vq_s, "kmeans1d (skipped in --quick)" if km else "kmeans1d (not installed)", None, vq_mse))
    if progress:
        progress("1,000,000 distinct float64, 16 levels")
    rng = np.random.default_rng(0)
    values = rng.standard_normal(1_000_000)
    vq_s, (cb, _) = median_time(lambda: _fit_encode(values, 16, "optimal"), 1, warmup=0)
    vq_mse = _mse_of_centers(values, cb.centers)
    case = "fit+encode 1,000,000 distinct float64, 16 levels, optimal"
    if km is not None and not quick:
        km_s, (_, centers) = median_time(lambda: km.cluster(values, 16), 1, warmup=0)
        rows.append(_row(case, vq_s, "kmeans1d (exact)", km_s, vq_mse, _mse_of_centers(values, centers)))
    else:
        rows.append(_row(case, vq_s, "kmeans1d (skipped in --quick)" if km else "kmeans1d (not installed)", None, vq_mse))
    return rows


def storage_cases(repeat: int, progress=None, levels=(4, 8, 16)) -> list[dict]:
    """.vqz size and speed against lossless WebP and optimised palette PNG of the same picture."""
    from PIL import Image

    from .container import from_bytes
    from .png import to_png

    face = datasets.face(gray=True)
    rows = []
    for n in levels:
        if progress:
            progress(f".vqz at {n} levels")
        c = compress(face, n, "optimal")
        enc_s, blob = median_time(lambda: c.to_bytes(), repeat)
        dec_s, _ = median_time(lambda: from_bytes(blob).decompress(), repeat)
        picture = Image.fromarray(c.decompress())

        def webp():
            buf = io.BytesIO()
            picture.save(buf, "WEBP", lossless=True, method=6, quality=100)
            return buf.getvalue()

        webp_s, webp_bytes = median_time(webp, max(1, repeat // 3))
        png_s, png_bytes = median_time(lambda: to_png(c), max(1, repeat // 3))
        webp_dec_s, _ = median_time(lambda: np.asarray(Image.open(io.BytesIO(webp_bytes))), repeat)
        png_dec_s, _ = median_time(lambda: np.asarray(Image.open(io.BytesIO(png_bytes))), repeat)
        counts = np.bincount(c.codes().ravel(), minlength=n) / face.size
        counts = counts[counts > 0]
        h0 = float(-(counts * np.log2(counts)).sum())
        mp = face.size / 1e6
        rows.append(
            {
                "levels": n,
                "vqz_bytes": len(blob),
                "vqz_bpp": 8 * len(blob) / face.size,
                "entropy0_bpp": h0,
                "png_bytes": len(png_bytes),
                "webp_bytes": len(webp_bytes),
                "ratio_vs_best": len(blob) / min(len(png_bytes), len(webp_bytes)),
                "vqz_encode_mps": mp / enc_s,
                "vqz_decode_mps": mp / dec_s,
                "png_encode_ms": png_s * 1e3,
                "png_decode_ms": png_dec_s * 1e3,
                "webp_encode_ms": webp_s * 1e3,
                "webp_decode_ms": webp_dec_s * 1e3,
                "vqz_encode_ms": enc_s * 1e3,
                "vqz_decode_ms": dec_s * 1e3,
            }
        )
    return rows


def run_benchmarks(*, quick: bool = True, progress=None) -> list[dict]:
    """All speed cases (gray face, large data); ``quick`` uses fewer repeats and skips the
    slowest peer runs (kmeans1d on 4 million and 1 million values)."""
    repeat = 5 if quick else 15
    return gray_face_cases(repeat, progress) + large_cases(quick, progress)


def _fmt(value, digits=2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:.{digits}f}"
    return str(value)


def format_table(rows: list[dict]) -> str:
    """Markdown table of :func:`run_benchmarks` rows (quality is MSE: lower is better)."""
    lines = [
        "| case | vqpress (ms) | peer | peer (ms) | vqpress speed-up | vqpress MSE | peer MSE |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {_fmt(r['vqpress_ms'], 3)} | {r['peer']} | {_fmt(r['peer_ms'], 1)} | "
            f"{_fmt(r['speedup'], 1) + 'x' if r['speedup'] else '-'} | {_fmt(r['vqpress_quality'], 4)} | "
            f"{_fmt(r['peer_quality'], 4)} |"
        )
    return "\n".join(lines)


def format_storage_table(rows: list[dict]) -> str:
    """Markdown table of :func:`storage_cases` rows."""
    lines = [
        "| levels | .vqz bytes | .vqz bpp | H0 bpp | palette PNG bytes | WebP lossless bytes | .vqz / best | "
        ".vqz encode MP/s | .vqz decode MP/s | PNG enc/dec ms | WebP enc/dec ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['levels']} | {r['vqz_bytes']:,} | {r['vqz_bpp']:.3f} | {r['entropy0_bpp']:.3f} | "
            f"{r['png_bytes']:,} | {r['webp_bytes']:,} | {r['ratio_vs_best']:.3f} | {r['vqz_encode_mps']:.1f} | "
            f"{r['vqz_decode_mps']:.1f} | {r['png_encode_ms']:.0f} / {r['png_decode_ms']:.1f} | "
            f"{r['webp_encode_ms']:.0f} / {r['webp_decode_ms']:.1f} |"
        )
    geo = math.exp(np.mean([math.log(r["ratio_vs_best"]) for r in rows]))
    lines.append("")
    lines.append(f"Geometric mean of .vqz / min(PNG, WebP): {geo:.3f}")
    return "\n".join(lines)

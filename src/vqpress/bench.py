"""Side-by-side benchmarks of vqpress against its peers, in one process.

Each case times vqpress and a peer on the same data in the same run and reports medians
(after a warm-up run) and their ratio (these machines are noisy; ratios travel better than
absolute times). Each peer is run, and its quality measured, the way its users do it. Peers
that are not installed (scikit-learn, kmeans1d, libimagequant, scikit-image's photographs)
are reported as missing, with the command that installs them, not skipped silently.
``vqpress bench`` runs the gray speed cases; ``vqpress bench --full`` adds the file-size and
colour cases the README quotes; ``benchmarks/bench_core.py`` and ``benchmarks/bench_colour.py``
write the tables of BENCHMARKS.md.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable

import numpy as np

from . import datasets, metrics
from .api import compress, fit
from .kinds import SCALAR

__all__ = ["run_benchmarks", "format_table", "median_time", "large_uint16_image"]

STRATEGIES = SCALAR.strategies


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


#: What to install for each peer (the ``bench`` extra installs them all).
_PIP = {"scikit-learn": "scikit-learn", "kmeans1d": "kmeans1d", "libimagequant": "imagequant",
        "scikit-image": "scikit-image"}


_NOT_INSTALLED = " (not installed)"


def _missing(peer: str) -> str:
    """A peer's name marked missing; :func:`format_table` says how to install it."""
    return peer + _NOT_INSTALLED


def _row(case, vq_s, peer, peer_s, vq_quality=None, peer_quality=None, note="", table="gray"):
    return {
        "table": table,
        "case": case,
        "vqpress_ms": vq_s * 1e3,
        "peer": peer,
        "peer_ms": None if peer_s is None else peer_s * 1e3,
        "speedup": None if peer_s is None else peer_s / vq_s,
        "vqpress_quality": vq_quality,
        "peer_quality": peer_quality,
        "note": note,
    }


def _float_mse(data: np.ndarray, reconstruction) -> float:
    """MSE of a reconstruction as its producer returns it (float, not rounded)."""
    diff = data.astype(np.float64).ravel() - np.asarray(reconstruction, dtype=np.float64).ravel()
    return float(np.mean(diff**2))


def _fit_encode(data, n, strategy):
    cb = fit(data, n, strategy)
    return cb, cb.encode(data)


def _vq_mse(data, cb, codes) -> float:
    """MSE of vqpress's float reconstruction: each code's level, ``cb.decode(codes, dtype=float64)``."""
    return _float_mse(data, cb.decode(codes, dtype=np.float64))


def gray_face_cases(repeat: int, progress=None) -> list[dict]:
    """vqpress vs scikit-learn's KBinsDiscretizer, kmeans1d and Pillow on the gray face, 8 levels.

    Each peer's MSE is that of the reconstruction its users get: scikit-learn's
    ``inverse_transform`` (the bins' midpoints), kmeans1d's ``centroids[clusters]``, Pillow's
    quantized image; vqpress's is that of its levels (``decode(codes, dtype=np.float64)``).
    """
    face = datasets.face(gray=True)
    column = face.reshape(-1, 1)
    rows = []
    sk = _try_import("sklearn.preprocessing")
    for strategy in STRATEGIES:
        if progress:
            progress(f"gray face, {strategy}")
        vq_s, (cb, codes) = median_time(lambda: _fit_encode(face, 8, strategy), repeat)
        vq_mse = _vq_mse(face, cb, codes)
        peer_strategy = "kmeans" if strategy == "optimal" else strategy
        if sk is None:
            rows.append(_row(strategy, vq_s, _missing("scikit-learn"), None, vq_mse))
            continue
        kw = {"quantile_method": "averaged_inverted_cdf"} if peer_strategy == "quantile" else {}
        est = sk.KBinsDiscretizer(n_bins=8, encode="ordinal", strategy=peer_strategy, subsample=None, **kw)
        sk_s, sk_codes = median_time(lambda: est.fit_transform(column), max(1, repeat // 3))
        sk_mse = _float_mse(face, est.inverse_transform(sk_codes))
        rows.append(_row(strategy, vq_s, f"sklearn {peer_strategy}", sk_s, vq_mse, sk_mse))
    if progress:
        progress("gray face, kmeans1d and Pillow")
    vq_s, (cb, codes) = median_time(lambda: _fit_encode(face, 8, "optimal"), repeat)
    vq_mse = _vq_mse(face, cb, codes)
    km = _try_import("kmeans1d")
    if km is not None:
        values = face.ravel().astype(np.float64)
        km_s, (clusters, centroids) = median_time(lambda: km.cluster(values, 8), max(1, repeat // 3))
        km_mse = _float_mse(face, np.asarray(centroids)[np.asarray(clusters)])
        rows.append(_row("optimal", vq_s, "kmeans1d", km_s, vq_mse, km_mse))
    else:
        rows.append(_row("optimal", vq_s, _missing("kmeans1d"), None, vq_mse))
    from PIL import Image

    image = Image.fromarray(face)
    pil_s, quant = median_time(lambda: image.quantize(8), repeat)
    rows.append(_row("optimal", vq_s, "Pillow quantize", pil_s, vq_mse, _float_mse(face, quant.convert("L"))))
    return rows


def large_cases(quick: bool, progress=None) -> list[dict]:
    """optimal vs kmeans1d on a 4-megapixel uint16 image and on 1,000,000 distinct floats."""
    km = _try_import("kmeans1d")
    rows = []
    img = large_uint16_image()
    cases = [("4 MP uint16", img, 1 if quick else 3, 1)]
    values = np.random.default_rng(0).standard_normal(1_000_000)
    cases.append(("1M float64", values, 1, 0))
    for case, data, repeat, warmup in cases:
        if progress:
            progress(f"{case}, 16 levels")
        vq_s, (cb, codes) = median_time(lambda: _fit_encode(data, 16, "optimal"), repeat, warmup=warmup)
        vq_mse = _vq_mse(data, cb, codes)
        if km is not None and not quick:
            flat = data.ravel().astype(np.float64)
            km_s, (clusters, centroids) = median_time(lambda: km.cluster(flat, 16), 1, warmup=0)
            km_mse = _float_mse(data, np.asarray(centroids)[np.asarray(clusters)])
            rows.append(_row(case, vq_s, "kmeans1d", km_s, vq_mse, km_mse, table="large"))
        else:
            peer = "kmeans1d (with --full)" if km is not None else _missing("kmeans1d")
            rows.append(_row(case, vq_s, peer, None, vq_mse, table="large"))
    return rows


def storage_cases(repeat: int, progress=None, levels=(4, 8, 16), *, image=None) -> list[dict]:
    """.vqz size and speed against lossless WebP and optimised palette PNG of the same picture
    (``image``, by default the gray face, quantized to each of ``levels`` by ``optimal``)."""
    from PIL import Image

    from .container import from_bytes
    from .png import to_png

    face = datasets.face(gray=True) if image is None else image
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
                "table": "storage",
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


#: The colour cases: the raccoon face and the photographs bundled with scikit-image.
COLOUR_IMAGES = ("face", "astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry",
                 "stereo_motorcycle")
COLOUR_LEVELS = (16, 64, 256)


def colour_images(progress=None) -> dict:
    """The colour benchmark's images by name: the face, and scikit-image's photographs when
    scikit-image is installed."""
    images = {"face": datasets.face()}
    skdata = _try_import("skimage.data")
    if skdata is None:
        return images  # colour_cases marks the photographs missing
    for name in COLOUR_IMAGES[1:]:
        img = getattr(skdata, name)()
        images[name] = img[0] if isinstance(img, tuple) else img  # a stereo pair: the left view
    return images


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return metrics.psnr(a, b, data_range=255)


def colour_cases(repeat: int = 3, progress=None, *, images=None, levels=COLOUR_LEVELS) -> list[dict]:
    """Colour quantization without dithering: vqpress (kmeans and mediancut) against
    libimagequant and scikit-learn's KMeans, PSNR and time of each, as their users run them.

    vqpress: ``compress(img, n).decompress()``; libimagequant: ``quantize_pil_image`` with
    dithering off, the result converted to RGB; scikit-learn: ``KMeans(n, n_init=1)`` fitted
    on every pixel, its rounded centres at its labels (one run: it is slow). Times are
    medians of ``repeat`` runs after a warm-up run (scikit-learn: one run).
    """
    from PIL import Image

    liq = _try_import("imagequant")
    cluster = _try_import("sklearn.cluster")
    rows = []
    if images is None:
        images = colour_images()
        if len(images) == 1:
            rows.append({"table": "colour", "image": "the photographs", "colours": None, "method":
                         _missing("scikit-image"), "psnr": None, "ms": None, "vs_libimagequant": None})

    def vq(strategy):
        return lambda img, n: compress(img, n, strategy).decompress()

    def libimagequant(img, n):
        out = liq.quantize_pil_image(Image.fromarray(img), dithering_level=0.0, max_colors=n)
        return np.asarray(out.convert("RGB"))

    def kmeans(img, n):
        km = cluster.KMeans(n_clusters=n, n_init=1, random_state=0).fit(img.reshape(-1, 3).astype(np.float64))
        return np.clip(np.rint(km.cluster_centers_), 0, 255).astype(np.uint8)[km.labels_].reshape(img.shape)

    methods = [("vqpress kmeans", vq("kmeans"), repeat, 1), ("vqpress mediancut", vq("mediancut"), repeat, 1)]
    methods.append(("libimagequant", libimagequant, repeat, 1) if liq else (_missing("libimagequant"), None, 0, 0))
    methods.append(("sklearn KMeans", kmeans, 1, 0) if cluster else (_missing("scikit-learn"), None, 0, 0))
    for name, img in images.items():
        for n in levels:
            if progress:
                progress(f"colour: {name}, {n} colours")
            found = {}
            for method, run, reps, warmup in methods:
                if run is None:
                    found[method] = (None, None)
                    continue
                seconds, rec = median_time(lambda: run(img, n), reps, warmup=warmup)
                found[method] = (_psnr(img, rec), seconds)
            liq_s = found.get("libimagequant", (None, None))[1]
            for method, (psnr, seconds) in found.items():
                rows.append({
                    "table": "colour", "image": name, "colours": n, "method": method, "psnr": psnr,
                    "ms": None if seconds is None else seconds * 1e3,
                    "vs_libimagequant": None if seconds is None or liq_s is None else seconds / liq_s,
                })
    return rows


def run_benchmarks(*, quick: bool = True, progress=None, extended: bool | None = None) -> list[dict]:
    """The benchmark's rows, each with a ``"table"`` key (see :func:`format_table`).

    ``quick``: fewer repeats, and the slowest peer runs (kmeans1d on 4 million and 1 million
    values) skipped. ``extended`` (default: ``not quick``) adds the cases the README quotes
    beyond gray speed: the ``.vqz`` file against palette PNG and lossless WebP, and colour
    quantization of the face and scikit-image's photographs against libimagequant and
    scikit-learn's KMeans (scikit-learn at 256 colours takes about a minute per image).
    """
    repeat = 5 if quick else 15
    rows = gray_face_cases(repeat, progress) + large_cases(quick, progress)
    if not quick if extended is None else extended:
        rows += storage_cases(5, progress) + colour_cases(3, progress)
    return rows


def _fmt(value, digits=2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:.{digits}f}"
    return str(value)


def _speedup(r) -> str:
    return f"{r['speedup']:.1f}x" if r["speedup"] else "-"


def _gray_table(rows) -> list[str]:
    lines = [
        "Gray face (1024 x 768 pixels), 8 levels: fit + encode, median times",
        "",
        "| vqpress | peer | vqpress ms | peer ms | speed-up | vqpress MSE | peer MSE |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['case']} | {r['peer']} | {_fmt(r['vqpress_ms'], 2)} | {_fmt(r['peer_ms'], 1)} | "
                     f"{_speedup(r)} | {_fmt(r['vqpress_quality'])} | {_fmt(r['peer_quality'])} |")
    lines += [
        "",
        "sklearn X: scikit-learn's KBinsDiscretizer(strategy=X, subsample=None); vqpress",
        "optimal is compared with its kmeans. MSE of what each returns: vqpress's levels,",
        "scikit-learn's inverse_transform (bin midpoints), kmeans1d's centroids, Pillow's",
        "quantized image.",
    ]
    return lines


def _large_table(rows) -> list[str]:
    lines = [
        "Large data, 16 levels, optimal: fit + encode",
        "",
        "| data | vqpress ms | peer | peer ms | speed-up | vqpress MSE | peer MSE |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['case']} | {_fmt(r['vqpress_ms'], 1)} | {r['peer']} | {_fmt(r['peer_ms'], 1)} | "
                     f"{_speedup(r)} | {r['vqpress_quality']:.6g} | "
                     f"{'-' if r['peer_quality'] is None else format(r['peer_quality'], '.6g')} |")
    lines += ["", "4 MP uint16: the face in 16-bit luma, 2560 x 1600 pixels; 1M float64: 1,000,000",
              "distinct normal values."]
    return lines


def _storage_table(rows) -> list[str]:
    lines = [
        "File size of .vqz against palette PNG and lossless WebP (gray face, optimal)",
        "",
        "| levels | .vqz bytes | PNG bytes | WebP bytes | .vqz / best | decode MP/s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['levels']} | {r['vqz_bytes']:,} | {r['png_bytes']:,} | {r['webp_bytes']:,} | "
                     f"{r['ratio_vs_best']:.3f} | {r['vqz_decode_mps']:.1f} |")
    geo = math.exp(np.mean([math.log(r["ratio_vs_best"]) for r in rows]))
    lines += ["", f"Geometric mean of .vqz / min(PNG, WebP): {geo:.3f}"]
    return lines


def _colour_table(rows) -> list[str]:
    lines = [
        "Colour, no dithering: PSNR and median time of compress + decompress",
        "",
        "| image | colours | method | PSNR (dB) | time (ms) | time / libimagequant |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['image']} | {_fmt(r['colours'])} | {r['method']} | {_fmt(r['psnr'])} | {_fmt(r['ms'], 1)} | "
                     f"{_fmt(r['vs_libimagequant'])} |")
    lines.append("")
    by_case: dict = {}
    for r in rows:
        if r["colours"] is not None:
            by_case.setdefault((r["image"], r["colours"]), {})[r["method"]] = r
    for method in ("vqpress kmeans", "vqpress mediancut"):
        ratios = [case[method]["vs_libimagequant"] for case in by_case.values()
                  if case.get(method, {}).get("vs_libimagequant") is not None]
        if ratios:
            lines.append(f"{method} / libimagequant time: {min(ratios):.2f}x-{max(ratios):.2f}x, "
                         f"median {float(np.median(ratios)):.2f}x ({len(ratios)} cases)")
    peers = [m for m in ("libimagequant", "sklearn KMeans")
             if any(case.get(m, {}).get("psnr") is not None for case in by_case.values())]
    if peers:
        at_least = sum(
            all(case[m]["psnr"] is None or case["vqpress kmeans"]["psnr"] >= case[m]["psnr"] for m in peers)
            for case in by_case.values()
        )
        lines.append(f"vqpress kmeans PSNR >= {' and '.join(peers)}: {at_least} of {len(by_case)} cases")
    return lines


_TABLES = {"gray": _gray_table, "large": _large_table, "storage": _storage_table, "colour": _colour_table}


def format_table(rows: list[dict]) -> str:
    """Markdown tables of :func:`run_benchmarks` rows, one per kind of case, with notes and
    how to install missing peers; every line fits an 80-column terminal."""
    parts = []
    for kind, render in _TABLES.items():
        mine = [r for r in rows if r.get("table", "gray") == kind]
        if mine:
            parts.append("\n".join(render(mine)))
    names = {str(r.get("peer", r.get("method", ""))) for r in rows}
    missing = [peer for peer in _PIP if peer + _NOT_INSTALLED in names]
    if missing:
        parts.append("Not installed: " + ", ".join(missing) + ".\nInstall them with: pip install "
                     + " ".join(_PIP[peer] for peer in missing) + '\nor all the peers with: pip install "vqpress[bench]"')
    return "\n\n".join(parts)


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

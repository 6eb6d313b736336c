"""The HTML page of a vqpress report: prose, tables and embedded figures.

Rendering only: :mod:`vqpress.report` computes the results and figures and calls
:func:`_page` with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _html as H
from ._text import LEVELS_NAME, MIDPOINTS_NAME, count, display_colours, image_size, level_list
from .kinds import channel_name, image_kind

if TYPE_CHECKING:  # pragma: no cover
    from .report import StrategyResult

# What the seed example (scikit-learn's "Vector Quantization Example") printed.
_SEED_UNIFORM = "15.625, 46.875, 78.125, 109.375, 140.625, 171.875, 203.125, 234.375"
_SEED_KMEANS = "18.909, 53.343, 82.644, 109.282, 134.708, 159.787, 185.172, 224.021"


def _colour_stem(name: str, strategy: str, n: int) -> str:
    return f"{name}-colour-{strategy}-{n}"


def _fmt_centers(r: StrategyResult, limit: int = 16) -> str:
    """The levels as the terminal prints them, or the palette as swatches."""
    c = r.centers
    if c.ndim == 2:
        rgb = np.clip(np.rint(display_colours(c[:limit])[:, :3]), 0, 255) if r.compressed.dtype == np.uint8 else None
        more = f" +{len(c) - limit}" if len(c) > limit else ""
        if rgb is None:
            return H.escape(count(len(c), "colour"))
        return H.swatches(rgb) + H.escape(more)
    return H.escape(level_list(c, limit))


def _results_table(results, best, original_nbytes: int) -> str:
    rows = []
    for r in results:
        mark = " (best)" if r is best else ""
        rows.append([
            r.strategy + mark, _fmt_centers(r), f"{r.mse:.2f}", f"{r.psnr:.2f}", f"{r.packed_bytes:,}",
            f"{r.vqz_bytes:,}", f"{r.ratio:.3f} ({original_nbytes / r.vqz_bytes:.1f}x smaller)",
            f"{1000 * r.seconds:.0f}",
        ])
    colour = results[0].centers.ndim == 2
    return H.table(
        ["strategy", "palette" if colour else LEVELS_NAME, "MSE", "PSNR (dB)", "packed bytes", ".vqz bytes",
         "ratio (.vqz / original)", "time (ms)"],
        rows, numeric={2, 3, 4, 5, 6, 7}, raw={1},
    )


def _footprint_table(img, results, *, seed: bool = False) -> str:
    pixels = results[0].compressed.n_pixels
    bits = results[0].compressed.codebook.bits
    if img.ndim == 2:
        float_row = f"scikit-learn's KBinsDiscretizer output (float64{', the seed' if seed else ''})"
    else:
        float_row = "float64 pixel list, as scikit-learn's KMeans colour example holds it"
    rows = [
        [float_row, f"{img.size * 8:,}", f"{img.size * 8 / img.nbytes:.2f}"],
        [f"original ({img.dtype})", f"{img.nbytes:,}", "1.00"],
        [f"codes packed in {bits} bits ({pixels:,} pixels)", f"{results[0].packed_bytes:,}",
         f"{results[0].packed_bytes / img.nbytes:.3f}"],
    ]
    book = "palette" if img.ndim == 3 else "levels"
    for r in results:
        rows.append([f".vqz file, {r.strategy} (entropy coded, with header and {book})", f"{r.vqz_bytes:,}",
                     f"{r.ratio:.3f}"])
    return H.table(["representation", "bytes", "ratio to original"], rows, numeric={1, 2})


def _share_sentence(r: StrategyResult) -> str:
    codes = r.compressed.codes()
    share = np.bincount(codes.ravel(), minlength=r.n_colors) / codes.size * 100
    lo, hi = int(np.argmin(share)), int(np.argmax(share))
    return (f"Its bins are unbalanced: bin {lo} holds {share[lo]:.1f}% of the pixels, bin {hi} holds "
            f"{share[hi]:.1f}%.")


def _palette_rgb(r: StrategyResult) -> np.ndarray | None:
    """The palette as decoded 0..255 RGB rows, dark to light; None for non-uint8 data."""
    cb = r.compressed.codebook
    if cb.dtype != np.uint8:
        return None
    rgb = display_colours(cb.levels())[:, :3].astype(np.float64)
    return rgb[np.argsort(rgb @ np.array([0.2126, 0.7152, 0.0722]), kind="stable")]


def _colour_table(results, original_nbytes: int) -> str:
    rows = []
    for r in results:
        rgb = _palette_rgb(r)
        sw = H.swatches(rgb[:16], small=True) + (H.escape(f" +{len(rgb) - 16}") if len(rgb) > 16 else "") \
            if rgb is not None else H.escape(count(r.n_colors, "colour"))
        rows.append([
            f"{r.n_colors}", sw, f"{r.mse:.2f}", f"{r.psnr:.2f}", f"{r.packed_bytes:,}", f"{r.vqz_bytes:,}",
            f"{r.ratio:.3f} ({original_nbytes / r.vqz_bytes:.1f}x smaller)", f"{1000 * r.seconds:.0f}",
        ])
    return H.table(
        ["colours", "palette (dark to light)", "MSE", "PSNR (dB)", "packed bytes", ".vqz bytes",
         "ratio (.vqz / original)", "time (ms)"],
        rows, numeric={0, 2, 3, 4, 5, 6, 7}, raw={1},
    )


def _colour_section(img, name, results, pngs) -> str:
    P, fig = H.p, H.figure
    strategy = results[0].strategy
    counts = ", ".join(str(r.n_colors) for r in results)
    bits = ", ".join(f"{r.compressed.codebook.bits}" for r in results)
    intro = (f"The same face in colour: {image_size(img.shape, img.shape[-1])}, {_kind(img)}, "
             f"{img.dtype}: {img.nbytes:,} bytes. A palette of {counts} colours is fitted with the default colour "
             f"strategy ({strategy}: weighted k-means on the exact histogram of the image's distinct colours), "
             "and every pixel is coded by its exactly nearest palette colour.")
    parts = [P(intro), fig(pngs["colour-hist"], "the colour image and the histograms of its red, green and blue "
                                                  "channels")]
    parts.append(P(f"The quantized images, and below each the palette: one bar per colour, as tall as its share "
                   f"of the pixels. Codes take {bits} bits per pixel once packed; the .vqz file codes them with "
                   "the context model."))
    parts.append(fig(pngs["colour-strategies"], "the colour face quantized to each number of colours, with the "
                                                "palettes"))
    parts.append(_colour_table(results, img.nbytes))
    parts.append(P("Time: vqpress.compress (fit, encode, bit-pack) on this machine, the median of three to five runs "
                   "after a warm-up run. MSE and PSNR over all channel values."))
    for r in results:
        rgb = _palette_rgb(r)
        if rgb is not None:
            parts.append(f"<p>{H.escape(count(r.n_colors, 'colour') + ', dark to light:')}<br>{H.swatches(rgb, small=True)}</p>")
    return H.section(f"Colour: {counts} colours ({strategy})", *parts)


def _kind(img) -> str:
    channels = img.shape[-1] if img.ndim == 3 else 0
    return channel_name(channels) + (" colour" if channels > 2 else "")


#: What each strategy does, in the words of a colour report.
_COLOUR_STORY = {
    "kmeans": ("K-means palette", "Weighted k-means on the exact histogram of the image's distinct colours, "
               "ending at an exact Lloyd fixed point: every palette colour is the mean of the pixels nearest to "
               "it, and every pixel is coded by its exactly nearest palette colour."),
    "mediancut": ("Median-cut palette", "Boxes of the colour space split greedily where the split lowers the "
                  "squared error most, one palette colour (the mean) per box: fast, slightly less accurate "
                  "than k-means."),
}


def _page(img, name, n_colors, results, best, pngs, *, seed, levels, vqz_levels, write_png, colour_img=None,
          colour_results=()) -> str:
    from . import __version__

    by = {r.strategy: r for r in results}
    colour = img.ndim == 3
    words = image_kind(img).unit
    P, fig = H.p, H.figure
    parts = []
    n_pixels = results[0].compressed.n_pixels
    intro = (f"The image is {image_size(img.shape, img.shape[-1] if colour else 0)}, {_kind(img)}, {img.dtype}: "
             f"{img.nbytes:,} bytes. " + (
                 "Quantization replaces every pixel by one of a few colours (the palette) and stores only the "
                 "colour's index." if colour else
                 "Quantization replaces every pixel by one of a few levels and stores only the level's index."))
    if seed:
        intro = ("The raccoon face of SciPy, as in scikit-learn's \"Vector Quantization Example\". " + intro)
    parts.append(H.section("The image and its histogram", P(intro),
                           fig(pngs["hist"], "the image and the histograms of its channels" if colour else
                               "the image and the histogram of its pixel values")))

    story = {
        "uniform": ("Uniform levels", "Equal-width bins over the range of the data, as "
                    "KBinsDiscretizer(strategy=\"uniform\")."),
        "kmeans": ("K-means levels", "Lloyd's k-means on the exact histogram, started from uniform centers as "
                   "scikit-learn's strategy=\"kmeans\": the bins follow the data, but Lloyd only finds a local "
                   "optimum."),
        "quantile": ("Quantile levels", "Equal counts per bin: every level codes the same share of the pixels, "
                     "which spends levels on dense regions whether or not that lowers the error."),
        "optimal": ("Globally optimal levels", "The partition of the histogram with the least mean squared "
                    "error over all possible partitions, found exactly by dynamic programming: no strategy can "
                    "do better at this number of levels."),
        "mediancut": ("Median-cut palette", "Boxes of the colour space split at their median, one colour each."),
    }
    order = ["uniform", "kmeans", "quantile", "optimal", "mediancut"]  # the seed's order
    if colour:
        story = _COLOUR_STORY
    for r in sorted(results, key=lambda r: order.index(r.strategy) if r.strategy in order else len(order)):
        title, text = story.get(r.strategy, (r.strategy, ""))
        extra = []
        if not colour:
            cb = r.compressed.codebook
            extra.append(f"Its {MIDPOINTS_NAME} (the midpoints of the edges, scikit-learn's bin centers): "
                         f"{', '.join(f'{v:.3f}' for v in cb.bin_centers[:16])}"
                         f"{' ...' if cb.n_colors > 16 else ''}.")
            if seed and n_colors == 8 and r.strategy == "uniform":
                extra.append(f"The seed printed {_SEED_UNIFORM}.")
            if seed and n_colors == 8 and r.strategy == "kmeans":
                extra.append(f"The seed printed {_SEED_KMEANS} (on a random subsample).")
            extra.append(f"vqpress reconstructs every bin with the mean of its pixels instead, its "
                         f"{LEVELS_NAME}: {level_list(cb.centers, 16)} (the lines in the figure, the table's "
                         "column), which lowers the error for free.")
        if r.strategy == "uniform":
            extra.append(_share_sentence(r))
        if r.strategy == "optimal" and "kmeans" in by:
            k = by["kmeans"]
            lower = f"{100 * (k.mse - r.mse) / k.mse:.1f}% lower" if k.mse > 0 else "both exact"
            extra.append(f"MSE {r.mse:.2f} against k-means' {k.mse:.2f} ({lower}).")
        extra.append(f"MSE {r.mse:.2f}, PSNR {r.psnr:.2f} dB.")
        caption = (f"channel histograms and the {r.strategy} palette" if colour else
                   f"histogram with the {r.strategy} levels")
        parts.append(H.section(title, P(text + " " + " ".join(extra)), fig(pngs["levels-" + r.strategy], caption)))

    parts.append(H.section(
        "Strategies side by side",
        P(f"The quantized images at {n_colors} {words} and the share of pixels of each "
          f"{'palette colour' if colour else 'code'}; best: {best.strategy} (PSNR {best.psnr:.2f} dB)."),
        fig(pngs["strategies"], "quantized images and code histograms of every strategy"),
        _results_table(results, best, img.nbytes),
        P("Time: vqpress.compress (fit, encode, bit-pack) on this machine, after one untimed warm-up run."),
    ))
    first = results[0]
    foot = (f"{n_pixels:,} pixels at {first.compressed.codebook.bits} bits each take {first.packed_bytes:,} bytes "
            f"once packed; the .vqz file codes them with a context model and needs {best.vqz_bytes:,} bytes "
            f"({best.strategy}).")
    if seed:
        foot = ("The seed's \"compressed\" image took 6,291,456 bytes: KBinsDiscretizer returns float64, 8x "
                "the uint8 original, and numpy has no 3-bit type, so the promised saving never showed. " + foot)
    parts.append(H.section("Memory footprint", P(foot), _footprint_table(img, results, seed=seed)))
    parts.append(H.section(
        "Rate-distortion",
        P(f"PSNR against bits per pixel, at {', '.join(map(str, levels))} {words}. Dashed: fixed-width packing, "
          f"ceil(log2 n) bits per pixel. Solid: the real .vqz file (entropy coded; computed at "
          f"{', '.join(map(str, vqz_levels))} {words}). Lossless results (no error at all, an infinite PSNR) "
          "sit on the dotted line marked lossless."),
        fig(pngs["rd"], "rate-distortion curves of every strategy"),
    ))
    if colour:
        diff_title, diff_text = f"Colour error ({best.strategy})", (
            "How far each pixel's colour is from the original under the best strategy: the Euclidean distance "
            "over the channels, dark where the palette has a close colour, bright where it has none.")
    else:
        diff_title, diff_text = f"Difference image ({best.strategy})", (
            "Original minus reconstruction of the best strategy: red where the reconstruction is too dark, blue "
            "where it is too bright. The error concentrates where the levels are far apart.")
    parts.append(H.section(diff_title, P(diff_text),
                           fig(pngs["diff"], "error of each pixel" if colour else
                               "difference between the image and its reconstruction")))
    if colour_results:
        parts.append(_colour_section(colour_img, name, colour_results, pngs))
    files = [f"{name}-{r.strategy}-{n_colors}.vqz" for r in results]
    if write_png:
        files = [f"{name}-{r.strategy}-{n_colors}.png" for r in results] + files
    else:
        files.append("(no PNG reconstructions: PNG holds uint8/uint16 images only)")
    for r in colour_results:
        stem = _colour_stem(name, r.strategy, r.n_colors)
        files += [f"{stem}.png", f"{stem}.vqz"]
    parts.append(H.section("Files", P("Written beside this page: " + ", ".join(files) + ".")))
    title = f"vqpress report: {name}, {n_colors} {words}"
    lead = "How well each quantization strategy keeps this image, and how small it gets."
    return H.page(title, lead, "".join(parts), f"Made by vqpress {__version__}.")

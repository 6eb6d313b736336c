"""Figures of quantization: the image and its histogram, the levels, strategies side by side,
rate-distortion curves and difference images.

The rate-distortion data the curves draw is computed by :mod:`vqpress.rate_distortion`
(:func:`rate_distortion`, :func:`default_strategies` and :data:`DEFAULT_LEVELS` are
re-exported here).

Every function returns a :class:`matplotlib.figure.Figure` built with matplotlib's object API
(no ``pyplot`` state, so it works headless and in threads); save it with ``fig.savefig(...)``
or display it in a notebook. matplotlib is imported on first use, not with ``import vqpress``
(install it with ``pip install vqpress[plot]``).

>>> import vqpress, vqpress.plot
>>> face = vqpress.datasets.face(gray=True)
>>> fig = vqpress.plot.plot_levels(face, vqpress.fit(face, 8, "kmeans"))
>>> fig.savefig("levels.png")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._text import display_colours, image_size
from .kinds import channel_name, image_kind
from .errors import VQError

__all__ = [
    "PALETTE",
    "STRATEGY_COLOURS",
    "plot_image_histogram",
    "plot_levels",
    "plot_strategies",
    "plot_rate_distortion",
    "plot_difference",
    "rate_distortion",
    "default_strategies",
    "strategy_colour",
    "figure_png",
    "DEFAULT_LEVELS",
]

from ._plot_style import (  # noqa: F401  (PALETTE and friends are part of this module's API)
    PALETTE,
    STRATEGY_COLOURS,
    _EXTRA_COLOURS,
    _CHANNEL_COLOURS,
    _CHANNEL_NAMES,
    _HIST_COLOUR,
    _HIST_ALT,
    _SHADE,
    _TITLE_SIZE,
    _LABEL_SIZE,
    _TICK_SIZE,
    _SMALL,
    _mpl,
    _figure,
    _style,
    _show_image,
    strategy_colour,
    _image,
    _display_range,
    _as_display_rgb,
    _histogram,
    _histogram_words,
    _draw_histograms,
    _distortion,
    _fmt_psnr,
    _label_step,
    _as_n_colors,
    _as_compressed,
)
from .rate_distortion import (  # noqa: F401  (rate_distortion and friends are part of this module's API)
    DEFAULT_LEVELS,
    default_strategies,
    rate_distortion,
)


def plot_image_histogram(image, title: str | None = None):
    """The image beside the histogram of its pixel values (the seed's first figure).

    Gray ``uint8`` images get one bin per value (256 bins); other dtypes 256 equal bins;
    colour images one histogram per channel (of the channel's values).

    Parameters
    ----------
    image : array_like
        ``(H, W)`` gray or ``(H, W, 3|4)`` colour image.
    title : str, optional
        Title of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the image, the histogram.
    """
    img = _image(image)
    fig = _figure(11, 4.2)
    ax_img, ax_hist = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.05, 1]})
    channels = 0 if img.ndim == 2 else img.shape[-1]
    kind = channel_name(channels)
    _show_image(ax_img, img, f"Rendering of the image ({image_size(img.shape, channels)}, {kind}, {img.dtype})")
    _draw_histograms(ax_hist, img)
    _style(ax_hist, *_histogram_words(img))
    if title:
        fig.suptitle(title, fontsize=_TITLE_SIZE + 2)
    return fig


def plot_levels(image, codebook, title: str | None = None):
    """The histogram with the codebook's levels (the seed's bin-center figure).

    Scalar codebooks: the bins (between ``codebook.edges``) are shaded alternately and every
    level (the reconstruction value, ``codebook.centers``) is a labelled vertical line; labels
    that would collide are thinned out. Colour codebooks: per-channel histograms and the
    palette as swatches, each as tall as the share of pixels it codes.

    Parameters
    ----------
    image : array_like
        The image the codebook quantizes.
    codebook : vqpress.Codebook
    title : str, optional
        Default: the strategy, number of levels, MSE and PSNR.

    Returns
    -------
    matplotlib.figure.Figure
        One axes (scalar) or two (colour: histograms, palette).
    """
    img = _image(image)
    codes = codebook.encode(img)
    err, snr = _distortion(img, codebook.decode(codes))
    default = (
        f"{codebook.strategy}: {codebook.n_colors} {codebook.kind.unit}, MSE {err:.2f}, "
        f"PSNR {_fmt_psnr(snr)} dB"
    )
    colour = strategy_colour(codebook.strategy)
    if codebook.channels:
        fig = _figure(11, 4.2)
        ax_hist, ax_pal = fig.subplots(1, 2)
        _draw_histograms(ax_hist, img)
        _style(ax_hist, *_histogram_words(img))
        _draw_palette(ax_pal, codebook, codes)
        fig.suptitle(title or default, fontsize=_TITLE_SIZE + 1)
        return fig

    fig = _figure(11, 4.6)
    ax = fig.add_subplot()
    edges = codebook.edges
    for i in range(0, codebook.n_colors, 2):
        ax.axvspan(edges[i], edges[i + 1], color=_SHADE, linewidth=0, zorder=0)
    counts, hist_edges = _histogram(img)
    # the histogram itself in two tones, alternating from bin to bin
    mids = (hist_edges[1:] + hist_edges[:-1]) * 0.5
    parity = np.searchsorted(edges[1:-1], mids, side="right") % 2
    for k, tone in ((0, _HIST_COLOUR), (1, _HIST_ALT)):
        ax.stairs(np.where(parity == k, counts, 0), hist_edges, fill=True, color=tone, linewidth=0)
    lo, hi = min(hist_edges[0], edges[0]), max(hist_edges[-1], edges[-1])
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, counts.max() * 1.28)  # head room for the labels
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    min_gap = _label_step(codebook.n_colors, hi - lo, 0.88 * fig.get_figwidth())
    last = -np.inf
    for c in codebook.centers:
        ax.axvline(c, color=colour, linewidth=1.4, zorder=3)
        if c - last >= min_gap:
            ax.text(
                c, 0.985, f"{c:.1f}", transform=ax.get_xaxis_transform(), rotation=90,
                ha="center", va="top", fontsize=_SMALL, color="black", zorder=4,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            )
            last = c
    _style(ax, title or default, "pixel value", "count of pixels")
    ax.grid(False)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=_HIST_COLOUR, label="pixels in bins 0, 2, 4, ..."),
        Patch(facecolor=_HIST_ALT, label="pixels in bins 1, 3, 5, ..."),
        Patch(facecolor=_SHADE, label="extent of bins 0, 2, 4, ... (between edges)"),
        Line2D([], [], color=colour, linewidth=1.4, label="levels: the mean of each bin, labelled"),
    ]
    fig.legend(handles=handles, fontsize=_SMALL, loc="outside lower center", ncol=4, frameon=False)
    return fig


def _draw_palette(ax, codebook, codes) -> None:
    """Colour swatches, one per palette entry, as tall as their share of the pixels."""
    n = codebook.n_colors
    share = np.bincount(codes.ravel(), minlength=n) / codes.size * 100
    colours = display_colours(codebook.levels(np.float64))[:, :3]
    lo, hi = _display_range(np.asarray(codebook.levels()))
    rgb = np.clip((colours - lo) / max(hi - lo, 1e-12), 0, 1)
    order = np.argsort(rgb @ np.array([0.2126, 0.7152, 0.0722]), kind="stable")  # dark to light
    x = np.arange(n)
    ax.bar(x, share[order], width=0.9, color=rgb[order], edgecolor="#333333", linewidth=0.5)
    ax.set_xlim(-0.6, n - 0.4)
    if n <= 16:
        hexes = ["#%02x%02x%02x" % tuple(int(round(v * 255)) for v in rgb[i]) for i in order]
        ax.set_xticks(x, hexes, rotation=90, fontsize=_SMALL, family="monospace")
        xlabel = "palette colour (dark to light)"
    else:
        ax.set_xticks([])
        xlabel = f"palette: {n} colours (dark to light)"
    _style(ax, "Palette and the share of pixels of each colour", xlabel, "share of pixels (%)")


def _colour_bars(ax, heights: np.ndarray, rgb: np.ndarray) -> None:
    """Touching bars ``[i - 0.5, i + 0.5] x [0, heights[i]]`` in colours ``rgb``, as one
    collection (hundreds of separate patches are slow to lay out and draw)."""
    from matplotlib.collections import PolyCollection

    x = np.arange(len(heights), dtype=np.float64)
    verts = np.stack([
        np.stack([x - 0.5, np.zeros_like(x)], -1), np.stack([x - 0.5, heights], -1),
        np.stack([x + 0.5, heights], -1), np.stack([x + 0.5, np.zeros_like(x)], -1),
    ], axis=1)
    ax.add_collection(PolyCollection(verts, facecolors=rgb, edgecolors="none", linewidths=0, antialiaseds=False))
    ax.set_ylim(0, float(heights.max()) * 1.05 or 1.0)


def plot_strategies(image, codebooks_or_results, title: str | None = None):
    """Strategies side by side: quantized images above, histograms of their codes below.

    Colour codebooks' code histograms are drawn in the palette colours. The histograms share
    one y scale when every item has the same number of levels (a comparison of strategies),
    not otherwise (a comparison of numbers of colours).

    Parameters
    ----------
    image : array_like
        The original image.
    codebooks_or_results : sequence
        :class:`vqpress.Codebook`, :class:`vqpress.Compressed` or
        :class:`vqpress.report.StrategyResult` items (usually at the same number of levels).
    title : str, optional
        Title of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
        ``2 * len(codebooks_or_results)`` axes; MSE and PSNR in each column's title.
    """
    img = _image(image)
    items = list(codebooks_or_results)
    if not items:
        raise VQError("plot_strategies needs at least one codebook or result")
    n = len(items)
    aspect = img.shape[0] / img.shape[1]
    col_w = 3.1 if n > 2 else 4.2
    fig = _figure(col_w * n, col_w * aspect + 2.9)
    axes = fig.subplots(2, n, squeeze=False, gridspec_kw={"height_ratios": [col_w * aspect, 2.2]})
    for j, item in enumerate(items):
        cb, codes, rec = _as_compressed(item, img)
        err, snr = _distortion(img, rec)
        words = cb.kind.unit
        _show_image(axes[0, j], rec, f"{cb.strategy}, {cb.n_colors} {words}\nMSE {err:.1f}, PSNR {_fmt_psnr(snr)} dB")
        axes[0, j].title.set_color("black")
        for spine in axes[0, j].spines.values():
            spine.set_edgecolor(strategy_colour(cb.strategy, j))
            spine.set_linewidth(2.5)
        share = np.bincount(codes.ravel(), minlength=cb.n_colors) / codes.size * 100
        ax = axes[1, j]
        x = np.arange(cb.n_colors)
        if cb.channels:
            rgb = np.clip(display_colours(cb.levels(np.float64))[:, :3] / _display_range(rec)[1], 0, 1)
            if cb.n_colors > 64:  # thin bars: no outlines (they would hide the colours), one artist
                _colour_bars(ax, share, rgb)
            else:
                ax.bar(x, share, width=0.85, color=rgb, edgecolor="#333333", linewidth=0.4)
        else:
            ax.bar(x, share, width=0.85, color=strategy_colour(cb.strategy, j), linewidth=0)
        _style(ax, None, "palette index" if cb.channels else "code (darkest level = 0)",
               "share of pixels (%)" if j == 0 else None)
        ax.set_xlim(-0.6, cb.n_colors - 0.4)
        if cb.n_colors <= 16:
            ax.set_xticks(x)
        else:
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(8, integer=True))
    # same y scale on every code histogram, so the columns compare (when they have as many codes)
    if len({_as_n_colors(item) for item in items}) == 1:
        top = max(a.get_ylim()[1] for a in axes[1])
        for a in axes[1]:
            a.set_ylim(0, top)
    if title:
        fig.suptitle(title, fontsize=_TITLE_SIZE + 2)
    return fig


def plot_rate_distortion(image, strategies: Sequence[str] | None = None, levels=DEFAULT_LEVELS, *,
                         vqz_levels=None, known=None, points: list[dict] | None = None,
                         title: str | None = None):
    """PSNR against bits per pixel for every strategy, two curves each.

    Dashed: the fixed-width packed codes, ``ceil(log2 n)`` bits per pixel. Solid: the real
    ``.vqz`` file, ``8 * len(compressed.to_bytes()) / pixels`` (entropy coded, codebook and
    header included). Entropy coding is the slow part; ``vqz_levels`` limits it to fewer
    numbers of levels. Lossless points (infinite PSNR, for instance 256 levels of a
    ``uint8`` image) are drawn on a dotted line marked "lossless" above the others.

    Parameters
    ----------
    image : array_like
    strategies, levels, vqz_levels, known
        As in :func:`rate_distortion`.
    points : list of dict, optional
        The output of :func:`rate_distortion`, if already computed (then ``image`` is only
        used for the title).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    img = _image(image)
    if points is None:
        points = rate_distortion(img, strategies, levels, vqz_levels=vqz_levels, known=known)
    fig = _figure(8.5, 5.2)
    ax = fig.add_subplot()
    names = list(dict.fromkeys(p["strategy"] for p in points))
    from matplotlib.lines import Line2D

    finite = [p["psnr"] for p in points if math.isfinite(p["psnr"])]
    lossless = None  # the height of the lossless line, if any point is lossless
    if len(finite) < len(points):
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 0.0)
        lossless = hi + max(3.0, 0.08 * (hi - lo))
        ax.axhline(lossless, color="#888888", linestyle=":", linewidth=1.0, zorder=0)

    def height(p):
        return p["psnr"] if math.isfinite(p["psnr"]) else lossless

    for j, name in enumerate(names):
        mine = [p for p in points if p["strategy"] == name]
        colour = strategy_colour(name, j)
        packed = sorted((p["packed_bpp"], height(p)) for p in mine)
        ax.plot(*zip(*packed), linestyle="--", marker="o", markersize=4, markerfacecolor="white",
                color=colour, linewidth=1.2, alpha=0.9)
        vqz = sorted((p["vqz_bpp"], height(p)) for p in mine if p["vqz_bpp"] is not None)
        if vqz:
            ax.plot(*zip(*vqz), linestyle="-", marker="o", markersize=4.5, color=colour, linewidth=1.8)
    # annotate the numbers of levels once, on the reference strategy's curves
    ref = "optimal" if "optimal" in names else names[0]
    for p in points:
        if p["strategy"] == ref:
            spots = [(p["packed_bpp"], (-4, 5))]
            if p["vqz_bpp"] is not None:
                spots.append((p["vqz_bpp"], (-5, 5)))
            for x, offset in spots:
                ax.annotate(str(p["levels"]), (x, height(p)), textcoords="offset points", xytext=offset,
                            ha="right", fontsize=_SMALL - 0.5, color="#333333")

    handles = [Line2D([], [], color=strategy_colour(s, j), linewidth=2, label=s) for j, s in enumerate(names)]
    handles += [
        Line2D([], [], color="#444444", linestyle="-", marker="o", markersize=4, label=".vqz file (entropy coded)"),
        Line2D([], [], color="#444444", linestyle="--", marker="o", markerfacecolor="white", markersize=4,
               label="packed, ceil(log2 n) bits"),
    ]
    ax.legend(handles=handles, fontsize=_SMALL, loc="lower right", framealpha=0.95)
    _style(ax, title or f"Rate-distortion (point labels: number of {image_kind(img).unit} asked for)",
           "bits per pixel", "PSNR (dB)")
    ax.set_xlim(left=0)
    if lossless is not None:  # the lossless line gets a tick of its own, the numbers stay below it
        bottom, _ = ax.get_ylim()
        auto = ax.get_yticks()
        step = float(np.diff(auto).min()) if auto.size > 1 else 1.0
        ticks = [t for t in auto if bottom <= t < lossless - 0.6 * step]
        ax.set_yticks(ticks + [lossless], [f"{t:g}" for t in ticks] + ["lossless"])
        ax.set_ylim(bottom, lossless + max(2.0, 0.04 * (lossless - bottom)))
    return fig


def plot_difference(image, reconstruction, title: str | None = None):
    """Where the reconstruction is off: the signed difference of a gray image, the size of
    the colour error of a colour image.

    Gray images show ``original - reconstruction`` on a diverging scale centred on 0. Colour
    images show, for each pixel, the Euclidean distance between its original and
    reconstructed colour (over all channels, in channel units) on a scale from 0: a signed
    mean over the channels would let a too-red, too-blue pixel cancel out.

    Parameters
    ----------
    image : array_like
        The original image.
    reconstruction : array_like or vqpress.Compressed
        Same shape as ``image``; a :class:`vqpress.Compressed` is decompressed.
    title : str, optional
        Default: MSE and PSNR.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the difference (or error) image and its colour bar.
    """
    img = _image(image)
    rec = _image(reconstruction, name="reconstruction")
    if rec.shape != img.shape:
        raise VQError(f"image and reconstruction must have the same shape; got {img.shape} and {rec.shape}")
    err, snr = _distortion(img, rec)
    diff = img.astype(np.float64) - rec.astype(np.float64)
    if diff.ndim == 3:
        shown = np.sqrt(np.square(diff).sum(axis=-1))
        scale = {"cmap": "magma", "vmin": 0.0, "vmax": float(shown.max()) or 1.0}
        label = f"colour error: distance over the {img.shape[-1]} channels"
        default = f"Colour error of each pixel: MSE {err:.2f}, PSNR {_fmt_psnr(snr)} dB"
    else:
        shown = diff
        bound = float(np.abs(diff).max()) or 1.0
        scale = {"cmap": "RdBu_r", "vmin": -bound, "vmax": bound}
        label = "pixel value difference"
        default = f"Original minus reconstruction: MSE {err:.2f}, PSNR {_fmt_psnr(snr)} dB"
    aspect = img.shape[0] / img.shape[1]
    fig = _figure(7.4, 6.2 * aspect + 0.9)
    ax = fig.add_subplot()
    im = ax.imshow(shown, interpolation="antialiased", **scale)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or default, fontsize=_TITLE_SIZE)
    cbar = fig.colorbar(im, ax=ax, shrink=0.9, pad=0.02)
    cbar.set_label(label, fontsize=_LABEL_SIZE)
    cbar.ax.tick_params(labelsize=_TICK_SIZE)
    return fig


def figure_png(fig, *, dpi: int = 100, compress_level: int = 1) -> bytes:
    """A figure as PNG bytes (zlib level 1 by default: several times faster, barely larger)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", pil_kwargs={"compress_level": compress_level})
    return buf.getvalue()

"""The shared look of vqpress's figures: colours, axes style, and small helpers.

Colours are the Okabe-Ito colourblind-safe palette. matplotlib is imported on first use.
"""

from __future__ import annotations

import math

import numpy as np

from ._text import display_colours
from ._validation import check_data
from .errors import VQError

#: Okabe-Ito colourblind-safe palette.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
#: One colour per strategy, the same in every figure.
STRATEGY_COLOURS = {
    "uniform": PALETTE["blue"],
    "quantile": PALETTE["green"],
    "kmeans": PALETTE["orange"],
    "optimal": PALETTE["vermillion"],
    "mediancut": PALETTE["purple"],
}
_EXTRA_COLOURS = (PALETTE["sky"], PALETTE["black"], PALETTE["yellow"])
_CHANNEL_COLOURS = (PALETTE["vermillion"], PALETTE["green"], PALETTE["blue"], "#777777")
_CHANNEL_NAMES = ("red", "green", "blue", "alpha")
_HIST_COLOUR = "#4d4d4d"
_HIST_ALT = "#56B4E9"
_SHADE = "#e4e4e4"
_TITLE_SIZE, _LABEL_SIZE, _TICK_SIZE, _SMALL = 11, 10, 8.5, 8


# ----------------------------------------------------------------------------- style helpers
def _mpl():
    """Import matplotlib lazily; a clear message if it is missing."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("vqpress.plot needs matplotlib: pip install vqpress[plot]") from None
    return matplotlib, Figure


def _figure(width: float, height: float):
    _, Figure = _mpl()
    fig = Figure(figsize=(width, height), layout="constrained", dpi=100)
    # a margin around the axes and titles, so that none touches the edge of the picture
    fig.get_layout_engine().set(w_pad=0.12, h_pad=0.12)
    fig.set_facecolor("white")
    return fig


def _style(ax, title=None, xlabel=None, ylabel=None, *, grid: bool = True) -> None:
    """The one look: titles, labelled axes with units, light grid, no top/right frame."""
    if title is not None:
        ax.set_title(title, fontsize=_TITLE_SIZE)
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=_LABEL_SIZE)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=_LABEL_SIZE)
    ax.tick_params(labelsize=_TICK_SIZE)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if grid:
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)


def _show_image(ax, image: np.ndarray, title: str | None = None) -> None:
    """An image panel: gray images on a fixed 0..max gray scale, colour images as they are."""
    if image.ndim == 2:
        lo, hi = _display_range(image)
        ax.imshow(image, cmap="gray", vmin=lo, vmax=hi, interpolation="antialiased")
    else:
        ax.imshow(_as_display_rgb(display_colours(image)), interpolation="antialiased")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=_TITLE_SIZE)


def strategy_colour(name: str, index: int = 0) -> str:
    """Colour of a strategy in every figure."""
    return STRATEGY_COLOURS.get(name, _EXTRA_COLOURS[index % len(_EXTRA_COLOURS)])


# ----------------------------------------------------------------------------- data helpers
def _image(image, name: str = "image") -> np.ndarray:
    """``image`` checked to be an image array; a :class:`vqpress.Compressed` is decompressed if
    ``name`` is ``"reconstruction"`` and refused otherwise (numpy would see an object)."""
    from .compressed import Compressed
    from .kinds import image_kind

    if isinstance(image, Compressed):
        if name != "reconstruction":
            raise VQError(f"{name} is a vqpress.Compressed; pass the original image array here "
                          "(c.decompress() gives the reconstruction)")
        image = image.decompress()
    arr = check_data(image, name=name)
    try:
        image_kind(arr)
    except VQError as exc:
        raise VQError(f"{name}: {exc}") from None
    return arr


def _display_range(image: np.ndarray) -> tuple[float, float]:
    if image.dtype.kind in "ui" and image.dtype.itemsize <= 2:
        info = np.iinfo(image.dtype)
        return float(max(info.min, 0)), float(info.max)
    return float(image.min()), float(image.max())


def _as_display_rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    lo, hi = _display_range(image)
    return np.clip((image.astype(np.float64) - lo) / max(hi - lo, 1e-12), 0, 1)


def _histogram(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts and edges: one bin per value for uint8 (the seed's 256 bins), else 256 bins."""
    values = values.ravel()
    if values.dtype == np.uint8:
        return np.bincount(values, minlength=256).astype(np.float64), np.arange(257) - 0.5
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        hi = lo + 1
    counts, edges = np.histogram(values, bins=256, range=(lo, hi))
    return counts.astype(np.float64), edges


def _histogram_words(image: np.ndarray) -> tuple[str, str, str]:
    """Title, x label and y label of the histogram of an image's values."""
    if image.ndim == 2:
        return "Distribution of the pixel values", "pixel value", "count of pixels"
    return "Distribution of each channel's values", "channel value", "count of pixels"


def _draw_histograms(ax, image: np.ndarray, *, fill: bool = True) -> None:
    """Gray: one filled histogram. Colour: one step histogram per channel, with a legend."""
    if image.ndim == 2:
        counts, edges = _histogram(image)
        ax.stairs(counts, edges, fill=fill, color=_HIST_COLOUR, alpha=0.85 if fill else 1)
    else:
        channels = [0, 3] if image.shape[-1] == 2 else range(image.shape[-1])  # gray + alpha: gray, alpha
        for k, c in enumerate(channels):
            counts, edges = _histogram(image[..., k])
            colour, name = ("#444444", "gray") if image.shape[-1] == 2 and c == 0 else (_CHANNEL_COLOURS[c],
                                                                                        _CHANNEL_NAMES[c])
            ax.stairs(counts, edges, color=colour, linewidth=1.2, label=name)
        ax.legend(fontsize=_SMALL, frameon=False, loc="upper right")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(bottom=0)
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))


def _distortion(image: np.ndarray, reconstruction: np.ndarray) -> tuple[float, float]:
    from .metrics import mse, psnr

    return mse(image, reconstruction), psnr(image, reconstruction)


def _fmt_psnr(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.2f}"


def _label_step(n: int, span: float, width_in: float, fontsize: float = _SMALL) -> float:
    """Smallest distance in data units between two vertical labels that do not collide."""
    label_in = 1.6 * fontsize / 72
    return span * label_in / max(width_in, 1e-6)


def _as_n_colors(item) -> int:
    comp = getattr(item, "compressed", item)
    return getattr(comp, "codebook", comp).n_colors


def _as_compressed(item, image: np.ndarray):
    """A (name, codebook, reconstruction, codes) tuple from a Codebook, Compressed or result."""
    from .codebook import Codebook
    from .compressed import Compressed

    comp = getattr(item, "compressed", None)
    if isinstance(item, Compressed) or isinstance(comp, Compressed):
        c = item if isinstance(item, Compressed) else comp
        codes = c.codes()
        return c.codebook, codes, c.codebook.decode(codes)
    if isinstance(item, Codebook):
        codes = item.encode(image)
        return item, codes, item.decode(codes)
    raise VQError(
        f"expected vqpress.Codebook, vqpress.Compressed or a report.StrategyResult; got {type(item).__name__}"
    )


# ----------------------------------------------------------------------------- figures

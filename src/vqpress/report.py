"""Compare quantization strategies on an image and write a self-contained HTML report.

>>> import vqpress.report
>>> out = vqpress.report.demo("vqpress-demo")          # doctest: +SKIP
>>> out.html                                            # doctest: +SKIP
PosixPath('vqpress-demo/face.html')

The report is one HTML file with its figures embedded as PNG data URIs (inline CSS, no
JavaScript, nothing fetched from the network), next to one reconstruction PNG and one
``.vqz`` file per strategy (and, in the demo, per number of colours of the colour face).
Figures need matplotlib (``pip install vqpress[plot]``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._fileio import atomic_write_bytes
from ._validation import check_data
from ._report_page import _colour_stem, _page
from .errors import VQError

__all__ = ["StrategyResult", "ReportOutput", "evaluate", "build_report", "demo"]

#: Numbers of levels of the report's rate-distortion figure: packed rate at all of them,
#: ``.vqz`` size (entropy coding, the slow part) at the few of ``_RD_VQZ_LEVELS``.
_RD_LEVELS = (2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 256)
_RD_VQZ_LEVELS = (2, 4, 8, 16)
_RD_COLOUR_LEVELS = (4, 16, 64)
_DPI = 96
#: The demo's colour section: the colour face at these numbers of colours, with the default
#: colour strategy (no rate-distortion sweep: colour k-means at 256 colours is the slow part).
DEMO_COLOUR_LEVELS = (16, 64, 256)
DEMO_COLOUR_STRATEGY = "kmeans"

# What the seed (scikit-learn's "Vector Quantization Example") printed, for comparison.


@dataclass
class StrategyResult:
    """One strategy on one image: one row of the report's table."""

    strategy: str
    n_colors: int
    centers: np.ndarray
    mse: float
    psnr: float
    packed_bytes: int  #: ``len(compressed.payload)``: fixed-width bit packing
    vqz_bytes: int  #: ``len(compressed.to_bytes())``: the ``.vqz`` file, entropy coded
    ratio: float  #: ``vqz_bytes / image.nbytes``
    #: time of :func:`vqpress.compress` (fit, encode, pack): the median of three to five
    #: runs after one untimed warm-up run (so that imports, compiled kernels and threads starting up
    #: are not counted)
    seconds: float
    compressed: object = field(repr=False)  #: the :class:`vqpress.Compressed`
    _vqz: bytes | None = field(default=None, repr=False, compare=False)


@dataclass
class ReportOutput:
    """What :func:`build_report` wrote: the results, the HTML page, and every file."""

    results: list
    html: Path
    files: list
    #: :func:`demo` only: the colour face at each number of colours (one StrategyResult each)
    colour_results: list = field(default_factory=list)


def _strategies(img: np.ndarray, strategies) -> list[str]:
    from .kinds import channel_name, image_kind

    kind = image_kind(img)
    allowed = kind.strategies
    if strategies is None:
        return list(allowed)
    if isinstance(strategies, str):
        strategies = [strategies]
    names = list(dict.fromkeys(strategies))
    bad = [s for s in names if s not in allowed]
    if bad or not names:
        what = channel_name(img.shape[-1] if kind.vector else 0)
        raise VQError(f"strategies for a {what} image must be among {', '.join(allowed)}; got {strategies!r}")
    return names


def evaluate(image, n_colors: int = 8, strategies: Sequence[str] | None = None) -> list[StrategyResult]:
    """Compress ``image`` with every strategy and measure size, distortion and time.

    Parameters
    ----------
    image : array_like
        Gray ``(H, W)``, gray + alpha ``(H, W, 2)`` or colour ``(H, W, 3|4)`` image.
    n_colors : int, default 8
    strategies : sequence of str, optional
        Default: every strategy of the image's kind (:mod:`vqpress.kinds`): ``uniform,
        quantile, kmeans, optimal`` for gray images, ``kmeans, mediancut`` for colour ones.

    Returns
    -------
    list of StrategyResult
        In the order of ``strategies``; ``seconds`` is the median of three to five timed runs after one
        untimed warm-up run.
    """
    import warnings

    from .api import compress
    from .metrics import mse, psnr

    from .kinds import image_kind

    img = check_data(image, name="image")
    names = _strategies(img, strategies)
    n_colors = image_kind(img).check_n_colors(n_colors)
    axis = -1 if image_kind(img).vector else None
    results = []
    for name in names:
        with warnings.catch_warnings():  # the timed run below warns, if there is anything to say
            warnings.simplefilter("ignore")
            compress(img, n_colors, name, channel_axis=axis)
        c, seconds = _timed_compress(compress, img, n_colors, name, axis)
        rec = c.decompress()
        vqz = c.to_bytes()
        results.append(StrategyResult(
            strategy=name, n_colors=c.codebook.n_colors, centers=np.array(c.codebook.centers),
            mse=mse(img, rec), psnr=psnr(img, rec), packed_bytes=len(c.payload), vqz_bytes=len(vqz),
            ratio=len(vqz) / img.nbytes, seconds=seconds, compressed=c, _vqz=vqz,
        ))
    return results


def _timed_compress(compress, img, n_colors, name, axis, *, repeats: int = 5, budget: float = 0.25):
    """``compress(...)`` and its median time over three to ``repeats`` runs (three once
    ``budget`` seconds are spent): one run alone is at the mercy of whatever else the machine
    does at that moment."""
    times = []
    while len(times) < repeats and (len(times) < 3 or sum(times) < budget):
        start = time.perf_counter()
        c = compress(img, n_colors, name, channel_axis=axis)
        times.append(time.perf_counter() - start)
    return c, float(np.median(times))


def build_report(image, out_dir, *, name: str = "image", n_colors: int = 8, strategies=None,
                 overwrite: bool = False, progress: Callable[[str], None] | None = None,
                 rd_levels: Sequence[int] | None = None, rd_vqz_levels: Sequence[int] | None = None,
                 ) -> ReportOutput:
    """Compare strategies on ``image`` and write a self-contained HTML report into ``out_dir``.

    Written (``out_dir`` is created if missing): ``{name}.html``; per strategy the
    reconstruction ``{name}-{strategy}-{n_colors}.png`` and the compressed file
    ``{name}-{strategy}-{n_colors}.vqz``. Every file is written atomically, and all of them
    after everything is computed.

    Parameters
    ----------
    image : array_like
        Gray or colour image.
    out_dir : str or path-like
    name : str, default "image"
        Stem of the file names (no path separators, no leading ``.``).
    n_colors : int, default 8
    strategies : sequence of str, optional
        As in :func:`evaluate`.
    overwrite : bool, default False
        Replace existing files. Without it an existing target raises :class:`vqpress.VQError`
        before anything is written.
    progress : callable, optional
        ``progress(step)`` is called with a short description as each step starts.
    rd_levels, rd_vqz_levels : sequence of int, optional
        Numbers of levels of the rate-distortion figure (packed rate), and the subset at
        which the ``.vqz`` size is computed too (entropy coding is the slow part).

    Returns
    -------
    ReportOutput
    """
    return _build(image, out_dir, name=name, n_colors=n_colors, strategies=strategies, overwrite=overwrite,
                  progress=progress, rd_levels=rd_levels, rd_vqz_levels=rd_vqz_levels, seed=False)


def demo(out_dir="vqpress-demo", *, n_colors: int = 8, overwrite: bool = False,
         progress: Callable[[str], None] | None = None,
         colour_levels: Sequence[int] = DEMO_COLOUR_LEVELS) -> ReportOutput:
    """The seed's walkthrough (scikit-learn's "Vector Quantization Example"), done properly,
    and the same face in colour.

    The raccoon face (gray) at ``n_colors`` levels with every strategy, written as the report
    ``face.html`` (see :func:`build_report`) with the seed's story: the image and its
    histogram, uniform, k-means, quantile and globally optimal levels, the memory footprint,
    rate-distortion, and the difference image of the best strategy.

    Then a colour section: the colour face at 16, 64 and 256 colours (``colour_levels``)
    with the default colour strategy (k-means): its per-channel histograms, the quantized
    images and their palettes (swatches), and a table of colours, MSE, PSNR, packed and
    ``.vqz`` bytes, ratio and time. No rate-distortion sweep in colour. The colour
    reconstructions are written beside the page as ``face-colour-kmeans-{n}.png`` (indexed
    PNGs) and ``face-colour-kmeans-{n}.vqz``; their results are ``ReportOutput.colour_results``.

    It takes about 8 s on an idle 2-core machine (the gray part alone about 4.5 s): the
    colour face's files are encoded in threads beside the figures.

    Parameters
    ----------
    out_dir : str or path-like, default "vqpress-demo"
    n_colors : int, default 8
        Levels of the gray part.
    overwrite : bool, default False
        As in :func:`build_report`.
    progress : callable, optional
        As in :func:`build_report`.
    colour_levels : sequence of int, default (16, 64, 256)
        Numbers of colours of the colour section (each 2..256); empty: no colour section.

    Returns
    -------
    ReportOutput
        ``results`` (gray, one per strategy), ``colour_results`` (one per number of colours),
        ``html`` and ``files``.
    """
    from .datasets import face

    from .kinds import COLOUR

    levels = [COLOUR.check_n_colors(n) for n in colour_levels]
    levels = sorted(dict.fromkeys(levels))
    colour = (face(), tuple(levels), DEMO_COLOUR_STRATEGY) if levels else None
    return _build(face(gray=True), out_dir, name="face", n_colors=n_colors, strategies=None,
                  overwrite=overwrite, progress=progress, rd_levels=None, rd_vqz_levels=None, seed=True,
                  colour=colour)


# ----------------------------------------------------------------------------- internals
def _targets(out_dir: Path, name: str, names: list[str], n_colors: int) -> tuple[Path, list[Path]]:
    if not isinstance(name, str) or not name or name.startswith(".") or any(
        ch in '/\\:' or not ch.isprintable() for ch in name
    ):
        raise VQError(f"name must be a file name stem (no '/', '\\', ':', control characters or leading '.'); got {name!r}")
    html = out_dir / f"{name}.html"
    files = []
    for s in names:
        files += [out_dir / f"{name}-{s}-{n_colors}.png", out_dir / f"{name}-{s}-{n_colors}.vqz"]
    return html, files + [html]


def _png_bytes(c) -> bytes:
    """The reconstruction as PNG bytes: an indexed PNG as ``vqpress.save`` writes it where
    possible (up to 256 uint8 levels), else a plain PNG of ``decompress()``."""
    try:
        from .png import to_png
    except ImportError:  # pragma: no cover - the indexed PNG export is optional
        to_png = None
    if to_png is not None:
        try:
            return to_png(c)
        except VQError:
            pass
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(c.decompress()).save(buf, format="PNG")
    return buf.getvalue()


def _vqz_size(c) -> int:
    return len(c.to_bytes())


def _png_writable(img: np.ndarray) -> bool:
    return (img.dtype == np.uint8 and (img.ndim == 2 or img.shape[-1] in (2, 3, 4))) or (
        img.dtype == np.uint16 and img.ndim == 2
    )


def _build(image, out_dir, *, name, n_colors, strategies, overwrite, progress, rd_levels, rd_vqz_levels,
           seed: bool, colour=None) -> ReportOutput:
    from . import plot
    from .kinds import image_kind

    plot._mpl()  # fail early, before any work, if matplotlib is missing
    step = progress or (lambda _s: None)
    img = check_data(image, name="image")
    n_colors = image_kind(img).check_n_colors(n_colors)
    names = _strategies(img, strategies)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise VQError(f"{out_dir} exists and is not a folder")
    html_path, files = _targets(out_dir, name, names, n_colors)
    write_png = _png_writable(img)
    if not write_png:
        files = [f for f in files if f.suffix != ".png"]
    if colour is not None:
        _, c_levels, c_strategy = colour
        files += [out_dir / f"{_colour_stem(name, c_strategy, n)}{ext}" for n in c_levels for ext in (".png", ".vqz")]
    existing = [f for f in files if f.exists()] if not overwrite else []
    if existing:
        shown = ", ".join(map(str, existing[:4])) + (f" and {len(existing) - 4} more" if len(existing) > 4 else "")
        raise VQError(f"{shown} {'exists' if len(existing) == 1 else 'exist'}; pass overwrite=True "
                      "(--force on the command line) to replace, or choose another folder or name")

    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=2)
    try:
        return _build_in(img, out_dir, name, n_colors, names, overwrite, step, rd_levels, rd_vqz_levels, seed,
                         html_path, write_png, pool, colour)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _colour_work(img, levels, strategy, pool) -> list:
    """The demo's colour section: compress at every number of colours (timed as
    :func:`evaluate` times, on a machine doing nothing else of the demo's); the ``.vqz`` and
    PNG encodes of each go to ``pool``, to run beside the figures.

    Returns ``(n, result, vqz_future, png_future)`` in the order of ``levels``;
    ``result.vqz_bytes`` and ``result.ratio`` are filled in by :func:`_colour_collect`.
    """
    from .api import compress
    from .metrics import mse, psnr

    out = {}
    for n in sorted(levels, reverse=True):  # the largest first: its slow .vqz encode starts early
        c, seconds = _timed_compress(compress, img, n, strategy, -1)
        vqz = pool.submit(c.to_bytes)
        png = pool.submit(_png_bytes, c)
        rec = c.decompress()
        out[n] = (n, StrategyResult(
            strategy=strategy, n_colors=c.codebook.n_colors, centers=np.array(c.codebook.centers),
            mse=mse(img, rec), psnr=psnr(img, rec), packed_bytes=len(c.payload), vqz_bytes=0, ratio=0.0,
            seconds=seconds, compressed=c), vqz, png)
    return [out[n] for n in levels]


def _colour_collect(img, work) -> tuple[list, dict]:
    """The colour results with their ``.vqz`` sizes, and the PNG bytes by number of colours."""
    results, pngs = [], {}
    for n, r, vqz, png in work:
        r._vqz = vqz.result()
        r.vqz_bytes = len(r._vqz)
        r.ratio = r.vqz_bytes / img.nbytes
        pngs[n] = png.result()
        results.append(r)
    return results, pngs


def _build_in(img, out_dir, name, n_colors, names, overwrite, step, rd_levels, rd_vqz_levels, seed, html_path,
              write_png, pool, colour=None) -> ReportOutput:
    from . import plot
    from .kinds import image_kind
    from .rate_distortion import rate_distortion_rows

    # the timed compresses first, one after the other, so that nothing else of the demo's
    # runs beside them; the slow numeric work (entropy coding, PNGs) then runs beside the figures
    results = []
    unit = image_kind(img).unit
    for s in names:
        step(f"compress ({s}, {n_colors} {unit})")
        results += evaluate(img, n_colors, [s])
    colour_work = None
    if colour is not None:
        c_img, c_levels, c_strategy = colour
        step(f"colour: {c_strategy} at {', '.join(map(str, c_levels))} colours")
        colour_work = _colour_work(c_img, c_levels, c_strategy, pool)
    colour = image_kind(img).vector
    levels = tuple(rd_levels or (_RD_COLOUR_LEVELS if colour else _RD_LEVELS))
    vqz_levels = tuple(rd_vqz_levels or (_RD_COLOUR_LEVELS if colour else _RD_VQZ_LEVELS))
    levels = tuple(sorted(set(levels) | {n_colors}))
    vqz_levels = tuple(sorted(set(vqz_levels) | {n_colors}))
    step("rate-distortion")
    rd_rows, rd_jobs = rate_distortion_rows(img, names, levels, vqz_levels, results)
    rd_sizes = [pool.submit(_vqz_size, c) for _row, c in rd_jobs]
    pngs_out = {r.strategy: pool.submit(_png_bytes, r.compressed) for r in results} if write_png else {}
    best = min(results, key=lambda r: r.mse)
    pngs = {}
    step("figure: image and histogram")
    pngs["hist"] = plot.figure_png(plot.plot_image_histogram(img), dpi=_DPI)
    for r in results:
        step(f"figure: levels ({r.strategy})")
        pngs["levels-" + r.strategy] = plot.figure_png(plot.plot_levels(img, r.compressed.codebook), dpi=_DPI)
    step("figure: strategies side by side")
    pngs["strategies"] = plot.figure_png(plot.plot_strategies(img, results), dpi=_DPI)
    step("figure: difference image")
    pngs["diff"] = plot.figure_png(plot.plot_difference(img, best.compressed.decompress()), dpi=_DPI)
    step("figure: rate-distortion")
    for (row, c), size in zip(rd_jobs, rd_sizes):
        row["vqz_bpp"] = 8 * size.result() / c.n_pixels
    pngs["rd"] = plot.figure_png(plot.plot_rate_distortion(img, points=rd_rows), dpi=_DPI)

    colour_results, colour_pngs = [], {}
    if colour_work is not None:
        step("figure: colour image and its channels")
        pngs["colour-hist"] = plot.figure_png(plot.plot_image_histogram(c_img), dpi=_DPI)
        work = colour_work
        step("figure: colour reconstructions and palettes")
        pngs["colour-strategies"] = plot.figure_png(plot.plot_strategies(c_img, [w[1] for w in work]), dpi=_DPI)
        step("colour: .vqz and PNG files")
        colour_results, colour_pngs = _colour_collect(c_img, work)

    step("write files")
    page = _page(img, name, n_colors, results, best, pngs, seed=seed, levels=levels, vqz_levels=vqz_levels,
                 write_png=write_png, colour_img=c_img if colour_work is not None else None,
                 colour_results=colour_results)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for r in results:
        stem = f"{name}-{r.strategy}-{n_colors}"
        if write_png:
            data = pngs_out[r.strategy].result()
            written.append(atomic_write_bytes(out_dir / f"{stem}.png", data, overwrite=overwrite))
        written.append(atomic_write_bytes(out_dir / f"{stem}.vqz", r._vqz, overwrite=overwrite))
    for n, r in zip(c_levels if colour_work is not None else (), colour_results):
        stem = _colour_stem(name, r.strategy, n)
        written.append(atomic_write_bytes(out_dir / f"{stem}.png", colour_pngs[n], overwrite=overwrite))
        written.append(atomic_write_bytes(out_dir / f"{stem}.vqz", r._vqz, overwrite=overwrite))
    written.append(atomic_write_bytes(html_path, page.encode("utf-8"), overwrite=overwrite))
    return ReportOutput(results=results, html=html_path, files=[Path(w) for w in written],
                        colour_results=colour_results)


# ----------------------------------------------------------------------------- the page

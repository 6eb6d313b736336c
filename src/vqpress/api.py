"""The library's front door: fit a codebook to data, and compress data in one call."""

from __future__ import annotations

import numpy as np

from ._validation import check_bool, check_choice, check_data, check_n_colors, check_random_state, warn
from .bitpack import _pack_checked
from .codebook import Codebook
from .compressed import Compressed
from .errors import VQError
from .histogram import ScalarHistogram, scalar_histogram
from .strategies import SCALAR_STRATEGIES
from .strategies._bins import bin_starts, bin_weights_and_means

__all__ = ["fit", "fit_histogram", "compress", "is_colour"]

#: Strategy names for colour (vector) data.
COLOUR_STRATEGIES = ("kmeans", "mediancut")


def is_colour(data: np.ndarray) -> bool:
    """Whether an array is a colour image: shape ``(H, W, 3)`` (RGB) or ``(H, W, 4)`` (RGBA)."""
    return data.ndim == 3 and data.shape[-1] in (3, 4)


def fit(data, n_colors: int = 8, strategy: str | None = None, *, random_state: int | None = 0) -> Codebook:
    """Fit a codebook of ``n_colors`` levels (gray) or colours (RGB/RGBA) to ``data``.

    Every value counts: scalar data is reduced to its exact histogram and the strategy runs
    on that. Nothing is subsampled.

    Parameters
    ----------
    data : array_like
        A gray image ``(H, W)`` or any array of scalars (integer or float dtype), or a colour
        image ``(H, W, 3)``/``(H, W, 4)``.
    n_colors : int, default 8
        Number of levels, 2..65536 for scalar data (2..256 for colour). Data with fewer
        distinct values gets one level per value (with a warning); constant data gets a
        one-level codebook (with a warning).
    strategy : {"optimal", "kmeans", "quantile", "uniform"} or {"kmeans", "mediancut"}
        Scalar data: ``"optimal"`` (default; least mean squared error, globally),
        ``"kmeans"`` (Lloyd from uniform centers, as scikit-learn), ``"quantile"`` (equal
        counts), ``"uniform"`` (equal widths). Colour data: ``"kmeans"`` (default) or
        ``"mediancut"`` (fast).
    random_state : int or None, default 0
        Seed of the colour k-means start (scalar strategies are deterministic).

    Returns
    -------
    Codebook

    Examples
    --------
    >>> import vqpress
    >>> face = vqpress.datasets.face(gray=True)
    >>> cb = vqpress.fit(face, n_colors=8, strategy="uniform")
    >>> cb.bin_centers
    array([ 15.625,  46.875,  78.125, 109.375, 140.625, 171.875, 203.125, 234.375])
    """
    arr = check_data(data)
    random_state = check_random_state(random_state)
    if is_colour(arr):
        strategy = check_choice("kmeans" if strategy is None else strategy, COLOUR_STRATEGIES, name="strategy")
        n_colors = check_n_colors(n_colors, high=256)
        return _fit_colour(arr, n_colors, strategy, random_state)
    strategy = check_choice("optimal" if strategy is None else strategy, tuple(SCALAR_STRATEGIES), name="strategy")
    n_colors = check_n_colors(n_colors)
    return _inside_int64_range(fit_histogram(scalar_histogram(arr), n_colors, strategy), arr)


def _inside_int64_range(codebook: Codebook, arr: np.ndarray) -> Codebook:
    """For 64-bit integer data, the codebook with its centers (and outer edges) moved inside
    the data's exact range.

    Above 2**53 float64 cannot hold every integer: the histogram's values are rounded to
    the nearest float64, and a center may round above the data's maximum (``2**63 - 1``
    becomes ``2**63``). Clipping to the largest float64 not above the maximum (and the
    smallest not below the minimum), compared in exact integer arithmetic, makes every
    decoded value lie within the data's range. Smaller integers are exact already.
    """
    if arr.dtype.kind not in "ui" or arr.dtype.itemsize < 8:
        return codebook
    axis = tuple(range(arr.ndim - 1)) if codebook.channels else None
    top = np.iinfo(arr.dtype).max
    lo, hi = _float_inside(arr.min(axis=axis), up=True), _float_inside(arr.max(axis=axis), up=False, top=top)
    centers = np.clip(codebook.centers, lo, hi)
    edges = None if codebook.edges is None else np.clip(codebook.edges, lo, hi)  # still non-decreasing
    if np.array_equal(centers, codebook.centers) and (edges is None or np.array_equal(edges, codebook.edges)):
        return codebook
    return Codebook(centers, edges, strategy=codebook.strategy, dtype=codebook.dtype)


def _float_inside(bound, *, up: bool, top: int | None = None):
    """The float64 nearest each integer of ``bound`` on the side of the data (above a
    minimum when ``up``, below a maximum otherwise), compared exactly. A maximum equal to
    the dtype's largest value ``top`` keeps its float64 (``2**63``): decoding saturates it
    to exactly ``top``."""
    ints = np.atleast_1d(bound)
    out = ints.astype(np.float64)
    for k, (value, approx) in enumerate(zip(ints.tolist(), out.tolist())):
        if not up and value == top:
            continue
        if (int(approx) < value) if up else (int(approx) > value):
            out[k] = np.nextafter(approx, np.inf if up else -np.inf)
    return out if np.ndim(bound) else float(out[0])


def fit_histogram(hist: ScalarHistogram, n_colors: int = 8, strategy: str = "optimal") -> Codebook:
    """Fit a scalar codebook to a histogram (for example a merged one of many images).

    Parameters
    ----------
    hist : ScalarHistogram
        From :func:`vqpress.histogram.scalar_histogram` or
        :func:`vqpress.histogram.merge_histograms`.
    n_colors, strategy
        As in :func:`fit`.

    Returns
    -------
    Codebook
    """
    if not isinstance(hist, ScalarHistogram):
        raise VQError(f"hist must be a ScalarHistogram (from vqpress.histogram.scalar_histogram); "
                      f"got {type(hist).__name__}")
    strategy = check_choice(strategy, tuple(SCALAR_STRATEGIES), name="strategy")
    n_colors = check_n_colors(n_colors)
    lo, hi = hist.values[0], hist.values[-1]
    if hist.n_distinct == 1:
        warn(f"data is constant ({lo:g}); the codebook has a single level")
        return Codebook([lo], [lo, hi], strategy=strategy, dtype=hist.dtype)
    if hist.n_distinct < n_colors and strategy in ("kmeans", "optimal"):
        warn(f"data has only {hist.n_distinct} distinct values; using {hist.n_distinct} levels "
            f"instead of {n_colors}")
        n_colors = hist.n_distinct
    hist, exponent = _scaled_down(hist)
    edges = SCALAR_STRATEGIES[strategy](hist, n_colors)
    _, means = bin_weights_and_means(hist, bin_starts(hist.values, edges))
    midpoints = (edges[1:] + edges[:-1]) * 0.5
    centers = np.where(np.isnan(means), midpoints, means)  # an empty (uniform) bin: its midpoint
    if exponent:
        edges, centers = np.ldexp(edges, exponent), np.ldexp(centers, exponent)
    return Codebook(centers, edges, strategy=strategy, dtype=hist.dtype)


#: Values beyond this magnitude are fitted scaled down (see :func:`_scaled_down`).
_SCALE_ABOVE = 2.0**400


def _scaled_down(hist: ScalarHistogram) -> tuple[ScalarHistogram, int]:
    """``hist`` with its values divided by ``2**exponent`` so that the largest is below 1,
    and ``exponent``; ``(hist, 0)`` when its values are below :data:`_SCALE_ABOVE`.

    The strategies sum squares of values: above about 1e154 (finite data near +-1.7e308)
    they overflow to inf. Every strategy is scale-equivariant and a power of two scales
    exactly, so fitting the scaled values and scaling the edges and centers back gives
    the same codebook (values below ``2**-1074`` of the largest merge into one, which
    changes nothing that float64 could show next to the largest).
    """
    top = max(abs(float(hist.values[0])), abs(float(hist.values[-1])))
    if top <= _SCALE_ABOVE:
        return hist, 0
    exponent = int(np.frexp(top)[1])
    values = np.ldexp(hist.values, -exponent)
    counts = hist.counts
    if (np.diff(values) <= 0).any():  # tiny values underflowed into each other
        values, inverse = np.unique(values, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=counts, minlength=values.size)
    return ScalarHistogram(values, counts, hist.dtype), exponent


def _fit_colour(arr: np.ndarray, n_colors: int, strategy: str, random_state, *, with_codes: bool = False):
    """Colour codebook of ``arr``; with ``with_codes``, also the codes of ``arr`` (the exact
    nearest centre of every pixel, as ``Codebook.encode`` gives) from the fit's own final
    assignment of the distinct colours, so the pixels are not sorted and searched twice."""
    from .colour.fit import _fit_with_labels
    from .colour.histogram import key_counts, pack_keys, unpack_keys

    flat = arr.reshape(-1, arr.shape[-1])
    keys = pack_keys(flat) if with_codes else None
    if keys is None:
        from .colour import colour_histogram

        res = colour_histogram(flat, return_inverse=with_codes)
        colours, counts = res[0], res[1]
    else:
        u, counts = key_counts(keys)
        colours = unpack_keys(u, flat.shape[1], flat.dtype)
    exponent = 0
    if colours.dtype.kind == "f" and colours.size:
        top = float(np.abs(colours).max())
        if top > _SCALE_ABOVE:  # squared distances would overflow: fit scaled down, exactly
            exponent = int(np.frexp(top)[1])
            colours = np.ldexp(colours.astype(np.float64), -exponent)
    # scaled colours may have merged (values below 2**-1074 of the largest): not distinct then
    centers, labels = _fit_with_labels(colours, counts, n_colors, strategy, random_state, distinct=not exponent)
    if exponent:
        centers = np.ldexp(centers, exponent)
    if len(centers) < n_colors:
        warn(f"image has only {len(colours)} distinct colours; using {len(centers)} colours instead of {n_colors}")
    codebook = _inside_int64_range(Codebook(centers, None, strategy=strategy, dtype=arr.dtype), arr)
    if not with_codes:
        return codebook
    labels = labels.astype(codebook.code_dtype)
    if keys is None:
        codes = labels[res[2]]
    elif flat.dtype == np.uint8 and flat.shape[1] <= 3:
        lut = np.empty(1 << (8 * flat.shape[1]), dtype=labels.dtype)
        lut[u] = labels
        codes = lut[keys]
    else:
        codes = labels[np.searchsorted(u, keys)]
    return codebook, codes.reshape(arr.shape[:-1])


def compress(
    data, n_colors: int = 8, strategy: str | None = None, *, dither: bool = False, random_state: int | None = 0
) -> Compressed:
    """Quantize ``data`` and pack its codes: fit, encode and bit-pack in one call.

    Parameters
    ----------
    data, n_colors, strategy, random_state
        As in :func:`fit`.
    dither : bool, default False
        Encode with Floyd-Steinberg dithering (uint8 gray or RGB images; see
        :meth:`Codebook.encode`).

    Returns
    -------
    Compressed

    Examples
    --------
    >>> import vqpress
    >>> c = vqpress.compress(vqpress.datasets.face(gray=True), n_colors=8, strategy="kmeans")
    >>> len(c.payload), c.bits_per_pixel > 3
    (294912, True)
    """
    arr = check_data(data)
    dither = check_bool(dither, name="dither")
    random_state = check_random_state(random_state)
    if is_colour(arr) and not dither:
        strategy = check_choice("kmeans" if strategy is None else strategy, COLOUR_STRATEGIES, name="strategy")
        codebook, codes = _fit_colour(arr, check_n_colors(n_colors, high=256), strategy, random_state, with_codes=True)
    elif not dither:
        codebook = fit(arr, n_colors, strategy, random_state=random_state)
        return Compressed(codebook, arr.shape, codebook.encode_packed(arr))
    else:
        codebook = fit(arr, n_colors, strategy, random_state=random_state)
        codes = codebook.encode(arr, dither=True)
    return Compressed(codebook, arr.shape, _pack_checked(codes.ravel(), codebook.bits), _codes=codes)

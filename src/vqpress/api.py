"""The library's front door: fit a codebook to data, and compress data in one call."""

from __future__ import annotations

import numpy as np

from ._text import few_colours
from ._validation import check_bool, check_data, check_random_state, warn
from .bitpack import _pack_checked
from .codebook import Codebook
from .compressed import Compressed
from .errors import VQError
from .histogram import ScalarHistogram, scalar_histogram
from .kinds import AUTO, SCALAR, Kind, colour_points, kind_of, resolve
from .strategies import SCALAR_STRATEGIES
from .strategies._bins import bin_starts, bin_weights_and_means

__all__ = ["fit", "fit_histogram", "compress"]


def fit(data, n_colors: int = 8, strategy: str | None = None, *, channel_axis=AUTO,
        random_state: int | None = 0) -> Codebook:
    """Fit a codebook of ``n_colors`` levels (scalar data) or colours (pixels) to ``data``.

    Every value counts: the data is reduced to its exact histogram (of values, or of
    distinct colours) and the strategy runs on that. Nothing is subsampled.

    Parameters
    ----------
    data : array_like
        Scalar data: a gray image ``(H, W)`` or any array of numbers (integer or float
        dtype). Pixels: a colour image ``(H, W, 3)``/``(H, W, 4)``, or any array whose
        ``channel_axis`` holds 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels, such as an
        ``(N, 3)`` pixel list or ``(frames, H, W, 3)`` frames.
    n_colors : int, default 8
        Number of levels, 2..65536 for scalar data (colours, 2..256, for pixels). Data
        with fewer distinct values gets one level per value (with a warning); constant
        data gets a one-level codebook (with a warning).
    strategy : str, optional
        Scalar data: ``"optimal"`` (default; least mean squared error, globally),
        ``"kmeans"`` (Lloyd from uniform centers, as scikit-learn), ``"quantile"`` (equal
        counts), ``"uniform"`` (equal widths). Pixels: ``"kmeans"`` (default) or
        ``"mediancut"`` (fast). See :mod:`vqpress.kinds`.
    channel_axis : int, None or "auto", default "auto"
        The axis that holds the channels of each pixel (scikit-image's convention), or
        ``None``: scalar data, whatever its shape. ``"auto"``: ``(H, W, 3|4)`` arrays are
        colour images and anything else is scalar data; a 2-D array whose last axis is 3
        or 4 (pixel lists) and an ``(H, W, 2)`` array then warn, naming this keyword.
    random_state : int or None, default 0
        Seed of the colour k-means start (scalar strategies are deterministic).

    Returns
    -------
    Codebook
        For pixels, its ``channels`` are the data's; the channel axis is its last.

    Examples
    --------
    >>> import vqpress
    >>> face = vqpress.datasets.face(gray=True)
    >>> cb = vqpress.fit(face, n_colors=8, strategy="uniform")
    >>> cb.bin_centers.tolist()
    [15.625, 46.875, 78.125, 109.375, 140.625, 171.875, 203.125, 234.375]
    >>> pixels = vqpress.datasets.face().reshape(-1, 3)        # (786432, 3): a pixel list
    >>> vqpress.fit(pixels, 16, channel_axis=-1).centers.shape
    (16, 3)
    """
    arr, kind = resolve(check_data(data), channel_axis)
    random_state = check_random_state(random_state)
    strategy = kind.check_strategy(strategy)
    n_colors = kind.check_n_colors(n_colors)
    return _fit(arr, kind, n_colors, strategy, random_state)


def _fit(arr: np.ndarray, kind: Kind, n_colors: int, strategy: str, random_state, *, with_codes: bool = False):
    """The codebook of checked data (channels last) of ``kind``; with ``with_codes``, also
    the codes of a vector kind's pixels (see :func:`_fit_colour`)."""
    if kind.vector:
        return _fit_colour(arr, n_colors, strategy, random_state, with_codes=with_codes)
    codebook = _inside_int64_range(fit_histogram(scalar_histogram(arr), n_colors, strategy), arr)
    return (codebook, None) if with_codes else codebook


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
    if strategy is None:
        raise VQError(f"strategy must be one of {', '.join(map(repr, SCALAR.strategies))}; got None")
    strategy = SCALAR.check_strategy(strategy)
    n_colors = SCALAR.check_n_colors(n_colors)
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
    """Palette of the pixels of ``arr`` (channels last); with ``with_codes``, also the codes
    of ``arr`` (the exact nearest centre of every pixel, as ``Codebook.encode`` gives) from
    the fit's own final assignment of the distinct colours, so the pixels are not sorted and
    searched twice."""
    from .colour.fit import _fit_with_labels
    from .colour.histogram import key_counts, pack_keys, unpack_keys

    channels = arr.shape[-1]
    flat = colour_points(arr.reshape(-1, channels))
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
    centers = centers[:, :channels]
    if exponent:
        centers = np.ldexp(centers, exponent)
    if len(centers) < n_colors:
        warn(few_colours(len(colours), len(centers), n_colors))
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
    data, n_colors: int | None = None, strategy: str | None = None, *, channel_axis=AUTO,
    codebook: Codebook | None = None, psnr: float | None = None, dither: bool = False,
    random_state: int | None = 0,
) -> Compressed:
    """Quantize ``data`` and pack its codes: fit, encode and bit-pack in one call.

    Parameters
    ----------
    data, strategy, channel_axis, random_state
        As in :func:`fit`. With ``channel_axis``, the result holds the data with its
        channels last (``decompress()`` returns them last).
    n_colors : int, optional
        As in :func:`fit` (default 8). With ``psnr``: the largest palette to consider
        (default 256).
    codebook : Codebook, optional
        Encode with this codebook instead of fitting one: a palette shared by many images,
        or one fitted to a merged histogram (:func:`fit_histogram`). It must be of the
        data's kind (levels for scalar data, colours of as many channels for pixels); the
        result decodes to the data's dtype. Not with ``n_colors``, ``strategy`` or ``psnr``.
    psnr : float, optional
        Target peak signal-to-noise ratio in dB (:func:`vqpress.metrics.psnr`): the
        smallest number of levels or colours, up to ``n_colors``, whose codebook reaches
        it. The search runs on the data's histogram, by bisection: exact for scalar
        ``"optimal"`` (its error never grows with more levels), the smallest bisection
        finds for the others. ``c.codebook.n_colors`` says how many were chosen.
    dither : bool, default False
        Encode with Floyd-Steinberg dithering (uint8 gray or RGB images; see
        :meth:`Codebook.encode`). Not with ``psnr`` (dithering adds error).

    Returns
    -------
    Compressed

    Raises
    ------
    VQError
        Bad arguments, a codebook of another kind, or a ``psnr`` that no codebook of up to
        ``n_colors`` reaches (the message says what the largest reaches).

    Examples
    --------
    >>> import vqpress
    >>> face = vqpress.datasets.face(gray=True)
    >>> c = vqpress.compress(face, n_colors=8, strategy="kmeans")
    >>> len(c.payload), c.bits_per_pixel > 3
    (294912, True)
    >>> vqpress.compress(face, psnr=40).codebook.n_colors      # the fewest levels for 40 dB
    26
    >>> other = vqpress.compress(face[::2, ::2], codebook=c.codebook)   # the same levels
    >>> bool((other.codebook.centers == c.codebook.centers).all())
    True
    """
    arr, kind = resolve(check_data(data), channel_axis)
    dither = check_bool(dither, name="dither")
    random_state = check_random_state(random_state)
    if codebook is not None:
        if n_colors is not None or strategy is not None or psnr is not None:
            given = [f"{k}={v!r}" for k, v in (("n_colors", n_colors), ("strategy", strategy), ("psnr", psnr))
                     if v is not None]
            raise VQError(f"codebook= encodes with that codebook; {', '.join(given)} cannot be used with it")
        codebook = _codebook_for(codebook, arr, kind)
        codes = None
    else:
        strategy = kind.check_strategy(strategy)
        if psnr is not None:
            from ._target import check_psnr, smallest_for_psnr

            if dither:
                raise VQError("psnr= chooses the codebook by its error without dithering, and dither=True "
                              "adds error: use one or the other")
            n_max = kind.check_n_colors(min(256, kind.max_colors) if n_colors is None else n_colors)
            n_colors = smallest_for_psnr(arr, kind, check_psnr(psnr), n_max, strategy, random_state)
        else:
            n_colors = kind.check_n_colors(8 if n_colors is None else n_colors)
        if dither:
            codebook, codes = _fit(arr, kind, n_colors, strategy, random_state), None
        else:
            codebook, codes = _fit(arr, kind, n_colors, strategy, random_state, with_codes=True)
    if dither:
        codes = codebook.encode(arr, dither=True)
    elif codes is None and not codebook.channels:
        return Compressed(codebook, arr.shape, codebook.encode_packed(arr))
    elif codes is None:
        codes = codebook.encode(arr)
    return Compressed(codebook, arr.shape, _pack_checked(codes.ravel(), codebook.bits), _codes=codes)


def _codebook_for(codebook, arr: np.ndarray, kind: Kind) -> Codebook:
    """``codebook`` ready to encode ``arr`` (of ``kind``, channels last): checked to be of
    the same kind, and decoding to ``arr``'s dtype."""
    from .kinds import channel_name

    if not isinstance(codebook, Codebook):
        raise VQError(f"codebook must be a vqpress.Codebook (from vqpress.fit, or a loaded file's "
                      f"c.codebook); got {type(codebook).__name__}")
    channels = arr.shape[-1] if kind.vector else 0
    if codebook.channels != channels:
        def words(c):
            return f"{channel_name(c)} {kind_of(c).unit}" if c else "gray levels (scalar data)"

        raise VQError(f"the codebook holds {words(codebook.channels)}; the data needs {words(channels)} "
                      f"(shape {arr.shape})")
    if codebook.dtype != arr.dtype:
        warn_if_levels_clip(codebook, arr.dtype)
        codebook = Codebook(codebook.centers, codebook.edges, strategy=codebook.strategy, dtype=arr.dtype)
    return codebook


def warn_if_levels_clip(codebook: Codebook, dtype) -> None:
    """Warn when data of integer ``dtype`` encoded with ``codebook`` (fitted to data of
    another dtype) would decode with some levels clipped to ``dtype``'s range."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "ui":
        return
    info = np.iinfo(dtype)
    low, high = codebook.centers.min(), codebook.centers.max()
    if np.rint(low) < info.min or np.rint(high) > info.max:
        warn(f"the codebook's levels {low:.6g}..{high:.6g} (fitted to {codebook.dtype} data) lie outside "
             f"{dtype}'s range {info.min}..{info.max}: the data decodes with them clipped to that range")

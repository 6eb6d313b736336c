"""Choosing the number of levels or colours for a target: a quality (PSNR) or a size.

pngquant's everyday questions: the smallest palette that looks good enough
(:func:`smallest_for_psnr`, ``compress(psnr=)`` and ``--psnr``), and the best palette
whose file fits a budget (:func:`largest_within`, ``--max-bytes``).

The PSNR of a codebook is computed on the data's histogram, not on the image: every
distinct value (or colour) once, weighted by its count, reconstructed by its code's level
as :meth:`vqpress.Codebook.decode` gives it (rounded to the data's dtype), so the figure
is the one :func:`vqpress.metrics.psnr` gives on the decompressed image. A fit of the
histogram is what :func:`vqpress.fit` does anyway, so each candidate costs one fit.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable

import numpy as np

from .errors import VQError

__all__ = ["check_psnr", "smallest_for_psnr", "largest_within", "HistogramError"]

#: The search's first candidate above 2 (a common palette size).
_FIRST_GUESS = 16


def check_psnr(psnr) -> float:
    """``psnr`` as a positive finite float (decibels), or a :class:`VQError`."""
    if isinstance(psnr, (bool, np.bool_)) or not isinstance(psnr, numbers.Real) or not (
            math.isfinite(psnr) and psnr > 0):
        raise VQError(f"psnr must be a positive number of decibels (for instance 40); got {psnr!r}")
    return float(psnr)


class HistogramError:
    """The reconstruction error of codebooks of one data set, computed on its histogram.

    Parameters
    ----------
    arr : ndarray
        Checked data, channels last for a vector ``kind``.
    kind : vqpress.kinds.Kind
    strategy : str
    random_state
        As in :func:`vqpress.fit`.
    """

    def __init__(self, arr: np.ndarray, kind, strategy: str, random_state) -> None:
        from .kinds import colour_points

        self.kind, self.strategy, self.random_state = kind, strategy, random_state
        self.dtype = arr.dtype
        self.channels = arr.shape[-1] if kind.vector else 1
        if kind.vector:
            self.hist = None
            self.values, self.counts = kind.entry("histogram")(colour_points(arr.reshape(-1, self.channels)))
        else:
            self.hist = kind.entry("histogram")(arr)
            self.values, self.counts = self.hist.values, self.hist.counts
        self.n = float(np.sum(self.counts))
        self.distinct = len(self.counts)
        if arr.dtype.kind in "ui":
            info = np.iinfo(arr.dtype)
            self.data_range = float(info.max) - float(info.min)
        else:  # as metrics.psnr: the data's own range
            self.data_range = float(self.values.max()) - float(self.values.min())
        self._psnr: dict[int, float] = {}

    def codebook(self, n_colors: int):
        """The codebook of ``n_colors`` (warnings of the fit silenced: the search tries many)."""
        from .codebook import Codebook

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not self.kind.vector:
                return self.kind.entry("fit")(self.hist, n_colors, self.strategy)
            centers = self.kind.entry("fit")(self.values, self.counts, n_colors, self.strategy, self.random_state)
        return Codebook(centers[:, : self.channels], None, strategy=self.strategy, dtype=self.dtype)

    def psnr(self, n_colors: int) -> float:
        """PSNR in dB of the codebook of ``n_colors`` (``inf``: lossless)."""
        if n_colors not in self._psnr:
            self._psnr[n_colors] = self._measure(self.codebook(n_colors))
        return self._psnr[n_colors]

    def _measure(self, codebook) -> float:
        levels = codebook.levels().astype(np.float64)  # as decode gives them
        if self.kind.vector:
            from .colour import nearest_centre

            colours = self.values[:, : self.channels]
            codes = nearest_centre(colours, codebook.centers)
            diff = colours.astype(np.float64) - levels[codes]
            err = (diff * diff).sum(axis=1)
        else:
            codes = np.searchsorted(codebook.edges[1:-1], self.values, side="right")
            diff = self.values - levels[codes]
            err = diff * diff
        mse = float(np.sum(err * self.counts)) / (self.n * self.channels)  # not BLAS: same bits on any thread count
        if mse == 0:
            return math.inf
        if self.data_range <= 0:
            return -math.inf
        return 10 * math.log10(self.data_range**2 / mse)


def smallest_for_psnr(arr: np.ndarray, kind, target: float, n_max: int, strategy: str, random_state) -> int:
    """The smallest number of levels or colours in ``2..n_max`` whose codebook reaches
    ``target`` dB, assuming more levels never do worse (true of scalar ``"optimal"``).

    The answer ``n`` reaches the target and ``n - 1`` does not. Each candidate costs a fit,
    so the search guesses before it bisects: the PSNR grows about linearly in ``log n``
    (at high rates by ``6 / d`` dB per doubling for ``d`` channels), so from 2 and 16
    levels it extrapolates to the target until a candidate reaches it; then a secant on
    ``log n`` between the candidates either side of the target (a bisection after two
    steps that moved the same side) narrows it down: about five fits for the colour face.

    Raises
    ------
    VQError
        When ``n_max`` does not reach the target: the message says what it reaches.
    """
    error = HistogramError(arr, kind, strategy, random_state)
    lo = kind.min_colors
    if error.distinct <= lo or error.psnr(lo) >= target:
        return lo
    n_max = min(n_max, max(error.distinct, lo + 1))  # one level a value is lossless
    below = [lo]  # candidates that fall short, in increasing order
    guess, hi = min(n_max, _FIRST_GUESS), None
    while hi is None:  # guess upwards until a candidate reaches the target
        if error.psnr(guess) >= target:
            hi = guess
            break
        if guess == n_max:
            raise VQError(f"no codebook of up to {n_max} {kind.unit} reaches PSNR {target:g} dB ({strategy}: "
                          f"{n_max} {kind.unit} give {error.psnr(n_max):.2f} dB); lower the target or allow "
                          f"more {kind.unit}")
        below.append(guess)
        a, b = below[-2], below[-1]
        gain = (error.psnr(b) - error.psnr(a)) / math.log2(b / a)  # dB per doubling, measured
        gain = max(gain, 1.0 / error.channels)  # flat so far: at least a slow rise
        guess = min(n_max, max(b + 1, math.ceil(b * 2 ** ((target - error.psnr(b)) / gain))))
    lo = below[-1]
    moved = []  # which end each step moved: a secant that keeps moving one end gives way
    while hi - lo > 1:  # psnr(lo) < target <= psnr(hi)
        p_lo, p_hi = error.psnr(lo), error.psnr(hi)
        mid = (lo + hi) // 2
        if moved[-2:] not in (["lo", "lo"], ["hi", "hi"]) and math.isfinite(p_hi) and p_hi > p_lo:
            x = math.log(lo) + (target - p_lo) / (p_hi - p_lo) * (math.log(hi) - math.log(lo))
            mid = min(hi - 1, max(lo + 1, round(math.exp(x))))
        if error.psnr(mid) >= target:
            hi = mid
            moved.append("hi")
        else:
            lo = mid
            moved.append("lo")
    return hi


def largest_within(fits: Callable[[int], bool], low: int, high: int) -> int | None:
    """The largest ``n`` in ``low..high`` for which ``fits(n)`` (bisection, assuming that
    whatever fits, a smaller ``n`` fits too); ``None`` if not even ``low`` fits."""
    if not fits(low):
        return None
    if fits(high):
        return high
    while high - low > 1:  # fits(low) and not fits(high)
        mid = (low + high) // 2
        if fits(mid):
            low = mid
        else:
            high = mid
    return low

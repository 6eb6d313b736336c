"""Levels 8, 11, 13 and 16 of the "cm" payload coding: level 5's model with parameters chosen per map.

Level 5 (``_cm_ordered5.pyx``) asks ``x == P`` of three averaged counters, then codes the
residual as one symbol of three averaged tables; its model has fixed parameters. Level 8 is
the same kernel with five parameters written in the payload header (docs/FORMAT.md, "Level
8"), which the encoder picks per map: it codes a sample of the map's rows with each of a
few candidate settings and keeps the smallest. This module holds the parameters' ranges,
the candidates and that choice, which ``choice.py`` calls with the kernel's sizes; ``cm.py``
writes and checks the header. Level 11 (docs/FORMAT.md, "Level 11") is level 8 around a
weighted prediction, with the same parameters, level 13 the same with the prediction's
four parts averaged, and level 16 level 13 with a table of the neighbours' symbols; at effort 2 the encoder tries the candidates at level 8 and one of them
(:func:`choose_level`).
"""

from __future__ import annotations

import numpy as np

#: The parameters, in header order, with their allowed ranges (inclusive): the third
#: ``x == P`` counter's context (0 level 5's: the equality pattern and the error class; 1
#: which 6 neighbours were their own prediction and part of the equality pattern; 2 the
#: shape with NN and the error class), the residual table that weighs half (0 level 5's, 1
#: the one by the shape and P), the count limit of the second and third counters, the
#: tables' largest rate shift, and whether a table's update counts twice in its rate schedule.
PARAMETERS = ("counter3", "first_table", "limit", "rate_max", "rate_double")
RANGES = ((0, 2), (0, 1), (1, 127), (2, 7), (0, 1))
#: Level 5's parameters (level 8 with them codes level 5's streams).
LEVEL5 = (0, 0, 20, 6, 0)

#: The settings the encoder tries (level 5's first), picked greedily from a grid of 96 on 19
#: gray maps (the benchmark's and six pictures it never used, BENCHMARKS.md "Round 6:
#: level 8"): the third counter's other contexts (which cost the decoder 2-4% of its speed)
#: and the table weights up to 8 levels, faster-learning settings above.
CANDIDATES_FEW_LEVELS = (LEVEL5, (1, 1, 20, 6, 0), (2, 0, 20, 6, 0), (2, 1, 20, 6, 0))
CANDIDATES_MANY_LEVELS = (LEVEL5, (1, 0, 20, 6, 0), (0, 1, 12, 6, 1), (0, 0, 20, 7, 1))

#: The sample: about 1/SAMPLE_FRACTION of the map's pixels (at least SAMPLE_MIN_PIXELS), in
#: SAMPLE_BANDS bands of rows spread over its height (1/16 in 4 bands chose as well, at
#: twice the cost).
SAMPLE_FRACTION = 32
SAMPLE_MIN_PIXELS = 1 << 12
SAMPLE_BANDS = 2
#: A setting other than level 5's must make the sample this much smaller to be chosen (the
#: sample's sizes differ by less between settings that code the map alike), and save more
#: than its parameters' bytes on the whole map (level 5 has none).
MIN_GAIN = 0.002
#: Level 11 against level 8 is decided on one band of 1/LEVEL_BAND_FRACTION of the map.
LEVEL_BAND_FRACTION = 8
#: Level 13 against level 8, from the ratio of their sizes on the parameters' sample (1/32 of the
#: map): level 13 learns slowly and codes those short bands 1-10% larger against level 8 than
#: the whole map, so that ratio decides alone only away from 1. Below AVERAGED_SAMPLE_SURE:
#: level 13 (on 18 maps at 10, 12 and 16 levels, each one below 1.026 was 0.966-0.999x level 8's
#: size at level 13 on the whole map; the lowest of those it made larger, 1.036); above
#: AVERAGED_SAMPLE_LIMIT: level 8 (each one above 1.06 was larger at level 13). In between, one
#: middle band of 1/AVERAGED_BAND_FRACTION of the map decides: level 13 if it codes the band
#: smaller than AVERAGED_BAND_LIMIT times level 8's size (on a tenth of the map level 13's ratio
#: lies 0.5-2% above the whole map's on most maps; the ramp and ihc, 0.985-0.989x on the map, had
#: 1.000-1.005 on the band, the maps it made larger 1.016 or more). Round 8's rule (a band of 1/5
#: on every map up to 1.06, level 13 if smaller there) cost those maps 0.6-0.7x of level 8's
#: encode speed; this one chooses the same or smaller on the 18 maps (BENCHMARKS.md, round 8b).
AVERAGED_SAMPLE_SURE = 1.03
#: ... where the sample is at most 1/SURE_SHARE of the map (a sample of at least SAMPLE_MIN_PIXELS
#: is a larger share of a smaller map, whose ratio then lies nearer the sample's: skimage's
#: microaneurysms, 102 x 102 pixels, 1.019-1.024 on the sample, 1.013-1.016 on the map); the band's
#: limit likewise only where the band is 1/AVERAGED_BAND_FRACTION of the map, 1 where the floor of
#: SAMPLE_MIN_PIXELS made it larger.
SURE_SHARE = 16
AVERAGED_SAMPLE_LIMIT = 1.06
AVERAGED_BAND_FRACTION = 10
AVERAGED_BAND_LIMIT = 1.01


def check(params) -> str | None:
    """None if ``params`` (a sequence of 5 ints) are all within RANGES, else what is wrong."""
    for name, v, (lo, hi) in zip(PARAMETERS, params, RANGES):
        if not lo <= v <= hi:
            return f"{name} {v} (allowed {lo}..{hi})"
    return None


def sample_rows(sym: np.ndarray) -> np.ndarray:
    """The rows the choice is made on: ``SAMPLE_BANDS`` bands of equal height spread over
    the map, about 1/SAMPLE_FRACTION of its pixels (the whole map if it is small)."""
    h, w = sym.shape
    want = min(h * w, max(SAMPLE_MIN_PIXELS, h * w // SAMPLE_FRACTION))
    rows = -(-want // (w * SAMPLE_BANDS))
    if rows * SAMPLE_BANDS >= h:
        return sym
    starts = [round((h - rows) * (i + 0.5) / SAMPLE_BANDS) for i in range(SAMPLE_BANDS)]
    return np.ascontiguousarray(np.concatenate([sym[a:a + rows] for a in starts]))


def choose(sym: np.ndarray, n: int, code) -> tuple[int, ...]:
    """The parameters for an (H, W) map of ``n`` levels: those of the candidates that code
    its sample smallest; level 5's unless another one gains MIN_GAIN on the sample and more
    than the parameters' bytes on the map (the sample's gain scaled by the map's size).

    ``code(sample, params)`` returns the coded size (bytes) of a sample with those parameters.
    """
    sample = sample_rows(sym)
    candidates = CANDIDATES_FEW_LEVELS if n <= 8 else CANDIDATES_MANY_LEVELS
    sizes = [code(sample, p) for p in candidates]
    best = int(np.argmin(sizes))
    gain = sizes[0] - sizes[best]
    if gain > MIN_GAIN * sizes[0] and gain * sym.size > len(PARAMETERS) * sample.size:
        return candidates[best]
    return LEVEL5


def choose_level(sym: np.ndarray, n: int, code, tuned: int, weighted: int, band_fraction: int = LEVEL_BAND_FRACTION,
                 sample_limits: tuple[float, float] | None = None,
                 band_limit: float = 1.0) -> tuple[int, tuple[int, ...]]:
    """Level 8 (``tuned``; with level 5's parameters: level 5) or level 11 or 13 (``weighted``,
    level 8 around the weighted or averaged prediction) and the parameters for an (H, W) map of ``n``
    levels: the parameters of :func:`choose`, then ``weighted`` if it codes a band of the map's
    middle rows (:func:`level_band`, 1/``band_fraction`` of the map) smaller than ``band_limit``
    times level 8's size with them (than level 8's size, where SAMPLE_MIN_PIXELS made the band
    larger). With ``sample_limits`` ``(sure, limit)``, ``weighted`` codes :func:`choose`'s sample
    first: smaller than ``sure`` times level 8's size with the parameters (and the sample at most
    1/SURE_SHARE of the map), ``weighted`` without the band; larger than ``limit`` times, level 8
    without it (if the sample is the whole map, the smaller of the two).

    Level 11 learns more contexts, more slowly: on :func:`sample_rows`'s short bands it codes
    0.5-2.5% larger than on the whole map against level 8, and loses on most; on one band of
    1/8 of the map its ratio is within 0.3-1% of the whole map's and on the same side of 1 on
    the benchmark's gray maps (BENCHMARKS.md, round 7).

    ``code(sample, level, params)`` returns the coded size (bytes) of a sample.
    """
    tried = {}

    def code_tuned(sample, p):
        tried[p] = sample, code(sample, tuned, p)
        return tried[p][1]

    params = choose(sym, n, code_tuned)
    if sample_limits is not None:
        sample, size = tried[params]
        size_weighted = code(sample, weighted, params)
        if sample.shape == sym.shape:  # (a small map: its sample is all of it)
            return (weighted if size_weighted < size else tuned), params
        # (on a map not much longer than its sample, level 13 learns little more than on it)
        if size_weighted < sample_limits[0] * size and sample.size * SURE_SHARE <= sym.size:
            return weighted, params
        if size_weighted > sample_limits[1] * size:
            return tuned, params
    band = level_band(sym, band_fraction)
    limit = band_limit if sym.size // band_fraction >= SAMPLE_MIN_PIXELS else 1.0
    return (weighted if code(band, weighted, params) < limit * code(band, tuned, params) else tuned), params


def level_band(sym: np.ndarray, fraction: int = LEVEL_BAND_FRACTION) -> np.ndarray:
    """The rows :func:`choose_level` compares the levels on: one band of 1/``fraction`` of the
    map's pixels (at least SAMPLE_MIN_PIXELS) around its middle row (the whole map if it is
    small)."""
    h, w = sym.shape
    rows = -(-max(SAMPLE_MIN_PIXELS, h * w // fraction) // w)
    if rows >= h:
        return sym
    start = (h - rows) // 2
    return np.ascontiguousarray(sym[start:start + rows])

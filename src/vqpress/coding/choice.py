"""The "cm" encoder's choices (:mod:`vqpress.coding.cm`): what each effort does, and for each map
the model, the level, the level's parameters and the symbol order.

:data:`EFFORT_SETTINGS` gives each effort's levels of the two models, its hashed tables' size and
strips; the map then decides the rest. A palette is put in its spectral order
(:mod:`vqpress.coding.symbol_order`), and a palette of up to 16 colours that is a colour ramp is
coded like gray levels. A map's number of symbols maps an effort's level to one that holds them,
or to a richer one where they are few (:func:`level_for`); levels 8, 11, 13 and 16 take parameters
chosen by coding samples of the map (:mod:`vqpress.coding.level8`). None of this is in the
format: a decoder reads what the payload's header says (:mod:`vqpress.coding.levels`), so the
choices can change without changing what old payloads decode to.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from vqpress.coding import level8, scan
from vqpress.coding.levels import (
    AVERAGED_TABLES, BIASED_TABLES, EXACT_TABLES, FAST, MAX_EXACT_LEVELS, MAX_ORDERED_SYMBOLS, MAX_TABLE_LEVELS, MIN_TABLE_BITS,
    NEIGHBOUR_TABLES, ORDERED, PALETTE, PALETTE_MIXED, PALETTE_SYMBOL, PALETTE_SYMBOL_JOINT, PALETTE_SYMBOL_MIXED,
    PALETTE_SYMBOL_TRIPLES, PARAMETER_LEVELS, PREDICTED, PREDICTED_TABLES, TABLE_LEVELS, TUNED_TABLES, WEIGHTED_TABLES,
)

__all__ = ["EFFORT_SETTINGS", "DEFAULT_TOO", "SCAN_SAMPLES", "MORE_SCANS_LEVELS", "choose_order", "choose_scan", "choose_more_scan",
           "candidates", "level_for", "trial_level", "JOINT_MIN_COLOURS", "JOINT_UNPREDICTED_SHARE", "unpredicted_share",
           "takes_joint"]

#: Level 11 only up to this many levels: it decodes at 0.66-0.83x level 8's speed (BENCHMARKS.md,
#: round 7), which keeps the gray cases of 8 levels at or above 30 MPix/s but takes those of 16
#: (the face in gray, and its 16-colour ramp: 26-30 MPix/s at level 11) below it; maps of 9-16
#: levels take level 13 instead (or 8, or 5). Set to 16 to trade that speed for their size
#: (face gray 16 0.994x, its ramp 0.999x level 13's bytes).
_MAX_WEIGHTED_LEVELS = 8
#: Gray maps of this many levels up to _MAX_WEIGHTED_LEVELS that level 11 would code weigh level
#: 20 against it (:func:`level_for`); fewer levels take level 9 (up to 4) or 5.
_MIN_BIASED_LEVELS = 5
#: The ordered level maps of at most MAX_EXACT_LEVELS levels take instead of the effort's.
_FEW_LEVELS = {TUNED_TABLES: EXACT_TABLES, WEIGHTED_TABLES: EXACT_TABLES, AVERAGED_TABLES: EXACT_TABLES}
#: Palettes of up to 16 colours that are a colour ramp (the symbols of unequal neighbours
#: lie on average at most _RAMP_STEP x log2(n) places apart in their spectral order,
#: :func:`~vqpress.coding.symbol_order.mean_step`) are coded like gray levels where gray
#: uses level 5 or 8 (efforts 1 and 2): the ordered model at that level in the refined order,
#: instead of level 3. On the 16-colour cases of benchmarks/bench_entropy.py it picks the
#: face (0.356 x log2(n): 0.931x level 3's size) and none of the photographs (0.50-0.66;
#: level 5 would be 1.00-1.08x), as branch pick4 found for level 4 on 187 maps (threshold
#: 0.385; BENCHMARKS.md, round 5).
_RAMP_STEP = 0.385
#: Palettes of up to MAX_TABLE_LEVELS colours (not colour ramps) take instead of the effort's level:
#: level 18 (level 10 before round 12, which level 18 codes 0.979-0.990x as large on the
#: 16-colour photographs), at every effort that uses level 6 or 7.
_FEW_COLOURS = {PALETTE_SYMBOL: PALETTE_SYMBOL_TRIPLES, PALETTE_MIXED: PALETTE_SYMBOL_TRIPLES}
#: Palettes of more than this many colours whose unpredicted share (:func:`unpredicted_share`)
#: is above JOINT_UNPREDICTED_SHARE take level 21 where the effort's level is 6 (efforts 0-2):
#: level 6 decodes the 256-colour photographs with many unpredicted pixels below the issue's
#: 30 MPix/s (face, coffee, chelsea: 26.4, 26.2, 25.6; BENCHMARKS.md, main after round 16),
#: and level 21 decodes them 1.09-1.16x as fast for +2.4..3.1% of their bytes. At 64 colours and
#: fewer level 6 decodes them at 34.6 MPix/s or more: no need to pay the bytes.
JOINT_MIN_COLOURS = 64
#: The unpredicted share above which such a palette takes level 21 (see JOINT_MIN_COLOURS).
#: The 256-colour photographs of benchmarks/bench_entropy.py have 37% (face), 38% (coffee),
#: 38% (chelsea) against 25% (astronaut) and 23% (rocket): the three that level 6 decodes
#: below 30 MPix/s are those above 30%; the other two decode at 31.6 and 34.7 and would pay
#: +2.9% and +1.6% of their bytes for speed they do not need (the issue's size margin, 0.129
#: of summed ln(size ratio) over the 22 cases, takes the three (0.081) but hardly all five).
JOINT_UNPREDICTED_SHARE = 0.30
#: :func:`unpredicted_share` counts every this many rows of a map (and the rows above them).
_SHARE_ROW_STEP = 8
#: ... and maps of at most this many pixels code at level 10 too, keeping the smaller: level
#: 18's 16,384 tables of exact neighbourhoods learn less on a small map (at 64 x 96 to 256 x
#: 256 it codes 0.951-0.994x level 10's size but for the face's 64 x 96 at 16 colours, 1.011x;
#: BENCHMARKS.md, round 12, ``pal16``), and a map this small codes in about a millisecond.
_SMALL_MAP_PIXELS = 1 << 15

#: Per effort: (level of the ordered model, level of the palette model, table_bits, try
#: both models when both apply, pixels per strip). Efforts 0-2 use the models without
#: hashed tables (table_bits is then the minimum): palettes at level 6 (level 18 up to 16
#: colours), gray at level 5 at effort 1 and level 5, 8 or 11 at effort 2 (level 11 up to 8
#: levels, or 20 where it codes level 11's band smaller; 20 instead of 11 above, 16 for colour
#: ramps; level 9 up to 4, level 4 above 16; effort 0 keeps level 2); 3-4 level 0 (lean: hashed
#: tables, 4 counters a question; 0-1.5% smaller than level 4 on gray, half as fast) for gray
#: and colour ramps, level 7 for the other palettes (level 18 up to 16 colours); 5-9 level 1
#: (full: more counters, two mixes and an APM).
EFFORT_SETTINGS = {
    0: (FAST, PALETTE_SYMBOL, 8, False, 1 << 18),
    1: (PREDICTED_TABLES, PALETTE_SYMBOL, 8, False, 1 << 19),
    2: (WEIGHTED_TABLES, PALETTE_SYMBOL, 8, False, 1 << 20),
    3: (0, PALETTE_MIXED, 12, False, 1 << 20), 4: (0, PALETTE_MIXED, 13, False, 1 << 20),
    5: (1, 1, 14, False, 1 << 20), 6: (1, 1, 15, False, 1 << 20), 7: (1, 1, 16, False, 1 << 20),
    8: (1, 1, 16, True, 1 << 20), 9: (1, 1, 18, True, 1 << 20),
}
#: Efforts that also code the ordered model at the default's level (11, or what the map's
#: number of levels allows) and keep the smaller: since levels 8 to 11, level 0 (the lean
#: model of efforts 3 and 4) is larger on every gray map of benchmarks/bench_entropy.py
#: (face gray 8: 70,090 bytes at effort 3 against 69,215 at effort 2) but smaller on the
#: face's 16-colour ramp (80,898 against 82,007), so a higher effort never codes larger.
_ORDERED_ALSO = {3: WEIGHTED_TABLES, 4: WEIGHTED_TABLES}
#: Efforts whose encoder also codes the whole map at the default effort (its model, level,
#: symbol order and scan) and keeps the smaller payload (``cm.encode``), so that they never
#: code a map larger than the default: level 1 (the full model) was larger on face gray 16
#: (effort 9 0.957x JPEG XL e9 against effort 2's 0.949x with level 20 and scan 3), chelsea
#: gray 8 and the 16-colour chelsea and rocket (1.005-1.024x effort 2's bytes; BENCHMARKS.md,
#: main after round 14). It costs an effort-2 encode, 2-5% of theirs.
DEFAULT_TOO = frozenset(range(5, 10))
#: Per effort, the share of a map's pixels that :func:`choose_scan` codes in each of the two
#: scans it weighs (0: none, the map is coded as it is). A block at the map's centre of 1/32
#: of its pixels chose the better of the two on the maps of BENCHMARKS.md's round 13 for 65%
#: of what a choice by coding the whole map both ways saves, 1/8 for 80%, 1/4 for 85%.
SCAN_SAMPLES = {0: 0.0, 1: 1 / 32, 2: 1 / 32, 3: 1 / 16, 4: 1 / 16, 5: 1 / 8, 6: 1 / 8, 7: 1 / 8, 8: 1 / 4, 9: 1 / 4}
#: ... and at least this many pixels (or the whole map): a few thousand pixels are mostly the
#: models' learning.
_MIN_SCAN_SAMPLE = 1 << 12
#: Scans :func:`choose_more_scan` also tries for a map at these levels: level 20 (gray maps of 9-16
#: levels) scan 3, the best of the eight on face gray 16 (108,337 stream bytes against 108,554
#: at scan 0 and 108,379 at scan 7; a block of 1/32 of it codes 5,072 bytes against 5,107 and
#: 5,139; BENCHMARKS.md, round 14, ``gray16bc``): one more block coded, 3% of the encode.
_MORE_SCANS = {BIASED_TABLES: (3,)}
#: The levels with more scans, and the level whose trial weighs scans 0 and 7 for them (the
#: level they replace: a map that the encoder codes at level 5 or 8 in the end keeps the scan
#: it had before level 20, ``cm.encode`` coding it again in that scan if a more scan was chosen).
MORE_SCANS_LEVELS = {BIASED_TABLES: AVERAGED_TABLES}


def choose_order(codes: np.ndarray, n: int, ordered: bool | None, effort: int, ordered_level: int,
                 palette_level: int) -> tuple[np.ndarray, bool]:
    """The symbol order of a map and whether it is a colour ramp.

    Gray levels (``ordered``) keep their order. A palette's symbols are put in their spectral
    order, refined by swaps (:func:`~vqpress.coding.symbol_order.refine_order`). A palette of up to 16 colours is a
    ramp, where the effort's ordered level is one on symbol tables (5, 8, 9, 11, 13) or its
    palette level is 7, if the symbols of unequal neighbours lie on average at most
    ``_RAMP_STEP * log2(n)`` places apart in that order.

    Returns
    -------
    order : numpy.ndarray
        ``n`` codes: coding symbol ``i`` stands for code ``order[i]``.
    ramp : bool
        Code the palette with the ordered model.
    """
    ramp = False
    if ordered:
        order = np.arange(n)
    else:
        from vqpress.coding.symbol_order import ROUGH_TOL, adjacency, mean_step, refine_order, spectral_order

        adj = adjacency(codes, n)
        order = spectral_order(codes, n, adj, tol=ROUGH_TOL)
        # (a map with no two different neighbours has no steps: it is no ramp); a ramp takes
        # the ordered model where gray uses level 5, 8 or 11 and where palettes use level 7
        ramp = (ordered_level in TABLE_LEVELS or palette_level == PALETTE_MIXED) and n <= MAX_TABLE_LEVELS \
            and 0 < mean_step(order, adj) <= _RAMP_STEP * math.log2(n)
        order = refine_order(order, adj)
    return order, ramp


def choose_scan(codes: np.ndarray, table: np.ndarray | None, effort: int, size_of) -> int:
    """The scan to code a map in (:mod:`vqpress.coding.scan`): the identity or scan 7, the
    transpose walked backwards, whichever codes a block at the map's centre smaller (the
    identity on a tie, and at effort 0).

    Parameters
    ----------
    codes : numpy.ndarray, shape (H, W), unsigned integers below 256
        The map, in its codes.
    table : numpy.ndarray of uint8, or None
        The coding symbol of each code (the symbol order's ranks), or None: the codes.
    effort : int
        The block holds ``SCAN_SAMPLES[effort]`` of the map's pixels (at least 4,096 pixels,
        or the whole map), in the map's proportions.
    size_of : callable
        Bytes of a coded map (a C-contiguous uint8 array of coding symbols) coded at the
        map's level (:func:`trial_level`; level 13 for a map at level 20, :func:`choose_more_scan`).

    Returns
    -------
    int
        0 or 7.
    """
    block = _centre_block(codes, effort)
    if block is None:
        return scan.IDENTITY
    sizes = [size_of(scan.orient(block, s, table)) for s in (scan.IDENTITY, scan.REVERSED_TRANSPOSE)]
    return scan.REVERSED_TRANSPOSE if sizes[1] < sizes[0] else scan.IDENTITY


def choose_more_scan(codes: np.ndarray, table: np.ndarray | None, effort: int, size_of, chosen: int, level: int) -> int:
    """For a map whose trial level has more scans (:data:`_MORE_SCANS`: level 20, scan 3), the
    scan :func:`choose_scan` ``chosen`` or one of those, whichever codes :func:`choose_scan`'s
    block smallest at that level (``size_of``; ``chosen`` on a tie). The encoder keeps a more
    scan only if the map is coded at that level in the end (:data:`MORE_SCANS_LEVELS`): maps
    that take level 5 or 8 keep :func:`choose_scan`'s scan, as before level 20."""
    block = _centre_block(codes, effort)
    if block is None or level not in _MORE_SCANS:
        return chosen
    tried = (chosen, *_MORE_SCANS[level])
    sizes = [size_of(scan.orient(block, s, table)) for s in tried]
    return tried[sizes.index(min(sizes))]


def _centre_block(codes: np.ndarray, effort: int) -> np.ndarray | None:
    """The block at the map's centre that the scans are weighed on (None at effort 0)."""
    share = SCAN_SAMPLES[effort]
    if not share:
        return None
    h, w = codes.shape
    share = min(1.0, max(share, _MIN_SCAN_SAMPLE / (h * w)))
    bh, bw = max(1, round(h * math.sqrt(share))), max(1, round(w * math.sqrt(share)))
    return codes[(h - bh) // 2:(h - bh) // 2 + bh, (w - bw) // 2:(w - bw) // 2 + bw]


def _models_to_try(n: int, ordered: bool | None, both: bool, palette_level: int) -> list[int]:
    if n > MAX_ORDERED_SYMBOLS:
        return [PALETTE]
    # a palette of up to 16 colours walks best in its spectral order with levels 0 and 1;
    # the fast palette models (neighbours' values first) are faster and mostly smaller
    first = ORDERED if ordered or (n <= 16 and palette_level in (0, 1)) else PALETTE
    return [first, PALETTE + ORDERED - first] if both else [first]


def candidates(n: int, ordered: bool | None, both: bool, effort: int, ordered_level: int,
               palette_level: int, pixels: int | None = None) -> list[tuple[int, int]]:
    """The (model, effort's level) pairs to code a map of ``n`` symbols with, in turn; the
    encoder keeps the smallest payload. ``ordered``: gray levels or a colour ramp; ``both``:
    the effort tries both models where both apply; ``pixels``: the map's size (a small map
    of up to 16 colours tries level 10 beside level 18)."""
    pairs = []
    for model in _models_to_try(n, ordered, both, palette_level):
        levels = [ordered_level] if model == ORDERED else [palette_level]
        if model == ORDERED and effort in _ORDERED_ALSO:
            levels.append(_ORDERED_ALSO[effort])
        if model == PALETTE and n <= MAX_TABLE_LEVELS and palette_level in _FEW_COLOURS \
                and pixels is not None and pixels <= _SMALL_MAP_PIXELS:
            levels.append(PALETTE_SYMBOL_MIXED)
        pairs += [(model, level) for level in levels]
    return pairs


def level_for(sym: np.ndarray, n: int, model: int, level: int, ramp: bool = False) -> tuple[int, tuple[int, ...] | None]:
    """The level and parameters to code a map ``sym`` of ``n`` symbols (in coding order) with
    ``model`` at an effort's ``level``: the level the map's number of symbols allows (or a
    richer one for a few), and for levels 8, 11 and 13 the parameters chosen on samples of
    the map (:mod:`vqpress.coding.level8`; level 8 with level 5's parameters is level 5, the
    same streams without the parameters' bytes). Gray maps of 9-16 levels take level 20 where
    level 13 would do (:data:`~vqpress.coding.levels.BIASED_TABLES`, level 13 with a bias
    cancellation), a colour ramp (``ramp``) of 9-16 colours level 16, chosen against level 8 as
    level 13 is, on samples coded at their level (:data:`~vqpress.coding.levels.NEIGHBOUR_TABLES`:
    a ramp's neighbours' exact symbols say more than on gray levels, where level 16 codes
    larger). Parameters are None for other levels."""
    level = _level_of(n, model, level)
    params = None
    if level == PALETTE_SYMBOL and takes_joint(sym, n):
        level = PALETTE_SYMBOL_JOINT
    if level == TUNED_TABLES:
        params = _tuned_params(sym, n)
    elif level in (WEIGHTED_TABLES, AVERAGED_TABLES):
        level, params = _chosen_level(sym, n, _averaged_level(level, ramp))
    elif level in PARAMETER_LEVELS:  # 16 or 20 asked for directly (no effort does): level 8's choice
        params = _tuned_params(sym, n)
    if level == TUNED_TABLES and params == level8.LEVEL5:
        level, params = PREDICTED_TABLES, None  # the same streams, without the parameters' bytes
    return level, params


def unpredicted_share(sym: np.ndarray) -> float:
    """The share of a map's pixels that none of their neighbours W, N, NE, NW equals (levels 6
    and 21 code them as "none", then as a colour of their own): counted on every
    ``_SHARE_ROW_STEP``-th row from the second on, inner columns, with numpy.

    Parameters
    ----------
    sym : ndarray of uint8, shape (H, W)
        The map (in coding order: the share does not depend on it).

    Returns
    -------
    float
        The share, 0.0 for maps of fewer than 2 rows or 3 columns.
    """
    if sym.ndim != 2 or sym.shape[0] < 2 or sym.shape[1] < 3:
        return 0.0
    x = sym[1::_SHARE_ROW_STEP, 1:-1]
    above = sym[0:-1:_SHARE_ROW_STEP][:x.shape[0]]
    hit = (x == sym[1::_SHARE_ROW_STEP, :-2]) | (x == above[:, 1:-1]) | (x == above[:, 2:]) | (x == above[:, :-2])
    return 1.0 - float(np.count_nonzero(hit)) / hit.size


def takes_joint(sym: np.ndarray, n: int) -> bool:
    """Whether a palette map of ``n`` colours that the effort codes at level 6 takes level 21:
    more than :data:`JOINT_MIN_COLOURS` colours and an :func:`unpredicted_share` above
    :data:`JOINT_UNPREDICTED_SHARE`."""
    return n > JOINT_MIN_COLOURS and unpredicted_share(sym) > JOINT_UNPREDICTED_SHARE


def trial_level(n: int, model: int, level: int, ramp: bool = False) -> tuple[int, tuple[int, ...] | None]:
    """The level :func:`level_for` starts from for a map of ``n`` symbols, with level 5's
    parameters where it takes parameters (level 8 is then level 5): no samples coded, for
    comparing ways of coding one map (:func:`choose_scan`)."""
    level = _level_of(n, model, level)
    if level == TUNED_TABLES:
        return PREDICTED_TABLES, None
    if level in (WEIGHTED_TABLES, AVERAGED_TABLES):
        return _averaged_level(level, ramp), level8.LEVEL5
    return level, None


def _averaged_level(level: int, ramp: bool) -> int:
    """The level a map takes where the effort's level comes to level 13 (:func:`_level_of`):
    level 16 for a colour ramp, level 20 for gray levels; other levels stay."""
    if level != AVERAGED_TABLES:
        return level
    return NEIGHBOUR_TABLES if ramp else BIASED_TABLES

def _level_of(n: int, model: int, level: int) -> int:
    """An effort's level as a map of ``n`` symbols takes it (:func:`level_for`)."""
    if model == ORDERED and n <= MAX_EXACT_LEVELS:
        level = _FEW_LEVELS.get(level, level)
    if level == PALETTE_SYMBOL_JOINT and n <= MAX_TABLE_LEVELS:
        level = PALETTE_SYMBOL  # (level 21 asked for directly: it codes 17..256 colours)
    if model == PALETTE and n <= MAX_TABLE_LEVELS:
        level = _FEW_COLOURS.get(level, level)
    if level == EXACT_TABLES and n > MAX_EXACT_LEVELS:
        level = TUNED_TABLES  # level 9 holds 4 levels
    if level == WEIGHTED_TABLES and n > _MAX_WEIGHTED_LEVELS:
        level = AVERAGED_TABLES  # (level 11's speed)
    if level in TABLE_LEVELS and n > MAX_TABLE_LEVELS:
        level = PREDICTED  # level 5's tables hold 16 levels
    return level


def _sample_size(sample: np.ndarray, n: int, level: int, params) -> int:
    """Bytes of a sample of a map's rows coded as one strip of the ordered model at ``level``
    (8, 11, 13 or 16) with ``params``."""
    # imported lazily: `import vqpress` stays free of compiled modules
    from vqpress.coding import _cm

    return len(_cm.encode_strips(sample, n, ORDERED, level, MIN_TABLE_BITS, sample.shape[0], params)[0])


def _tuned_params(sym: np.ndarray, n: int) -> tuple[int, ...]:
    """Level 8's parameters for a map (:func:`vqpress.coding.level8.choose`): the candidates
    are tried on a sample of its rows, coded as one strip."""
    return level8.choose(sym, n, lambda sample, params: _sample_size(sample, n, TUNED_TABLES, params))


def _chosen_level(sym: np.ndarray, n: int, predicted: int) -> tuple[int, tuple[int, ...]]:
    """Level 8 or ``predicted`` (11, 13, 16 or 20) and its parameters for a map
    (:func:`vqpress.coding.level8.choose_level`; level 8 with level 5's parameters is then
    written as level 5)."""
    def code(sample, level, params):
        return _sample_size(sample, n, level, params)

    if predicted in (AVERAGED_TABLES, NEIGHBOUR_TABLES, BIASED_TABLES):  # (16, 20: level 13's rule, their own sizes)
        level, params = level8.choose_level(sym, n, code, TUNED_TABLES, predicted, level8.AVERAGED_BAND_FRACTION,
                                            (level8.AVERAGED_SAMPLE_SURE, level8.AVERAGED_SAMPLE_LIMIT),
                                            level8.AVERAGED_BAND_LIMIT)
        if level == BIASED_TABLES and level8.sample_rows(sym).size * level8.SURE_SHARE > sym.size \
                and code(sym, TUNED_TABLES, params) <= code(sym, BIASED_TABLES, params):
            # a short map (the rule's band decided): level 20's 2^14 corrections learn little on its
            # middle band, which misled it by 3% on a 192 x 256 face: the whole map decides
            level = TUNED_TABLES
        return level, params
    sizes = {}

    def code_once(sample, level, params):  # (the band's level-11 size is asked again below)
        # (level8 makes the band afresh on each call: known by its content's digest)
        key = (level, params, sample.shape, hashlib.blake2b(np.ascontiguousarray(sample)).digest())
        if key not in sizes:
            sizes[key] = code(sample, level, params)
        return sizes[key]

    level, params = level8.choose_level(sym, n, code_once, TUNED_TABLES, predicted)
    if level == WEIGHTED_TABLES and _MIN_BIASED_LEVELS <= n:
        # level 20 against level 11 where level 11 won, on the same band: on face gray 8 it is
        # 0.44% smaller and 1.14x as fast to decode (BENCHMARKS.md, main after round 14); a map
        # its band cannot judge (a short one) keeps level 11
        band = level8.level_band(sym, level8.LEVEL_BAND_FRACTION)
        if band.size * 2 <= sym.size and code_once(band, BIASED_TABLES, params) < code_once(band, level, params):
            level = BIASED_TABLES
    return level, params

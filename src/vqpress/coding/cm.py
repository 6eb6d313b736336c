"""The "cm" payload coding of ``.vqz``: context mixing of adaptive binary models.

A code map (one level or palette index per pixel, at most 256 symbols) is coded by asking,
per pixel, binary questions whose answers are predicted by logistic mixing of adaptive
counters selected by the pixel's causal neighbourhood, and coded by a binary arithmetic
coder. The compiled kernels (``_cm.pyx`` runs the strips, one ``_cm_*.pyx`` per family of
levels holds the models); this module holds the payload's layout, its validation and the
encoder's choices (model, symbol order, strips).
docs/FORMAT.md ("Payload coding cm") specifies the payload byte by byte.

Payload layout (little-endian)::

    magic "CM", version (u8, 1), model (u8: 0 ordered, 1 palette)
    table_bits (u8), level (u8: 0 lean, 1 full, 2 fast, 3 palette tables, 4 predicted ordered,
    5 predicted ordered tables, 6 palette neighbour symbol, 7 palette mixed tables, 8 tuned predicted
    ordered tables, 9 exact predicted ordered tables, 11 weighted predicted ordered tables,
    13 averaged predicted ordered tables),
    n_symbols (u16), strip_rows (u32)
    order: n_symbols bytes, a permutation (coding symbol i stands for code order[i])
    levels 8, 11 and 13 only: the model's 5 parameters (u8 each, :mod:`vqpress.coding.level8`)
    S = ceil(H / strip_rows) stream lengths (u32), then the S streams

Each stream codes one strip of ``strip_rows`` rows (the last one may be shorter) with a
fresh model, so strips are coded and decoded in parallel.
"""

from __future__ import annotations

import math
import struct

import numpy as np

from vqpress.coding import level8
from vqpress.errors import FormatError, VQError

__all__ = ["encode", "decode", "describe", "check_effort", "MAX_SYMBOLS", "EFFORTS", "DEFAULT_EFFORT"]

#: Largest alphabet the coding handles (larger maps use the older codings).
MAX_SYMBOLS = 256
#: Effort levels: 0 (fastest) .. 9 (smallest).
EFFORTS = range(10)
DEFAULT_EFFORT = 2

_MAGIC = b"CM"
_VERSION = 1
_HEAD = struct.Struct("<2sBBBBHI")
_ORDERED, _PALETTE = 0, 1
_MODEL_NAMES = {_ORDERED: "ordered", _PALETTE: "palette"}
_MAX_ORDERED_SYMBOLS = 32
_MIN_TABLE_BITS, _MAX_TABLE_BITS = 8, 18
#: Strips hold about this many pixels (fewer strips cost less size; more run in parallel).
_STRIP_PIXELS = 1 << 18
#: ... and at least this many (or the whole map): each strip sets up a fresh model.
MIN_STRIP_PIXELS = 1 << 16


def _kernel():
    # imported lazily: `import vqpress` stays free of compiled modules
    from vqpress.coding import _cm

    return _cm


def check_effort(effort) -> int:
    """Return ``effort`` as an int after checking it is an integer in 0..9."""
    if isinstance(effort, (bool, np.bool_)) or not isinstance(effort, (int, np.integer)) or effort not in EFFORTS:
        raise VQError(f"effort must be an integer in 0..9; got {effort!r}")
    return int(effort)


_FAST = 2
#: Level 3: the palette model with symbol tables (``_cm_palette3.pyx``): 1.4x faster
#: encoding and 1.7x decoding than level 2 on the palette cases of
#: benchmarks/bench_entropy.py, the same size on their geometric mean (0.976-1.019 case by
#: case; BENCHMARKS.md, round 3).
_PALETTE_TABLES = 3
#: Level 4, the ordered model around the MED prediction (``_cm_ordered4.pyx``): about as
#: fast as level 2 (decoding 1.00-1.05x, encoding 0.92-0.98x) and 1-4.4% smaller on the gray
#: cases of benchmarks/bench_entropy.py (BENCHMARKS.md, round 3).
_PREDICTED = 4
#: Level 5, gray levels (up to 16) as ``x == P`` then one residual symbol of averaged
#: adaptive tables (``_cm_ordered5.pyx``, range coder): on the gray cases of
#: benchmarks/bench_entropy.py 0.994x level 4's size (0.989-0.998x, smaller on each),
#: decoding 1.07-1.3x as fast (face at 8 and 16 levels: 1.17-1.44x), encoding 1.09x in the
#: geometric mean (0.86-1.5x; the flattest maps about as fast) (BENCHMARKS.md, round 5).
#: More than 16 levels stay at level 4.
_PREDICTED_TABLES = 5
_MAX_TABLE_LEVELS = 16
#: Level 6, the palette model of one neighbour symbol (``_cm_palette6.pyx``): which of the
#: distinct colours among W, N, NE, NW a pixel is (or none) as one symbol of averaged tables
#: instead of level 3's up to four binary questions. On the palette cases of
#: benchmarks/bench_entropy.py 0.991x level 3's size (0.980-1.003x; the face at 64 and 256
#: colours 1.002x and 1.003x); at 256 colours decoding 1.02-1.21x as fast, at 64 0.96-1.14x,
#: at 16 0.89-1.06x; encoding about as fast (BENCHMARKS.md, round 6; the lead's A/B at
#: 21:31: size 0.991x, decode 1.07x, encode 1.01x at 64/256 colours; at 16 colours 0.991x,
#: decode 0.95x, encode 0.90x, 42-58 MPix/s): the palette level of efforts 0-2.
_PALETTE_SYMBOL = 6
#: Level 8, level 5's model with five parameters the encoder picks per map (by coding a
#: sample of its rows with a few candidate settings, :mod:`vqpress.coding.level8`) and
#: writes in the header (BENCHMARKS.md, round 6). When it picks level 5's, it writes level 5.
_TUNED_TABLES = 8
#: Level 9, level 5's model with more of it where a map has at most 4 levels (the exact
#: neighbourhood W, N, NW, NE, WW, NN has 4^6 values): a fourth ``x == P`` counter and a
#: fourth residual table by it, two interpolated APMs on ``x == P``'s probability
#: (``_cm_ordered5.pyx``). Gray maps of 2-4 levels take it where gray takes level 8 (effort 2).
_EXACT_TABLES = 9
_MAX_EXACT_LEVELS = 4
#: Level 11, level 8 (its parameters too) around a weighted prediction instead of MED's: four
#: sub-predictions in eighths of a level (W + NE - N; N, W and N corrected by the prediction's
#: errors at the neighbours) weighted by their recent errors around the pixel, as JPEG XL's
#: weighted predictor; P is that prediction rounded, and its offset from P (in five classes)
#: joins the contexts of the third ``x == P`` counter and of one residual table
#: (``_cm_ordered5.pyx``). At effort 2 gray maps of 5-8 levels (and colour ramps of up to 8) are coded
#: at level 5 or 8 (parameters chosen as for level 8), or at level 11 with the same parameters
#: when it codes a middle band of 1/8 of the map smaller (:func:`vqpress.coding.level8.choose_level`;
#: BENCHMARKS.md, round 7).
_WEIGHTED_TABLES = 11
#: ... up to this many levels: level 11 decodes at 0.66-0.83x level 8's speed (BENCHMARKS.md,
#: round 7), which keeps the gray cases of 8 levels at or above 30 MPix/s but takes those of 16
#: (the face in gray, and its 16-colour ramp: 26-30 MPix/s at level 11) below it; maps of 9-16
#: levels take level 13 instead (or 8, or 5). Set to 16 to trade that speed for their size
#: (face gray 16 0.994x, its ramp 0.999x level 13's bytes).
_MAX_WEIGHTED_LEVELS = 8
#: Level 13, level 11 with the four sub-predictions averaged with equal weights (no error sums,
#: weights or division between one pixel and the next): 0.81-0.87x level 8's decode speed where
#: level 11 runs at 0.70-0.76x, 0.05-0.6% larger than level 11 on the face (BENCHMARKS.md, round
#: 8). At effort 2 gray maps (and colour ramps) of 9-16 levels take level 5 or 8, or level 13
#: with the same parameters when its size against level 8's on the parameters' sample, or on
#: a middle band of 1/10 of the map where that is not clear, says so (:data:`level8.AVERAGED_SAMPLE_SURE`).
_AVERAGED_TABLES = 13
#: The ordered level maps of at most _MAX_EXACT_LEVELS levels take instead of the effort's.
_FEW_LEVELS = {_TUNED_TABLES: _EXACT_TABLES, _WEIGHTED_TABLES: _EXACT_TABLES, _AVERAGED_TABLES: _EXACT_TABLES}
# levels of up to 16 levels, on symbol tables
_TABLE_LEVELS = (_PREDICTED_TABLES, _TUNED_TABLES, _EXACT_TABLES, _WEIGHTED_TABLES, _AVERAGED_TABLES)
# levels with the 5 parameters of vqpress.coding.level8 after the symbol order
_PARAMETER_LEVELS = (_TUNED_TABLES, _WEIGHTED_TABLES, _AVERAGED_TABLES)
#: Palettes of up to 16 colours that are a colour ramp (the symbols of unequal neighbours
#: lie on average at most _RAMP_STEP x log2(n) places apart in their spectral order,
#: :func:`~vqpress.coding.symbol_order.mean_step`) are coded like gray levels where gray
#: uses level 5 or 8 (efforts 1 and 2): the ordered model at that level in the refined order,
#: instead of level 3. On the 16-colour cases of benchmarks/bench_entropy.py it picks the
#: face (0.356 x log2(n): 0.931x level 3's size) and none of the photographs (0.50-0.66;
#: level 5 would be 1.00-1.08x), as branch pick4 found for level 4 on 187 maps (threshold
#: 0.385; BENCHMARKS.md, round 5).
_RAMP_STEP = 0.385
#: Level 7, the palette model of mixed symbol tables (``_cm_palette7.pyx``): x == W, then
#: every other pixel as one or two symbols of four tables (by W, N, NE and the pair (W, N))
#: mixed geometrically with learned weights. On the 64- and 256-colour cases of
#: benchmarks/bench_entropy.py 0.938-0.968x level 3's size and 0.922-0.971x level 0's, at
#: 0.41-0.54x level 3's speed and 1.37-1.87x level 0's (BENCHMARKS.md, round 6): the palette
#: level of efforts 3 and 4 (colour ramps of up to 16 colours keep the ordered model there),
#: not of the default (too slow for it).
_PALETTE_MIXED = 7
#: Level 10, level 6's model with a pixel that no neighbour predicts coded as one or two
#: symbols of four tables mixed geometrically as at level 7 (``_unpredicted.pxd``, through
#: ``_cm_palette6.pyx``). On the palette cases of benchmarks/bench_entropy.py (interleaved,
#: one thread; BENCHMARKS.md, round 7): against level 6, at 64 and 256 colours 0.970x the
#: size (0.952-0.980x) but decoding at 0.48-0.68x the speed; at 16 colours (the photographs)
#: 0.949-0.974x (geomean 0.965x) decoding at 0.81-0.88x, which at 16 colours is still 41-56
#: MPix/s both ways (load 4, interleaved, 23:38), well above the issue's 20 / 30: so the
#: palette level of efforts 0-2 up to 16 colours, and not above (64 and 256 colours would fall
#: below the targets). Against level 7 in its refined order (efforts 3-4): at 16 colours
#: 0.978-1.003x the size (geomean 0.994x) decoding 1.17-1.29x as fast, at 64 and 256 colours
#: 0.990-1.018x (geomean 1.010x) decoding 1.26-1.69x as fast. So also the palette level of
#: efforts 3 and 4 up to 16 colours; level 7 stays above (_FEW_COLOURS).
_PALETTE_SYMBOL_MIXED = 10
#: Palettes of up to _MAX_TABLE_LEVELS colours (not colour ramps) take instead of the effort's level.
_FEW_COLOURS = {_PALETTE_SYMBOL: _PALETTE_SYMBOL_MIXED, _PALETTE_MIXED: _PALETTE_SYMBOL_MIXED}

#: Per effort: (level of the ordered model, level of the palette model, table_bits, try
#: both models when both apply, pixels per strip). Efforts 0-2 use the models without
#: hashed tables (table_bits is then the minimum): palettes at level 6 (level 10 up to 16
#: colours), gray at level 5 at effort 1 and level 5, 8 or 11 at effort 2 (level 11 up to 8
#: levels, 13 instead of 11 above, level 9 up to 4, level 4 above 16; effort 0 keeps level 2); 3-4 level 0 (lean: hashed
#: tables, 4 counters a question; 0-1.5% smaller than level 4 on gray, half as fast) for gray
#: and colour ramps, level 7 for the other palettes (level 10 up to 16 colours); 5-9 level 1
#: (full: more counters, two mixes and an APM).
_EFFORT_SETTINGS = {
    0: (_FAST, _PALETTE_SYMBOL, 8, False, 1 << 18),
    1: (_PREDICTED_TABLES, _PALETTE_SYMBOL, 8, False, 1 << 19),
    2: (_WEIGHTED_TABLES, _PALETTE_SYMBOL, 8, False, 1 << 20),
    3: (0, _PALETTE_MIXED, 12, False, 1 << 20), 4: (0, _PALETTE_MIXED, 13, False, 1 << 20),
    5: (1, 1, 14, False, 1 << 20), 6: (1, 1, 15, False, 1 << 20), 7: (1, 1, 16, False, 1 << 20),
    8: (1, 1, 16, True, 1 << 20), 9: (1, 1, 18, True, 1 << 20),
}
#: Efforts that also code the ordered model at the default's level (11, or what the map's
#: number of levels allows) and keep the smaller: since levels 8 to 11, level 0 (the lean
#: model of efforts 3 and 4) is larger on every gray map of benchmarks/bench_entropy.py
#: (face gray 8: 70,090 bytes at effort 3 against 69,215 at effort 2) but smaller on the
#: face's 16-colour ramp (80,898 against 82,007), so a higher effort never codes larger.
_ORDERED_ALSO = {3: _WEIGHTED_TABLES, 4: _WEIGHTED_TABLES}
_LEVELS = (0, 1, _FAST, _PALETTE_TABLES, _PREDICTED, _PREDICTED_TABLES, _PALETTE_SYMBOL, _PALETTE_MIXED,
           _TUNED_TABLES, _EXACT_TABLES, _PALETTE_SYMBOL_MIXED, _WEIGHTED_TABLES, _AVERAGED_TABLES)
# no hashed tables: table_bits is the minimum
_NO_TABLES = (_FAST, _PALETTE_TABLES, _PREDICTED, _PREDICTED_TABLES, _PALETTE_SYMBOL, _PALETTE_MIXED,
              _TUNED_TABLES, _EXACT_TABLES, _PALETTE_SYMBOL_MIXED, _WEIGHTED_TABLES, _AVERAGED_TABLES)
_PALETTE_ONLY = (_PALETTE_TABLES, _PALETTE_SYMBOL, _PALETTE_MIXED, _PALETTE_SYMBOL_MIXED)


def _table_bits(bits: int, strip_pixels: int) -> int:
    """Bucket-table size, no larger than a strip can fill (the tables are allocated and
    cleared per strip)."""
    need = max(_MIN_TABLE_BITS, math.ceil(math.log2(max(strip_pixels, 2))) - 2)
    return int(min(bits, need, _MAX_TABLE_BITS))


def _min_strip_rows(height: int, width: int) -> int:
    """Fewest rows a strip may have: MIN_STRIP_PIXELS pixels, or the whole map."""
    return min(height, -(-MIN_STRIP_PIXELS // width))


def strip_rows_for(height: int, width: int, strip_pixels: int = _STRIP_PIXELS) -> int:
    """Rows per strip so that strips hold about ``strip_pixels`` pixels (within the limits)."""
    return max(_min_strip_rows(height, width), min(height, -(-strip_pixels // width)))


def _models_to_try(n: int, ordered: bool | None, both: bool, palette_level: int) -> list[int]:
    if n > _MAX_ORDERED_SYMBOLS:
        return [_PALETTE]
    # a palette of up to 16 colours walks best in its spectral order with levels 0 and 1;
    # the fast palette models (neighbours' values first) are faster and mostly smaller
    first = _ORDERED if ordered or (n <= 16 and palette_level in (0, 1)) else _PALETTE
    return [first, _PALETTE + _ORDERED - first] if both else [first]


def encode(codes: np.ndarray, n_symbols: int, *, ordered: bool | None = None, effort: int = DEFAULT_EFFORT,
           strip_rows: int | None = None) -> bytes:
    """Code a 2-D map of codes as a "cm" payload.

    Parameters
    ----------
    codes : numpy.ndarray, shape (H, W), unsigned integer dtype
        Level or palette index of every pixel, each ``< n_symbols``; ``H * W >= 1``.
    n_symbols : int
        Alphabet size, 2..256.
    ordered : bool, optional
        ``True`` if the codes' order means something (gray levels sorted by value): the
        ordered model and the identity symbol order are then tried first. ``False`` or
        ``None``: a palette; its symbols are reordered so that colours that meet get nearby
        numbers (:func:`vqpress.coding.symbol_order.spectral_order`), and coded with the
        palette model (with the ordered one up to 16 colours, except at efforts 0-2); at
        efforts 1 and 2 a palette of up to 16 colours that is a colour ramp (the symbols of
        unequal neighbours are on average at most 0.385 x log2(n) places apart in that
        order, :func:`vqpress.coding.symbol_order.mean_step`) is coded with the ordered
        model at level 5 (effort 1) or 5, 8 or 11 (effort 2; 11 up to 8 colours, 13 above) instead, in
        the refined order (at efforts 3 and 4, at level 0).
    effort : int, default 2
        0 (fastest) .. 9 (smallest): 0-2 use the fast model (level 2: small direct tables,
        2-3 counters a question, x == W then the neighbours' values before a walk or tree;
        palettes at level 6: which of the distinct colours among W, N, NE, NW a pixel is,
        or none, as one symbol of adaptive tables, and a pixel that none predicts as one or
        two more; up to 16 colours level 10, those more symbols of four tables mixed),
        with strips of 2^18, 2^19, 2^20 pixels; at 1
        and 2 gray levels (``ordered=True``) use the predicted ordered model instead: x ==
        MED(W, N, NW) first, then (up to 16 levels) the residual as one symbol of adaptive
        tables (level 5; at effort 2 level 8, the model's parameters chosen on a sample of
        the map's rows, or up to 8 levels level 11, the same around a weighted prediction
        of four sub-predictions instead of MED when it codes a band of the map smaller, above
        8 levels level 13, the same with the sub-predictions averaged, and level 9
        up to 4 levels, with a counter, a table and two probability maps by the exact
        neighbourhood), or (level 4, 17-32 levels) a walk
        away from it; 3-4 the
        lean model (level 0: four hashed tables of 2^12, 2^13 buckets) for gray levels and
        colour ramps (or effort 2's level where that codes smaller), and for other palettes
        level 7 (x == W, then every other pixel as
        symbols of four adaptive tables mixed geometrically; level 10 up to 16 colours); 5-9 the full model
        (level 1: more counters, two mixes and an APM, 2^14 .. 2^18 buckets); at 8 and 9
        both models are tried (when the ordered one applies) and the smaller kept. A
        palette's symbol order is refined from effort 3 on.
    strip_rows : int, optional
        Rows per independently coded strip (default: strips of about 2^18 pixels at effort
        0, 2^19 at 1, 2^20 from 2 on; never fewer than :data:`MIN_STRIP_PIXELS` pixels, unless the map is smaller). Strips are
        coded in parallel; each starts its model afresh, which costs some size.

    Returns
    -------
    bytes

    Examples
    --------
    >>> import numpy as np
    >>> from vqpress.coding import cm
    >>> codes = (np.add.outer(np.arange(64), np.arange(96)) // 20).astype(np.uint8)
    >>> data = cm.encode(codes, 8, ordered=True)
    >>> np.array_equal(cm.decode(data, codes.shape, 8), codes)
    True
    """
    effort = check_effort(effort)
    if not isinstance(codes, np.ndarray) or codes.ndim != 2 or codes.dtype.kind != "u":
        raise VQError(f"codes must be a 2-D unsigned integer array; got {getattr(codes, 'shape', type(codes))}")
    if isinstance(n_symbols, (bool, np.bool_)) or not isinstance(n_symbols, (int, np.integer)) \
            or not 2 <= n_symbols <= MAX_SYMBOLS:
        raise VQError(f"n_symbols must be an integer in 2..{MAX_SYMBOLS}; got {n_symbols!r}")
    n = int(n_symbols)
    h, w = codes.shape
    if h * w == 0:
        raise VQError(f"codes must hold at least one pixel; got shape {codes.shape}")
    if int(codes.max()) >= n:
        raise VQError(f"codes hold the value {int(codes.max())}; allowed are 0..{n - 1}")
    ordered_level, palette_level, bits, both, strip_pixels = _EFFORT_SETTINGS[effort]
    if strip_rows is None:
        rows = strip_rows_for(h, w, strip_pixels)
    elif isinstance(strip_rows, (bool, np.bool_)) or not isinstance(strip_rows, (int, np.integer)) \
            or strip_rows < 1:
        raise VQError(f"strip_rows must be a positive integer; got {strip_rows!r}")
    else:
        # strips below MIN_STRIP_PIXELS would spend more on their models than on their pixels
        rows = max(_min_strip_rows(h, w), min(int(strip_rows), h))
    ramp = False
    if ordered:
        order = np.arange(n)
    else:
        from vqpress.coding.symbol_order import adjacency, mean_step, refine_order, spectral_order

        adj = adjacency(codes, n)
        order = spectral_order(codes, n, adj)
        # (a map with no two different neighbours has no steps: it is no ramp); a ramp takes
        # the ordered model where gray uses level 5, 8 or 11 and where palettes use level 7
        ramp = (ordered_level in _TABLE_LEVELS or palette_level == _PALETTE_MIXED) and n <= _MAX_TABLE_LEVELS \
            and 0 < mean_step(order, adj) <= _RAMP_STEP * math.log2(n)
        if effort >= 3 or ramp:
            order = refine_order(order, adj)
    if (order == np.arange(n)).all() and codes.dtype == np.uint8:
        sym = np.ascontiguousarray(codes)  # no copy of a map in coding order already
    else:
        rank = np.empty(n, dtype=np.uint8)
        rank[order] = np.arange(n)
        sym = _relabel(codes, rank)
    best = None
    for model in _models_to_try(n, ordered or ramp, both, palette_level):
        levels = [ordered_level] if model == _ORDERED else [palette_level]
        if model == _ORDERED and effort in _ORDERED_ALSO:
            levels.append(_ORDERED_ALSO[effort])
        for level in levels:
            data = _encode_at(sym, order, n, model, level, bits, rows)
            if best is None or len(data) < len(best):
                best = data
    return best


def _encode_at(sym: np.ndarray, order: np.ndarray, n: int, model: int, level: int, bits: int, rows: int) -> bytes:
    """The payload of ``sym`` (in coding order ``order``) with ``model`` at an effort's
    ``level``, which becomes the level the map's number of symbols allows."""
    if model == _ORDERED and n <= _MAX_EXACT_LEVELS:
        level = _FEW_LEVELS.get(level, level)
    if model == _PALETTE and n <= _MAX_TABLE_LEVELS:
        level = _FEW_COLOURS.get(level, level)
    if level == _EXACT_TABLES and n > _MAX_EXACT_LEVELS:
        level = _TUNED_TABLES  # level 9 holds 4 levels
    if level == _WEIGHTED_TABLES and n > _MAX_WEIGHTED_LEVELS:
        level = _AVERAGED_TABLES  # (level 11's speed)
    if level in _TABLE_LEVELS and n > _MAX_TABLE_LEVELS:
        level = _PREDICTED  # level 5's tables hold 16 levels
    bits_ = _table_bits(bits, rows * sym.shape[1]) if level not in _NO_TABLES else _MIN_TABLE_BITS
    params = None
    if level == _TUNED_TABLES:
        params = _tuned_params(sym, n)
    elif level in (_WEIGHTED_TABLES, _AVERAGED_TABLES):
        level, params = _chosen_level(sym, n, level)
    if level == _TUNED_TABLES and params == level8.LEVEL5:
        level, params = _PREDICTED_TABLES, None  # the same streams, without the parameters' bytes
    streams = _kernel().encode_strips(sym, n, model, level, bits_, rows, params)
    head = _HEAD.pack(_MAGIC, _VERSION, model, bits_, level, n, rows)
    lengths = struct.pack(f"<{len(streams)}I", *(len(s) for s in streams))
    return b"".join([head, order.astype(np.uint8).tobytes(), bytes(params or ()), lengths, *streams])


def _sample_size(sample: np.ndarray, n: int, level: int, params) -> int:
    """Bytes of a sample of a map's rows coded as one strip of the ordered model at ``level``
    (8, 11 or 13) with ``params``."""
    return len(_kernel().encode_strips(sample, n, _ORDERED, level, _MIN_TABLE_BITS, sample.shape[0], params)[0])


def _tuned_params(sym: np.ndarray, n: int) -> tuple[int, ...]:
    """Level 8's parameters for a map (:func:`vqpress.coding.level8.choose`): the candidates
    are tried on a sample of its rows, coded as one strip."""
    return level8.choose(sym, n, lambda sample, params: _sample_size(sample, n, _TUNED_TABLES, params))


def _chosen_level(sym: np.ndarray, n: int, predicted: int) -> tuple[int, tuple[int, ...]]:
    """Level 8 or ``predicted`` (11 or 13) and its parameters for a map
    (:func:`vqpress.coding.level8.choose_level`; level 8 with level 5's parameters is then
    written as level 5)."""
    def code(sample, level, params):
        return _sample_size(sample, n, level, params)

    if predicted == _AVERAGED_TABLES:
        return level8.choose_level(sym, n, code, _TUNED_TABLES, predicted, level8.AVERAGED_BAND_FRACTION,
                                   (level8.AVERAGED_SAMPLE_SURE, level8.AVERAGED_SAMPLE_LIMIT),
                                   level8.AVERAGED_BAND_LIMIT)
    return level8.choose_level(sym, n, code, _TUNED_TABLES, predicted)


#: What each level is called in docs/FORMAT.md (the payload header's table).
LEVEL_NAMES = {0: "lean", 1: "full", _FAST: "fast", _PALETTE_TABLES: "palette tables", _PREDICTED: "predicted ordered",
               _PREDICTED_TABLES: "predicted ordered tables", _PALETTE_SYMBOL: "palette neighbour symbol",
               _PALETTE_MIXED: "palette mixed tables", _PALETTE_SYMBOL_MIXED: "palette neighbour symbol mixed tables",
               _TUNED_TABLES: "tuned predicted ordered tables", _EXACT_TABLES: "exact predicted ordered tables",
               _WEIGHTED_TABLES: "weighted predicted ordered tables",
               _AVERAGED_TABLES: "averaged predicted ordered tables"}


def describe(data) -> dict:
    """The payload's header fields (model, level and its name, table_bits, n_symbols,
    strip_rows), unchecked: ``data`` needs only the payload's first 12 bytes."""
    magic, version, model, bits, level, n, rows = _HEAD.unpack_from(bytes(data[: _HEAD.size]))
    return {"version": version, "model": _MODEL_NAMES.get(model, model), "level": level,
            "level_name": LEVEL_NAMES.get(level, "unknown"), "table_bits": bits, "n_symbols": n,
            "strip_rows": rows}


def decode(data, shape: tuple[int, int], n_symbols: int) -> np.ndarray:
    """Decode a "cm" payload into its (H, W) uint8 map of codes.

    Parameters
    ----------
    data : bytes-like
        The payload, exactly (no bytes before or after).
    shape : tuple of int
        ``(H, W)`` of the map, from the container.
    n_symbols : int
        Alphabet size, from the container.

    Returns
    -------
    numpy.ndarray, shape (H, W), uint8

    Raises
    ------
    FormatError
        The payload is not a valid "cm" payload for this shape and alphabet: a header
        field out of range or disagreeing with the container, a symbol order that is not a
        permutation, stream lengths that do not add up to the payload, or a stream that its
        strip does not use exactly (it runs out, or has bytes left). A payload damaged in
        its streams may also decode to other codes of the right shape (in range): the
        container's checksum catches that.
    """
    view = memoryview(data).cast("B")
    h, w = (int(s) for s in shape)
    n = int(n_symbols)
    if len(view) < _HEAD.size:
        raise FormatError(f"cm payload of {len(view)} bytes is shorter than its {_HEAD.size}-byte header")
    magic, version, model, bits, level, n_head, rows = _HEAD.unpack_from(view)
    if magic != _MAGIC or version != _VERSION:
        raise FormatError(f"not a cm payload of version {_VERSION} (magic {bytes(magic)!r}, version {version})")
    if model not in _MODEL_NAMES or level not in _LEVELS:
        raise FormatError(f"cm payload names model {model} (allowed 0, 1) or level {level} "
                          f"(allowed {', '.join(map(str, _LEVELS))})")
    if level in _NO_TABLES and bits != _MIN_TABLE_BITS:
        raise FormatError(f"cm level {level} has no hashed tables: its table_bits must be {_MIN_TABLE_BITS}; "
                          f"got {bits}")
    if level in _PALETTE_ONLY and model != _PALETTE:
        raise FormatError(f"cm level {level} codes the palette model only; the payload names model {model}")
    if level in (_PREDICTED, *_TABLE_LEVELS) and model != _ORDERED:
        raise FormatError(f"cm level {level} codes the ordered model only (model 0); the payload names model {model}")
    if not _MIN_TABLE_BITS <= bits <= _MAX_TABLE_BITS:
        raise FormatError(f"cm table_bits {bits} is outside {_MIN_TABLE_BITS}..{_MAX_TABLE_BITS}")
    if n_head != n or not 2 <= n <= MAX_SYMBOLS:
        raise FormatError(f"cm payload codes {n_head} symbols; the codebook has {n} (allowed 2..{MAX_SYMBOLS})")
    if model == _ORDERED and n > _MAX_ORDERED_SYMBOLS:
        raise FormatError(f"the ordered model codes at most {_MAX_ORDERED_SYMBOLS} symbols; the payload has {n}")
    if level in _TABLE_LEVELS and n > _MAX_TABLE_LEVELS:
        raise FormatError(f"cm level {level} codes at most {_MAX_TABLE_LEVELS} levels; the payload has {n}")
    if level == _EXACT_TABLES and n > _MAX_EXACT_LEVELS:
        raise FormatError(f"cm level {level} codes at most {_MAX_EXACT_LEVELS} levels; the payload has {n}")
    if h < 1 or w < 1 or not _min_strip_rows(h, w) <= rows <= h:
        raise FormatError(f"cm strip_rows {rows} does not fit a map of {h} x {w} "
                          f"(allowed {_min_strip_rows(h, w)}..{h})")
    if bits > _table_bits(_MAX_TABLE_BITS, rows * w):
        raise FormatError(f"cm table_bits {bits} is larger than a strip of {rows * w} pixels can fill "
                          f"(at most {_table_bits(_MAX_TABLE_BITS, rows * w)})")
    n_strips = -(-h // rows)
    n_params = len(level8.PARAMETERS) if level in _PARAMETER_LEVELS else 0
    start = _HEAD.size + n + n_params + 4 * n_strips
    if len(view) < start:
        raise FormatError(f"cm payload of {len(view)} bytes ends inside its header ({start} bytes)")
    order = np.frombuffer(view, dtype=np.uint8, count=n, offset=_HEAD.size)
    if np.bincount(order, minlength=n).max() != 1 or int(order.max()) >= n:
        raise FormatError("cm symbol order is not a permutation of the codebook's codes")
    params = None
    if n_params:
        params = tuple(bytes(view[_HEAD.size + n:_HEAD.size + n + n_params]))
        wrong = level8.check(params)
        if wrong is not None:
            raise FormatError(f"cm level {level} parameter {wrong}")
    sizes = np.frombuffer(view, dtype="<u4", count=n_strips, offset=_HEAD.size + n + n_params).astype(np.intp)
    if int(sizes.sum()) != len(view) - start:
        raise FormatError(f"cm streams add up to {int(sizes.sum())} bytes; the payload holds {len(view) - start}")
    if int(sizes.min()) < 4:
        raise FormatError("a cm stream is shorter than the 4 bytes every stream ends with")
    offsets = (start + np.concatenate([[0], np.cumsum(sizes)[:-1]])).astype(np.intp)
    out = np.empty((h, w), dtype=np.uint8)
    bad = _kernel().decode_strips(np.frombuffer(view, dtype=np.uint8), offsets, sizes, out, n, model, level,
                                  bits, rows, params)
    if bad:
        raise FormatError(f"cm stream of strip {bad[0]} does not decode to its strip exactly "
                          "(it runs out, or bytes are left)")
    if (order == np.arange(n)).all():
        return out
    return _relabel(out, order, out=out)


def _relabel(codes: np.ndarray, table: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``table[codes]`` as uint8 (every code < ``len(table)``), in blocks of rows: no
    temporary the size of the map (``out`` may be ``codes`` itself)."""
    table = table.astype(np.uint8)
    out = np.empty(codes.shape, dtype=np.uint8) if out is None else out
    if codes.dtype == np.uint8 and codes.flags.c_contiguous and out.flags.c_contiguous:
        from vqpress._lookup import apply_table

        # a byte table: 4-5x faster than np.take, whose indices are intp (decoding a map of
        # 256 colours spent 2% of its time here)
        full = np.zeros(256, dtype=np.uint8)
        full[:len(table)] = table
        apply_table(codes.reshape(-1), full, out.reshape(-1))
        return out
    # np.take writes straight into out (2-3x faster than table[...] and a copy); it makes
    # its indices intp first, so blocks of 2^16 pixels (and out may alias codes)
    step = max(1, (1 << 16) // max(codes.shape[1], 1))
    for r in range(0, codes.shape[0], step):
        np.take(table, codes[r:r + step], out=out[r:r + step], mode="wrap")
    return out

"""The "cm" payload coding of ``.vqz``: context mixing of adaptive binary models.

A code map (one level or palette index per pixel, at most 256 symbols) is coded by asking,
per pixel, binary questions whose answers are predicted by logistic mixing of adaptive
counters selected by the pixel's causal neighbourhood, and coded by a binary arithmetic
coder. The compiled kernels (``_cm.pyx`` runs the strips, one ``_cm_*.pyx`` per family of
levels holds the models); this module holds the encoder's and the decoder's public edge and
the payload's strips; :mod:`vqpress.coding.cm_layout` its header fields and their checks. The
models and levels are :mod:`vqpress.coding.levels`; what the encoder picks for an effort and
a map (model, level, parameters, symbol order, scan) is :mod:`vqpress.coding.choice`.
docs/FORMAT.md ("Payload coding cm") specifies the payload byte by byte.

Payload layout (little-endian)::

    magic "CM", version (u8, 1), model (u8: 0 ordered, 1 palette)
    table_bits (u8), level (u8: 0 lean, 1 full, 2 fast, 3 palette tables, 4 predicted ordered,
    5 predicted ordered tables, 6 palette neighbour symbol, 7 palette mixed tables, 8 tuned predicted
    ordered tables, 9 exact predicted ordered tables, 11 weighted predicted ordered tables,
    13 averaged predicted ordered tables, 16 neighbour symbol averaged predicted ordered tables),
    n_symbols (u16), strip_rows (u32)
    order: n_symbols bytes, a permutation (coding symbol i stands for code order[i])
    levels 8, 11, 13 and 16 only: the model's 5 parameters (u8 each, :mod:`vqpress.coding.level8`)
    S = ceil(H / strip_rows) stream lengths (u32), then the S streams

Version 2 (format 2.2, ``encode(..., compact=True)``): the same streams, and "CM", version
(2), model, table_bits, level (u8 each), strip_rows (varint), order field (u8: bit 0: 0 the
identity, 1 the order's rank, :mod:`vqpress.coding.permutation`, in ``rank_bytes(n)`` bytes;
bits 1-3: the scan, :mod:`vqpress.coding.scan`), the parameters, the lengths of all streams
but the last (varints); n_symbols is the container's. The streams code the map as its scan
walks it (version 1: as it is), its coded map (:func:`vqpress.coding.scan.orient`).

Each stream codes one strip of ``strip_rows`` rows of the coded map (the last one may be
shorter) with a fresh model, so strips are coded and decoded in parallel.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from vqpress import _varint as varint
from vqpress.coding import choice, permutation, scan as scans
from vqpress.coding.cm_layout import (
    _HEAD, _IDENTITY, _MAGIC, _RANKED, _SCAN_SHIFT, _VERSION, _VERSION2, MAX_SYMBOLS, MIN_STRIP_PIXELS, ORDER_PREFIX,
    _layout, _min_strip_rows, _table_bits, describe,
)
from vqpress.coding.levels import MIN_TABLE_BITS, NO_TABLES, PARAMETER_LEVELS
from vqpress.errors import FormatError, VQError

__all__ = ["encode", "decode", "describe", "symbol_order", "check_effort", "strip_rows_for", "MAX_SYMBOLS",
           "MIN_STRIP_PIXELS", "ORDER_PREFIX", "EFFORTS", "DEFAULT_EFFORT"]

#: Effort levels: 0 (fastest) .. 9 (smallest).
EFFORTS = range(10)
DEFAULT_EFFORT = 2

#: Strips hold about this many pixels (fewer strips cost less size; more run in parallel).
_STRIP_PIXELS = 1 << 18


def _kernel():
    # imported lazily: `import vqpress` stays free of compiled modules
    from vqpress.coding import _cm

    return _cm


def check_effort(effort) -> int:
    """Return ``effort`` as an int after checking it is an integer in 0..9."""
    if isinstance(effort, (bool, np.bool_)) or not isinstance(effort, (int, np.integer)) or effort not in EFFORTS:
        raise VQError(f"effort must be an integer in 0..9; got {effort!r}")
    return int(effort)


def strip_rows_for(height: int, width: int, strip_pixels: int = _STRIP_PIXELS) -> int:
    """Rows per strip so that strips hold about ``strip_pixels`` pixels (within the limits)."""
    return max(_min_strip_rows(height, width), min(height, -(-strip_pixels // width)))



def encode(codes: np.ndarray, n_symbols: int, *, ordered: bool | None = None, effort: int = DEFAULT_EFFORT,
           strip_rows: int | None = None, compact: bool = False, scan: int | None = None) -> bytes:
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
        model at level 5 (effort 1) or 5, 8 or 11 (effort 2; 11 up to 8 colours, 16 above, where
        gray levels take 13) instead, in the refined order (at efforts 3 and 4, at level 0).
    effort : int, default 2
        0 (fastest) .. 9 (smallest): 0-2 use the fast model (level 2: small direct tables,
        2-3 counters a question, x == W then the neighbours' values before a walk or tree;
        palettes at level 6: which of the distinct colours among W, N, NE, NW a pixel is,
        or none, as one symbol of adaptive tables, and a pixel that none predicts as one or
        two more; up to 16 colours level 18, those more symbols of four tables mixed and
        richer contexts for the first),
        with strips of 2^18, 2^19, 2^20 pixels; at 1
        and 2 gray levels (``ordered=True``) use the predicted ordered model instead: x ==
        MED(W, N, NW) first, then (up to 16 levels) the residual as one symbol of adaptive
        tables (level 5; at effort 2 level 8, the model's parameters chosen on a sample of
        the map's rows, or up to 8 levels level 11, the same around a weighted prediction
        of four sub-predictions instead of MED when it codes a band of the map smaller (or
        level 20 where that codes the band smaller still), above 8 levels level 20 (level 13,
        the sub-predictions averaged, with a bias cancellation), and level 9 up to 4 levels, with a counter, a table and two probability maps by the exact
        neighbourhood), or (level 4, 17-32 levels) a walk
        away from it; 3-4 the
        lean model (level 0: four hashed tables of 2^12, 2^13 buckets) for gray levels and
        colour ramps (or effort 2's level where that codes smaller), and for other palettes
        level 7 (x == W, then every other pixel as
        symbols of four adaptive tables mixed geometrically; level 18 up to 16 colours); 5-9 the full model
        (level 1: more counters, two mixes and an APM, 2^14 .. 2^18 buckets); at 8 and 9
        both models are tried (when the ordered one applies) and the smaller kept; 5-9 also
        code the map at effort 2 and return that payload where it is smaller, so they never
        code a map larger than the default. A palette's symbol order is refined by swaps at
        every effort.
    strip_rows : int, optional
        Rows of the coded map (the map as its scan walks it) per independently coded strip
        (default: strips of about 2^18 pixels at effort 0, 2^19 at 1, 2^20 from 2 on; never
        fewer than :data:`MIN_STRIP_PIXELS` pixels, unless the map is smaller). Strips are
        coded in parallel; each starts its model afresh, which costs some size.
    compact : bool, default False
        Write the payload's version 2 (format 2.2: the symbol order as its rank, the strip
        rows and stream lengths as varints, no symbol count, a scan) instead of version 1
        (format 2.0); with the identity scan, the streams are the same bytes.
    scan : int, optional
        How the map is walked (:mod:`vqpress.coding.scan`: 0 as it is, 7 its transpose
        backwards, ...), version 2 only. Default: at efforts 1-9 the encoder codes a block
        at the map's centre (1/32 of its pixels at efforts 1-2, up to 1/4 at 8-9) as it is
        and as scan 7 walks it, and keeps the scan that codes it smaller
        (:func:`vqpress.coding.choice.choose_scan`; a gray map of 9-16 levels also weighs scan 3
        at level 20, kept if the map is coded at level 20, :func:`~vqpress.coding.choice.choose_more_scan`);
        at effort 0, and in version 1, 0.

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
    >>> packed = cm.encode(codes, 8, ordered=True, compact=True, scan=7)
    >>> cm.describe(packed)["scan"], np.array_equal(cm.decode(packed, codes.shape, 8), codes)
    (7, True)
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
    ordered_level, palette_level, bits, both, strip_pixels = choice.EFFORT_SETTINGS[effort]
    if strip_rows is not None and (isinstance(strip_rows, (bool, np.bool_))
                                   or not isinstance(strip_rows, (int, np.integer)) or strip_rows < 1):
        raise VQError(f"strip_rows must be a positive integer; got {strip_rows!r}")
    if scan is not None and scans.check_scan(scan) and not compact:
        raise VQError(f"scan {scan} needs compact=True (version 1 payloads code the map as it is: scan 0)")
    order, ramp = choice.choose_order(codes, n, ordered, effort, ordered_level, palette_level)
    rank = None
    if not (order == np.arange(n)).all():
        rank = np.empty(n, dtype=np.uint8)
        rank[order] = np.arange(n)
    candidates = list(choice.candidates(n, ordered or ramp, both, effort, ordered_level, palette_level, h * w))
    plain = None  # (the scan of 0 and 7, if a level's more scan was chosen)
    scan_asked = scan
    if scan is None:
        scan = 0
        if compact:
            model, level = candidates[0]
            trial, params = choice.trial_level(n, model, level, ramp)
            before = choice.MORE_SCANS_LEVELS.get(trial, trial)
            scan = choice.choose_scan(codes, rank, effort,
                                      lambda block: _block_size(block, n, model, before, params, bits))
            if trial != before:  # (level 20: scan 3 too, weighed at level 20)
                more = choice.choose_more_scan(codes, rank, effort,
                                               lambda block: _block_size(block, n, model, trial, params, bits),
                                               scan, trial)
                scan, plain = more, (scan if more != scan else None)
    best = _encode_scanned(codes, rank, n, int(scan), candidates, bits, strip_rows, strip_pixels, ramp)
    if plain is not None and best.level not in choice.MORE_SCANS_LEVELS:
        # the map took another level than the one that chose this scan: the scan of the others
        scan = plain
        best = _encode_scanned(codes, rank, n, int(scan), candidates, bits, strip_rows, strip_pixels, ramp)
    data = best.frame(order, n, compact, int(scan))
    if effort in choice.DEFAULT_TOO:  # never larger than the default effort's payload
        default = encode(codes, n, ordered=ordered, effort=DEFAULT_EFFORT, strip_rows=strip_rows, compact=compact,
                         scan=scan_asked)
        if len(default) < len(data):
            return default
    return data


def _encode_scanned(codes: np.ndarray, rank: np.ndarray | None, n: int, scan: int, candidates: list, bits: int,
                    strip_rows: int | None, strip_pixels: int, ramp: bool) -> _Coded:
    """The smallest of the candidates' codings of the map in ``scan`` (by the size of the
    version-1 layout, so that both versions hold the same streams)."""
    if scan:
        sym = scans.orient(codes, scan, rank)
    elif rank is None and codes.dtype == np.uint8:
        sym = np.ascontiguousarray(codes)  # no copy of a map in coding order already
    else:
        sym = _relabel(codes, np.arange(n) if rank is None else rank)
    ch, cw = sym.shape
    if strip_rows is None:
        rows = strip_rows_for(ch, cw, strip_pixels)
    else:
        # strips below MIN_STRIP_PIXELS would spend more on their models than on their pixels
        rows = max(_min_strip_rows(ch, cw), min(int(strip_rows), ch))
    best = None
    for model, level in candidates:
        coded = _encode_at(sym, n, model, level, bits, rows, ramp)
        if best is None or coded.size(n) < best.size(n):
            best = coded
    return best


@dataclass(frozen=True)
class _Coded:
    """The streams of a map at one model and level, and the fields that frame them."""

    model: int
    table_bits: int
    level: int
    rows: int
    params: tuple | None
    streams: list

    def size(self, n: int) -> int:
        """Bytes of the version-1 payload."""
        return _HEAD.size + n + len(self.params or ()) + sum(4 + len(s) for s in self.streams)

    def frame(self, order: np.ndarray, n: int, compact: bool, scan: int = 0) -> bytes:
        """The payload: version 1, or version 2 (``compact``, with its ``scan``)."""
        if not compact:
            head = _HEAD.pack(_MAGIC, _VERSION, self.model, self.table_bits, self.level, n, self.rows)
            lengths = struct.pack(f"<{len(self.streams)}I", *(len(s) for s in self.streams))
            return b"".join([head, order.astype(np.uint8).tobytes(), bytes(self.params or ()), lengths,
                             *self.streams])
        r = permutation.rank(order)
        order_field = (bytes([_IDENTITY | scan << _SCAN_SHIFT]) if r == 0
                       else bytes([_RANKED | scan << _SCAN_SHIFT]) + r.to_bytes(permutation.rank_bytes(n), "little"))
        head = bytes([*_MAGIC, _VERSION2, self.model, self.table_bits, self.level]) + varint.encode(self.rows)
        lengths = b"".join(varint.encode(len(s)) for s in self.streams[:-1])
        return b"".join([head, order_field, bytes(self.params or ()), lengths, *self.streams])


def _encode_at(sym: np.ndarray, n: int, model: int, level: int, bits: int, rows: int,
               ramp: bool = False) -> _Coded:
    """The streams of ``sym`` with ``model`` at an effort's ``level``, which becomes the
    level the map's number of symbols allows (and ``ramp``, a colour ramp's), with its
    parameters (:func:`vqpress.coding.choice.level_for`)."""
    level, params = choice.level_for(sym, n, model, level, ramp=ramp)
    if (level in PARAMETER_LEVELS) != (params is not None):  # (the payload would not be readable)
        raise RuntimeError(f"level {level} chosen with parameters {params!r}: levels {PARAMETER_LEVELS} take "
                           "five, the others none")
    bits_ = _table_bits(bits, rows * sym.shape[1]) if level not in NO_TABLES else MIN_TABLE_BITS
    streams = _kernel().encode_strips(sym, n, model, level, bits_, rows, params)
    return _Coded(model, bits_, level, rows, params, streams)


def _block_size(sym: np.ndarray, n: int, model: int, level: int, params, bits: int) -> int:
    """Bytes of the streams of ``sym`` coded as one strip at ``level`` with ``params``."""
    bits_ = _table_bits(bits, sym.size) if level not in NO_TABLES else MIN_TABLE_BITS
    return sum(len(s) for s in _kernel().encode_strips(sym, n, model, level, bits_, sym.shape[0], params))


def symbol_order(data, shape: tuple[int, int], n_symbols: int) -> np.ndarray:
    """The payload's symbol order (coding symbol i stands for code ``order[i]``), its fields
    checked as :func:`decode` checks them, but not its streams: ``data`` may be the
    payload's first :data:`ORDER_PREFIX` bytes."""
    layout = _layout(memoryview(data).cast("B"), int(shape[0]), int(shape[1]), int(n_symbols), streams=False)
    return np.arange(int(n_symbols)) if layout.order is None else layout.order


def decode(data, shape: tuple[int, int], n_symbols: int) -> np.ndarray:
    """Decode a "cm" payload (version 1 or 2) into its (H, W) uint8 map of codes.

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
    lay = _layout(view, h, w, n)
    kernel = _kernel()
    placed = lay.level in kernel.PLACED_LEVELS
    if placed:  # each pixel written in its place and its code as it is decoded
        coded, base, dr, dc = scans.placement((h, w), lay.scan)
        out = np.empty((h, w), dtype=np.uint8)
        placement = (*coded, base, dr, dc, scans.byte_table(lay.order))
    else:
        out = np.empty(scans.coded_shape((h, w), lay.scan), dtype=np.uint8)
        placement = None
    bad = kernel.decode_strips(np.frombuffer(view, dtype=np.uint8), lay.offsets, lay.sizes, out, n, lay.model,
                               lay.level, lay.table_bits, lay.rows, lay.params, placement)
    if bad:
        raise FormatError(f"cm stream of strip {bad[0]} does not decode to its strip exactly "
                          "(it runs out, or bytes are left)")
    if placed:
        return out
    if lay.scan:
        return scans.restore(out, (h, w), lay.scan, lay.order)
    if lay.order is None:
        return out
    return _relabel(out, lay.order, out=out)


def _relabel(codes: np.ndarray, table: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``table[codes]`` as uint8 (every code < ``len(table)``), in blocks of rows: no
    temporary the size of the map (``out`` may be ``codes`` itself)."""
    table = table.astype(np.uint8)
    out = np.empty(codes.shape, dtype=np.uint8) if out is None else out
    if codes.dtype == np.uint8 and codes.flags.c_contiguous and out.flags.c_contiguous:
        from vqpress._lookup import apply_table

        # a byte table: 4-5x faster than np.take, whose indices are intp (decoding a map of
        # 256 colours spent 2% of its time here)
        apply_table(codes.reshape(-1), scans.byte_table(table), out.reshape(-1))
        return out
    # np.take writes straight into out (2-3x faster than table[...] and a copy); it makes
    # its indices intp first, so blocks of 2^16 pixels (and out may alias codes)
    step = max(1, (1 << 16) // max(codes.shape[1], 1))
    for r in range(0, codes.shape[0], step):
        np.take(table, codes[r:r + step], out=out[r:r + step], mode="wrap")
    return out

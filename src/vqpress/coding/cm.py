"""The "cm" payload coding of ``.vqz``: context mixing of adaptive binary models.

A code map (one level or palette index per pixel, at most 256 symbols) is coded by asking,
per pixel, binary questions whose answers are predicted by logistic mixing of adaptive
counters selected by the pixel's causal neighbourhood, and coded by a binary arithmetic
coder. The compiled kernels (``_cm.pyx`` runs the strips, one ``_cm_*.pyx`` per family of
levels holds the models); this module holds the payload's layout, its validation, its
strips, and the encoder's public edge. The models and levels are :mod:`vqpress.coding.levels`;
what the encoder picks for an effort and a map (model, level, parameters, symbol order) is
:mod:`vqpress.coding.choice`.
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

import math
import struct
from dataclasses import dataclass

import numpy as np

from vqpress import _varint as varint
from vqpress.coding import choice, level8, permutation, scan as scans
from vqpress.coding.levels import (
    EXACT_TABLES, FEW_COLOUR_LEVELS, LEVEL_NAMES, LEVELS, MAX_EXACT_LEVELS, MAX_ORDERED_SYMBOLS, MAX_TABLE_BITS,
    MAX_TABLE_LEVELS,
    MIN_TABLE_BITS, MODEL_NAMES, NO_TABLES, ORDERED, PALETTE, PALETTE_ONLY, PARAMETER_LEVELS, PREDICTED, TABLE_LEVELS,
)
from vqpress.errors import FormatError, VQError

__all__ = ["encode", "decode", "describe", "symbol_order", "check_effort", "MAX_SYMBOLS", "EFFORTS", "DEFAULT_EFFORT"]

#: Largest alphabet the coding handles (larger maps use the older codings).
MAX_SYMBOLS = 256
#: Effort levels: 0 (fastest) .. 9 (smallest).
EFFORTS = range(10)
DEFAULT_EFFORT = 2

_MAGIC = b"CM"
_VERSION = 1
#: Version 2 (format 2.2): the same streams, their fields smaller (docs/FORMAT.md).
_VERSION2 = 2
_HEAD = struct.Struct("<2sBBBBHI")
#: Bytes of a payload's start that hold its fields up to the parameters, in either version.
ORDER_PREFIX = 12 + MAX_SYMBOLS + 5
#: Version 2's order field, bit 0: the identity (no more bytes), or its rank (permutation.rank_bytes(n) bytes);
#: bits 1-3: the scan.
_IDENTITY, _RANKED = 0, 1
_SCAN_SHIFT = 1
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


def _table_bits(bits: int, strip_pixels: int) -> int:
    """Bucket-table size, no larger than a strip can fill (the tables are allocated and
    cleared per strip)."""
    need = max(MIN_TABLE_BITS, math.ceil(math.log2(max(strip_pixels, 2))) - 2)
    return int(min(bits, need, MAX_TABLE_BITS))


def _min_strip_rows(height: int, width: int) -> int:
    """Fewest rows a strip may have: MIN_STRIP_PIXELS pixels, or the whole map."""
    return min(height, -(-MIN_STRIP_PIXELS // width))


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
        of four sub-predictions instead of MED when it codes a band of the map smaller, above
        8 levels level 13, the same with the sub-predictions averaged, and level 9
        up to 4 levels, with a counter, a table and two probability maps by the exact
        neighbourhood), or (level 4, 17-32 levels) a walk
        away from it; 3-4 the
        lean model (level 0: four hashed tables of 2^12, 2^13 buckets) for gray levels and
        colour ramps (or effort 2's level where that codes smaller), and for other palettes
        level 7 (x == W, then every other pixel as
        symbols of four adaptive tables mixed geometrically; level 18 up to 16 colours); 5-9 the full model
        (level 1: more counters, two mixes and an APM, 2^14 .. 2^18 buckets); at 8 and 9
        both models are tried (when the ordered one applies) and the smaller kept. A
        palette's symbol order is refined by swaps at every effort.
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
        (:func:`vqpress.coding.choice.choose_scan`); at effort 0, and in version 1, 0.

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
    if scan is not None and (isinstance(scan, (bool, np.bool_)) or not isinstance(scan, (int, np.integer))
                             or int(scan) not in scans.SCANS or (int(scan) and not compact)):
        raise VQError(f"scan must be an integer in 0..7, and 0 without compact=True; got {scan!r}")
    order, ramp = choice.choose_order(codes, n, ordered, effort, ordered_level, palette_level)
    rank = None
    if not (order == np.arange(n)).all():
        rank = np.empty(n, dtype=np.uint8)
        rank[order] = np.arange(n)
    candidates = list(choice.candidates(n, ordered or ramp, both, effort, ordered_level, palette_level, h * w))
    if scan is None:
        scan = 0
        if compact:
            scan = choice.choose_scan(codes, rank, effort, lambda block: _trial_size(block, n, *candidates[0], bits, ramp))
    scan = int(scan)
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
        # chosen by the size of the version-1 layout either way, so that both versions
        # hold the same streams
        if best is None or coded.size(n) < best.size(n):
            best = coded
    return best.frame(order, n, compact, scan)


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
    bits_ = _table_bits(bits, rows * sym.shape[1]) if level not in NO_TABLES else MIN_TABLE_BITS
    streams = _kernel().encode_strips(sym, n, model, level, bits_, rows, params)
    return _Coded(model, bits_, level, rows, params, streams)


def _trial_size(sym: np.ndarray, n: int, model: int, level: int, bits: int, ramp: bool) -> int:
    """Bytes of the streams of ``sym`` coded as one strip at the level an effort's ``level``
    starts from (:func:`vqpress.coding.choice.trial_level`: no parameters chosen)."""
    level, params = choice.trial_level(n, model, level, ramp)
    bits_ = _table_bits(bits, sym.size) if level not in NO_TABLES else MIN_TABLE_BITS
    return sum(len(s) for s in _kernel().encode_strips(sym, n, model, level, bits_, sym.shape[0], params))


def describe(data) -> dict:
    """The payload's header fields (version, model, level and its name, table_bits,
    n_symbols (version 1 only; None in version 2, where the container gives it),
    strip_rows, scan), unchecked: ``data`` needs only the payload's first 16 bytes."""
    head = bytes(data[:_HEAD.size + 4])
    scan = 0
    if head[2:3] == bytes([_VERSION2]):
        model, bits, level = head[3:6]
        rows, at = varint.decode(head, 6, "cm strip_rows")
        n = None
        scan = head[at] >> _SCAN_SHIFT if at < len(head) else None
    else:
        magic, version, model, bits, level, n, rows = _HEAD.unpack_from(head)
    return {"version": head[2], "model": MODEL_NAMES.get(model, model), "level": level,
            "level_name": LEVEL_NAMES.get(level, "unknown"), "table_bits": bits, "n_symbols": n,
            "strip_rows": rows, "scan": scan}


@dataclass(frozen=True)
class _Layout:
    """The checked fields of a payload: where its streams are and how to decode them."""

    version: int
    model: int
    table_bits: int
    level: int
    rows: int
    #: coding symbol i stands for code order[i]; None: the identity
    order: np.ndarray | None
    params: tuple | None
    #: how the streams walk the map (vqpress.coding.scan); 0 in version 1
    scan: int
    #: offset and length of every stream
    offsets: np.ndarray
    sizes: np.ndarray


def _layout(view: memoryview, h: int, w: int, n: int, streams: bool = True) -> _Layout:
    """Parse and check a payload's fields (either version) for a map of h x w and n symbols;
    without ``streams``, only up to its parameters (``view`` may then be a prefix of the
    payload: :data:`ORDER_PREFIX` bytes hold them). The strips are checked against the
    coded map's shape (the map's transpose under scans 4-7)."""
    if len(view) < 6 or bytes(view[:2]) != _MAGIC or view[2] not in (_VERSION, _VERSION2):
        raise FormatError(f"not a cm payload of version {_VERSION} or {_VERSION2} (magic {bytes(view[:2])!r}, "
                          f"version {view[2] if len(view) > 2 else None}, {len(view)} bytes)")
    scan = 0
    if view[2] == _VERSION:
        if len(view) < _HEAD.size:
            raise FormatError(f"cm payload of {len(view)} bytes is shorter than its {_HEAD.size}-byte header")
        _, version, model, bits, level, n_head, rows = _HEAD.unpack_from(view)
        at = _HEAD.size
    else:
        version, model, bits, level = view[2:6]
        n_head = n
        rows, at = varint.decode(view, 6, "cm strip_rows")
        if at >= len(view) or view[at] >> (_SCAN_SHIFT + 3) or view[at] & 1 not in (_IDENTITY, _RANKED):
            raise FormatError(f"cm order field {view[at] if at < len(view) else 'missing'} (allowed: bit 0 "
                              f"{_IDENTITY} identity or {_RANKED} ranked, bits 1-3 the scan, the others 0)")
        scan = view[at] >> _SCAN_SHIFT
    h, w = scans.coded_shape((h, w), scan)
    _check_fields(model, bits, level, n_head, n, rows, h, w)
    n_strips = -(-h // rows)
    n_params = len(level8.PARAMETERS) if level in PARAMETER_LEVELS else 0
    if version == _VERSION:
        start = at + n + n_params + 4 * n_strips
        if len(view) < start:
            raise FormatError(f"cm payload of {len(view)} bytes ends inside its header ({start} bytes)")
        order = np.frombuffer(view, dtype=np.uint8, count=n, offset=at)
        if np.bincount(order, minlength=n).max() != 1 or int(order.max()) >= n:
            raise FormatError("cm symbol order is not a permutation of the codebook's codes")
        at += n
    else:
        order = None
        if view[at] & 1 == _RANKED:
            size = permutation.rank_bytes(n)
            if at + 1 + size > len(view):
                raise FormatError(f"cm payload of {len(view)} bytes ends inside its symbol order's rank")
            r = int.from_bytes(view[at + 1:at + 1 + size], "little")
            if r == 0:
                raise FormatError("cm symbol order: rank 0 (the identity) is written as order field 0")
            order = permutation.unrank(r, n)
            at += size
        at += 1
    params = None
    if n_params:
        if at + n_params > len(view):
            raise FormatError(f"cm payload of {len(view)} bytes ends inside its level {level} parameters")
        params = tuple(bytes(view[at:at + n_params]))
        wrong = level8.check(params)
        if wrong is not None:
            raise FormatError(f"cm level {level} parameter {wrong}")
        at += n_params
    if order is not None and (order == np.arange(n)).all():
        order = None
    if not streams:
        return _Layout(version, model, bits, level, rows, order, params, scan, None, None)
    if version == _VERSION:
        sizes = np.frombuffer(view, dtype="<u4", count=n_strips, offset=at).astype(np.intp)
        at += 4 * n_strips
    else:
        listed = []
        for _ in range(n_strips - 1):
            size, at = varint.decode(view, at, "cm stream length")
            listed.append(min(size, len(view)))  # (a length past the payload is refused below)
        listed.append(max(len(view) - at - sum(listed), 0))
        sizes = np.array(listed, dtype=np.intp)
    if int(sizes.sum()) != len(view) - at:
        raise FormatError(f"cm streams add up to {int(sizes.sum())} bytes; the payload holds {len(view) - at}")
    if int(sizes.min()) < 4:
        raise FormatError("a cm stream is shorter than the 4 bytes every stream ends with")
    offsets = (at + np.concatenate([[0], np.cumsum(sizes)[:-1]])).astype(np.intp)
    return _Layout(version, model, bits, level, rows, order, params, scan, offsets, sizes)


def _check_fields(model: int, bits: int, level: int, n_head: int, n: int, rows: int, h: int, w: int) -> None:
    """The fixed fields of a payload against their limits (docs/FORMAT.md)."""
    if model not in MODEL_NAMES or level not in LEVELS:
        raise FormatError(f"cm payload names model {model} (allowed 0, 1) or level {level} "
                          f"(allowed {', '.join(map(str, LEVELS))})")
    if level in NO_TABLES and bits != MIN_TABLE_BITS:
        raise FormatError(f"cm level {level} has no hashed tables: its table_bits must be {MIN_TABLE_BITS}; "
                          f"got {bits}")
    if level in PALETTE_ONLY and model != PALETTE:
        raise FormatError(f"cm level {level} codes the palette model only; the payload names model {model}")
    if level in (PREDICTED, *TABLE_LEVELS) and model != ORDERED:
        raise FormatError(f"cm level {level} codes the ordered model only (model 0); the payload names model {model}")
    if not MIN_TABLE_BITS <= bits <= MAX_TABLE_BITS:
        raise FormatError(f"cm table_bits {bits} is outside {MIN_TABLE_BITS}..{MAX_TABLE_BITS}")
    if n_head != n or not 2 <= n <= MAX_SYMBOLS:
        raise FormatError(f"cm payload codes {n_head} symbols; the codebook has {n} (allowed 2..{MAX_SYMBOLS})")
    if model == ORDERED and n > MAX_ORDERED_SYMBOLS:
        raise FormatError(f"the ordered model codes at most {MAX_ORDERED_SYMBOLS} symbols; the payload has {n}")
    if level in TABLE_LEVELS and n > MAX_TABLE_LEVELS:
        raise FormatError(f"cm level {level} codes at most {MAX_TABLE_LEVELS} levels; the payload has {n}")
    if level == EXACT_TABLES and n > MAX_EXACT_LEVELS:
        raise FormatError(f"cm level {level} codes at most {MAX_EXACT_LEVELS} levels; the payload has {n}")
    if level in FEW_COLOUR_LEVELS and n > MAX_TABLE_LEVELS:
        raise FormatError(f"cm level {level} codes at most {MAX_TABLE_LEVELS} colours; the payload has {n}")
    if h < 1 or w < 1 or not _min_strip_rows(h, w) <= rows <= h:
        raise FormatError(f"cm strip_rows {rows} does not fit a map of {h} x {w} "
                          f"(allowed {_min_strip_rows(h, w)}..{h})")
    if bits > _table_bits(MAX_TABLE_BITS, rows * w):
        raise FormatError(f"cm table_bits {bits} is larger than a strip of {rows * w} pixels can fill "
                          f"(at most {_table_bits(MAX_TABLE_BITS, rows * w)})")


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
    out = np.empty(scans.coded_shape((h, w), lay.scan), dtype=np.uint8)
    bad = _kernel().decode_strips(np.frombuffer(view, dtype=np.uint8), lay.offsets, lay.sizes, out, n, lay.model,
                                  lay.level, lay.table_bits, lay.rows, lay.params)
    if bad:
        raise FormatError(f"cm stream of strip {bad[0]} does not decode to its strip exactly "
                          "(it runs out, or bytes are left)")
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

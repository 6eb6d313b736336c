"""Context-modelled entropy coding of 2-D maps of small integer codes.

A code map (one level or palette index per pixel) is coded losslessly with an adaptive
context model and the range coder of `constriction <https://bamler-lab.github.io/constriction/>`_.

Models (``2 <= n_symbols <= 256``)
    The encoder runs both models below and keeps the smaller stream (model id 1 or 4).

    *Residual model* (id 1), for ordered levels such as gray: each pixel ``x`` is predicted
    by its left neighbour ``L``; the residual ``(x - L) mod n`` is coded under a context made
    of clipped neighbour differences (up, up-left and left-left minus ``L``; up-right and
    up-up minus up), of ``L`` itself for alphabets of at most 4 symbols, and of whether the
    pixel is on a tile's top row or left column.  The per-context residual counts start at a
    small prior and adapt as coding proceeds, so no table travels in the stream.

    *Pair model* (id 4, ``n_symbols >= 3``), for palettes in any order (k-means colours):
    index differences mean nothing there, so ``x`` is coded directly with probability
    proportional to ``A[L, x] * B[U, x] / F[x]``, where ``A`` and ``B`` are adaptive counts
    of each symbol after each left and each up neighbour value (the palette's neighbour
    transitions, learnt on the fly) and ``F`` the count of each symbol: a naive-Bayes
    product of the two transition estimates.  Counts start at small priors and are updated
    after every batch, like the residual model's.

Vectorised decoding
    The map is padded to whole tiles of about 64 x 128 pixels that do not see each other.
    In a tile, pixel ``(r, c)`` only depends on pixels of smaller *wave*
    ``t = 2 r + c``, so all pixels of one wave in all tiles are decoded by one
    ``constriction`` call and a dozen numpy operations on contiguous rows: a 768 x 1024 map
    takes 254 batches, not 786,432 steps.  Counts are updated after each batch, identically
    in encoder and decoder (both models share this schedule).

Large alphabets (``n_symbols > 256``)
    Per-pixel probability tables would cost ``O(n_symbols)`` each, so these maps are coded
    under a static order-0 model of either the codes or their left-neighbour residuals,
    whichever is smaller; its counts travel, deflated, in the stream.

Stream layout (little endian)
    ``model id (u8) | payload words n (u32) | [models 2, 3: table bytes m (u32) | m bytes of
    deflated u32 counts] | n payload words (u32)``; model ids: 0 empty map, 1 residual,
    2 order-0 codes, 3 order-0 left residuals, 4 pair.

Exact use
    The decoder accepts only the stream the encoder writes for the map it decodes: its
    length is checked against ``n``, and the words are re-encoded as they are decoded
    (:class:`vqpress.entropy._exact.ExactDecoder`), so a stream that runs out (constriction
    would silently pad it with zeros) or has words to spare is refused, the former as soon
    as it runs out.
    A stream damaged inside may still decode to another map of the right shape, which the
    container's checksum catches.

Where the code is
    This module: the stream, its checks, the choice of model and the static order-0 models;
    ``_adaptive.py``: the residual and pair models; ``_layout.py``: the tiles and waves;
    ``_exact.py``: the exact range decoder.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from vqpress.entropy._adaptive import decode_pair, decode_residual, encode_pair, encode_residual
from vqpress.entropy._exact import ExactDecoder, load_constriction
from vqpress.errors import FormatError, VQError

__all__ = ["encode_code_map", "decode_code_map"]

_EMPTY, _CONTEXT, _ORDER0, _LEFT, _PAIR = 0, 1, 2, 3, 4
_MAX_SYMBOLS = 65536
_MAX_CONTEXT_SYMBOLS = 256
_MAX_PIXELS = 1 << 30
_CHUNK = 1 << 20  # symbols decoded at a time by the order-0 models
_PAIR_MIN_SYMBOLS = 3  # below that the residual model is always at least as good
_HEAD = struct.Struct("<BI")
_TABLE_LEN = struct.Struct("<I")


# ----------------------------------------------------------------------------- validation


def _check_n_symbols(n_symbols) -> int:
    if isinstance(n_symbols, (bool, np.bool_)) or not isinstance(n_symbols, (int, np.integer)):
        raise VQError(f"n_symbols must be an integer in 1..{_MAX_SYMBOLS}, got {n_symbols!r}")
    if not 1 <= int(n_symbols) <= _MAX_SYMBOLS:
        raise VQError(f"n_symbols must be in 1..{_MAX_SYMBOLS}, got {n_symbols}")
    return int(n_symbols)


def _check_shape(shape) -> tuple[int, int]:
    try:
        h, w = shape
    except (TypeError, ValueError):
        raise VQError(f"shape must be a pair (height, width), got {shape!r}") from None
    for v in (h, w):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
            raise VQError(f"shape must hold two non-negative integers, got {shape!r}")
    if int(h) * int(w) > _MAX_PIXELS:
        raise VQError(f"shape {shape!r} has more than {_MAX_PIXELS} pixels")
    return int(h), int(w)


# ----------------------------------------------------------------------------- large alphabets: static order-0 models


def _left_residuals(codes: np.ndarray, n: int) -> np.ndarray:
    """``(x - left) mod n`` for every pixel; the first column uses the pixel above (or 0)."""
    c = codes.astype(np.int64)
    r = np.empty_like(c)
    r[:, 1:] = c[:, 1:] - c[:, :-1]
    r[1:, 0] = c[1:, 0] - c[:-1, 0]
    r[0, 0] = c[0, 0]
    return r % n


def _integrate(r: np.ndarray, n: int) -> None:
    """Inverse of :func:`_left_residuals`, in place on ``r`` (H, W) (uint16), by cumulative
    sums over blocks of rows (their int64 temporaries stay small)."""
    h, w = r.shape
    block = max(1, _CHUNK // max(w, 1))
    carry = 0  # the decoded first code of the row above the block
    for r0 in range(0, h, block):
        part = r[r0 : r0 + block].astype(np.int64)
        part[:, 0] = (np.cumsum(part[:, 0]) + carry) % n
        carry = int(part[-1, 0])
        r[r0 : r0 + block] = np.cumsum(part, axis=1) % n


def _encode_static(sym: np.ndarray, n: int, model_id: int) -> bytes:
    """Stream of ``sym`` (any shape) range-coded under its order-0 model, table deflated."""
    c = load_constriction()
    flat = sym.ravel().astype(np.int32)
    hist = np.bincount(flat, minlength=n).astype("<u4")
    model = c.stream.model.Categorical(hist.astype(np.float64), perfect=False)
    enc = c.stream.queue.RangeEncoder()
    enc.encode(flat, model)
    table, words = zlib.compress(hist.tobytes(), 9), enc.get_compressed()
    head = _HEAD.pack(model_id, words.size) + _TABLE_LEN.pack(len(table))
    return head + table + words.astype("<u4").tobytes()


def _decode_static(data: memoryview, h: int, w: int, n: int) -> np.ndarray:
    c = load_constriction()
    model_id, nwords = _HEAD.unpack_from(data)
    offset = _HEAD.size
    if len(data) < offset + _TABLE_LEN.size:
        raise FormatError("entropy stream truncated inside its symbol table")
    (tlen,) = _TABLE_LEN.unpack_from(data, offset)
    offset += _TABLE_LEN.size
    if tlen > len(data) - offset:
        raise FormatError(f"symbol table of {tlen} bytes exceeds the {len(data)}-byte stream")
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(data[offset : offset + tlen], 4 * n + 1)
    except zlib.error as exc:
        raise FormatError(f"damaged symbol table: {exc}") from None
    if len(raw) != 4 * n or not inflater.eof or inflater.unused_data:
        raise FormatError(f"symbol table does not hold exactly {n} counts")
    hist = np.frombuffer(raw, dtype="<u4")
    total = int(hist.sum(dtype=np.int64))
    if total != h * w:
        raise FormatError(f"symbol table counts {total} pixels, expected {h * w}")
    offset += tlen
    if len(data) - offset != 4 * nwords:
        raise FormatError(
            f"entropy payload has {len(data) - offset} bytes, header says {4 * nwords}")
    words = np.frombuffer(data, dtype="<u4", offset=offset).astype(np.uint32)
    model = c.stream.model.Categorical(hist.astype(np.float64), perfect=False)
    dec = ExactDecoder(words)
    out = np.empty(h * w, dtype=np.uint16)
    for start in range(0, h * w, _CHUNK):  # int32 symbols a chunk at a time, not the whole map
        out[start : start + _CHUNK] = dec.decode(model, min(_CHUNK, h * w - start))
    dec.finish()
    out = out.reshape(h, w)
    if model_id == _LEFT:
        _integrate(out, n)
    return out


# ----------------------------------------------------------------------------- public API


def encode_code_map(codes: np.ndarray, n_symbols: int, *, ordered: bool | None = None) -> bytes:
    """Entropy-code a 2-D map of integer codes.

    Parameters
    ----------
    codes : numpy.ndarray, shape (H, W), dtype uint8 or uint16
        Level or palette index of every pixel; every value must be ``< n_symbols``.
    n_symbols : int
        Size of the alphabet, ``1 <= n_symbols <= 65536``.
    ordered : bool, optional
        Up to 256 symbols, two models compete: the residual model suits codes whose order
        means something (gray levels sorted by value), the pair model any palette order.
        ``True`` uses the residual model only, ``False`` the pair model only (when it
        applies), ``None`` (default) codes with both and keeps the smaller: twice the time.

    Returns
    -------
    bytes
        The coded map.  Shape and ``n_symbols`` are not stored: pass them to
        :func:`decode_code_map`.

    Raises
    ------
    VQError
        If ``codes`` is not a 2-D uint8/uint16 array, holds a value ``>= n_symbols``, or
        ``n_symbols`` is out of range.
    """
    n = _check_n_symbols(n_symbols)
    if not isinstance(codes, np.ndarray):
        raise VQError(f"codes must be a numpy array, got {type(codes).__name__}")
    if codes.dtype not in (np.uint8, np.uint16):
        raise VQError(f"codes must have dtype uint8 or uint16, got {codes.dtype}")
    if codes.ndim != 2:
        raise VQError(f"codes must be 2-D (height, width), got shape {codes.shape}")
    h, w = _check_shape(codes.shape)
    if codes.size and int(codes.max()) >= n:
        raise VQError(f"codes hold the value {int(codes.max())}, allowed are 0..{n - 1}")
    if n == 1 or codes.size == 0:
        return _HEAD.pack(_EMPTY, 0)
    if n <= _MAX_CONTEXT_SYMBOLS:
        # the residual model suits ordered levels (gray), the pair model any palette order:
        # keep whichever codes this map smaller
        candidates = []
        if ordered is not False or n < _PAIR_MIN_SYMBOLS:
            candidates.append((encode_residual(codes, n), _CONTEXT))
        if ordered is not True and n >= _PAIR_MIN_SYMBOLS:
            candidates.append((encode_pair(codes, n), _PAIR))
        words, model = min(candidates, key=lambda wm: (wm[0].size, wm[1]))
        return _HEAD.pack(model, words.size) + words.astype("<u4").tobytes()
    # large alphabets: the better of order-0 on the codes and on left-neighbour residuals
    plain = _encode_static(codes, n, _ORDER0)
    left = _encode_static(_left_residuals(codes, n), n, _LEFT)
    return plain if len(plain) <= len(left) else left


def decode_code_map(data: bytes, shape: tuple[int, int], n_symbols: int) -> np.ndarray:
    """Decode a map written by :func:`encode_code_map`.

    Parameters
    ----------
    data : bytes
        The coded map (``bytes``, ``bytearray`` or ``memoryview``).
    shape : tuple of int
        ``(H, W)`` of the map, as it was encoded.
    n_symbols : int
        Alphabet size used when encoding, ``1 <= n_symbols <= 65536``.

    Returns
    -------
    numpy.ndarray, shape (H, W)
        The codes, dtype uint8 if ``n_symbols <= 256`` else uint16.

    Raises
    ------
    VQError
        If ``shape`` or ``n_symbols`` is invalid.
    FormatError
        If ``data`` is not exactly the stream :func:`encode_code_map` writes for the map
        it decodes to: truncated, extended, or altered so that the decoder would run out
        of words or leave some unread. (An alteration that yields another valid stream of
        the right shape decodes to another map: detecting that is the container's
        checksum's job.)
    """
    n = _check_n_symbols(n_symbols)
    h, w = _check_shape(shape)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise VQError(f"data must be bytes, got {type(data).__name__}")
    data = memoryview(data).cast("B")  # no copy of a payload inside a whole file
    dtype = np.uint8 if n <= 256 else np.uint16
    if len(data) < _HEAD.size:
        raise FormatError(f"entropy stream of {len(data)} bytes is shorter than its header")
    model, nwords = _HEAD.unpack_from(data)
    if model == _EMPTY:
        if n != 1 and h * w != 0:
            raise FormatError(f"stream codes an empty map but shape is {shape} with {n} symbols")
        if nwords != 0 or len(data) != _HEAD.size:
            raise FormatError("empty-map stream has a payload")
        return np.zeros((h, w), dtype=dtype)
    if n == 1 or h * w == 0:
        raise FormatError(f"model {model} cannot code a map of shape {shape} with {n} symbols")
    if model not in (_CONTEXT, _ORDER0, _LEFT, _PAIR):
        raise FormatError(f"unknown entropy model id {model}, expected 1, 2, 3 or 4")
    small = n <= _MAX_CONTEXT_SYMBOLS
    if (model in (_CONTEXT, _PAIR) and not small or model in (_ORDER0, _LEFT) and small
            or model == _PAIR and n < _PAIR_MIN_SYMBOLS):
        raise FormatError(f"entropy model {model} does not fit an alphabet of {n} symbols")
    try:
        if model in (_ORDER0, _LEFT):
            out = _decode_static(data, h, w, n)
        elif len(data) - _HEAD.size != 4 * nwords:
            raise FormatError(
                f"entropy payload has {len(data) - _HEAD.size} bytes, header says {4 * nwords}")
        else:
            words = np.frombuffer(data, dtype="<u4", offset=_HEAD.size).astype(np.uint32)
            decode = decode_residual if model == _CONTEXT else decode_pair
            out = decode(words, h, w, n)
    except (FormatError, MemoryError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # constriction: assorted errors, or a Rust panic
        raise FormatError(f"damaged entropy payload: {exc!r}") from None
    return out.astype(dtype, copy=False)

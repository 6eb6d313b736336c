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
    The map is padded to whole tiles of about ``_TILE_H x _TILE_W`` pixels that do not see
    each other.  In a tile, pixel ``(r, c)`` only depends on pixels of smaller *wave*
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
    (:class:`_ExactDecoder`), so a stream that runs out (constriction would silently pad
    it with zeros) or has words to spare is refused, the former as soon as it runs out.
    A stream damaged inside may still decode to another map of the right shape, which the
    container's checksum catches.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from vqpress.errors import FormatError, VQError

__all__ = ["encode_code_map", "decode_code_map"]

_EMPTY, _CONTEXT, _ORDER0, _LEFT, _PAIR = 0, 1, 2, 3, 4
_MAX_SYMBOLS = 65536
_MAX_CONTEXT_SYMBOLS = 256
_MAX_PIXELS = 1 << 30
_MAX_BATCH = 1 << 22  # floats in one batch's probability table (32 MiB)
_CHUNK = 1 << 20  # symbols decoded at a time by the order-0 models
_TILE_H, _TILE_W = 64, 128
# initial count of every (context, residual): small, so that sharp contexts are learnt fast,
# with a head start for the residuals 0 and +-1 that dominate smooth maps
_PRIOR, _PRIOR_ZERO, _PRIOR_ONE = 0.05, 0.5, 0.2
# clip radius of each neighbour difference: U-L, UL-L, LL-L, UR-U, UU-U
_CLIPS = (3, 2, 1, 2, 1)
# neighbour-pair model: prior of every transition count and of every symbol count
_PAIR_PRIOR, _PAIR_PRIOR_F = 0.02, 1.0
_PAIR_MIN_SYMBOLS = 3  # below that the residual model is always at least as good
_HEAD = struct.Struct("<BI")
_TABLE_LEN = struct.Struct("<I")


def _constriction():
    # imported lazily: `import vqpress` must not pay for the Rust extension
    import constriction

    return constriction


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


# ----------------------------------------------------------------------------- layout


def _tile_size(length: int, target: int) -> int:
    """Tile side near ``target`` that splits ``length`` into equal tiles, padding < 1 tile."""
    return -(-length // -(-length // target))


class _Layout:
    """Tiles, coding order and causal neighbours, shared by encoder and decoder.

    The map is padded (edge replicated) to whole ``th x tw`` tiles and held pixel-major: row
    ``q`` of a (th * tw + 1, T) uint8 buffer (the context models code at most 256 symbols)
    is in-tile pixel ``q`` (raster order) of all T tiles,
    and the last row is always 0 (the neighbour of each tile's first pixel), so a wave reads
    and writes whole contiguous rows.  ``order`` is the in-tile coding
    order, sorted by wave; wave ``i`` codes in-tile pixels ``order[bounds[i]:bounds[i + 1]]``
    of every tile, and ``rel`` (6, th * tw) gives, in coding order, the in-tile positions
    of the neighbours L, U, UL, LL, UR, UU.
    """

    def __init__(self, h: int, w: int) -> None:
        self.tile = th, tw = _tile_size(h, _TILE_H), _tile_size(w, _TILE_W)
        self.grid = -(-h // th), -(-w // tw)
        tr, tc = np.divmod(np.arange(th * tw), tw)
        wave = 2 * tr + tc
        self.order = np.argsort(wave * th + tr, kind="stable")
        tr, tc = tr[self.order], tc[self.order]

        # neighbours outside the tile fall back to ones inside it
        top, left = tr == 0, tc == 0
        off_l = np.where(left, -tw, -1)
        off_u = np.where(top, -1, -tw)
        off_ul = np.where(top, -1, np.where(left, -tw, -tw - 1))
        off_ur = np.where(top, -1, np.where(tc == tw - 1, -tw, -tw + 1))
        off_ll = np.where(tc < 2, off_l, -2)
        off_uu = np.where(tr < 2, off_u, -2 * tw)
        self.rel = np.stack([off_l, off_u, off_ul, off_ll, off_ur, off_uu]) + self.order
        self.rel[:, 0] = th * tw  # order[0] is the tile's first pixel
        # tile edges, where fallbacks fake a flat neighbourhood, get contexts of their own
        self.edge = np.where(top, 1, np.where(left, 2, 0))[:, None]
        self.bounds = np.concatenate([[0], np.cumsum(np.bincount(wave))])

    def pad(self, codes: np.ndarray) -> np.ndarray:
        """Pixel-major uint8 buffer (th * tw + 1, T) of ``codes`` (H, W), edge-padded."""
        h, w = codes.shape
        (th, tw), (ntr, ntc) = self.tile, self.grid
        img = np.pad(codes.astype(np.uint8), ((0, ntr * th - h), (0, ntc * tw - w)), mode="edge")
        buf = self.empty()
        tiles = img.reshape(ntr, th, ntc, tw).transpose(1, 3, 0, 2)
        buf[:-1].reshape(th, tw, ntr, ntc)[...] = tiles
        return buf

    def empty(self) -> np.ndarray:
        """A zeroed buffer, laid out as by :meth:`pad`."""
        (th, tw), (ntr, ntc) = self.tile, self.grid
        return np.zeros((th * tw + 1, ntr * ntc), dtype=np.uint8)

    def crop(self, buf: np.ndarray, h: int, w: int) -> np.ndarray:
        """The (H, W) map held in a buffer laid out as by :meth:`pad`.

        Copied one row of tiles at a time, so that the only full-size allocation is the
        result's (the decoder's peak memory is the buffer and the map, 2 bytes a pixel).
        """
        (th, tw), (ntr, ntc) = self.tile, self.grid
        tiles = buf[:-1].reshape(th, tw, ntr, ntc)
        out = np.empty((h, w), dtype=np.uint8)
        for i in range(ntr):
            rows = out[i * th : min(h, (i + 1) * th)]
            band = tiles[: len(rows), :, i, :].transpose(0, 2, 1).reshape(len(rows), ntc * tw)
            rows[...] = band[:, :w]
        return out


class _Context:
    """Context numbering for an alphabet of ``n`` symbols (``2 <= n <= 256``)."""

    def __init__(self, n: int) -> None:
        self.n = n
        sizes = [2 * c + 1 for c in _CLIPS]
        weights = np.cumprod([1] + sizes[::-1])[::-1]
        self.n_contexts = int(weights[0]) * (n if n <= 4 else 1) * 3
        self.edge_weight = self.n_contexts // 3
        # luts[j][d] = weight_j * (clip(d) + radius_j) for d in -(n-1)..n-1, negative d read
        # from the end as numpy indexing does, so differences index the tables directly
        d = np.arange(2 * n - 1)
        d = np.where(d < n, d, d - (2 * n - 1))
        self.luts = [(w * (np.clip(d, -c, c) + c)).astype(np.int32)
                     for w, c in zip(weights[1:], _CLIPS)]

    def __call__(self, g: np.ndarray, edge: np.ndarray) -> np.ndarray:
        """Context ids (int32, shape (p, T)) from uint8 neighbour values ``g`` (6, p, T) in
        the order L, U, UL, LL, UR, UU, plus tile-edge offsets ``edge`` (p, 1)."""
        d = np.empty((5,) + g.shape[1:], dtype=np.int16)
        np.subtract(g[1:4], g[0], out=d[:3], dtype=np.int16)
        np.subtract(g[4:6], g[1], out=d[3:], dtype=np.int16)
        ctx = np.take(self.luts[0], d[0])
        for lut, dj in zip(self.luts[1:], d[1:]):
            ctx += np.take(lut, dj)
        if self.n <= 4:
            ctx *= self.n
            ctx += g[0]
        ctx += edge
        return ctx


# ----------------------------------------------------------------------------- models


def _code_context(lay: _Layout, buf: np.ndarray, n: int, step) -> None:
    """Run the adaptive context model over a buffer laid out by ``lay``.

    For each wave and each slab of tiles, ``step(rows, cols, L, ctx, probs)`` gets the buffer
    rows and columns of the batch, its left neighbours and contexts (p, t) and the
    probability table (p * t, n); it codes the batch and returns its residuals (p, t).
    """
    model = _Context(n)
    edge = lay.edge * model.edge_weight
    prior = np.full(n, _PRIOR)
    prior[0] += _PRIOR_ZERO
    prior[1] += _PRIOR_ONE
    prior[-1] += _PRIOR_ONE
    # float64: np.add.at has a fast path for it, and constriction takes it as is
    counts = np.tile(prior, model.n_contexts)
    table = counts.reshape(-1, n)
    b = lay.bounds
    n_tiles = buf.shape[1]
    for i in range(len(b) - 1):
        s, e = int(b[i]), int(b[i + 1])
        if s == e:  # one-column tiles have no odd waves
            continue
        # bound the batch's probability table to _MAX_BATCH floats, whatever the map size
        slab = max(1, _MAX_BATCH // ((e - s) * n))
        for t0 in range(0, n_tiles, slab):
            cols = slice(t0, min(t0 + slab, n_tiles))
            g = np.take(buf[:, cols], lay.rel[:, s:e], axis=0)
            ctx = model(g, edge[s:e])
            r = step(lay.order[s:e], cols, g[0], ctx, np.take(table, ctx.ravel(), axis=0))
            ctx *= n
            ctx += r
            np.add.at(counts, ctx.ravel(), 1.0)


def _encode_context(codes: np.ndarray, n: int) -> np.ndarray:
    lay = _Layout(*codes.shape)
    buf = lay.pad(codes)
    mod = np.concatenate([np.arange(n), np.arange(n)]).astype(np.int32)
    c = _constriction()
    family = c.stream.model.Categorical(perfect=False)
    enc = c.stream.queue.RangeEncoder()

    def step(rows, cols, left, ctx, probs):
        r = np.take(mod, buf[rows, cols].astype(np.int16) - left + n)
        enc.encode(r.ravel(), family, probs)
        return r

    _code_context(lay, buf, n, step)
    return enc.get_compressed()


class _ExactDecoder:
    """A range decoder that proves its stream is used exactly, no more and no less.

    constriction's decoder reads zero words past the end of its data rather than fail,
    and does not tell how many words it read. So every batch is re-encoded, with the same
    probabilities, as it is decoded: a stream is exact if and only if the re-encoding is
    the stream itself, word for word. A stream that runs out is refused as soon as the
    re-encoding outgrows it (a tiny stream claiming a huge map costs little); one with
    words to spare, or any other stream vqpress would not have written, at :meth:`finish`.
    """

    def __init__(self, words: np.ndarray) -> None:
        c = _constriction()
        self.words = words
        self.dec = c.stream.queue.RangeDecoder(words)
        self.enc = c.stream.queue.RangeEncoder()

    def decode(self, model, probs_or_count) -> np.ndarray:
        """``count`` symbols under a fixed model, or one per row of ``probs`` under a family."""
        x = self.dec.decode(model, probs_or_count)
        if isinstance(probs_or_count, np.ndarray):
            self.enc.encode(x, model, probs_or_count)
        else:
            self.enc.encode(x, model)
        # the final stream is at least the words written so far plus one sealing word
        if self.enc.num_words() > self.words.size + 1:
            raise FormatError(f"entropy payload of {self.words.size} words runs out before the map is decoded")
        return x

    def finish(self) -> None:
        if not np.array_equal(self.enc.get_compressed(), self.words):
            raise FormatError(
                f"entropy payload of {self.words.size} words is not used exactly by the map it codes "
                "(truncated, extended or altered)")


def _decode_context(words: np.ndarray, h: int, w: int, n: int) -> np.ndarray:
    lay = _Layout(h, w)
    buf = lay.empty()
    mod = np.concatenate([np.arange(n), np.arange(n)]).astype(np.int16)
    family = _constriction().stream.model.Categorical(perfect=False)
    dec = _ExactDecoder(words)

    def step(rows, cols, left, ctx, probs):
        r = dec.decode(family, probs).reshape(ctx.shape)
        buf[rows, cols] = np.take(mod, r + left)
        return r

    _code_context(lay, buf, n, step)
    dec.finish()
    return lay.crop(buf, h, w)


def _code_pair(lay: _Layout, buf: np.ndarray, n: int, step) -> None:
    """Run the neighbour-pair model over a buffer laid out by ``lay``.

    The probability of symbol ``x`` is proportional to ``A[L, x] * B[U, x] / F[x]``: adaptive
    counts of ``x`` after left neighbour ``L`` and below up neighbour ``U``, divided by the
    count of ``x`` (a naive-Bayes product of the two transition estimates).  For each wave
    and slab of tiles, ``step(rows, cols, probs)`` codes the batch from the probability
    table (p * t, n) and returns its symbols (p, t).
    """
    a = np.full(n * n, _PAIR_PRIOR)
    b = np.full(n * n, _PAIR_PRIOR)
    f = np.full(n, _PAIR_PRIOR_F)
    ta, tb = a.reshape(n, n), b.reshape(n, n)
    bounds = lay.bounds
    n_tiles = buf.shape[1]
    rel = lay.rel[:2]
    for i in range(len(bounds) - 1):
        s, e = int(bounds[i]), int(bounds[i + 1])
        if s == e:
            continue
        slab = max(1, _MAX_BATCH // ((e - s) * n))
        tbf = tb / f  # B[U, x] / F[x], once per wave rather than once per pixel
        for t0 in range(0, n_tiles, slab):
            cols = slice(t0, min(t0 + slab, n_tiles))
            g = np.take(buf[:, cols], rel[:, s:e], axis=0).astype(np.intp)
            left, up = g[0].ravel(), g[1].ravel()
            probs = np.take(ta, left, axis=0)
            probs *= np.take(tbf, up, axis=0)
            x = step(lay.order[s:e], cols, probs).ravel().astype(np.intp)
            left *= n
            left += x
            np.add.at(a, left, 1.0)
            up *= n
            up += x
            np.add.at(b, up, 1.0)
            f += np.bincount(x, minlength=n)


def _encode_pair(codes: np.ndarray, n: int) -> np.ndarray:
    lay = _Layout(*codes.shape)
    buf = lay.pad(codes)
    c = _constriction()
    family = c.stream.model.Categorical(perfect=False)
    enc = c.stream.queue.RangeEncoder()

    def step(rows, cols, probs):
        x = buf[rows, cols]
        enc.encode(x.ravel().astype(np.int32), family, probs)
        return x

    _code_pair(lay, buf, n, step)
    return enc.get_compressed()


def _decode_pair(words: np.ndarray, h: int, w: int, n: int) -> np.ndarray:
    lay = _Layout(h, w)
    buf = lay.empty()
    family = _constriction().stream.model.Categorical(perfect=False)
    dec = _ExactDecoder(words)

    def step(rows, cols, probs):
        x = dec.decode(family, probs).reshape(len(rows), -1)
        buf[rows, cols] = x
        return x

    _code_pair(lay, buf, n, step)
    dec.finish()
    return lay.crop(buf, h, w)


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
    c = _constriction()
    flat = sym.ravel().astype(np.int32)
    hist = np.bincount(flat, minlength=n).astype("<u4")
    model = c.stream.model.Categorical(hist.astype(np.float64), perfect=False)
    enc = c.stream.queue.RangeEncoder()
    enc.encode(flat, model)
    table, words = zlib.compress(hist.tobytes(), 9), enc.get_compressed()
    head = _HEAD.pack(model_id, words.size) + _TABLE_LEN.pack(len(table))
    return head + table + words.astype("<u4").tobytes()


def _decode_static(data: memoryview, h: int, w: int, n: int) -> np.ndarray:
    c = _constriction()
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
    dec = _ExactDecoder(words)
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
            candidates.append((_encode_context(codes, n), _CONTEXT))
        if ordered is not True and n >= _PAIR_MIN_SYMBOLS:
            candidates.append((_encode_pair(codes, n), _PAIR))
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
            decode = _decode_context if model == _CONTEXT else _decode_pair
            out = decode(words, h, w, n)
    except (FormatError, MemoryError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # constriction: assorted errors, or a Rust panic
        raise FormatError(f"damaged entropy payload: {exc!r}") from None
    return out.astype(dtype, copy=False)

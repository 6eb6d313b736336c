"""The adaptive models of format 1.0's "context" coding (:mod:`vqpress.entropy`, up to 256
symbols): the residual model (id 1) and the neighbour-pair model (id 4).

Both run over the tiled layout of :mod:`._layout`, one wave of all tiles at a time (in
slabs of tiles that bound the batch's probability table), and update their counts after
each batch, identically in encoder and decoder; the module docstring of
:mod:`vqpress.entropy` defines them. Each model's ``encode_*`` returns the range coder's
words, its ``decode_*`` takes them and refuses a stream not used exactly
(:class:`._exact.ExactDecoder`).
"""

from __future__ import annotations

import numpy as np

from vqpress.entropy._exact import ExactDecoder, load_constriction
from vqpress.entropy._layout import Layout

__all__ = ["encode_residual", "decode_residual", "encode_pair", "decode_pair"]

_MAX_BATCH = 1 << 22  # floats in one batch's probability table (32 MiB)
# initial count of every (context, residual): small, so that sharp contexts are learnt fast,
# with a head start for the residuals 0 and +-1 that dominate smooth maps
_PRIOR, _PRIOR_ZERO, _PRIOR_ONE = 0.05, 0.5, 0.2
# clip radius of each neighbour difference: U-L, UL-L, LL-L, UR-U, UU-U
_CLIPS = (3, 2, 1, 2, 1)
# neighbour-pair model: prior of every transition count and of every symbol count
_PAIR_PRIOR, _PAIR_PRIOR_F = 0.02, 1.0


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


def _code_context(lay: Layout, buf: np.ndarray, n: int, step) -> None:
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


def _encode(codes: np.ndarray, n: int, run, make_step) -> np.ndarray:
    """Range-code ``codes`` with model ``run`` (:func:`_code_context` or :func:`_code_pair`):
    ``make_step(buf, code)`` gives the model's step, ``code(symbols, probs)`` codes a batch."""
    lay = Layout(*codes.shape)
    buf = lay.pad(codes)
    c = load_constriction()
    family = c.stream.model.Categorical(perfect=False)
    enc = c.stream.queue.RangeEncoder()
    run(lay, buf, n, make_step(buf, lambda symbols, probs: enc.encode(symbols, family, probs)))
    return enc.get_compressed()


def _decode(words: np.ndarray, h: int, w: int, n: int, run, make_step) -> np.ndarray:
    """The map of ``words`` coded by :func:`_encode` with the same model: ``make_step(buf,
    code)`` gives the model's step, ``code(probs)`` decodes a batch; the stream must be used
    exactly."""
    lay = Layout(h, w)
    buf = lay.empty()
    family = load_constriction().stream.model.Categorical(perfect=False)
    dec = ExactDecoder(words)
    run(lay, buf, n, make_step(buf, lambda probs: dec.decode(family, probs)))
    dec.finish()
    return lay.crop(buf, h, w)


def encode_residual(codes: np.ndarray, n: int) -> np.ndarray:
    mod = np.concatenate([np.arange(n), np.arange(n)]).astype(np.int32)

    def make_step(buf, code):
        def step(rows, cols, left, ctx, probs):
            r = np.take(mod, buf[rows, cols].astype(np.int16) - left + n)
            code(r.ravel(), probs)
            return r
        return step

    return _encode(codes, n, _code_context, make_step)


def decode_residual(words: np.ndarray, h: int, w: int, n: int) -> np.ndarray:
    mod = np.concatenate([np.arange(n), np.arange(n)]).astype(np.int16)

    def make_step(buf, code):
        def step(rows, cols, left, ctx, probs):
            r = code(probs).reshape(ctx.shape)
            buf[rows, cols] = np.take(mod, r + left)
            return r
        return step

    return _decode(words, h, w, n, _code_context, make_step)


def _code_pair(lay: Layout, buf: np.ndarray, n: int, step) -> None:
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


def encode_pair(codes: np.ndarray, n: int) -> np.ndarray:
    def make_step(buf, code):
        def step(rows, cols, probs):
            x = buf[rows, cols]
            code(x.ravel().astype(np.int32), probs)
            return x
        return step

    return _encode(codes, n, _code_pair, make_step)


def decode_pair(words: np.ndarray, h: int, w: int, n: int) -> np.ndarray:
    def make_step(buf, code):
        def step(rows, cols, probs):
            x = code(probs).reshape(len(rows), -1)
            buf[rows, cols] = x
            return x
        return step

    return _decode(words, h, w, n, _code_pair, make_step)

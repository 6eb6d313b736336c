"""Levels 5, 8, 9, 11, 13, 16 and 20 of the cm payload (docs/FORMAT.md, "Level 5: the predicted ordered
model with symbol tables", "Level 8: level 5 with parameters", "Level 9: level 5 with the exact
neighbourhood", "Level 11: level 8 around a weighted prediction", "Level 13: level 11 with the
prediction averaged", "Level 16: level 13 with a table of the neighbours' symbols" and "Level 20:
level 13 with a bias cancellation"), decoded in plain Python from the
specification alone, with the primitives
of ``cm_reference`` (counters, the neighbourhood), ``cm_reference_level3`` (the range
decoder, the learning and averaging of symbol tables) and ``cm_reference_level4`` (the
prediction and its contexts)."""

from __future__ import annotations

from cm_reference import SQUASH, STRETCH, Counter, Table, clip, neighbour_of, strip_symbols
from cm_reference_level3 import RangeDecoder, averaged, learn_lanes
from cm_reference_level4 import predicted_neighbours

K = (1 << 15) - 16
WEIGHTS = [1, 1, 1, 1, 1, 1, 4, 16, 0, 16, 4, 1, 1, 1, 1, 1]
#: Level 8's parameters (counter3, first_table, limit, rate_max, rate_double) that make it level 5
LEVEL5 = (0, 0, 20, 6, 0)


def RATE(v):
    return 1 if v < 2 else 2 if v < 5 else 3 if v < 12 else 4 if v < 32 else 5 if v < 64 else 6 if v < 128 else 7


def error_class(e):
    return e if e <= 2 else 3 if e <= 4 else 4 if e <= 6 else 5 if e <= 9 else 6 if e <= 14 else 7


class LaneTable:
    def __init__(self, rate_max, rate_double):
        self.u = 0
        self.t = [K * sum(WEIGHTS[:i]) // 51 for i in range(16)]
        self.rate_max, self.double = rate_max, rate_double
        self.top = next(u for u in range(1000) if min(rate_max, RATE(u << rate_double)) == rate_max)

    def learn(self, s):
        rate = min(self.rate_max, RATE(self.u << self.double))
        self.u = min(self.u + 1, self.top)
        learn_lanes(self.t, s, K, rate)


def lane_of(dec, tables, lo, hi, top=K):
    """A lane within lo..hi of one table or of the average of three (c(16) = ``top`` + 16:
    2^15 but at level 16); every table learns it."""
    t = averaged(tables)
    c = [t[i] + i for i in range(16)] + [top + 16]
    total = c[hi + 1] - c[lo]
    cum = [min(max(c[i] - c[lo], 0), total) for i in range(hi + 1)] + [total]
    s = dec.symbol(cum, hi + 1)
    for tb in tables:
        tb.learn(s)
    return s


def average2(a, b):
    return [(a[i] + b[i]) >> 1 for i in range(16)]


class Pair:
    """Level 9's tables RDIR, RSHAPE, RERR, REXACT averaged by pairs (FORMAT.md "Level 9")."""

    def __init__(self, tables):
        self.tables = tables
        rdir, rshape, rerr, rx = (tb.t for tb in tables)
        if tables[3].u >= 12:
            self.t = average2(rx, average2(rerr, average2(rdir, rshape)))
        else:
            self.t = average2(average2(rdir, rshape), average2(rerr, rx))

    def learn(self, s):
        for tb in self.tables:
            tb.learn(s)


class ExactAPM:
    """Level 9's interpolated probability maps (33 u16 entries a context)."""

    def __init__(self):
        start = [16 * SQUASH[max(-2047, min(2047, (j - 16) * 128))] for j in range(33)]
        self.a = Table(lambda: list(start))

    def node(self, ctx, j, wt):
        a = self.a[ctx]
        return (a[j] * (128 - wt) + a[j + 1] * wt) >> 11

    def learn(self, ctx, k, y):
        a = self.a[ctx]
        a[k] += ((65535 if y else 0) - a[k]) >> 7


def decode_strip_level9(stream, h, w, n):
    """The (h, w) symbols (a list of rows) of one level-9 strip (n <= 4)."""
    assert n <= 4
    return decode_strip_level5(stream, h, w, n, exact=True)


def decode_strip_level11(stream, h, w, n, params):
    """The (h, w) symbols (a list of rows) of one level-11 strip with its header's ``params``."""
    return decode_strip_level5(stream, h, w, n, params, weighted=True)


def decode_strip_level13(stream, h, w, n, params):
    """The (h, w) symbols (a list of rows) of one level-13 strip with its header's ``params``."""
    return decode_strip_level5(stream, h, w, n, params, weighted=True, averaged=True)


def decode_strip_level20(stream, h, w, n, params):
    """The (h, w) symbols (a list of rows) of one level-20 strip with its header's ``params``."""
    return decode_strip_level5(stream, h, w, n, params, weighted=True, averaged=True, biased=True)


def bias_context(val, T, r, c):
    """Level 20's context of the pixel at (r, c) (FORMAT.md "Level 20"): 14 bits of the rows above."""
    N, NW, NWW, NE, NEE = (val(r - 1, c + d) for d in (0, -1, -2, 1, 2))
    NN, NNW, NNE = (val(r - 2, c + d) for d in (0, -1, 1))
    tN, tNW, tNE = (T.get(k, 0) for k in ((r - 1, c), (r - 1, c - 1), (r - 1, c + 1)))
    t = (8 * N - (((tNW + tN + tNE) * 7) >> 5) + 7) >> 3
    bits = [N < t, NW < t, 2 * N - NN < t, 2 * NE - NEE < t, N + NW - NNW < t, 2 * NW - NNW < t, NNE < t, NEE < t,
            NNW < t, NWW < t, tN < 0, tNW < 0, tN > 0, tNW > 0]
    return sum(1 << j for j, b in enumerate(bits) if b)


def decode_strip_level16(stream, h, w, n, params):
    """The (h, w) symbols (a list of rows) of one level-16 strip with its header's ``params``."""
    return decode_strip_level5(stream, h, w, n, params, weighted=True, averaged=True, neighbour=True)


class Seen:
    """Level 16's (W, N) table R seen from P (FORMAT.md "Level 16"): lanes ``t`` and top ``z``;
    not a table, it learns nothing."""

    def __init__(self, R, P):
        def T(v):
            return 0 if v < 0 else (K if v > 15 else R.t[v])

        m = T(P + 1) - T(P)
        self.t = [T(P + j - 8) - (m if j > 8 else 0) for j in range(16)]
        self.z = K - m

    def learn(self, s):
        pass


def flat_table(rate_max, rate_double):
    """A level-16 (W, N) table at its start: flat over the symbols 0..15."""
    tb = LaneTable(rate_max, rate_double)
    tb.t = [K * v // 16 for v in range(16)]
    return tb


def weighted_prediction(val, T, S, r, c, averaged=False, correction=None):
    """Level 11's weighted prediction pf (eighths of a level) of the pixel at (r, c) and its
    four sub-predictions, from the prediction errors ``T`` and sub-prediction errors ``S``
    of the strip's pixels so far (0 elsewhere); level 13's (``averaged``) plain average;
    with a ``correction`` (level 20), (the corrected pf, level 13's pf) for pf."""
    W, N, NE = val(r, c - 1), val(r - 1, c), val(r - 1, c + 1)
    tW, tN, tNW, tNE = (T.get(k, 0) for k in ((r, c - 1), (r - 1, c), (r - 1, c - 1), (r - 1, c + 1)))
    p = [8 * (W + NE - N), 8 * N - (((tW + tN + tNE) * 16) >> 5), 8 * W - (((tW + tN + tNW) * 10) >> 5),
         8 * N - (((tNW + tN + tNE) * 7) >> 5)]
    if averaged:
        pf = (sum(p) + 2) >> 2
        if correction is not None:
            lo8, hi8 = 8 * min(W, N, NE), 8 * max(W, N, NE)
            return ((min(max(pf - correction, lo8), hi8), min(max(pf, lo8), hi8)), p, (tW, tN, tNW, tNE))
    else:
        around = ((r, c - 1), (r, c - 2), (r - 1, c - 1), (r - 1, c), (r - 1, c + 1))
        wt = [(1 << 19) // (sum(S.get(k, (0, 0, 0, 0))[i] for k in around) + 8) for i in range(4)]
        D = sum(wt)
        pf = (sum(wi * pi for wi, pi in zip(wt, p)) + D // 2) // D
    pf = min(max(pf, 8 * min(W, N, NE)), 8 * max(W, N, NE))
    return pf, p, (tW, tN, tNW, tNE)


def decode_strip_level5(stream, h, w, n, params=LEVEL5, exact=False, weighted=False, averaged=False,
                        neighbour=False, biased=False):
    """The (h, w) symbols (a list of rows) of one level-5 strip, or of a level-8 one with its
    header's ``params``, or (``exact``) of a level-9 one, or (``weighted``) of a level-11 one
    (and ``averaged``: of a level-13 one; and ``neighbour``: of a level-16 one; ``biased``: of a
    level-20 one)."""
    counter3, first_table, limit, rate_max, rate_double = params
    dec = RangeDecoder(stream)
    counters = Table(Counter)
    tables = Table(lambda: LaneTable(rate_max, rate_double))
    wn = Table(lambda: flat_table(rate_max, rate_double))  # level 16's RWN
    apm1, apm2 = ExactAPM(), ExactAPM()
    V, E, T, S = {}, {}, {}, {}
    val = neighbour_of(V, w)
    KB = [0] * (16384 + 1)  # level 20's corrections, and what the last pixel left to learn
    last = (16384, 0)

    def err(r, c):
        return E.get((r, c), 0)  # 0 outside the strip's pixels

    for r in range(h):
        for c in range(w):
            if biased:
                ctx = bias_context(val, T, r, c)
                (pf, pr), subs, near = weighted_prediction(val, T, S, r, c, True, (KB[ctx] + 64) >> 7)
                k_last, e_last = last  # learned one pixel late, after this pixel's correction is read
                KB[k_last] += (e_last * 128 - KB[k_last]) >> 6
                P = (pf + 4) >> 3
                o = pf - 8 * P
                oc = (o >= -2) + (o >= 0) + (o >= 1) + (o >= 3)
                W, WW, N, NW, NE, NN, NNE, P, eq, dd = predicted_neighbours(val, r, c, P)
                en = error_class(min((sum(abs(t) for t in near) + 4) >> 3, 15))
            elif weighted:
                pf, subs, near = weighted_prediction(val, T, S, r, c, averaged)
                P = (pf + 4) >> 3
                o = pf - 8 * P
                oc = (o >= -2) + (o >= 0) + (o >= 1) + (o >= 3)
                W, WW, N, NW, NE, NN, NNE, P, eq, dd = predicted_neighbours(val, r, c, P)
                en = error_class(min((sum(abs(t) for t in near) + 4) >> 3, 15))
            else:
                W, WW, N, NW, NE, NN, NNE, P, eq, dd = predicted_neighbours(val, r, c)
                en = error_class(err(r, c - 1) + err(r - 1, c - 1) + err(r - 1, c) + err(r - 1, c + 1))
            bnd = 0 if P == 0 else 1 if P == n - 1 else 2
            a, b = counters["QEQ", eq * 3 + bnd], counters["QSHAPE", dd * n + P]
            if counter3 == 0 and weighted:
                d = counters["QERR11", ((eq & 255) * 8 + en) * 5 + oc]
            elif counter3 == 0:
                d = counters["QERR", (eq & 255) * 8 + en]
            elif counter3 == 1:
                near = [err(r, c - 1), err(r - 1, c - 1), err(r - 1, c), err(r - 1, c + 1), err(r - 1, c + 2),
                        err(r, c - 2)]
                d = counters["QHITS", sum(1 << j for j, e in enumerate(near) if e == 0) * 32 + (eq & 31)]
            else:
                d = counters["QNN", (dd * 5 + clip(NN - P, 2) + 2) * 8 + en]
            if exact:
                xk = W + 4 * N + 16 * NW + 64 * NE + 256 * WW + 1024 * NN
                x4 = counters["QEXACT", xk * 8 + en]
                p0 = (3 * (a.p >> 10) + 2 * (b.p >> 10) + 2 * (d.p >> 10) + 3 * (x4.p >> 10)) // 10
                t = STRETCH[max(p0, 1)] + 2048
                j, wt = t >> 7, t & 127
                a1, a2 = (xk & 255) * 8 + en, eq
                p = (p0 + 3 * apm1.node(a1, j, wt) + 4 * apm2.node(a2, j, wt)) >> 3
                p = min(4095, max(1, p))
            else:
                p = min(4095, max(1, (3 * (a.p >> 10) + 2 * (b.p >> 10) + 2 * (d.p >> 10)) // 7))
            y = dec.bit(p)
            if exact:
                apm1.learn(a1, j + (wt >> 6), y)
                apm2.learn(a2, j + (wt >> 6), y)
                x4.learn(y, limit)
            a.learn(y)
            b.learn(y, limit)
            d.learn(y, limit)
            if y:
                x = P
            else:
                d6 = (((((clip(W - P, 1) + 1) * 3 + clip(N - P, 1) + 1) * 3 + clip(NE - P, 1) + 1) * 3
                       + clip(NW - P, 1) + 1) * 3 + clip(NN - P, 1) + 1) * 3 + clip(WW - P, 1) + 1
                lo, hi = max(0, 8 - P), min(15, 8 + n - 1 - P)
                k = dd * 9 + (clip(NN - P, 1) + 1) * 3 + clip(WW - P, 1) + 1
                seen = Seen(wn[W * 16 + N], P) if neighbour else None
                three = [tables["RDIR11", k * 5 + oc] if weighted else tables["RDIR", k],
                         tables["RSHAPE", dd * n + P], seen or tables["RERR", d6 * 8 + en]]
                if first_table:
                    three[0], three[1] = three[1], three[0]
                if neighbour:
                    s = lane_of(dec, three, lo, hi, (K + ((K + seen.z) >> 1)) >> 1)
                elif exact:
                    s = lane_of(dec, [Pair(three + [tables["REXACT", xk]])], lo, hi)
                else:
                    s = lane_of(dec, three, lo, hi)
                if s == 0 and P > 8:
                    x = P - 8 - lane_of(dec, [tables["FAR", 0]], 0, P - 8)
                elif s == 15 and P + 7 < n - 1:
                    x = P + 7 + lane_of(dec, [tables["FAR", 1]], 0, n - 8 - P)
                else:
                    x = P + s - 8
            if neighbour:
                wn[W * 16 + N].learn(x)
            V[r, c] = x
            E[r, c] = min(abs(x - P), 15)
            if biased:
                T[r, c] = pr - 8 * x
                last = (ctx, pr - 8 * x)
            elif weighted:
                T[r, c] = pf - 8 * x
                S[r, c] = tuple(abs(q - 8 * x) for q in subs)
    return strip_symbols(dec, V, h, w)

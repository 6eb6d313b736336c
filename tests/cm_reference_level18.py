"""Level 18 of the cm payload (docs/FORMAT.md, "Level 18: level 10 with richer neighbour-symbol
contexts"), decoded in plain Python from the specification alone: level 6's labels, patterns,
kinds and contexts (``cm_reference_level6``), its neighbour symbol with the table by the
exact (W, N, NE) and NW's label, weighted 3:4:1, and a third counter for x == W; level 10's
mixed tables (``cm_reference_level10``) for a pixel that no neighbour predicts."""

from __future__ import annotations

from cm_reference import Counter, Table, neighbour_of, strip_symbols
from cm_reference_level3 import RangeDecoder, symbol_tables
from cm_reference_level6 import NONE, palette_neighbours
from cm_reference_level10 import mixed_unpredicted


def weighted_symbol(dec, tables):
    """A symbol of tables a, b, d weighted 3:4:1 (t[i] = (3 a[i] + 4 b[i] + d[i]) >> 3); the
    three tables learn it."""
    m = tables[0].m
    a, b, d = (tb.t for tb in tables)
    t = [(3 * a[i] + 4 * b[i] + d[i]) >> 3 for i in range(16)]
    c = [min(t[i] + i, 1 << 15) for i in range(16)] + [1 << 15]
    s = dec.symbol(c[:m] + [1 << 15], m)
    for tb in tables:
        tb.learn(s)
    return s


def decode_strip_level18(stream, h, w, n):
    assert 2 <= n <= 16
    dec = RangeDecoder(stream)
    counters = Table(Counter)
    V, kind = {}, {}
    val = neighbour_of(V, w)
    unpredicted = mixed_unpredicted(n)

    table = symbol_tables()
    for r in range(h):
        for c in range(w):
            W, WW, N, NW, NE, NEE, NN, NNE, p, distinct = palette_neighbours(val, r, c)
            k = len(distinct)
            KW, KN = kind.get((r, c - 1), 0), kind.get((r - 1, c), 0)
            KNE, KNW, KWW = kind.get((r - 1, c + 1), 0), kind.get((r - 1, c - 1), 0), kind.get((r, c - 2), 0)
            far = (WW == W) | (NN == N) << 1 | (NNE == NE) << 2 | (NEE == NE) << 3
            near = (((NW == WW) << 5 | (NN == W) << 4 | far) * 5 + KW) * 5 + KN
            if p == 0:
                a, b, d = counters["Z", near], counters["ZW", W * 16 + far], counters["ZK", W * 125 + (KNE * 5 + KNW) * 5 + KWW]
                y = dec.bit(min(4095, max(1, ((a.p >> 10) + 2 * (b.p >> 10) + (d.p >> 10)) >> 2)))
                a.learn(y)
                b.learn(y)
                d.learn(y)
                s = 0 if y else 1
            else:
                label_nw = 0 if NW == W else (1 if NW == N else (2 if NW == NE else 3))
                s = weighted_symbol(dec, [table(("SNEAR", near * 15 + p), k + 1),
                                          table(("STRI", ((W * 16 + N) * 16 + NE) * 4 + label_nw), k + 1),
                                          table(("SPAIR", (W * n + distinct[1]) * 4 + k - 1), k + 1)])
            if s < k:
                V[r, c], kind[r, c] = distinct[s], s
            else:
                V[r, c], kind[r, c] = unpredicted(dec, None, n, W, N, NE, NW), NONE
    return strip_symbols(dec, V, h, w)

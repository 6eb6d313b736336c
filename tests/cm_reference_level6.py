"""Level 6 of the cm payload (docs/FORMAT.md, "Level 6: the palette model of one neighbour
symbol"), decoded in plain Python from the specification alone, with the primitives of
``cm_reference`` (counters, the neighbourhood) and ``cm_reference_level3`` (the range
decoder, symbol tables, and the pixel no neighbour predicts)."""

from __future__ import annotations

from cm_reference import Counter, Table, neighbour_of, strip_symbols
from cm_reference_level3 import RangeDecoder, symbol_tables, symbol_of, unpredicted

# the equality patterns of (W, N, NE, NW), as their labels, in FORMAT.md's order
PATTERNS = ["0000", "0001", "0010", "0011", "0012", "0100", "0101", "0102", "0110", "0111", "0112", "0120",
            "0121", "0122", "0123"]
NONE = 4


def labels(values):
    """Each value's label: the first value 0, every new value the next number."""
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return "".join(str(seen.index(v)) for v in values), seen


def palette_neighbours(val, r, c):
    """W, WW, N, NW, NE, NEE, NN, NNE of the pixel at row r, column c (``val`` reads them),
    then the pattern p of W, N, NE, NW (its index in PATTERNS) and their distinct values."""
    W, WW = val(r, c - 1), val(r, c - 2)
    N, NW, NE, NEE = val(r - 1, c), val(r - 1, c - 1), val(r - 1, c + 1), val(r - 1, c + 2)
    NN, NNE = val(r - 2, c), val(r - 2, c + 1)
    string, distinct = labels([W, N, NE, NW])
    return W, WW, N, NW, NE, NEE, NN, NNE, PATTERNS.index(string), distinct


def decode_strip_level6(stream, h, w, n, unpredicted=unpredicted):
    """One strip; ``unpredicted(dec, table, n, W, N, NE, NW)`` decodes a pixel that no
    neighbour predicts (level 10 passes its own)."""
    dec = RangeDecoder(stream)
    counters = Table(Counter)
    V, kind = {}, {}
    val = neighbour_of(V, w)
    q = 0 if n <= 64 else (1 if n <= 128 else 2)
    nq = ((n - 1) >> q) + 1

    table = symbol_tables()
    for r in range(h):
        for c in range(w):
            W, WW, N, NW, NE, NEE, NN, NNE, p, distinct = palette_neighbours(val, r, c)
            k = len(distinct)
            far = (WW == W) | (NN == N) << 1 | (NNE == NE) << 2 | (NEE == NE) << 3
            near = (((NW == WW) << 5 | (NN == W) << 4 | far) * 5 + kind.get((r, c - 1), 0)) * 5 + kind.get((r - 1, c), 0)
            if p == 0:
                a, b = counters["Z", near], counters["ZW", W * 16 + far]
                y = dec.bit(min(4095, max(1, ((a.p >> 10) + (b.p >> 10)) >> 1)))
                a.learn(y)
                b.learn(y)
                s = 0 if y else 1
            else:
                s = symbol_of(dec, [table(("SNEAR", near * 15 + p), k + 1), table(("SCOL", NE * 15 + p), k + 1),
                                    table(("SPAIR", ((W >> q) * nq + (distinct[1] >> q)) * 4 + k - 1), k + 1)])
            if s < k:
                V[r, c], kind[r, c] = distinct[s], s
            else:
                V[r, c], kind[r, c] = unpredicted(dec, table, n, W, N, NE, NW), NONE
    return strip_symbols(dec, V, h, w)

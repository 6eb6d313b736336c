"""A decoder of level 3 of the cm payload ("Level 3: the palette model with symbol tables"
in docs/FORMAT.md), written from the specification alone in plain Python.

It shares no code with vqpress.coding; it uses the counters, mixing and neighbourhood of
``cm_reference`` (levels 0-2, also written from FORMAT.md). Slow: small maps only.
"""

from __future__ import annotations

from cm_reference import (
    Counter, Decoder, Table, candidate_questions, fast_neighbours, mixed_question, neighbour_of, strip_symbols)

M32 = 0xFFFFFFFF
RATE3 = [1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3] + [4] * 20 + [5]


class RangeDecoder(Decoder):
    """The range coder's decoder; it reads its stream as the binary one does (``byte``)."""

    def __init__(self, stream):
        super().__init__(stream)  # reads the first 4 bytes into x
        self.range, self.code = M32, self.x

    def normalize(self):
        while self.range < 1 << 24:
            self.range = (self.range << 8) & M32
            self.code = ((self.code << 8) | self.byte()) & M32

    def bit(self, p):
        bound = (self.range >> 12) * p
        if self.code < bound:
            self.range = bound
            y = 1
        else:
            self.code -= bound
            self.range -= bound
            y = 0
        self.normalize()
        return y

    def symbol(self, cum, m):
        """cum[0..m], cum[m] = T."""
        r = self.range // cum[m]
        s = max(i for i in range(m) if r * cum[i] <= self.code)
        self.code -= r * cum[s]
        if s < m - 1:
            self.range = r * (cum[s + 1] - cum[s])
        else:
            self.range = self.range - r * cum[s] or 1
        self.normalize()
        return s


class SymbolTable:
    def __init__(self, m):
        self.m, self.K, self.u = m, (1 << 15) - m, 0
        self.t = [i * self.K // m if i < m else self.K for i in range(16)]

    def learn(self, s):
        rate = RATE3[self.u]
        self.u = min(self.u + 1, 32)
        learn_lanes(self.t, s, self.K, rate)


def symbol_tables():
    """``table(key, m)``: the symbol table of ``key``, made fresh (of m symbols) at its first
    use; a key keeps its number of symbols."""
    tables = {}

    def table(key, m):
        if key not in tables:
            tables[key] = SymbolTable(m)
        assert tables[key].m == m
        return tables[key]

    return table


def learn_lanes(t, s, k, rate):
    """A table's 16 cumulative counts after symbol s: those of symbols up to s move towards
    0, the others towards k, by 1 / 2^rate of the way."""
    for i in range(16):
        t[i] += ((k if i > s else 0) - t[i]) >> rate


def averaged(tables):
    """The counts of one table, or of the average of three: (a + ((b + d) >> 1)) >> 1."""
    if len(tables) == 1:
        return tables[0].t
    a, b, d = (tb.t for tb in tables)
    return [(a[i] + ((b[i] + d[i]) >> 1)) >> 1 for i in range(16)]


def symbol_of(dec, tables, refused=()):
    """Decode a symbol of one table or of the average of three (FORMAT.md), without the
    symbols ``refused``; every table learns it."""
    m = tables[0].m
    t = averaged(tables)
    c = [min(t[i] + i, 1 << 15) for i in range(16)] + [1 << 15]
    f = [c[i + 1] - c[i] for i in range(16)]
    kept = [0 if i in refused else f[i] for i in range(m)]
    if sum(kept) == 0:
        kept = f[:m]
    cum = [sum(kept[:i]) for i in range(m + 1)]
    s = dec.symbol(cum, m)
    for tb in tables:
        tb.learn(s)
    return s


def equals_w(dec, counters, W, eq):
    """Levels 3 and 7: the question x == W, two counters' probabilities averaged."""
    a, b = counters["eq", eq], counters["weq", W * 8 + (eq & 7)]
    p = min(4095, max(1, ((a.p >> 10) + (b.p >> 10)) >> 1))
    y = dec.bit(p)
    a.learn(y)
    b.learn(y)
    return y


def decode_strip_level3(stream, h, w, n):
    dec = RangeDecoder(stream)
    counters = Table(Counter)
    sets = {}
    V = {}
    val = neighbour_of(V, w)

    def ask(keys, set_key):
        return mixed_question(dec, [counters[k] for k in keys], sets, set_key)

    table = symbol_tables()

    for r in range(h):
        for c in range(w):
            W, WW, N, NW, NE, NEE, NN, NNE, eq = fast_neighbours(val, r, c)
            if equals_w(dec, counters, W, eq):
                V[r, c] = W
                continue
            x = candidate_questions(ask, n, W, N, NE, NW, WW, NN, NNE)
            V[r, c] = unpredicted(dec, table, n, W, N, NE, NW) if x is None else x
    return strip_symbols(dec, V, h, w)


def unpredicted(dec, table, n, W, N, NE, NW):
    """x, none of W, N, NE, NW (levels 3 and 6): one symbol of X (n <= 16), or its high
    bits of HW, HN, HNE and its low bits of LW, LN, LNE; ``table(key, m)`` gives a table."""
    refused = {W, N, NE, NW}
    if n <= 16:
        return symbol_of(dec, [table(("X", W * 16 + N), n)], refused)
    hm = -(-n // 16)
    hi = symbol_of(dec, [table(("HW", W), hm), table(("HN", N), hm), table(("HNE", NE), hm)])
    lm = min(16, n - 16 * hi)
    lo = symbol_of(dec, [table(("LW", hi * n + W), lm), table(("LN", hi * n + N), lm), table(("LNE", hi * n + NE), lm)],
                   {v & 15 for v in refused if v >> 4 == hi})
    return 16 * hi + lo

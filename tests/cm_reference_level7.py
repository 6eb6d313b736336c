"""A decoder of level 7 of the cm payload ("Level 7: the palette model with mixed symbol
tables" in docs/FORMAT.md), written from the specification alone in plain Python.

It shares no code with vqpress.coding; it uses the counters and neighbourhood of
``cm_reference`` and the range decoder and symbol tables of ``cm_reference_level3`` (both
also written from FORMAT.md). Slow: small maps only.
"""

from __future__ import annotations

from cm_reference import Counter, Table, fast_neighbours, neighbour_of, strip_symbols
from cm_reference_level3 import RangeDecoder, SymbolTable, equals_w

PAIRS = 4096
W_START = (32768, 16384, 16384, 16384)
W_CAP = (1 << 18) - 1


def logf(f):
    """LOGF: 64 log2(f) by Mitchell's approximation, f in 1..32768."""
    e = f.bit_length() - 1
    return 64 * e + ((f * 64) >> e) - 64


def freqf(d):
    """FREQF: the frequency of a symbol d / 64 bits below the most likely one."""
    d = min(d, 1023)
    return ((((128 - (d & 63)) * 16) - 1) >> (d >> 6)) + 1


def mixed_symbol(dec, tables, weights, refused=()):
    """Decode a mixed symbol of the four tables (by W, N, NE, pair) with the weight set
    ``weights`` (a list, updated), without the symbols ``refused``; the tables learn it."""
    m = tables[0].m
    allowed = [i for i in range(m) if i not in refused] or list(range(m))
    lg = []
    for tb in tables:
        c = [tb.t[i] + i for i in range(16)] + [1 << 15]
        lg.append([logf(c[i + 1] - c[i]) for i in range(m)])
    score = [sum((weights[j] >> 3) * lg[j][i] for j in range(4)) for i in range(m)]
    best = max(score[i] for i in allowed)
    freq = [freqf((best - score[i]) >> 13) if i in allowed else 0 for i in range(m)]
    cum = [sum(freq[:i]) for i in range(m + 1)]
    total = cum[m]
    s = dec.symbol(cum, m)
    lt = total.bit_length() - 1
    for j in range(4):
        g = lg[j][s] * total - sum(freq[i] * lg[j][i] for i in range(m))
        weights[j] = min(W_CAP, max(0, weights[j] + ((3 * g) >> (lt + 1))))
    for tb in tables:
        tb.learn(s)
    return s


def decode_strip_level7(stream, h, w, n):
    dec = RangeDecoder(stream)
    counters = Table(Counter)
    sets = Table(lambda: list(W_START))
    tables = {}
    V = {}
    val = neighbour_of(V, w)
    first_m = n if n <= 16 else -(-n // 16)

    def block(b, W, N, NE, pair, m):
        keys = (W, n + N, 2 * n + NE, 3 * n + pair)
        for k in keys:
            if (b, k) not in tables:
                tables[b, k] = SymbolTable(m)
        return [tables[b, k] for k in keys]

    for r in range(h):
        for c in range(w):
            W, WW, N, NW, NE, NEE, NN, NNE, eq = fast_neighbours(val, r, c)
            if equals_w(dec, counters, W, eq):
                V[r, c] = W
                continue
            pat = (N == W) | (N == NE) << 1 | (N == NW) << 2 | (NW == W) << 3
            pair = (((W * 256 + N) * 0x9E3779B1) & 0xFFFFFFFF) >> 20
            if n <= 16:
                x = mixed_symbol(dec, block(0, W, N, NE, pair, n), sets[pat], {W})
            else:
                hi = mixed_symbol(dec, block(0, W, N, NE, pair, first_m), sets[pat])
                lo = mixed_symbol(dec, block(1 + hi, W, N, NE, pair, min(16, n - 16 * hi)), sets[16 + pat],
                                  {W & 15} if W >> 4 == hi else set())
                x = 16 * hi + lo
            V[r, c] = x
    return strip_symbols(dec, V, h, w)

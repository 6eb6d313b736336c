"""Level 10 of the cm payload (docs/FORMAT.md, "Level 10: the palette model of one neighbour
symbol with mixed tables"), decoded in plain Python from the specification alone: level 6's
decoder (``cm_reference_level6``) with level 7's mixed symbols (``cm_reference_level7``) for
a pixel that no neighbour predicts."""

from __future__ import annotations

from cm_reference import Table
from cm_reference_level3 import SymbolTable
from cm_reference_level6 import decode_strip_level6
from cm_reference_level7 import W_START, mixed_symbol

PAIRS = 4096


def decode_strip_level10(stream, h, w, n):
    return decode_strip_level6(stream, h, w, n, mixed_unpredicted(n))


def mixed_unpredicted(n):
    """Level 10's decoder of a pixel no neighbour predicts, with fresh tables and weight sets
    (one strip's; level 18 uses it too)."""
    sets = Table(lambda: list(W_START))
    tables = {}
    first_m = n if n <= 16 else -(-n // 16)

    def block(b, keys, m):
        for k in keys:
            if (b, k) not in tables:
                tables[b, k] = SymbolTable(m)
            assert tables[b, k].m == m
        return [tables[b, k] for k in keys]

    def unpredicted(dec, _table, n, W, N, NE, NW):
        refused = {W, N, NE, NW}
        e = (N == W) | (NE == W) << 1 | (NW == W) << 2 | (NE == N) << 3 | (NW == N) << 4 | (NW == NE) << 5
        if n <= 16:
            return mixed_symbol(dec, block(0, (W, n + N, 2 * n + NE, 3 * n + (W * 16 + N) * 16 + NE), n), sets[e],
                                refused)
        hi = mixed_symbol(dec, block(0, (W, n + N, 2 * n + NE, 3 * n + ((W >> 4) * 16 + (N >> 4)) * 16 + (NE >> 4)),
                                     first_m), sets[e])
        pair = (((W * 256 + N) * 0x9E3779B1) & 0xFFFFFFFF) >> 20
        lo = mixed_symbol(dec, block(1 + hi, (W, n + N, 2 * n + NE, 3 * n + pair), min(16, n - 16 * hi)),
                          sets[64 + e], {v & 15 for v in refused if v >> 4 == hi})
        return 16 * hi + lo

    return unpredicted

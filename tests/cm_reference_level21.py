"""Level 21 of the cm payload (docs/FORMAT.md, "Level 21: level 6 with the unpredicted pixel as
one symbol"), decoded in plain Python from the specification alone: level 6's decoder
(``cm_reference_level6``) with its own decoder of a pixel no neighbour predicts, whose high
and low bits are one symbol of the range coder (``cm_reference_level3``'s tables and
averages)."""

from __future__ import annotations

from collections import Counter

from cm_reference_level3 import averaged
from cm_reference_level6 import decode_strip_level6

JOINT_FROM = 64  # the high bits' frequency from which high and low bits are one symbol
#: How many pixels took each way ("one symbol", "two symbols"): tests check that both occur.
WAYS = Counter()


def decode_strip_level21(stream, h, w, n):
    assert 17 <= n <= 256
    return decode_strip_level6(stream, h, w, n, joint_unpredicted)


def joint_unpredicted(dec, table, n, W, N, NE, NW):
    """x, none of W, N, NE, NW: its high bits hi of HW, HN, HNE and its low bits lo of LW,
    LN, LNE (level 6's tables, no value refused), as one symbol where hi's frequency is
    JOINT_FROM or more, else as two."""
    hm = -(-n // 16)
    high = [table(("HW", W), hm), table(("HN", N), hm), table(("HNE", NE), hm)]
    t = averaged(high)
    ch = [min(t[i] + i, 1 << 15) for i in range(hm)] + [1 << 15]
    r = dec.range >> 15
    q = dec.code // r
    hi = max(i for i in range(hm) if ch[i] <= q)
    f = ch[hi + 1] - ch[hi]
    for tb in high:
        tb.learn(hi)
    lm = min(16, n - 16 * hi)
    low = [table(("LW", hi * n + W), lm), table(("LN", hi * n + N), lm), table(("LNE", hi * n + NE), lm)]
    t = averaged(low)
    cl = [min(t[i] + i, 1 << 15) for i in range(lm)] + [1 << 15]
    WAYS["two symbols" if f < JOINT_FROM else "one symbol"] += 1
    if f < JOINT_FROM:
        dec.symbol(ch, hm)  # (the decoder finds hi again: the same)
        lo = dec.symbol(cl, lm)
    else:
        g = f - lm
        b = [i + ((g * cl[i]) >> 15) for i in range(lm)] + [f]
        lo = max(i for i in range(lm) if b[i] <= q - ch[hi])
        base = r * (ch[hi] + b[lo])
        dec.code -= base
        if hi == hm - 1 and lo == lm - 1:
            dec.range = dec.range - base or 1
        else:
            dec.range = r * (b[lo + 1] - b[lo])
        dec.normalize()
    for tb in low:
        tb.learn(lo)
    return 16 * hi + lo

"""A decoder of the cm payload written from docs/FORMAT.md alone, in plain Python.

It shares no code with vqpress.coding (only the specification): test_coding_cm checks that
it decodes what the compiled encoder writes, which shows that the specification is
complete. It is slow (pure Python): small maps only.
"""

from __future__ import annotations

import math
import struct

M32 = 0xFFFFFFFF
T = [1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546, 2048, 2550, 2994,
     3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079, 4086, 4090, 4092, 4094, 4095]


def squash(d):
    i, w = (d >> 7) + 16, d & 127
    return (T[i] * (128 - w) + T[i + 1] * w + 64) >> 7


SQUASH = {d: squash(d) for d in range(-2047, 2048)}
STRETCH = [next((d for d in range(-2047, 2048) if SQUASH[d] >= p), 2047) for p in range(4096)]
RATE = [131072 // (2 * k + 3) for k in range(128)]


def hash_(k, b):
    return ((k * 0x9E3779B1) & M32) >> (32 - b)


def clip(d, t):
    return min(max(d, -t), t)


class Counter:
    __slots__ = ("p", "n")

    def __init__(self):
        self.p, self.n = 1 << 21, 0

    def learn(self, y, limit=127):
        self.p += ((y << 22) - self.p) * RATE[self.n] >> 16
        self.n = min(self.n + 1, limit)


class Table(dict):
    """Counters (or weight sets) made on first use: a missing one is in its start state."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        self[key] = value = self.make()
        return value


def mix(w, cs):
    s = [STRETCH[c.p >> 10] for c in cs]
    d = max(-2047, min(2047, sum(wi * si for wi, si in zip(w, s)) >> 16))
    return SQUASH[d], s


def learn(w, s, m, y):
    e = ((y << 12) - m) * 10
    for i, si in enumerate(s):
        w[i] = max(-(1 << 24), min(1 << 24, w[i] + ((si * e) >> 14)))


def avg(p, q):
    return SQUASH[(STRETCH[p] + STRETCH[q]) >> 1]


class Decoder:
    def __init__(self, stream):
        self.s, self.pos = stream, 0
        self.x1, self.x2 = 0, M32
        self.x = 0
        for _ in range(4):
            self.x = (self.x << 8) | self.byte()

    def byte(self):
        if self.pos >= len(self.s):
            raise ValueError("read past the end of the stream")
        b = self.s[self.pos]
        self.pos += 1
        return b

    def bit(self, p):
        r = self.x2 - self.x1
        xmid = (self.x1 + (r >> 12) * p + (((r & 0xFFF) * p) >> 12)) & M32
        y = 1 if self.x <= xmid else 0
        if y:
            self.x2 = xmid
        else:
            self.x1 = (xmid + 1) & M32
        while (self.x1 ^ self.x2) < (1 << 24):
            self.x1 = (self.x1 << 8) & M32
            self.x2 = ((self.x2 << 8) | 255) & M32
            self.x = ((self.x << 8) | self.byte()) & M32
        return y


class APM:
    def __init__(self):
        start = [16 * SQUASH[max(-2047, min(2047, (j - 16) * 128))] for j in range(33)]
        self.a = Table(lambda: list(start))

    def refine(self, ctx, p):
        t = STRETCH[p] + 2047
        j, w = t >> 7, t & 127
        a = self.a[ctx]
        q = max(1, min(4095, (p + 3 * ((a[j] * (128 - w) + a[j + 1] * w) >> 11)) >> 2))
        return q, (ctx, j if w < 64 else j + 1)

    def learn(self, where, y):
        a = self.a[where[0]]
        a[where[1]] += ((65535 if y else 0) - a[where[1]]) >> 7


def neighbour_of(V, w):
    """V(r, c) of FORMAT.md over the decoded symbols ``V[r, c]`` of a strip w wide."""

    def val(r, c):
        if r < 0:
            return 0
        if c < 0:
            return val(r - 1, 0) if r >= 1 else 0
        if c >= w:
            return V[r, w - 1]
        return V[r, c]

    return val


def bits(*flags):
    """The flags as the bits of an integer, the first one lowest."""
    return sum(int(f) << i for i, f in enumerate(flags))


def fast_neighbours(val, r, c):
    """Levels 2 and 3: W, WW, N, NW, NE, NEE, NN, NNE of pixel (r, c) and their equality
    pattern eq (FORMAT.md, "Level 2: the fast model")."""
    W, WW = val(r, c - 1), val(r, c - 2)
    N, NW, NE, NEE = val(r - 1, c), val(r - 1, c - 1), val(r - 1, c + 1), val(r - 1, c + 2)
    NN, NNE = val(r - 2, c), val(r - 2, c + 1)
    eq = bits(N == W, NW == W, NE == W, WW == W, NN == W, NNE == W, NEE == W, N == NE, N == NW, NN == N)
    return W, WW, N, NW, NE, NEE, NN, NNE, eq


def candidate_questions(ask, n, W, N, NE, NW, WW, NN, NNE):
    """Levels 2 and 3, palette model, x != W: x == N, NE, NW (each new value once), each
    ``ask(counter keys, weight set key)``. Returns x, or None if it is none of them."""
    for k, v in enumerate((N, NE, NW)):
        if v == W or (k > 0 and v == N) or (k == 2 and v == NE):
            continue
        m = bits(N == v, NW == v, NE == v, WW == v, NN == v, NNE == v)
        if ask([("cand", k * 64 + m), ("pair", W * n + v)], ("cand", k * 8 + (m & 7))):
            return v
    return None


def strip_symbols(dec, V, h, w):
    """The (h, w) decoded symbols ``V[r, c]`` of a strip as a list of rows, after checking
    that the decoder used its stream exactly."""
    if dec.pos != len(dec.s):
        raise ValueError("bytes left in the stream")
    return [[V[r, c] for c in range(w)] for r in range(h)]


def tree_walk(n, W, node_bit):
    """The palette tree of FORMAT.md: node_bit(k, lo, mid, hi) decodes node k's bit; a child
    that is W alone is taken without one. Returns the symbol."""
    lo, hi, k = 0, n, 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if mid - lo == 1 and lo == W:
            y = 1
        elif hi - mid == 1 and mid == W:
            y = 0
        else:
            y = node_bit(k, lo, mid, hi)
        k = 2 * k + y
        lo, hi = (mid, hi) if y else (lo, mid)
    return lo


def decode_strip(stream, h, w, n, model, level, B):
    dec = Decoder(stream)
    buckets = Table(lambda: [Counter() for _ in range(8)])
    extra = Table(Counter)
    tree = Table(Counter)
    sets = Table(lambda: [20000] * 4)
    extra_sets = Table(lambda: [11428] * 7)
    tree_sets = Table(lambda: [24000] * (7 if level else 3))
    apm = APM()
    V = {}
    val = neighbour_of(V, w)

    def ask(counters, q, m, key2, apm_ctx, sets_):
        p1, s = mix(sets_[q, m], counters)
        if not level:
            y = dec.bit(p1)
        else:
            p2, _ = mix(sets_[8 + q, key2], counters)
            p, where = apm.refine(apm_ctx, avg(p1, p2))
            y = dec.bit(p)
            apm.learn(where, y)
            learn(sets_[8 + q, key2], s, p2, y)
        learn(sets_[q, m], s, p1, y)
        for c in counters:
            c.learn(y)
        return y

    for r in range(h):
        for c in range(w):
            W, WW = val(r, c - 1), val(r, c - 2)
            N, NW, NE, NWW = val(r - 1, c), val(r - 1, c - 1), val(r - 1, c + 1), val(r - 1, c - 2)
            NEE, NEEE = val(r - 1, c + 2), val(r - 1, c + 3)
            NN, NNW, NNE, NNN = val(r - 2, c), val(r - 2, c - 1), val(r - 2, c + 1), val(r - 3, c)

            eW = bits(N == W, NW == W, NE == W, WW == W, NN == W, NNE == W, NWW == W, NNW == W, NEE == W,
                      NEEE == W, NNN == W)
            eN = bits(NW == N, NE == N, NN == N, NNE == N, NWW == N, NNW == N, NEE == N, NEEE == N)
            eX = bits(NNE == NE, NEE == NE, NEEE == NE, NWW == NW, NNW == NW, WW == NW)

            def match(v):
                return bits(N == v, NW == v, NE == v, WW == v, NN == v, NNE == v)

            def D(t, v):
                k = 0
                for u in (N, NW, NE, WW, NN, NNE):
                    k = k * (2 * t + 1) + clip(u - v, t)
                return k

            keys = [eW << 14 | eN << 6 | eX, W << 16 | N << 8 | NE,
                    (((W << 24 | N << 16 | NE << 8 | NW) * 0x2C1B3C6D) & M32) ^ (WW << 8 | NN),
                    D(2, W) + 7812]
            bucket = [buckets[i, hash_(k & M32, B)] for i, k in enumerate(keys)]
            mix2 = 2 * (W & 31) + (N == NE)

            def bucket_q(q, m):
                return ask([b[q] for b in bucket], q, m, mix2, (eW & 1023) * 8 + q, sets)

            def extra_q(q, m, e):
                cs = [b[q] for b in bucket] + [extra[j, e[j]] for j in range(3)]
                return ask(cs, q, m, mix2, (eW & 1023) * 8 + q, extra_sets)

            if bucket_q(0, eW & 63):
                x = W
            elif model == 0:
                if W == 0:
                    up = 1
                elif W == n - 1:
                    up = 0
                elif level:
                    S = clip(2 * (N - W) + (NE - W) + (NW - W) + (NN - W) + (WW - W) + (NNE - W), 15)
                    e = [hash_((((S + 15) << 6 | (eW & 63)) * 8 + 1) & M32, B + 1),
                         hash_((((D(3, W) + 60000) * 8 + 1) * 0x2C1B3C6D + 1) & M32, B + 1),
                         hash_((((W << 24 | N << 16 | NE << 8 | NW) * 0x85EBCA77) & M32) ^ 1, B + 1)]
                    up = extra_q(1, eW & 63, e)
                else:
                    up = bucket_q(1, eW & 63)
                s = 1
                while True:
                    v = W + s if up else W - s
                    if v in (0, n - 1):
                        break
                    q = 2 + (1 - up) + 2 * min(s - 1, 2)
                    if level:
                        m12 = bits(W == v, N == v, NW == v, NE == v, WW == v, NN == v, NNE == v, NWW == v,
                                   NNW == v, NEE == v, NEEE == v, NNN == v)
                        e = [hash_((m12 * 8 + q) & M32, B + 1),
                             hash_((((D(2, v) + 7812) * 8 + q) * 0x2C1B3C6D + 1) & M32, B + 1),
                             hash_((((W << 24 | N << 16 | NE << 8 | v) * 0x85EBCA77) & M32) ^ q, B + 1)]
                        if extra_q(q, match(v), e):
                            break
                    elif bucket_q(q, match(v)):
                        break
                    s += 1
                x = v
            else:
                def node_bit(k, lo, mid, hi):
                    def t(v):
                        return (v >= lo) + (v >= mid) + (v >= hi)

                    sides = t(W) << 6 | t(N) << 4 | t(NE) << 2 | t(NW)
                    cs = [tree["W", W, k], tree["N", N, k], tree["sides", sides, k]]
                    if level:
                        cs += [tree["NE", NE, k], tree["NW", NW, k],
                               tree["pair", hash_((W << 16 | N << 8 | k) & M32, 18)],
                               tree["pair", hash_(((W << 16 | NE << 8 | k) * 0x2C1B3C6D + 0x165667B1) & M32, 18)]]
                    p1, s_ = mix(tree_sets["node", k], cs)
                    if level:
                        p2, _ = mix(tree_sets["sides", sides], cs)
                        y = dec.bit(avg(p1, p2))
                        learn(tree_sets["sides", sides], s_, p2, y)
                    else:
                        y = dec.bit(p1)
                    learn(tree_sets["node", k], s_, p1, y)
                    for cn in cs:
                        cn.learn(y)
                    return y

                x = tree_walk(n, W, node_bit)
            V[r, c] = x
    return strip_symbols(dec, V, h, w)


def mixed_question(dec, cs, sets, set_key, limits=None):
    """A question of levels 2, 3 and 4: the counters ``cs`` mixed with the weight set
    ``sets[set_key]`` (made at 24000 on first use), decoded; all of them learn the bit
    (counter i counting up to ``limits[i]``, 127 by default)."""
    ws = sets.setdefault(set_key, [24000] * len(cs))
    p, s = mix(ws, cs)
    y = dec.bit(p)
    learn(ws, s, p, y)
    for c, limit in zip(cs, limits or [127] * len(cs)):
        c.learn(y, limit)
    return y


def decode_strip_fast(stream, h, w, n, model):
    """Level 2 (FORMAT.md, "Level 2: the fast model")."""
    dec = Decoder(stream)
    counters = Table(Counter)
    sets = {}
    V = {}
    val = neighbour_of(V, w)

    def ask(keys, set_key):
        return mixed_question(dec, [counters[k] for k in keys], sets, set_key)

    def sgn(d):
        return (d > 0) - (d < 0)

    for r in range(h):
        for c in range(w):
            W, WW, N, NW, NE, NEE, NN, NNE, eq = fast_neighbours(val, r, c)
            if ask([("eq", eq), ("weq", W * 8 + (eq & 7))], ("Q0", eq & 63)):
                x = W
            elif model == 0:
                if W == 0:
                    up = 1
                elif W == n - 1:
                    up = 0
                else:
                    g = ((((clip(N - W, 2) + 2) * 5 + clip(NE - W, 2) + 2) * 5 + clip(NW - W, 2) + 2) * 3
                         + clip(NN - W, 1) + 1) * 3 + clip(WW - W, 1) + 1
                    up = ask([("grad", g), ("wsgn", W * 9 + (sgn(N - W) + 1) * 3 + sgn(NE - W) + 1)],
                             ("up", eq & 63))
                s = 1
                while True:
                    v = W + s if up else W - s
                    if v in (0, n - 1):
                        break
                    slot = 2 * min(s - 1, 2) + 1 - up
                    m = bits(N == v, NW == v, NE == v, WW == v, NN == v, NNE == v)
                    d1 = (((clip(N - v, 1) * 3 + clip(NE - v, 1)) * 3 + clip(NW - v, 1)) * 3
                          + clip(NN - v, 1)) * 3 + clip(WW - v, 1) + 121
                    if ask([("step", slot * 64 + m), ("stepd", slot * 243 + d1)], ("step", slot * 8 + (m & 7))):
                        break
                    s += 1
                x = v
            else:
                x = candidate_questions(ask, n, W, N, NE, NW, WW, NN, NNE)
                if x is None:
                    x = tree_walk(n, W, lambda k, lo, mid, hi: ask([("tW", W, k), ("tN", N, k), ("tNE", NE, k)],
                                                                  ("tree", k)))
            V[r, c] = x
    return strip_symbols(dec, V, h, w)


def decode(payload: bytes, shape, n_colors):
    """The (H, W) codes (a list of rows) of a cm payload, by the letter of FORMAT.md."""
    H, W_ = shape
    magic, version, model, B, level, n, R = struct.unpack_from("<2sBBBBHI", payload)
    assert magic == b"CM" and version == 1 and n == n_colors
    order = payload[12:12 + n]
    k = 5 if level in (8, 11, 13, 16, 20) else 0  # levels 8, 11, 13, 16 and 20: parameters follow the order
    params = tuple(payload[12 + n:12 + n + k])
    S = math.ceil(H / R)
    lengths = struct.unpack_from(f"<{S}I", payload, 12 + n + k)
    pos = 12 + n + k + 4 * S
    assert pos + sum(lengths) == len(payload)
    rows = []
    for s, length in enumerate(lengths):
        h = min(H, (s + 1) * R) - s * R
        strip = payload[pos:pos + length]
        if level == 3:  # FORMAT.md "Level 3": tests/cm_reference_level3.py
            from cm_reference_level3 import decode_strip_level3

            rows += decode_strip_level3(strip, h, W_, n)
        elif level == 4:
            from cm_reference_level4 import decode_strip_predicted

            assert model == 0 and B == 8
            rows += decode_strip_predicted(strip, h, W_, n)
        elif level in (5, 8):  # FORMAT.md "Level 5" and "Level 8"
            from cm_reference_level5 import decode_strip_level5

            assert model == 0 and B == 8 and n <= 16
            rows += decode_strip_level5(strip, h, W_, n, *([params] if level == 8 else []))
        elif level == 11:  # FORMAT.md "Level 11"
            from cm_reference_level5 import decode_strip_level11

            assert model == 0 and B == 8 and n <= 16
            rows += decode_strip_level11(strip, h, W_, n, params)
        elif level == 13:  # FORMAT.md "Level 13"
            from cm_reference_level5 import decode_strip_level13

            assert model == 0 and B == 8 and n <= 16
            rows += decode_strip_level13(strip, h, W_, n, params)
        elif level == 16:  # FORMAT.md "Level 16"
            from cm_reference_level5 import decode_strip_level16

            assert model == 0 and B == 8 and n <= 16
            rows += decode_strip_level16(strip, h, W_, n, params)
        elif level == 20:  # FORMAT.md "Level 20"
            from cm_reference_level5 import decode_strip_level20

            assert model == 0 and B == 8 and n <= 16
            rows += decode_strip_level20(strip, h, W_, n, params)
        elif level == 9:  # FORMAT.md "Level 9"
            from cm_reference_level5 import decode_strip_level9

            assert model == 0 and B == 8 and n <= 4
            rows += decode_strip_level9(strip, h, W_, n)
        elif level == 6:  # FORMAT.md "Level 6": tests/cm_reference_level6.py
            from cm_reference_level6 import decode_strip_level6

            assert model == 1 and B == 8
            rows += decode_strip_level6(strip, h, W_, n)
        elif level == 7:  # FORMAT.md "Level 7": tests/cm_reference_level7.py
            from cm_reference_level7 import decode_strip_level7

            assert model == 1 and B == 8
            rows += decode_strip_level7(strip, h, W_, n)
        elif level == 10:  # FORMAT.md "Level 10": tests/cm_reference_level10.py
            from cm_reference_level10 import decode_strip_level10

            assert model == 1 and B == 8
            rows += decode_strip_level10(strip, h, W_, n)
        elif level == 18:  # FORMAT.md "Level 18": tests/cm_reference_level18.py
            from cm_reference_level18 import decode_strip_level18

            assert model == 1 and B == 8 and n <= 16
            rows += decode_strip_level18(strip, h, W_, n)
        elif level == 21:  # FORMAT.md "Level 21": tests/cm_reference_level21.py
            from cm_reference_level21 import decode_strip_level21

            assert model == 1 and B == 8 and n > 16
            rows += decode_strip_level21(strip, h, W_, n)
        else:
            rows += (decode_strip_fast(strip, h, W_, n, model) if level == 2
                     else decode_strip(strip, h, W_, n, model, level, B))
        pos += length
    return [[order[v] for v in row] for row in rows]

"""Level 4 of the cm payload (docs/FORMAT.md, "Level 4: the predicted ordered model"),
decoded in plain Python from the specification alone, with the primitives of
``cm_reference`` (counters, mixing, the arithmetic decoder, the neighbourhood)."""

from __future__ import annotations

from cm_reference import Counter, Decoder, Table, bits, clip, mixed_question, neighbour_of, strip_symbols


def activity(a):
    return a if a <= 3 else 4 if a <= 5 else 5 if a <= 8 else 6 if a <= 12 else 7


def predicted_neighbours(val, r, c, P=None):
    """W, WW, N, NW, NE, NN, NNE, the prediction P, eq and dd of the pixel at (r, c) (levels 4, 5;
    level 11 passes its own P instead of MED's)."""
    W, WW = val(r, c - 1), val(r, c - 2)
    N, NW, NE, NEE, NWW = val(r - 1, c), val(r - 1, c - 1), val(r - 1, c + 1), val(r - 1, c + 2), val(r - 1, c - 2)
    NN, NNE, NNW = val(r - 2, c), val(r - 2, c + 1), val(r - 2, c - 1)
    if P is None:
        P = sorted((W, N, W + N - NW))[1]
    eq = bits(W == P, N == P, NW == P, NE == P, WW == P, NN == P, NNE == P, NEE == P, N == NE, W == NW,
              W == N, NWW == P, NNW == P)
    dd = (((clip(W - P, 2) + 2) * 5 + clip(N - P, 2) + 2) * 5 + clip(NE - P, 2) + 2) * 5 + clip(NW - P, 2) + 2
    return W, WW, N, NW, NE, NN, NNE, P, eq, dd


def decode_strip_predicted(stream, h, w, n):
    """The (h, w) symbols (a list of rows) of one level-4 strip."""
    dec = Decoder(stream)
    counters = Table(Counter)
    sets = {}
    V = {}
    val = neighbour_of(V, w)

    def ask(keys, set_key):
        # the second counter (PSHAPE, PSIDE, PSTEPD) counts to 20 only
        return mixed_question(dec, [counters[k] for k in keys], sets, set_key, limits=(127, 20))

    def ask_eq(eq, dd, P):
        a = counters[("PEQ", eq)]
        if a.p >> 10 >= 3600 and a.n >= 16:
            y = dec.bit(a.p >> 10)
            a.learn(y)
            return y
        return ask([("PEQ", eq), ("PSHAPE", dd * n + P)], ("PQ0", eq & 63))

    for r in range(h):
        for c in range(w):
            W, WW, N, NW, NE, NN, NNE, P, eq, dd = predicted_neighbours(val, r, c)
            if ask_eq(eq, dd, P):
                x = P
            else:
                act = activity(abs(W - NW) + abs(N - NW) + abs(NE - N) + abs(W - WW) + abs(N - NN))
                if P == 0:
                    up = 1
                elif P == n - 1:
                    up = 0
                else:
                    up = ask([("PDIR", dd * 9 + (clip(NN - P, 1) + 1) * 3 + clip(WW - P, 1) + 1),
                              ("PSIDE", ((P * 3 + clip(NE - P, 1) + 1) * 3 + clip(NN - P, 1) + 1) * 8 + act)],
                             ("PUP", eq & 63))
                s = 1
                while True:
                    v = P + s if up else P - s
                    if v in (0, n - 1):
                        break
                    slot = 2 * min(s - 1, 2) + 1 - up
                    m7 = bits(W == v, N == v, NW == v, NE == v, WW == v, NN == v, NNE == v)
                    d = ((((clip(W - v, 1) * 3 + clip(N - v, 1)) * 3 + clip(NE - v, 1)) * 3 + clip(NW - v, 1)) * 3
                         + clip(NN - v, 1)) * 3 + clip(WW - v, 1) + 364
                    if ask([("PSTEP", (slot * 128 + m7) * 8 + act), ("PSTEPD", slot * 729 + d)], ("PSTEPW", slot * 8 + (m7 & 7))):
                        break
                    s += 1
                x = v
            V[r, c] = x
    return strip_symbols(dec, V, h, w)

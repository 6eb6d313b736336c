"""Level 2 of the "cm" payload coding, the fast model (docs/FORMAT.md, "Level 2: the fast
model"): the default of ``vqpress.coding.cm``.

It asks few questions, of small directly indexed counter tables (no hashing: about 1.1 MB
at 256 symbols, so they stay in the cache), each mixing 2 counters (3 in the palette tree)
with one weight set: ``x == W`` for every pixel; then the ordered model walks away from W
as levels 0 and 1 do (``x > W``, ``x == W +- 1`` ...), and the palette model asks whether
x is the value of N, NE or NW (each new value once) before its binary tree. ``_cm.pyx``
runs the strips and calls :c:func:`fast_strip` for each.
"""

from libc.stdint cimport int32_t, uint8_t, uint32_t
from libc.stdlib cimport calloc, free, malloc

from vqpress.coding._binary_coder cimport BinaryCoder, code_bit_as
from vqpress.coding._cm_common cimport (
    LIMIT, ORDERED, Decoding, Direction, Encoding, Mix2, _clip, _learn, _matches, _mix, _p12, _updated, cm_stretch, cm_tables_init, mix2_learn,
    mix2_predict, ring_row, ring_row_end, ring_row_start)

cm_tables_init()

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define cm_prefetch(p) __builtin_prefetch(p)
    #else
    #define cm_prefetch(p) ((void)(p))
    #endif
    """
    void cm_prefetch(const void *p) noexcept nogil


cdef enum:
    F_EQ = 0                    # 1024: x == W by the equality pattern eq
    F_WEQ = F_EQ + 1024         # n x 8: x == W by W and eq & 7
    F_CAND = F_WEQ + 256 * 8    # 3 x 64: x == candidate by which neighbour and its matches
    F_GRAD = F_CAND + 192       # 1125: x > W by the clipped differences to W
    F_WSGN = F_GRAD + 1125      # n x 9: x > W by W and the signs of N - W, NE - W
    F_STEP = F_WSGN + 256 * 9   # 6 x 64: x == v by slot and match(v)
    F_STEPD = F_STEP + 384      # 6 x 243: x == v by slot and D_1 of five neighbours to v
    F_FIXED = F_STEPD + 1458    # the tables above; then n x n pairs (W, candidate), then
                                # the tree: 3 x n x tree_row, by W, N, NE
    # weight sets
    FW_EQ = 0                   # 64 sets of 2, by eq & 63
    FW_CAND = FW_EQ + 64 * 2    # 24 sets of 2, by neighbour and match & 7
    FW_UP = FW_CAND + 24 * 2    # 64 sets of 2, by eq & 63
    FW_STEP = FW_UP + 64 * 2    # 48 sets of 2, by slot and match & 7
    FW_TREE = FW_STEP + 48 * 2  # tree_row sets of 3, by node
    W_INIT_FAST = 24000


cdef int fast_alloc(Fast *f, int n, int kind) noexcept nogil:
    """Allocate a fresh level-2 model for n symbols (every counter at p = 1/2, n = 0).
    Returns 0, or -1 (free it with fast_free either way)."""
    cdef Py_ssize_t i, total
    f.cnt = NULL
    f.weights = NULL
    f.n = n
    f.kind = kind
    f.tree_row = 1
    while f.tree_row < n:
        f.tree_row *= 2
    total = F_FIXED + <Py_ssize_t>n * n + 3 * <Py_ssize_t>n * f.tree_row
    f.cnt = <uint32_t *>calloc(total, sizeof(uint32_t))
    f.weights = <int32_t *>malloc((FW_TREE + 3 * f.tree_row) * sizeof(int32_t))
    if f.cnt == NULL or f.weights == NULL:
        return -1
    f.pairs = f.cnt + F_FIXED
    f.tree = f.pairs + <Py_ssize_t>n * n
    for i in range(FW_TREE + 3 * f.tree_row):
        f.weights[i] = W_INIT_FAST
    return 0


cdef void fast_free(Fast *f) noexcept nogil:
    free(f.cnt)
    free(f.weights)
    f.cnt = NULL
    f.weights = NULL


cdef inline int _ask_k(Direction *way, BinaryCoder *c, uint32_t **cnt, int k, int32_t *w, int bit) noexcept nogil:
    """A question mixing k counters with weight set w (k a constant at every call: the
    tree's 3; questions of 2 counters are _ask2's)."""
    cdef int st[4]
    cdef uint32_t t[4]          # the counters, read once (they never alias each other)
    cdef int p, i
    for i in range(k):
        t[i] = cnt[i][0]
        st[i] = cm_stretch[_p12(t[i])]
    p = _mix(w, st, k)
    bit = code_bit_as(c, Direction is Decoding, p, bit)
    _learn(w, st, k, p, bit)
    for i in range(k):
        cnt[i][0] = _updated(t[i], bit)
    return bit


cdef inline int _ask2(Direction *way, BinaryCoder *c, uint32_t *a, uint32_t *b, int32_t *w, int bit) noexcept nogil:
    """A question mixing counters a and b with weight set w."""
    cdef Mix2 q
    cdef int p = mix2_predict(&q, a, b, w)
    bit = code_bit_as(c, Direction is Decoding, p, bit)
    mix2_learn(&q, bit, LIMIT)
    return bit


cdef inline int _sgn(int d) noexcept nogil:
    return (d > 0) - (d < 0)


cdef inline int _d1(int v, int N, int NE, int NW, int NN, int WW) noexcept nogil:
    return (((_clip(N - v, 1) * 3 + _clip(NE - v, 1)) * 3 + _clip(NW - v, 1)) * 3
            + _clip(NN - v, 1)) * 3 + _clip(WW - v, 1) + 121


cdef inline int _fast_walk(Direction *way, BinaryCoder *c, Fast *f, int x, int W, int N, int NW, int NE, int WW, int NN,
                    int NNE, int eq) noexcept nogil:
    """Ordered model, x != W: the direction, then steps away from W."""
    cdef int n = f.n, up, s, v, slot, mt, g
    cdef uint32_t *cnt = f.cnt
    cdef int32_t *wt = f.weights
    if W == 0:
        up = 1
    elif W == n - 1:
        up = 0
    else:
        g = ((((_clip(N - W, 2) + 2) * 5 + _clip(NE - W, 2) + 2) * 5 + _clip(NW - W, 2) + 2) * 3
             + _clip(NN - W, 1) + 1) * 3 + _clip(WW - W, 1) + 1
        up = _ask2(way, c, cnt + F_GRAD + g, cnt + F_WSGN + W * 9 + (_sgn(N - W) + 1) * 3 + _sgn(NE - W) + 1,
                   wt + FW_UP + (eq & 63) * 2, x > W)
    s = 1
    while True:
        v = W + s if up else W - s
        if v == 0 or v == n - 1:
            return v  # the last symbol that way: implied
        slot = 2 * (s - 1 if s < 3 else 2) + 1 - up
        mt = _matches(v, N, NW, NE, WW, NN, NNE)
        if _ask2(way, c, cnt + F_STEP + slot * 64 + mt, cnt + F_STEPD + slot * 243 + _d1(v, N, NE, NW, NN, WW),
                 wt + FW_STEP + (slot * 8 + (mt & 7)) * 2, x == v):
            return v
        s += 1


cdef inline int _fast_palette(Direction *way, BinaryCoder *c, Fast *f, int x, int W, int N, int NW, int NE, int WW, int NN,
                       int NNE) noexcept nogil:
    """Palette model, x != W: x == N, NE, NW (each new value once), then the tree."""
    # level 3 (_cm_palette3.pyx, _code_pixel) asks the same candidates with the same counters
    # through its range coder, inside a pixel function tuned on its own: the loop stays in both
    cdef int n = f.n, tr = f.tree_row, k, v, mt, lo, hi, mid, node, bit
    cdef int cand[3]
    cdef uint32_t *tq[3]
    cdef uint32_t *cnt = f.cnt
    cdef int32_t *wt = f.weights
    cand[0] = N
    cand[1] = NE
    cand[2] = NW
    for k in range(3):
        v = cand[k]
        if v == W or (k > 0 and v == N) or (k == 2 and v == NE):
            continue
        mt = _matches(v, N, NW, NE, WW, NN, NNE)
        if _ask2(way, c, cnt + F_CAND + k * 64 + mt, f.pairs + W * n + v, wt + FW_CAND + (k * 8 + (mt & 7)) * 2,
                 x == v):
            return v
    # the tree walk of levels 0 and 1 (_cm.pyx, _code_tree), copied on purpose: see there
    lo = 0
    hi = n
    node = 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if n > 32 and 4 <= node < (tr >> 2):
            # the counters of the four grandchildren (if any) share a cache line or two: fetch
            # them while this node's bit is coded (the tree is too big for the L2 cache)
            cm_prefetch(f.tree + W * tr + 4 * node)
            cm_prefetch(f.tree + (n + N) * tr + 4 * node)
            cm_prefetch(f.tree + (2 * n + NE) * tr + 4 * node)
        if mid - lo == 1 and lo == W:
            bit = 1
        elif hi - mid == 1 and mid == W:
            bit = 0
        else:
            tq[0] = f.tree + W * tr + node
            tq[1] = f.tree + (n + N) * tr + node
            tq[2] = f.tree + (2 * n + NE) * tr + node
            bit = _ask_k(way, c, tq, 3, wt + FW_TREE + node * 3, x >= mid)
        node = 2 * node + bit
        if bit:
            lo = mid
        else:
            hi = mid
    return lo


cdef int fast_strip(BinaryCoder *coder, Fast *f, uint8_t *sym, int h, int w, uint8_t *rows) noexcept nogil:
    """Code (or decode into ``sym``) an h x w strip of symbols (row-major, w apart).

    ``rows`` is scratch for 4 rows of w + 6 symbols, zeroed. Returns 0, or -1 if the decoder
    ran past the end of its stream (checked once per row, so garbage stops early).
    """
    # the coder's state and the model's pointers copied to this stack frame for the strip: the
    # compiler keeps them in registers, where through the caller's pointers every byte or
    # counter stored would make it load them again (the coder measured 10-20% faster so)
    cdef BinaryCoder local = coder[0]
    cdef Fast model = f[0]
    cdef int status
    if local.decoding:
        status = _fast_rows(<Decoding *>NULL, &local, &model, sym, h, w, rows)
    else:
        status = _fast_rows(<Encoding *>NULL, &local, &model, sym, h, w, rows)
    coder[0] = local
    return status


cdef inline int _fast_rows(Direction *way, BinaryCoder *c, Fast *f, uint8_t *sym, int h, int w, uint8_t *rows) noexcept nogil:
    cdef Py_ssize_t wp = w + 6
    cdef uint8_t *r0
    cdef uint8_t *r1
    cdef uint8_t *r2
    cdef int r, col, eq
    cdef int x, W, N, NW, NE, WW, NN, NNE, NEE
    cdef uint32_t *cnt = f.cnt
    cdef int32_t *wt = f.weights
    cdef bint decoding = Direction is Decoding, ordered = f.kind == ORDERED
    cdef bint fetch = not ordered and f.n > 32  # (smaller palettes' tables stay in the L1 cache)
    for r in range(h):
        r0 = ring_row(rows, wp, r)
        r1 = ring_row(rows, wp, r + 3)
        r2 = ring_row(rows, wp, r + 2)
        ring_row_start(r0, r1, r)
        for col in range(w):
            W = r0[col - 1]
            WW = r0[col - 2]
            N = r1[col]
            NW = r1[col - 1]
            NE = r1[col + 1]
            NEE = r1[col + 2]
            NN = r2[col]
            NNE = r2[col + 1]
            x = 0 if decoding else sym[r * w + col]
            if fetch:
                # what the palette model reads if x != W: the top of the tree, the pairs
                cm_prefetch(f.tree + W * f.tree_row)
                cm_prefetch(f.tree + (f.n + N) * f.tree_row)
                cm_prefetch(f.tree + (2 * f.n + NE) * f.tree_row)
                cm_prefetch(f.pairs + W * f.n + N)
                cm_prefetch(f.pairs + W * f.n + NE)
                cm_prefetch(f.pairs + W * f.n + NW)
            eq = ((N == W) | (NW == W) << 1 | (NE == W) << 2 | (WW == W) << 3 | (NN == W) << 4
                  | (NNE == W) << 5 | (NEE == W) << 6 | (N == NE) << 7 | (N == NW) << 8 | (NN == N) << 9)
            if _ask2(way, c, cnt + F_EQ + eq, cnt + F_WEQ + W * 8 + (eq & 7), wt + FW_EQ + (eq & 63) * 2, x == W):
                x = W
            else:
                x = (_fast_walk(way, c, f, x, W, N, NW, NE, WW, NN, NNE, eq) if ordered
                     else _fast_palette(way, c, f, x, W, N, NW, NE, WW, NN, NNE))
            r0[col] = <uint8_t>x
            if decoding:
                sym[r * w + col] = <uint8_t>x
        ring_row_end(r0, w)
        if decoding and c.failed:
            return -1
    return 0

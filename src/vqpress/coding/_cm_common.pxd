# What every model of the cm coding shares (docs/FORMAT.md, "Counters, mixing, probability
# maps"): the fixed tables, adaptive counters, logistic mixing, the mixed question of two
# counters, the ring of rows the neighbours are read from, and two neighbourhood helpers. Inline, so each kernel module compiles its own copy; the tables are static C
# arrays, one copy per module, filled by cm_tables_init() when the module is imported.

from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint32_t

cdef extern from *:
    """
    /* squash(d) = 4096 / (1 + exp(-d / 256)), interpolated between its values at
       d = -2048, -1920 .. 2048 (rounded, kept within 1..4095); stretch is its inverse. */
    static const int cm_squash_points[33] = {
        1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546, 2048,
        2550, 2994, 3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079, 4086, 4090,
        4092, 4094, 4095};
    static int16_t cm_squash[4095];  /* cm_squash[d + 2047] for -2047 <= d <= 2047 (16 bits:
                                        with cm_stretch, 16 KB of the L1 cache) */
    static int16_t cm_stretch[4096]; /* the smallest d with squash(d) >= p */
    static uint32_t cm_rate[128];    /* a counter's rate after n updates: 2^17 / (2n + 3) */

    static void cm_tables_init(void) {
        int d, p = 0, v, w, i;
        for (d = -2047; d <= 2047; d++) {
            w = d & 127;
            i = (d >> 7) + 16;
            v = (cm_squash_points[i] * (128 - w) + cm_squash_points[i + 1] * w + 64) >> 7;
            cm_squash[d + 2047] = (int16_t)v;
            while (p <= v)
                cm_stretch[p++] = (int16_t)d;
        }
        while (p < 4096)
            cm_stretch[p++] = 2047;
        for (d = 0; d < 128; d++)
            cm_rate[d] = 131072u / (uint32_t)(2 * d + 3);
    }
    """
    const int16_t cm_squash[4095]
    const int16_t cm_stretch[4096]
    const uint32_t cm_rate[128]
    void cm_tables_init() noexcept nogil

# Levels 2-4 compile their kernel once per direction: functions of a Direction * argument
# (always NULL) are made twice, each copy knowing at compile time whether it encodes or
# decodes (``Direction is Decoding`` is a constant in it), so no question tests it.
ctypedef struct Encoding:
    char unused
ctypedef struct Decoding:
    char unused
ctypedef fused Direction:
    Encoding
    Decoding


cdef enum:
    ORDERED = 0
    PALETTE = 1
    LIMIT = 127             # counters adapt at rate 1 / (n + 1.5), n counting up to LIMIT
    LEARNING_RATE = 10
    W_MAX = 1 << 24         # weights stay within -W_MAX .. W_MAX


# A counter is a uint32: probability p of a 1 in its top 22 bits, count n in its low 10.
# Tables are stored with p's top bit flipped, so that a zeroed table holds p = 1/2, n = 0.

cdef inline int _p12(uint32_t t) noexcept nogil:
    return <int>((t >> 20) ^ 0x800u)


cdef inline uint32_t _updated(uint32_t t, int bit) noexcept nogil:
    """Counter t after seeing bit."""
    return _updated_to(t, bit, LIMIT)


cdef inline uint32_t _updated_to(uint32_t t, int bit, uint32_t limit) noexcept nogil:
    """Counter t after seeing bit, its count n stopping at limit (<= LIMIT): it keeps
    adapting at rate 1 / (limit + 1.5), faster than at LIMIT."""
    cdef uint32_t n = t & 1023u
    cdef int64_t p = (t >> 10) ^ 0x200000u
    p += (((<int64_t>bit << 22) - p) * cm_rate[n]) >> 16
    if n < limit:
        n += 1
    return ((<uint32_t>p ^ 0x200000u) << 10) | n


cdef inline void _update(uint32_t *counter, int bit) noexcept nogil:
    counter[0] = _updated(counter[0], bit)


cdef inline int _mix(const int32_t *w, const int *st, int k) noexcept nogil:
    cdef int64_t dot = 0
    cdef int i
    for i in range(k):
        dot += <int64_t>w[i] * st[i]
    dot >>= 16
    if dot > 2047:
        dot = 2047
    elif dot < -2047:
        dot = -2047
    return cm_squash[dot + 2047]


cdef inline int _average(int p, int q) noexcept nogil:
    """The probability halfway between p and q in the stretched domain."""
    return cm_squash[((cm_stretch[p] + cm_stretch[q]) >> 1) + 2047]


cdef inline void _learn(int32_t *w, const int *st, int k, int p, int bit) noexcept nogil:
    cdef int err = ((bit << 12) - p) * LEARNING_RATE
    cdef int64_t v
    cdef int i
    for i in range(k):
        v = w[i] + ((<int64_t>st[i] * err) >> 14)
        w[i] = <int32_t>(W_MAX if v > W_MAX else (-W_MAX if v < -W_MAX else v))


cdef inline int _clip(int d, int r) noexcept nogil:
    return -r if d < -r else (r if d > r else d)


cdef inline int _matches(int v, int N, int NW, int NE, int WW, int NN, int NNE) noexcept nogil:
    """Which of six neighbours equal v (6 bits): picks a question's weight set."""
    return ((N == v) | (NW == v) << 1 | (NE == v) << 2 | (WW == v) << 3 | (NN == v) << 4
            | (NNE == v) << 5)


# The question of levels 2, 3 and 4 that mixes two counters with one weight set, in two
# halves around the coder (which differs: binary or range coder, encoding or decoding):
#
#     p = mix2_predict(&q, a, b, w)
#     bit = <code bit with p>
#     mix2_learn(&q, bit, limit_b)
#
# The counters are read once (a and b never alias); a counts up to LIMIT, b up to limit_b.
ctypedef struct Mix2:
    uint32_t *a
    uint32_t *b
    int32_t *w
    uint32_t ta
    uint32_t tb
    int st[2]
    int p


cdef inline int mix2_predict(Mix2 *q, uint32_t *a, uint32_t *b, int32_t *w) noexcept nogil:
    """The probability (of 4096) that the answer is 1, from counters a and b mixed by w."""
    q.a = a
    q.b = b
    q.w = w
    q.ta = a[0]
    q.tb = b[0]
    q.st[0] = cm_stretch[_p12(q.ta)]
    q.st[1] = cm_stretch[_p12(q.tb)]
    q.p = _mix(w, q.st, 2)
    return q.p


cdef inline void mix2_learn(Mix2 *q, int bit, uint32_t limit_b) noexcept nogil:
    """After the answer bit: the weights and both counters learn it."""
    _learn(q.w, q.st, 2, q.p, bit)
    q.a[0] = _updated(q.ta, bit)
    q.b[0] = _updated_to(q.tb, bit, limit_b)


# Every kernel reads the neighbours from a ring of 4 rows of w + 6 symbols (3 of padding
# each side): row r at ring_row(rows, w + 6, r), rows r - 1, r - 2, r - 3 at r + 3, r + 2,
# r + 1. The padding gives the neighbours outside the map of docs/FORMAT.md: left of a row,
# the first symbol of the row above (0 on the first row); right of it, its last symbol.

cdef inline uint8_t *ring_row(uint8_t *rows, Py_ssize_t wp, int r) noexcept nogil:
    return rows + (r & 3) * wp + 3


cdef inline void ring_row_start(uint8_t *r0, const uint8_t *r1, int r) noexcept nogil:
    """Before row r (r0) is coded: its left padding, from the row above (r1)."""
    r0[-3] = r0[-2] = r0[-1] = r1[0] if r > 0 else 0


cdef inline void ring_row_end(uint8_t *r0, int w) noexcept nogil:
    """After row r0 (w symbols) is coded: its right padding."""
    r0[w] = r0[w + 1] = r0[w + 2] = r0[w - 1]

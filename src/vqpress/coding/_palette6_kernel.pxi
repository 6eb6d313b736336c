# The kernel of levels 6, 10, 18 and 21 of the cm coding, the palette model of one neighbour
# symbol (docs/FORMAT.md, "Level 6", "Level 10", "Level 18", "Level 21"): the model and the rows
# of a strip, compiled once per level (a fused Level) and direction. Included by the modules
# that run them: ``_cm_palette6.pyx`` (levels 6, 10 and 18) and ``_cm_palette21.pyx`` (level
# 21): each compiles only the levels its entry points call (gcc drops the others), so adding a
# level to one module leaves the other's compiled code as it was (with level 21 in
# ``_cm_palette6.pyx``, gcc inlined less of the module: level 6 encoded at 0.95-0.97x and
# decoded at 0.97-0.99x its speed; BENCHMARKS.md, round 17).

from libc.stdint cimport int16_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

from vqpress.coding._cm_common cimport (
    Decoding, Direction, Encoding, _p12, _updated, cm_tables_init, ring_row, ring_row_end, ring_row_start,
)
from vqpress.coding._palette_common cimport pal_above_bits, pal_ask_avg, pal_rate, pal_step
from vqpress.coding._range_coder cimport (
    RangeCoder, rc_code_bit, rc_decode_strip_arg, rc_encode_span, rc_encode_strip, rc_encode_strip_arg, rc_flat_bits,
    rc_take_symbol,
)
from vqpress.coding._row_sink cimport RowSink
from vqpress.coding._symbol_tables cimport st_hits4, st_hits_count, st_learn4, st_learn4_le, st_replicate
from vqpress.coding._unpredicted cimport Unpredicted, up_alloc, up_code, up_free
from vqpress.coding._unpredicted_joint cimport up_code_joint

cm_tables_init()


cdef enum:
    SMALL = 5                   # u16 of a neighbour-symbol table (k + 1 <= 5 symbols): lanes 1..4,
                                # then its count (in the table's cache line: a separate array of
                                # counts cost as many cache misses again)
    PATTERNS = 15               # the equality patterns of (W, N, NE, NW)
    NONE = 4                    # a pixel's kind: 0..3 the label of the neighbour it was, 4 none
    KINDS = 5
    NEAR = 64 * KINDS * KINDS   # far, [NN==W], [NW==WW] (64) x kind of W x kind of N
    PAIR_COLOURS = 64           # the pair tables' colours: W >> q, N >> q below this many
    TRIPLES = 16 * 16 * 16 * 4  # level 18: the triple tables, by ((W * 16 + N) * 16 + NE) * 4 + NW's label
    KIND3 = KINDS * KINDS * KINDS   # level 18: x == W's third counters, 16 x KIND3 by (W, kinds of NE, NW, WW)


# The equality pattern of (W, N, NE, NW): their labels, W's 0 and each new colour the next
# number (a restricted growth string); the 15 strings in lexicographic order are the
# patterns 0 .. 14; _K[p] its distinct colours. _PK[bits] = p | _K[p] << 4 for the pattern p
# of bits = [N==W] | [NE==W] << 1 | [NW==W] << 2 | [NE==N] << 3 | [NW==N] << 4 | [NW==NE] << 5
# (one lookup on the decoder's path; the colours of the labels are selected in registers).
cdef uint8_t _K[PATTERNS]
cdef uint8_t _PK[64]


def _pattern_strings():
    """The 15 restricted growth strings of length 4, in lexicographic order."""
    return [(0, a, b, c) for a in range(2) for b in range(a + 2) for c in range(max(a, b) + 2)]


def _labels(bits):
    """The labels of (W, N, NE, NW) whose equalities are ``bits`` (any consistent bits)."""
    n_w, ne_w, nw_w, ne_n, nw_n, nw_ne = (bool(bits >> i & 1) for i in range(6))
    lab = [0, 0 if n_w else 1]
    lab.append(lab[0] if ne_w else (lab[1] if ne_n else max(lab) + 1))
    lab.append(lab[0] if nw_w else (lab[1] if nw_n else (lab[2] if nw_ne else max(lab) + 1)))
    return tuple(lab)


_strings = _pattern_strings()
for _p, _s in enumerate(_strings):
    _K[_p] = max(_s) + 1
for _b in range(64):
    _p = _strings.index(_labels(_b))
    _PK[_b] = _p | _K[_p] << 4
del _p, _s, _b, _strings


# The kernel is compiled once per level too (levels 6, 10, 18 and 21): functions of a Level *
# argument (always NULL) know at compile time whether the unpredicted pixel's tables are
# level 10's mixed ones (levels 10 and 18) or coded as level 21's joint symbol, and whether
# the neighbour symbol is level 18's.
ctypedef struct Level6:
    char unused
ctypedef struct Level10:
    char unused
ctypedef struct Level18:
    char unused
ctypedef struct Level21:
    char unused
ctypedef fused Level:
    Level6
    Level10
    Level18
    Level21


ctypedef struct Pal6:
    int n
    int q                       # the pair tables' colours are W >> q, N >> q ...
    int nq                      # ... nq of each
    uint32_t *cnt               # x == W where W, N, NE, NW are one colour: NEAR by near, 16 n by (W, far)
                                # (level 18: then 16 KIND3 by (W, kinds of NE, NW, WW))
    uint16_t *small             # the neighbour symbol's tables, SMALL u16 each (lanes 1..4, count)
    uint8_t *kinds              # ring of 4 rows of w + 6: each pixel's kind (0 outside the map)
    Py_ssize_t s_pair           # the neighbour symbol: 4 x nq x nq, by k - 1 and the pair
    Py_ssize_t s_col            # ... PATTERNS x n, by p and NE (level 18: TRIPLES, by W, N, NE, NW's label)
    Py_ssize_t s_near           # ... PATTERNS x NEAR, by p and near
    Py_ssize_t n_small
    Unpredicted x               # x when no neighbour predicts it (level 3's tables)
    uint16_t cum[8]             # the decoder's neighbour-symbol lanes: cum[0] and cum[5..7] stay 0
                                # (once, not stores a pixel; cum[5] is read, and not used, by
                                # rc_take_symbol's select when s = 4)


cdef int _alloc(Pal6 *f, int n, int w, bint mixed, bint triples, bint joint) noexcept nogil:
    """A fresh model for n symbols (``mixed``: level 10's; ``triples``: level 18's, n <= 16;
    ``joint``: level 21's, its low-bit tables by neighbour, up_alloc). Returns 0, or -1 (free it
    with _free either way)."""
    cdef int p, j
    cdef uint16_t blocks[12 * SMALL]
    f.n = n
    memset(f.cum, 0, sizeof(f.cum))
    f.q = 0 if n <= PAIR_COLOURS else (1 if n <= 2 * PAIR_COLOURS else 2)
    f.nq = ((n - 1) >> f.q) + 1
    f.s_pair = 0
    f.s_col = f.s_pair + 4 * f.nq * f.nq
    f.s_near = f.s_col + (TRIPLES if triples else PATTERNS * n)
    f.n_small = f.s_near + PATTERNS * NEAR
    f.cnt = <uint32_t *>calloc(NEAR + 16 * n + (16 * KIND3 if triples else 0), sizeof(uint32_t))
    f.small = <uint16_t *>malloc(f.n_small * SMALL * sizeof(uint16_t))
    f.kinds = <uint8_t *>calloc(5 * (w + 6), 1)  # and a row of pal_above_bits
    if up_alloc(&f.x, n, mixed, joint) != 0 or f.cnt == NULL or f.small == NULL or f.kinds == NULL:
        return -1
    # fresh tables come in blocks alike: write a block, then copy it
    for j in range(4):  # by k - 1: k + 1 symbols
        _small_init(f.small + j * SMALL, j + 2)
    st_replicate(f.small, 4 * SMALL, f.nq * f.nq)
    if triples:  # three blocks of 4 tables (by NW's label) by how many colours W, N, NE have, copied
        for j in range(12):
            _small_init(blocks + j * SMALL, (j >> 2) + 2 + ((j & 3) == 3))
        for j in range(0, TRIPLES, 4):
            memcpy(f.small + (f.s_col + j) * SMALL, blocks + (_triple_k(j) - 1) * 4 * SMALL,
                   4 * SMALL * sizeof(uint16_t))
    for p in range(PATTERNS):
        _small_init(f.small + (f.s_near + p) * SMALL, _K[p] + 1)
    st_replicate(f.small + f.s_near * SMALL, PATTERNS * SMALL, NEAR)
    if not triples:
        memcpy(f.small + f.s_col * SMALL, f.small + f.s_near * SMALL, PATTERNS * SMALL * sizeof(uint16_t))
        st_replicate(f.small + f.s_col * SMALL, PATTERNS * SMALL, n)
    return 0


cdef inline int _triple_k(int j) noexcept nogil:
    """k (the distinct colours among W, N, NE, NW) of level 18's triple table j = ((W * 16 + N)
    * 16 + NE) * 4 + NW's label (0: W's colour, 1: N's, 2: NE's, 3: another; a label no
    neighbourhood has gets the k of 3)."""
    cdef int NE = (j >> 2) & 15, N = (j >> 6) & 15, W = j >> 10
    return 1 + (N != W) + ((NE != W) & (NE != N)) + ((j & 3) == 3)


cdef void _free(Pal6 *f) noexcept nogil:
    free(f.cnt)
    free(f.small)
    free(f.kinds)
    up_free(&f.x)
    f.cnt = NULL
    f.small = NULL
    f.kinds = NULL


cdef inline void _small_init(uint16_t *t, int m) noexcept nogil:
    """A fresh neighbour-symbol table of m <= 5 symbols (level 3's start) as its lanes 1..4,
    and its count 0."""
    cdef int i, k = 32768 - m
    for i in range(1, 5):
        t[i - 1] = <uint16_t>(i * k // m if i < m else k)
    t[4] = 0


cdef inline void _small_learn(uint16_t *t, int m, int s) noexcept nogil:
    """Level 3's learning (pal_rate) of a table kept as its lanes 1..4 and its count (the new
    count and the rate by one load, pal_step: no branch, young tables made one mispredict)."""
    cdef uint32_t step = pal_step[t[4]]
    t[4] = <uint16_t>step
    st_learn4(t, s, 32768 - m, step >> 16)


cdef inline void _small_learn_le(uint16_t *t, int m, uint64_t le) noexcept nogil:
    """_small_learn given le instead of s: lane i - 1 (i = 1..4) of le all ones where i <= s,
    else 0 (st_learn4_le). The new count and the rate by one load (pal_step)."""
    cdef uint32_t step = pal_step[t[4]]
    t[4] = <uint16_t>step
    st_learn4_le(t, le, 32768 - m, step >> 16)


cdef inline uint32_t _c3(const uint16_t *a, const uint16_t *b, const uint16_t *d, int i) noexcept nogil:
    """c(i), 1 <= i <= 4, of the average of tables a, b, d kept as lanes 1..4 (st_average3's
    lane i, plus i). (a + ((b + d) >> 1)) >> 1 is (2a + b + d) >> 2 exactly (where b + d is
    odd, so is 2a + b + d, and an odd N has N >> 2 == (N - 1) >> 2): one step fewer on the
    decoder's way from the tables' loads to its symbol."""
    return ((2 * <uint32_t>a[i - 1] + (<uint32_t>b[i - 1] + d[i - 1])) >> 2) + <uint32_t>i


cdef inline uint32_t _c341(const uint16_t *a, const uint16_t *b, const uint16_t *d, int i) noexcept nogil:
    """c(i), 1 <= i <= 4, of level 18's average of tables a, b, d kept as lanes 1..4 (weighted
    3:4:1), plus i."""
    return ((3 * <uint32_t>a[i - 1] + 4 * <uint32_t>b[i - 1] + d[i - 1]) >> 3) + <uint32_t>i


cdef inline uint32_t _cw(Level *level, const uint16_t *a, const uint16_t *b, const uint16_t *d, int i) noexcept nogil:
    """c(i) of the level's average (level 18's 3:4:1, else 2:1:1)."""
    if Level is Level18:
        return _c341(a, b, d, i)
    return _c3(a, b, d, i)


cdef inline int _neighbour_symbol(Direction *way, Level *level, RangeCoder *c, Pal6 *f, Py_ssize_t ta,
                                  Py_ssize_t tb, Py_ssize_t tc, int m, int s, int *xs, int W, int v1, int v2,
                                  int NW) noexcept nogil:
    """Symbol s of m (2..5) of the average of tables ta, tb, tc (weighted 2:1:1; level 18:
    3:4:1), of total 2^15: no division either way; the decoder counts the lanes 1 .. m - 1 at
    or below its code (no branch). The decoder also writes xs[0], the colour of label s: W,
    v1, v2 or NW for s = 0..3 (unused for s >= k = m - 1), from the lanes' answers at once
    (they are a prefix of ones: the lanes increase) rather than from s: fewer steps on its
    way from the tables' loads to the next pixel."""
    cdef uint16_t *a = f.small + ta * SMALL
    cdef uint16_t *b = f.small + tb * SMALL
    cdef uint16_t *d = f.small + tc * SMALL
    cdef uint16_t cum[8]
    cdef uint32_t r = c.range >> 15, code = c.code
    cdef int j
    cdef uint32_t avg
    cdef int64_t below[5]
    cdef int64_t hit[5]
    cdef uint64_t le
    cdef uint32_t q
    if Direction is Decoding and Level is not Level18:
        # the four lanes at once (st_hits4: a tenth of the instructions of the lanes one by one
        # below; the decoder is bound by their number as much as by its chain): cum[j] <= q =
        # code // r exactly when r cum[j] <= code (r >= 2^9: the range stays at 2^24 or more)
        q = code // r
        le = st_hits4(a, b, d, f.cum, q if q < 65535 else 65535, m)
        s = st_hits_count(le)
        # W, then each answer swaps in the next label's colour (lanes 1..s all ones, the rest 0)
        xs[0] = (W ^ ((W ^ v1) & <int><int16_t>le) ^ ((v1 ^ v2) & <int><int16_t>(le >> 16))
                 ^ ((v2 ^ NW) & <int><int16_t>(le >> 32)))
        rc_take_symbol(c, f.cum, m, r, s, True, True)
        _small_learn_le(a, m, le)
        _small_learn_le(b, m, le)
        _small_learn_le(d, m, le)
        return s
    elif Direction is Decoding:  # level 18 (its 3:4:1 average overflows 16-bit lanes)
        # r (avg + j) <= code exactly when r avg < code - r j + 1: the bounds need only the
        # coder's state and m, ready before the tables' loads (0 where j >= m: never)
        for j in range(1, 5):
            below[j] = (<int64_t>code - <int64_t>r * j + 1) & -<int64_t>(j < m)
        cum[0] = 0
        cum[5] = 0  # (read, and not used, by rc_take_symbol's select when s = 4)
        s = 0
        for j in range(1, 5):
            avg = _cw(level, a, b, d, j) - <uint32_t>j
            cum[j] = <uint16_t>(avg + j)
            hit[j] = (<int64_t>(r * avg) - below[j]) >> 63  # -1 where lane j is at or below the code
            s -= <int>hit[j]
        # W, then each answer swaps in the next label's colour (hits 1..s are -1, the rest 0)
        xs[0] = W ^ ((W ^ v1) & <int>hit[1]) ^ ((v1 ^ v2) & <int>hit[2]) ^ ((v2 ^ NW) & <int>hit[3])
        rc_take_symbol(c, cum, m, r, s, True, True)
        # the tables learn from the answers too (lanes 1..s as 16 bits of ones: the target's
        # mask without s's broadcast, on the way to the next pixel that reads the same table)
        le = ((<uint64_t>hit[1] & 0xFFFF) | (<uint64_t>hit[2] & (<uint64_t>0xFFFF << 16))
              | (<uint64_t>hit[3] & (<uint64_t>0xFFFF << 32)) | (<uint64_t>hit[4] & (<uint64_t>0xFFFF << 48)))
        _small_learn_le(a, m, le)
        _small_learn_le(b, m, le)
        _small_learn_le(d, m, le)
        return s
    else:
        rc_encode_span(c, r, _cw(level, a, b, d, s) if s > 0 else 0, _cw(level, a, b, d, s + 1) if s < m - 1 else 0,
                       s == m - 1)
    _small_learn(a, m, s)
    _small_learn(b, m, s)
    _small_learn(d, m, s)
    return s


cdef inline int _ask3(RangeCoder *c, bint decoding, uint32_t *a, uint32_t *b, uint32_t *d, int bit) noexcept nogil:
    """Level 18's x == W: three counters' probabilities weighted 1:2:1 (``decoding`` a
    constant)."""
    cdef uint32_t ta = a[0], tb = b[0], td = d[0]
    cdef int p = (_p12(ta) + 2 * _p12(tb) + _p12(td)) >> 2
    p = 1 if p < 1 else (4095 if p > 4095 else p)
    bit = rc_code_bit(c, decoding, p, bit)
    a[0] = _updated(ta, bit)
    b[0] = _updated(tb, bit)
    d[0] = _updated(td, bit)
    return bit


cdef inline int _code_pixel(Direction *way, Level *level, RangeCoder *c, Pal6 *f, int x, int W, int N, int NW, int NE,
                            int WW, int NN, int above, int kw, int kn, int kne, int knw, int kww,
                            int *kind) noexcept nogil:
    """Pixel x (encoding; decoding: returned) of neighbours W, N, NW, NE, WW, NN; ``above``
    the equalities among the rows above (pal_above_bits), kw, kn, kne, knw, kww the kinds of
    W, N, NE, NW, WW (the last three: level 18's); kind[0] gets x's own."""
    cdef int p, k, s, far, near, upper, v1, v2, pk, nwl
    cdef int xs
    cdef Py_ssize_t tn
    pk = _PK[(N == W) | (NE == W) << 1 | (NW == W) << 2 | (above & 7) << 3]
    p = pk & 15
    k = pk >> 4
    # the colours of labels 1, 2 (3 is NW's): in registers, not looked up by the pattern
    # (the decoder's next pixel waits on them); where k is smaller they repeat earlier labels'
    # (selects by masks: the compiler made branches of them)
    v1 = NW ^ ((NW ^ NE) & -(NE != W))
    v1 ^= (v1 ^ N) & -(N != W)
    v2 = NW ^ ((NW ^ NE) & -((NE != W) & (NE != v1)))
    far = (WW == W) | (above >> 3) << 1
    # near = (((NW == WW) << 5 | (NN == W) << 4 | far) * KINDS + kw) * KINDS + kn, and its table
    # tn = f.s_near + near * PATTERNS + p, summed with what waits on the pixel before (W, its
    # kind kw) added last and not multiplied after (the decoder: 1.3-1.6% and 1-2% faster)
    upper = ((NW == WW) << 5 | (above >> 3) << 1) * KINDS * KINDS + kn  # (from the rows above)
    near = (upper + ((-(NN == W)) & (16 * KINDS * KINDS))) + (((-(WW == W)) & (KINDS * KINDS)) + kw * KINDS)
    tn = (((f.s_near + upper * PATTERNS) + ((-(NN == W)) & (16 * KINDS * KINDS * PATTERNS)))
          + (((-(WW == W)) & (KINDS * KINDS * PATTERNS)) + kw * (KINDS * PATTERNS))) + p
    if Direction is Encoding:  # x's label, or k (none)
        s = k
        s = 3 if x == NW else s
        s = 2 if x == v2 else s
        s = 1 if x == v1 else s
        s = 0 if x == W else s
    xs = W
    if p == 0 and Level is Level18:  # all one colour: x == W? (three counters)
        s = _ask3(c, Direction is Decoding, f.cnt + near, f.cnt + NEAR + W * 16 + far,
                  f.cnt + NEAR + 16 * f.n + W * KIND3 + (kne * KINDS + knw) * KINDS + kww, s == 0) ^ 1
    elif p == 0:  # all one colour: x == W?
        s = pal_ask_avg(c, Direction is Decoding, f.cnt + near, f.cnt + NEAR + W * 16 + far, s == 0) ^ 1
    elif Level is Level18:  # the triple table: by W, N, NE and NW's label (0 W, 1 N, 2 NE, 3 another)
        nwl = (NW != W) * (1 + (NW != N) * (1 + (NW != NE)))
        s = _neighbour_symbol(way, level, c, f, tn,
                              f.s_col + (((W << 4 | N) << 4 | NE) << 2 | nwl),
                              f.s_pair + (W * f.nq + v1) * 4 + k - 1, k + 1, s, &xs, W, v1, v2, NW)
    else:  # the pair: W and the first neighbour of another colour
        s = _neighbour_symbol(way, level, c, f, tn, f.s_col + NE * PATTERNS + p,
                              f.s_pair + ((W >> f.q) * f.nq + (v1 >> f.q)) * 4 + k - 1, k + 1, s, &xs, W, v1, v2, NW)
    if s < k:
        kind[0] = s
        if Direction is Decoding:  # x from the coder's answers at once, not from s (a shorter way)
            return xs
        return (W & -(s == 0)) | (v1 & -(s == 1)) | (v2 & -(s == 2)) | (NW & -(s == 3))
    kind[0] = NONE
    # none of them: x is none of W, N, NE, NW (the symbols "refused")
    if Level is Level21:
        return up_code_joint(c, Direction is Decoding, &f.x, x, W, N, NE, NW)
    return up_code(c, Direction is Decoding, &f.x, x, W, N, NE, NW, Level is Level10 or Level is Level18)


cdef int _rows(Direction *way, Level *level, RangeCoder *coder, Pal6 *model, const uint8_t *sym,
               const RowSink *sink, int h, int w, uint8_t *rows) noexcept nogil:
    # encoding reads the strip from sym; decoding writes it through sink (_row_sink.pxd)
    # the coder and the model in local copies: their fields can then stay in registers
    # (through the caller's pointers, every byte the kernel stored might have changed them,
    # and each symbol stored and reloaded the coder's state); the coder is copied back
    # (the decoder's: 1% faster; the encoder's were 1-3% slower)
    cdef RangeCoder cl = coder[0]
    cdef Pal6 fl = model[0]
    cdef RangeCoder *c = &cl if Direction is Decoding else coder
    cdef Pal6 *f = &fl if Direction is Decoding else model
    cdef Py_ssize_t wp = w + 6
    cdef uint8_t *r0
    cdef uint8_t *r1
    cdef uint8_t *r2
    cdef uint8_t *k0
    cdef uint8_t *k1
    cdef uint8_t *out
    cdef const uint8_t *table = sink.table if Direction is Decoding else NULL
    cdef Py_ssize_t step = sink.col_step if Direction is Decoding else 0
    cdef uint8_t *above = f.kinds + 4 * wp
    cdef int r, col, x, W, WW, kind, kw, kww
    for r in range(h):
        r0 = ring_row(rows, wp, r)
        r1 = ring_row(rows, wp, r + 3)
        r2 = ring_row(rows, wp, r + 2)
        k0 = ring_row(f.kinds, wp, r)
        k1 = ring_row(f.kinds, wp, r + 3)
        if Direction is Decoding:
            out = sink.first + r * sink.row_step
        ring_row_start(r0, r1, r)
        pal_above_bits(above, r1, r2, w)
        # W, WW and W's kind carried in registers: the next pixel waits on x
        W = r0[-1]
        WW = r0[-2]
        kw = 0
        kww = 0
        for col in range(w):
            x = 0 if Direction is Decoding else sym[r * w + col]
            x = _code_pixel(way, level, c, f, x, W, r1[col], r1[col - 1], r1[col + 1], WW, r2[col], above[col], kw,
                            k1[col], k1[col + 1], k1[col - 1], kww, &kind)
            r0[col] = <uint8_t>x
            k0[col] = <uint8_t>kind
            kww = kw
            kw = kind
            WW = W
            W = x
            if Direction is Decoding:
                out[0] = table[x]
                out += step
        ring_row_end(r0, w)
        if Direction is Decoding:
            if c.failed:
                break
    if Direction is Decoding:
        coder[0] = cl
    return -1 if c.failed and Direction is Decoding else 0

"""Level 7 of the "cm" payload coding: the palette model of mixed symbol tables (docs/FORMAT.md,
"Level 7: the palette model with mixed symbol tables").

Level 3 asks ``x == W``, then whether x is N, NE or NW (mixed binary questions), and codes a
pixel none of them predicts as one or two symbols of three tables averaged. On the face at
64 colours, measured pixel by pixel against the full model (level 1), almost all of level 3's
extra size is on those pixels that no neighbour predicts: their candidate noes (10% of the
file) and their symbols. Level 7 asks only ``x == W`` and then codes every other pixel as one
(up to 16 colours) or two (high and low 4 bits) symbols of four adaptive tables, chosen by W,
N, NE and the pair (W, N), *mixed geometrically*: each symbol's probability is proportional
to the product of the tables' probabilities, each raised to a weight learned online (the
gradient of the code length; one weight set per pattern of equal neighbours). A table of N
puts its mass on N itself where the picture repeats vertically, so the candidates need no
questions of their own; the product sharpens where the tables agree, as logistic mixing of
binary questions does. The log and exp are 32- and 64-entry integer tables, so every machine
computes the same bits.

The range coder (``_range_coder.pxd``), the tables' learning (``_symbol_tables.pxd``) and
the ``x == W`` question and table rates of level 3 (``_palette_common.pxd``) are shared.
``_cm.pyx`` runs the strips and calls :c:func:`palette7_encode` / :c:func:`palette7_decode`.
"""

from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport calloc, free, malloc

from vqpress.coding._cm_common cimport (
    Decoding, Direction, Encoding, cm_tables_init, ring_row, ring_row_end, ring_row_start)
from vqpress.coding._mixed_tables cimport MT_K, mt_symbol, p7_mix, p7_mix_scalar, p7_prefetch
from vqpress.coding._palette_common cimport PAL_LANES, PAL_NIBBLE, pal_ask_avg, pal_eq, pal_lo_m, pal_table_fill
from vqpress.coding._range_coder cimport RangeCoder, rc_decode_strip, rc_encode_strip

cm_tables_init()

cdef enum:
    LANES = PAL_LANES
    NIBBLE = PAL_NIBBLE
    K = MT_K                    # tables mixed per symbol: by W, N, NE and the pair (W, N)
    PAIR_BITS = 12
    PAIRS = 1 << PAIR_BITS      # tables of the pair, hashed
    PATTERNS = 16               # weight sets per stage, by which neighbours are equal
    # binary counters of x == W (level 3's)
    P_EQ = 0                    # 1024: by eq
    P_WEQ = 1024                # 256 x 8: by W and eq & 7
    P_END = P_WEQ + 256 * 8


# a fresh weight set: the table of W counts twice as much as each of the three others
cdef int32_t _W_START[K]
_W_START[:] = [32768, 16384, 16384, 16384]


ctypedef struct Pal7:
    int n
    int first_m                 # symbols of the first (or only) symbol of x: n, or ceil(n / 16)
    Py_ssize_t block            # tables per block: 3n (by W, N, NE) + PAIRS
    uint32_t *cnt               # binary counters (P_)
    int32_t *weights            # 2 stages x PATTERNS sets of K
    uint16_t *tables            # blocks of symbol tables, LANES u16 each: block 0 the first
    uint8_t *counts             # symbol, block 1 + h the low bits under high bits h


cdef int _alloc(Pal7 *f, int n) noexcept nogil:
    """A fresh model for n symbols. Returns 0, or -1 (free it with _free either way)."""
    cdef Py_ssize_t i, n_blocks
    cdef int h
    f.n = n
    f.first_m = n if n <= NIBBLE else (n + NIBBLE - 1) // NIBBLE
    f.block = 3 * n + PAIRS
    n_blocks = 1 if n <= NIBBLE else 1 + f.first_m
    f.cnt = <uint32_t *>calloc(P_END, sizeof(uint32_t))
    f.weights = <int32_t *>malloc(2 * PATTERNS * K * sizeof(int32_t))
    # (one lane more: p7_mix reads one past a table's end)
    f.tables = <uint16_t *>calloc(n_blocks * f.block * LANES + 1, sizeof(uint16_t))
    f.counts = <uint8_t *>calloc(n_blocks * f.block, 1)
    if f.cnt == NULL or f.weights == NULL or f.tables == NULL or f.counts == NULL:
        return -1
    for i in range(2 * PATTERNS * K):
        f.weights[i] = _W_START[i % K]
    pal_table_fill(f.tables, f.block, f.first_m)
    if n > NIBBLE:
        for h in range(f.first_m):
            pal_table_fill(f.tables + (1 + h) * f.block * LANES, f.block, pal_lo_m(n, h))
    return 0


cdef void _free(Pal7 *f) noexcept nogil:
    free(f.cnt)
    free(f.weights)
    free(f.tables)
    free(f.counts)
    f.cnt = NULL
    f.weights = NULL
    f.tables = NULL
    f.counts = NULL


cdef inline int _symbol(Direction *way, RangeCoder *c, Pal7 *f, Py_ssize_t base, int W, int N, int NE,
                        uint32_t pair, int32_t *w, int m, unsigned refused, int s) noexcept nogil:
    """Symbol s (of m) of the block at table ``base``: its tables of W, N, NE and ``pair``
    mixed by the weight set w, without the symbols in ``refused``; then the tables and the
    weights learn it."""
    cdef Py_ssize_t idx[K]
    idx[0] = base + W
    idx[1] = base + f.n + N
    idx[2] = base + 2 * f.n + NE
    idx[3] = base + 3 * f.n + pair
    return mt_symbol(c, Direction is Decoding, f.tables, f.counts, idx, w, m, refused, s)


cdef inline int _code_pixel(Direction *way, RangeCoder *c, Pal7 *f, int x, int W, int N, int NW, int NE, int WW,
                            int NN, int NNE, int NEE) noexcept nogil:
    cdef int n = f.n, eq, pat, hi, lo
    cdef uint32_t pair
    eq = pal_eq(W, N, NW, NE, WW, NN, NNE, NEE)
    pair = ((<uint32_t>W << 8 | <uint32_t>N) * 0x9E3779B1u) >> (32 - PAIR_BITS)
    # the tables of a pixel that is not W are far apart in memory (2.7 MB at 256 colours):
    # fetch the first symbol's, and the second's of x's likeliest high bits, while x == W is coded
    p7_prefetch(f.tables + (3 * n + pair) * LANES)
    p7_prefetch(f.tables + (n + N) * LANES)
    if n > NIBBLE:
        p7_prefetch(f.tables + ((1 + (W >> 4)) * f.block + 3 * n + pair) * LANES)
    if pal_ask_avg(c, Direction is Decoding, f.cnt + P_EQ + eq, f.cnt + P_WEQ + W * 8 + (eq & 7), x == W):
        return W
    pat = (N == W) | (N == NE) << 1 | (N == NW) << 2 | (NW == W) << 3
    if n <= NIBBLE:
        return _symbol(way, c, f, 0, W, N, NE, pair, f.weights + pat * K, n, 1u << W, x)
    hi = _symbol(way, c, f, 0, W, N, NE, pair, f.weights + pat * K, f.first_m, 0, x >> 4)
    lo = _symbol(way, c, f, (1 + hi) * f.block, W, N, NE, pair, f.weights + (PATTERNS + pat) * K, pal_lo_m(n, hi),
                 (<unsigned>((W >> 4) == hi)) << (W & 15), x & 15)
    return hi * NIBBLE + lo


ctypedef Pal7 PaletteModel

include "_palette_rows.pxi"


cdef int palette7_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil:
    return rc_encode_strip(_strip, sym, h, w, n, out, size)


cdef int palette7_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n) noexcept nogil:
    return rc_decode_strip(_strip, stream, size, sym, h, w, n)


def _mix_test(const uint16_t[:, ::1] tables not None, const int32_t[::1] weights not None, int m, unsigned allowed,
              bint simd=True):
    """Test hook: p7_mix (SSE2 where compiled) or p7_mix_scalar of four tables (4, 17: one
    lane of padding) and weights (4, 0..32767). Returns (total, cum, acc, lg)."""
    cdef const uint16_t *t[K]
    cdef int wq[K]
    cdef int16_t lg[K * LANES]
    cdef uint16_t cum[LANES]
    cdef int32_t acc[K]
    cdef int j, total
    if tables.shape[0] != K or tables.shape[1] != LANES + 1 or weights.shape[0] != K:
        raise ValueError("tables must be (4, 17), weights (4,)")
    for j in range(K):
        t[j] = &tables[j, 0]
        wq[j] = weights[j]
    total = (p7_mix if simd else p7_mix_scalar)(t, wq, m, allowed, lg, cum, acc)
    return (total, [cum[j] for j in range(LANES)], [acc[j] for j in range(K)],
            [[lg[j * LANES + i] for i in range(m)] for j in range(K)])

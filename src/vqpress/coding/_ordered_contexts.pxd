# The contexts that levels 5, 8, 9, 11, 13, 16 and 20 (``_cm_ordered5.pyx``) take from the neighbours
# around the predicted value P (docs/FORMAT.md, "Level 5"): the equality pattern eq13, the shape
# dd (W, N, NE, NW against P, each clipped to +-2: base 5) and the shape d6 (W, N, NE, NW, NN,
# WW against P, each clipped to +-1: base 3), with the residual table's index k = 9 dd + the
# shape of NN and WW. A compare, shift and OR per neighbour and a clip per difference cost
# 63 + 38 of the 470 instructions a pixel of level 13 took on the face in gray; here the
# clipped differences come premultiplied from small tables (one load and one add each) and
# seven of eq13's thirteen questions are asked at once, of one 64-bit word holding the
# neighbours (each byte compared with P: a zero-byte test, its eight answers gathered by a
# multiplication, then placed by a table). The values are those of the formulas, whatever
# the machine: the word is put together from two 32-bit loads where the bytes of a word are
# in memory order (little-endian, or -DOC_NO_WORD to test the other way), byte by byte elsewhere.
# Level 20 asks the same seven questions of two words of one-hot nibbles it slides along the row
# (oc_nib_start, oc_nib_next, oc_eq13_nibbles): two shifts from P to the answers instead of two
# multiplications and a load, on the way from P to the x == P counters (BENCHMARKS.md, round 15).
# Inline: the kernel's copies compile their own.

from libc.stddef cimport ptrdiff_t
from libc.stdint cimport uint8_t, uint64_t

cdef extern from *:
    """
    #include <string.h>
    #if !defined(OC_NO_WORD) && ((defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) \\
        && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) || defined(_M_X64) || defined(_M_IX86) || defined(_M_ARM64))
    #define OC_WORD_LOADS 1
    #endif

    /* oc_dd[32 j + d + 15] = clip(d, 2) * 5^(3 - j) for j = 0..3 (W, N, NE, NW); oc_d6[32 j + d + 15]
       = clip(d, 1) * 3^(5 - j) for j = 0..5 (W, N, NE, NW, NN, WW); d = X - P in -15..15 */
    static int16_t oc_dd[4 * 32];
    static int16_t oc_d6[6 * 32];
    /* the eq13 bits of the answers (bit i: byte i of the window equals P) for NWW, NW, N, NE,
       NNW, NN, NNE (bits 0..6) */
    static uint16_t oc_eq7[128];
    /* oc_onehot[v] = 2^(4 v): v's nibble (oc_nib_start), for v in 0..15 (0 for the bytes above,
       which no row holds: a byte indexes it without a mask) */
    static uint64_t oc_onehot[256];
    /* oc_eq10[x | y << 4 | v << 8] (oc_eq_nibbles): x's bits NWW, NW, N, NE == P, y's NNW, NN,
       NNE, NEE == P, v's W == NW, W == N, placed at eq13's bits in level 20's order: NW, N, NE to
       0, 1, 2, NN, NNE, NEE to 5, 6, 7, NWW, NNW to 8, 9, W == NW, W == N to 11, 12 */
    static uint16_t oc_eq10[1024];

    static void oc_tables_init(void) {
        static const int dd_weight[4] = {125, 25, 5, 1}, d6_weight[6] = {243, 81, 27, 9, 3, 1};
        static const int eq_bit[7] = {11, 2, 1, 3, 12, 5, 6};
        int j, d, m, c;
        for (d = -15; d <= 16; d++) {
            for (j = 0; j < 4; j++) {
                c = d < -2 ? -2 : (d > 2 ? 2 : d);
                oc_dd[32 * j + d + 15] = (int16_t)(d <= 15 ? c * dd_weight[j] : 0);
            }
            for (j = 0; j < 6; j++) {
                c = d < -1 ? -1 : (d > 1 ? 1 : d);
                oc_d6[32 * j + d + 15] = (int16_t)(d <= 15 ? c * d6_weight[j] : 0);
            }
        }
        for (j = 0; j < 256; j++)
            oc_onehot[j] = j < 16 ? 1ull << (4 * j) : 0;
        for (m = 0; m < 1024; m++)
            oc_eq10[m] = (uint16_t)((m >> 1 & 7) | (m >> 5 & 7) << 5 | (m & 1) << 8 | (m >> 4 & 1) << 9 | (m >> 8 & 3) << 11);
        for (m = 0; m < 128; m++) {
            oc_eq7[m] = 0;
            for (j = 0; j < 7; j++)
                if (m >> j & 1)
                    oc_eq7[m] |= (uint16_t)(1u << eq_bit[j]);
        }
    }

    /* The window of a pixel at r1 + col (its row above) and r2 + col (two rows above): NWW, NW,
       N, NE (r1[-2..1]) in bytes 0..3 and NNW, NN, NNE, r2[2] (r2[-1..2]) in bytes 4..7 of the
       word's value (byte i = bits 8 i .. 8 i + 7). */
    static inline uint64_t oc_window(const uint8_t *r1, const uint8_t *r2) {
    #ifdef OC_WORD_LOADS
        uint32_t a, b;
        memcpy(&a, r1 - 2, 4);
        memcpy(&b, r2 - 1, 4);
        return (uint64_t)a | (uint64_t)b << 32;
    #else
        return (uint64_t)r1[-2] | (uint64_t)r1[-1] << 8 | (uint64_t)r1[0] << 16 | (uint64_t)r1[1] << 24
               | (uint64_t)r2[-1] << 32 | (uint64_t)r2[0] << 40 | (uint64_t)r2[1] << 48 | (uint64_t)r2[2] << 56;
    #endif
    }

    /* eq13's bits of NWW, NW, N, NE, NNW, NN, NNE against P (0..255) from the window */
    static inline int oc_eq_window(uint64_t v, int P) {
        uint64_t z = v ^ ((uint64_t)P * 0x0101010101010101ull);                  /* bytes equal to P: 0 */
        uint64_t t = ((z & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | z;  /* top bit: byte not 0 */
        uint64_t m = (~t & 0x8080808080808080ull) >> 7;                          /* bit 8 i: byte i is 0 */
        return oc_eq7[(int)((m * 0x0102040810204080ull) >> 56) & 127];           /* bit i: byte i is 0 */
    }

    /* The same seven answers for P in 0..15 (the neighbours in 0..15 too) from two words of
       one-hot nibbles that a row's loop keeps as it goes (oc_nib_start, oc_nib_next): nibble v of
       a holds [NWW == v], [NW == v], [N == v], [NE == v] in bits 0..3, of b [NNW == v], [NN == v],
       [NNE == v] in bits 0..2, so that P's two nibbles are the window's bits 0..6: two shifts and
       a load from P where oc_eq_window takes a multiplication, the zero-byte test, a second
       multiplication and the load */
    static inline void oc_nib_start(const uint8_t *r1, const uint8_t *r2, uint64_t *a, uint64_t *b) {
        *a = oc_onehot[r1[-2]] | oc_onehot[r1[-1]] << 1 | oc_onehot[r1[0]] << 2 | oc_onehot[r1[1]] << 3;
        *b = oc_onehot[r2[-1]] | oc_onehot[r2[0]] << 1 | oc_onehot[r2[1]] << 2 | oc_onehot[r1[2]] << 3;
    }
    /* the words of the next pixel: each neighbour one place to the left (NW -> NWW, ...), the new
       NE (r1[2]), NNE (r2[2]) and NEE (r1[3]) in */
    static inline void oc_nib_next(const uint8_t *r1, const uint8_t *r2, uint64_t *a, uint64_t *b) {
        *a = (*a >> 1 & 0x7777777777777777ull) | oc_onehot[r1[2]] << 3;
        *b = (*b >> 1 & 0x3333333333333333ull) | oc_onehot[r2[2]] << 2 | oc_onehot[r1[3]] << 3;
    }
    /* oc_nib_start's words of each pixel i = 0 .. w - 1 of a row (r1[-2] .. r1[w + 2] and
       r2[-1] .. r2[w + 1] read) in out[stride i], out[stride i + 1]: slid along the row before it
       (level 20: a loop of its own keeps them in registers, the pixel loop loads two words) */
    static inline void oc_nib_row(int w, const uint8_t *r1, const uint8_t *r2, uint64_t *out, ptrdiff_t stride) {
        uint64_t a, b;
        int i;
        oc_nib_start(r1, r2, &a, &b);
        for (i = 0; i < w; i++) {
            out[stride * i] = a;
            out[stride * i + 1] = b;
            oc_nib_next(r1 + i, r2 + i, &a, &b);
        }
    }

    /* eq13's bits of NWW, NW, N, NE, NNW, NN, NNE, NEE against P and of NW, N against W (P, W
       and the neighbours in 0..15), in level 20's order (oc_eq13_nibbles), from the words: P's
       nibble of a and of b and bits 1..2 of W's nibble of a make an index of oc_eq10 */
    static inline int oc_eq_nibbles(uint64_t a, uint64_t b, int P, int W) {
        int sh = 4 * P;
        return oc_eq10[(int)(a >> sh & 15) | (int)(b >> sh & 15) << 4 | (int)(a >> (4 * W + 1) & 3) << 8];
    }

    /* dd (0..624) of neighbours and P in 0..15 */
    static inline int oc_dd_of(int P, int W, int N, int NE, int NW) {
        const int16_t *t = oc_dd + 15 - P;
        return t[W] + t[32 + N] + t[64 + NE] + t[96 + NW] + 312;
    }

    /* d6 (0..728) */
    static inline int oc_d6_of(int P, int W, int N, int NE, int NW, int NN, int WW) {
        const int16_t *t = oc_d6 + 15 - P;
        return t[W] + t[32 + N] + t[64 + NE] + t[96 + NW] + t[128 + NN] + t[160 + WW] + 364;
    }

    /* k = 9 dd + 3 (clip(NN - P, 1) + 1) + clip(WW - P, 1) + 1 (0..5624) */
    static inline int oc_k_of(int dd, int P, int NN, int WW) {
        const int16_t *t = oc_d6 + 15 - P;
        return 9 * dd + t[128 + NN] + t[160 + WW] + 4;
    }
    """
    void oc_tables_init() noexcept nogil
    uint64_t oc_window(const uint8_t *r1, const uint8_t *r2) noexcept nogil
    int oc_eq_window(uint64_t v, int P) noexcept nogil
    void oc_nib_start(const uint8_t *r1, const uint8_t *r2, uint64_t *a, uint64_t *b) noexcept nogil
    void oc_nib_next(const uint8_t *r1, const uint8_t *r2, uint64_t *a, uint64_t *b) noexcept nogil
    void oc_nib_row(int w, const uint8_t *r1, const uint8_t *r2, uint64_t *out, ptrdiff_t stride) noexcept nogil
    int oc_eq_nibbles(uint64_t a, uint64_t b, int P, int W) noexcept nogil
    int oc_dd_of(int P, int W, int N, int NE, int NW) noexcept nogil
    int oc_d6_of(int P, int W, int N, int NE, int NW, int NN, int WW) noexcept nogil
    int oc_k_of(int dd, int P, int NN, int WW) noexcept nogil


cdef inline int oc_eq13_nibbles(uint64_t a, uint64_t b, int P, int W, int WW, int ne) noexcept nogil:
    """eq13's thirteen answers from oc_nib_start / oc_nib_next's words (P, W, WW and the
    neighbours in 0..15) and ``ne``, (N == NE) << 10 (the row's pass writes it,
    ``_bias_cancellation.pxd``), in other bits (level 20's counters are laid out by them,
    _cm_ordered5.pyx): NW, N, NE, W, WW, NN, NNE, NEE in bits 0..7 (eq13's low byte, in another
    order), NWW, NNW, N == NE, W == NW, W == N in bits 8..12: eq13's bits 0..12 (W, N, NW, NE,
    WW, NN, NNE, NEE, N == NE, W == NW, W == N, NWW, NNW) in bits 3, 1, 0, 2, 4, 5, 6, 7, 10,
    11, 12, 8, 9."""
    return oc_eq_nibbles(a, b, P, W) | (W == P) << 3 | (WW == P) << 4 | ne


cdef inline int oc_eq13(uint64_t window, int P, int W, int WW, int N, int NE, int NW, int NEE) noexcept nogil:
    """eq13: which of W, N, NW, NE, WW, NN, NNE, NEE, NWW, NNW equal P (bits 0..7, 11, 12),
    and N == NE, W == NW, W == N (bits 8..10); ``window`` is oc_window's at the pixel."""
    return (oc_eq_window(window, P) | (W == P) | (WW == P) << 4 | (NEE == P) << 7 | (N == NE) << 8
            | (W == NW) << 9 | (W == N) << 10)

# The prediction of levels 11 and 13 (docs/FORMAT.md, "Level 11" and "Level 13"), around which
# ``_cm_ordered5.pyx`` codes the pixel: four sub-predictions in eighths of a level (W + NE - N,
# and N, W, N corrected by the prediction's own errors T at the neighbours), averaged with
# weights that fall with each one's recent errors around the pixel (level 11, as JPEG XL's
# weighted predictor) or with equal weights (level 13); then kept within the values of W, N
# and NE. What the kernel takes from it: P (the average rounded), the offset class of the
# average from 8 P, and the error class of the |T| around the pixel. The state a pixel leaves
# for its neighbours is one WPCell per pixel in a ring of two rows, the row's own in a WPRow.
# Inline: the kernel's copies compile their own (``averaged`` a constant in each).

from libc.stdint cimport int32_t, uint8_t, uint64_t

cdef extern from *:
    """
    /* level 11: a sub-prediction whose errors around the pixel add up to e (each error x8, at
       most 300; five of them) weighs wp_weight[e] = floor(2^19 / (e + 8)) */
    static int32_t wp_weight[5 * 300 + 1];
    static void wp_tables_init(void) {
        int e;
        for (e = 0; e <= 5 * 300; e++)
            wp_weight[e] = (1 << 19) / (e + 8);
    }
    """
    const int32_t wp_weight[1501]
    void wp_tables_init() noexcept nogil


cdef enum:
    OFFSETS = 5                 # offset classes: pf - 8 P in -4..-3, -2..-1, 0, 1..2, 3
    # the offset class of pf - 8 P = -4 .. 3 is nibble pf - 8 P + 4 = (pf + 4) & 7 of this
    # (0, 0, 1, 1, 2, 3, 3, 4: a shift, not a load, on the way to the pixel's contexts)
    OFFSET_CLASSES = 0x43321100


# What a pixel leaves for the weighted prediction of its neighbours (one struct: the kernel
# keeps two row pointers, not six)
ctypedef struct WPCell:
    uint64_t s                  # the sub-predictions' |errors| S_i (x8), 16 bits each (level 11)
    int32_t t                   # the weighted prediction's error T (x8)
    int32_t a                   # |T|


# The prediction along a row: the rows' cells, W's carried in registers, the last pixel's
# sub-predictions and their average
ctypedef struct WPRow:
    WPCell *c0                  # this row's cells
    WPCell *c1                  # the row above's
    uint64_t sW                 # W's and WW's S_i
    uint64_t sWW
    int tW                      # W's T and |T|
    int aW
    int p0                      # the sub-predictions (x8) ...
    int p1
    int p2
    int p3
    int pf                      # ... and their average, within the values of W, N, NE


cdef inline void wp_row_start(WPRow *s, WPCell *ring, Py_ssize_t stride, int r) noexcept nogil:
    """Row r's start (ring: 2 rows of stride cells, 3 before the row's first pixel)."""
    s.c0 = ring + (r & 1) * stride + 3
    s.c1 = ring + ((r + 1) & 1) * stride + 3
    s.tW = s.aW = 0
    s.sW = s.sWW = 0


cdef inline uint64_t wp_err4(int d) noexcept nogil:
    """|d| (at most 300), for a 16-bit lane of a sum of five."""
    return <uint64_t>(-d if d < 0 else d)


cdef inline int wp_predict(WPRow *s, int col, int W, int N, int NE, int lo, int hi, bint averaged,
                           const uint8_t *error_class, int *oc, int *en) noexcept nogil:
    """P of the pixel at col (W, N, NE its neighbours, lo and hi min and max of W and N); its
    offset class in oc, and in en error_class[] of the four |T| around it."""
    cdef WPCell *c1 = s.c1
    cdef int tN = c1[col].t, tNW = c1[col - 1].t, tNE = c1[col + 1].t, tW = s.tW, pf, v
    cdef uint64_t es
    cdef int32_t w0, w1, w2, w3, den
    if W == N and N == NE and (tW | tN | tNW | tNE) == 0:
        # (a flat neighbourhood predicted exactly: every sub-prediction is 8 W, and so is
        # their average, whatever the weights; the offset is 0, the errors 0)
        s.pf = s.p0 = s.p1 = s.p2 = s.p3 = W * 8
        oc[0] = 2
        en[0] = 0
        return W
    # the four sub-predictions (x8), weighted by their errors around the pixel (es: four
    # 16-bit sums of five errors each)
    s.p0 = (W + NE - N) * 8
    s.p1 = N * 8 - (((tW + tN + tNE) * 16) >> 5)
    s.p2 = W * 8 - (((tW + tN + tNW) * 10) >> 5)
    s.p3 = N * 8 - (((tNW + tN + tNE) * 7) >> 5)
    if averaged:  # level 13: their plain average
        pf = (s.p0 + s.p1 + s.p2 + s.p3 + 2) >> 2
    else:
        es = s.sW + s.sWW + c1[col - 1].s + c1[col].s + c1[col + 1].s
        w0 = wp_weight[es & 0xffff]
        w1 = wp_weight[(es >> 16) & 0xffff]
        w2 = wp_weight[(es >> 32) & 0xffff]
        w3 = wp_weight[es >> 48]
        den = w0 + w1 + w2 + w3
        pf = (w0 * s.p0 + w1 * s.p1 + w2 * s.p2 + w3 * s.p3 + (den >> 1)) // den
    # within the values of W, N, NE
    v = (lo if lo < NE else NE) * 8
    pf = v if pf < v else pf
    v = (hi if hi > NE else NE) * 8
    pf = v if pf > v else pf
    s.pf = pf
    oc[0] = (OFFSET_CLASSES >> (((pf + 4) & 7) << 2)) & 15
    # the error class of the four |T| (at most 120 each: the sum >> 3 stays below 64)
    en[0] = error_class[(s.aW + c1[col - 1].a + c1[col].a + c1[col + 1].a + 4) >> 3]
    return (pf + 4) >> 3


cdef inline void wp_learn(WPRow *s, int col, int x, bint averaged) noexcept nogil:
    """The errors of the prediction of x at col, for the pixels after it (level 13: T only)."""
    cdef int x8 = x * 8
    s.tW = s.pf - x8
    s.c0[col].t = s.tW
    s.aW = -s.tW if s.tW < 0 else s.tW
    s.c0[col].a = s.aW
    if not averaged:
        s.sWW = s.sW
        s.sW = wp_err4(s.p0 - x8) | wp_err4(s.p1 - x8) << 16 | wp_err4(s.p2 - x8) << 32 | wp_err4(s.p3 - x8) << 48
        s.c0[col].s = s.sW

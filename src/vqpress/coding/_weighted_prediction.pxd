# What the prediction of levels 11, 13 and 16 keeps (docs/FORMAT.md, "Level 11" and "Level 13"):
# ``_cm_ordered5.pyx`` predicts a pixel by four sub-predictions in eighths of a level (W + NE
# - N, and N, W, N corrected by the prediction's own errors T at the neighbours), averaged
# with weights that fall with each one's recent errors around the pixel (level 11, as JPEG
# XL's weighted predictor) or with equal weights (level 13). Here: the weights' table, the
# offset classes of the average from 8 P, and the errors a pixel leaves for its neighbours
# (one WPCell per pixel, in a ring of two rows). The arithmetic stays in the kernel's loop:
# moved into inline functions here, it changed how the compiler inlines the kernel's copies
# (level 9 encoding 5% slower, level 13 encoding 4% faster), against a pure move's same speed.

from libc.stdint cimport int32_t, uint64_t

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


cdef inline uint64_t wp_err4(int d) noexcept nogil:
    """|d| (at most 300), for a 16-bit lane of a sum of five."""
    return <uint64_t>(-d if d < 0 else d)

# Level 16's table of the neighbours' symbols (docs/FORMAT.md, "Level 16"), which
# ``_cm_ordered5.pyx`` puts in the place of level 13's third residual table: by the exact
# symbols (W, N), an adaptive 16-lane table over the symbols x = 0..15 themselves (not over
# residuals x - P), learned at every pixel. A colour ramp's symbols are positions in a
# palette order, not intensities: which symbol follows W and N is what level 13's numeric
# prediction misses there (BENCHMARKS.md, round 11, ``exact16``).
#
# Each table is kept with 8 lanes of 0 before it and 8 of K after (WN_STRIDE u16), so that
# its lanes seen from P (lane j = symbol P + j - 8) are one unaligned load at P. Here: the
# tables' start and their lanes around P (P's own mass taken out; the average's top is then
# below 2^15: _symbol_tables.pxd's st_span_top).

from libc.stdint cimport uint16_t
from libc.string cimport memcpy


cdef extern from *:
    """
    #if !defined(ST_NO_SIMD) && !defined(ST_SSE2) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
    #include <emmintrin.h>
    #define ST_SSE2 1
    #endif

    /* A (W, N) table (pad: 8 x 0, its 16 lanes, 8 x 32752) seen from P: tr[j] = pad[P + j],
       less P's own mass m = pad[P + 9] - pad[P + 8] for j > 8 (lane 8, x = P, keeps the one
       unit every lane has); returns the top the lanes now reach, 32752 - m. */
    static inline int ns_around(uint16_t *tr, const uint16_t *pad, int P) {
        int m = pad[P + 9] - pad[P + 8];
    #ifdef ST_SSE2
        const __m128i above = _mm_setr_epi16(0, -1, -1, -1, -1, -1, -1, -1);
        __m128i a = _mm_loadu_si128((const __m128i *)(pad + P));
        __m128i b = _mm_loadu_si128((const __m128i *)(pad + P + 8));
        b = _mm_sub_epi16(b, _mm_and_si128(above, _mm_set1_epi16((short)m)));
        _mm_storeu_si128((__m128i *)tr, a);
        _mm_storeu_si128((__m128i *)(tr + 8), b);
    #else
        int i;
        for (i = 0; i < 16; i++)
            tr[i] = (uint16_t)(pad[P + i] - (i > 8 ? m : 0));
    #endif
        return 32752 - m;
    }

    """
    int ns_around(uint16_t *tr, const uint16_t *pad, int P) noexcept nogil


cdef enum:
    WN_TABLES = 256             # by W << 4 | N
    WN_STRIDE = 32              # u16 a table: 8 x 0, its 16 lanes, 8 x K
    WN_K = 32768 - 16           # a table's counts go from 0 to this (the other tables' K)


cdef inline void ns_fill(uint16_t *t) noexcept nogil:
    """WN_TABLES fresh tables, padded, all flat: lane i at i K / 16."""
    cdef int i
    cdef Py_ssize_t j
    for i in range(8):
        t[i] = 0
        t[24 + i] = WN_K
    for i in range(16):
        t[8 + i] = <uint16_t>(i * WN_K // 16)
    for j in range(1, WN_TABLES):
        memcpy(t + j * WN_STRIDE, t, WN_STRIDE * sizeof(uint16_t))

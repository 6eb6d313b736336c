# Level 20's bias cancellation (docs/FORMAT.md, "Level 20"), which ``_cm_ordered5.pyx`` puts on
# level 13's averaged prediction: the mean error of level 13's prediction in a context of the
# pixel is taken off it before its clamp. The context is 14 bits of the rows above only
# (values and gradients there against t3 = ceil(p3 / 8), p3 being level 13's fourth
# sub-prediction, and the signs of the prediction errors T_N, T_NW), so the contexts of a
# whole row are known before the row: bc_row_contexts writes them (16 pixels a step with SSE2,
# the compares in 8-bit lanes; the rest of the row, and every row elsewhere, by a plain loop: the
# same values), and the pixel
# loop reads its correction off the chain from one pixel to the next. A context's correction K
# (1/128 of an eighth of a level) learns each pixel's error one pixel late (BENCHMARKS.md,
# round 14, ``gray16bc``: a context that waits on W, or the 12 comparisons of round 9's in the
# loop, cost 7-20% of the decode). The same pass writes what level 13's prediction takes from
# the rows above (sums of the errors T above, p3, |T|, the bounds of N and NE), so that the loop
# adds only what waits on the last pixel (BENCHMARKS.md, round 15, ``gray20fast``), and eq13's
# N == NE; all of a pixel's in one cell (BC_CELL int16, with eq13's words of oc_nib_row), which
# the loop reads from one pointer (round 16, ``gray20ins``).

from libc.stddef cimport ptrdiff_t
from libc.stdint cimport int16_t, uint8_t

cdef extern from *:
    """
    #if !defined(BC_NO_SIMD) && !defined(BC_SSE2) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
    #include <emmintrin.h>
    #define BC_SSE2 1
    #define BC_ABS16(v) _mm_max_epi16((v), _mm_sub_epi16(_mm_setzero_si128(), (v)))
    #endif

    #ifdef BC_SSE2
    /* 8 pixels' cells (cell int16 apart) from 8 vectors of 8 lanes (lane i: pixel i's value j in
       vector j): an 8 x 8 transpose of 16-bit lanes */
    static inline void bc_store_cells(int16_t *cells, ptrdiff_t cell, __m128i v0, __m128i v1, __m128i v2, __m128i v3, __m128i v4,
                                      __m128i v5, __m128i v6, __m128i v7) {
        __m128i t0 = _mm_unpacklo_epi16(v0, v1), t1 = _mm_unpackhi_epi16(v0, v1);
        __m128i t2 = _mm_unpacklo_epi16(v2, v3), t3 = _mm_unpackhi_epi16(v2, v3);
        __m128i t4 = _mm_unpacklo_epi16(v4, v5), t5 = _mm_unpackhi_epi16(v4, v5);
        __m128i t6 = _mm_unpacklo_epi16(v6, v7), t7 = _mm_unpackhi_epi16(v6, v7);
        __m128i u0 = _mm_unpacklo_epi32(t0, t2), u1 = _mm_unpackhi_epi32(t0, t2);
        __m128i u2 = _mm_unpacklo_epi32(t1, t3), u3 = _mm_unpackhi_epi32(t1, t3);
        __m128i u4 = _mm_unpacklo_epi32(t4, t6), u5 = _mm_unpackhi_epi32(t4, t6);
        __m128i u6 = _mm_unpacklo_epi32(t5, t7), u7 = _mm_unpackhi_epi32(t5, t7);
        _mm_storeu_si128((__m128i *)cells, _mm_unpacklo_epi64(u0, u4));
        _mm_storeu_si128((__m128i *)(cells + cell), _mm_unpackhi_epi64(u0, u4));
        _mm_storeu_si128((__m128i *)(cells + 2 * cell), _mm_unpacklo_epi64(u1, u5));
        _mm_storeu_si128((__m128i *)(cells + 3 * cell), _mm_unpackhi_epi64(u1, u5));
        _mm_storeu_si128((__m128i *)(cells + 4 * cell), _mm_unpacklo_epi64(u2, u6));
        _mm_storeu_si128((__m128i *)(cells + 5 * cell), _mm_unpackhi_epi64(u2, u6));
        _mm_storeu_si128((__m128i *)(cells + 6 * cell), _mm_unpacklo_epi64(u3, u7));
        _mm_storeu_si128((__m128i *)(cells + 7 * cell), _mm_unpackhi_epi64(u3, u7));
    }
    #endif

    /* The context (0 .. 2^14 - 1) of each pixel i = 0 .. w - 1 of a row, from the row above r1
       (r1[-2] .. r1[w + 1] read), the one above it r2 (r2[-1] .. r2[w]) and the prediction
       errors T1 of the row above (T1[-1] .. T1[w]; 0 outside the strip's pixels):
       t = (8 N - ((7 (T_NW + T_N + T_NE)) >> 5) + 7) >> 3 (>> rounding towards minus
       infinity) and the bits [N < t], [NW < t], [2N - NN < t], [2NE - NEE < t],
       [N + NW - NNW < t], [2NW - NNW < t], [NNE < t], [NEE < t], [NNW < t], [NWW < t],
       [T_N < 0], [T_NW < 0], [T_N > 0], [T_NW > 0] (bit 0 .. 13). Every value fits 16 bits
       (T in -120 .. 120, the neighbours 0 .. 15). With it, what level 13's prediction takes from
       the rows above (_cm_ordered5.pyx's loop adds W and T_W) and what its eq13 takes: pixel i's
       cell is cells[cell i .. cell i + 7] (one pointer for the loop, not eight; cell >= 8), T_N + T_NE,
       T_N + T_NW, 8 NE + p3 + 2 (p3 = 8 N - ((7 (T_NW + T_N + T_NE)) >> 5)),
       |T_NW| + |T_N| + |T_NE|, 8 min(N, NE), 8 max(N, NE), (N == NE) << 10 (oc_eq13_nibbles)
       and the context (BC_CELL_*). */
    static void bc_row_contexts(int w, const uint8_t *r1, const uint8_t *r2, const int16_t *T1, int16_t *cells,
                                ptrdiff_t cell) {
        ptrdiff_t i = 0, n = w;
    #ifdef BC_SSE2
        const __m128i z = _mm_setzero_si128(), seven = _mm_set1_epi16(7), two = _mm_set1_epi16(2);
        /* 16 pixels a step: t in 16-bit lanes, then every compare in 8-bit lanes (each value
           compared fits a signed byte: the neighbours 0 .. 15, the gradients -15 .. 30, t -10 .. 25,
           T -120 .. 120), bits 0..7 and 8..13 of the contexts gathered in two bytes; then the
           values, a vector each, transposed to the pixels' cells */
        for (; i + 16 <= n; i += 16) {
            __m128i N = _mm_loadu_si128((const __m128i *)(r1 + i));
            __m128i NW = _mm_loadu_si128((const __m128i *)(r1 + i - 1));
            __m128i NWW = _mm_loadu_si128((const __m128i *)(r1 + i - 2));
            __m128i NE = _mm_loadu_si128((const __m128i *)(r1 + i + 1));
            __m128i NEE = _mm_loadu_si128((const __m128i *)(r1 + i + 2));
            __m128i NN = _mm_loadu_si128((const __m128i *)(r2 + i));
            __m128i NNW = _mm_loadu_si128((const __m128i *)(r2 + i - 1));
            __m128i NNE = _mm_loadu_si128((const __m128i *)(r2 + i + 1));
            __m128i tNW0 = _mm_loadu_si128((const __m128i *)(T1 + i - 1)), tNW1 = _mm_loadu_si128((const __m128i *)(T1 + i + 7));
            __m128i tN0 = _mm_loadu_si128((const __m128i *)(T1 + i)), tN1 = _mm_loadu_si128((const __m128i *)(T1 + i + 8));
            __m128i tNE0 = _mm_loadu_si128((const __m128i *)(T1 + i + 1)), tNE1 = _mm_loadu_si128((const __m128i *)(T1 + i + 9));
            __m128i s0 = _mm_add_epi16(_mm_add_epi16(tNW0, tN0), tNE0), s1v = _mm_add_epi16(_mm_add_epi16(tNW1, tN1), tNE1);
            __m128i q0 = _mm_sub_epi16(_mm_slli_epi16(_mm_unpacklo_epi8(N, z), 3), _mm_srai_epi16(_mm_mullo_epi16(s0, seven), 5));
            __m128i q1 = _mm_sub_epi16(_mm_slli_epi16(_mm_unpackhi_epi8(N, z), 3), _mm_srai_epi16(_mm_mullo_epi16(s1v, seven), 5));
            __m128i t0 = _mm_srai_epi16(_mm_add_epi16(q0, seven), 3), t1 = _mm_srai_epi16(_mm_add_epi16(q1, seven), 3);
            __m128i lo8 = _mm_slli_epi16(_mm_min_epu8(N, NE), 3), hi8 = _mm_slli_epi16(_mm_max_epu8(N, NE), 3);
            __m128i ne = _mm_and_si128(_mm_cmpeq_epi8(N, NE), _mm_set1_epi8(4));  /* (N == NE) << 10: 4 in the high byte */
            __m128i t = _mm_packs_epi16(t0, t1), tN = _mm_packs_epi16(tN0, tN1), tNW = _mm_packs_epi16(tNW0, tNW1);
            __m128i lo = _mm_and_si128(_mm_cmplt_epi8(N, t), _mm_set1_epi8(1));
            lo = _mm_or_si128(lo, _mm_and_si128(_mm_cmplt_epi8(NW, t), _mm_set1_epi8(2)));
            lo = _mm_or_si128(lo, _mm_and_si128(_mm_cmplt_epi8(_mm_sub_epi8(_mm_add_epi8(N, N), NN), t), _mm_set1_epi8(4)));
            lo = _mm_or_si128(lo, _mm_and_si128(_mm_cmplt_epi8(_mm_sub_epi8(_mm_add_epi8(NE, NE), NEE), t), _mm_set1_epi8(8)));
            lo = _mm_or_si128(lo, _mm_and_si128(_mm_cmplt_epi8(_mm_sub_epi8(_mm_add_epi8(N, NW), NNW), t), _mm_set1_epi8(16)));
            lo = _mm_or_si128(lo, _mm_and_si128(_mm_cmplt_epi8(_mm_sub_epi8(_mm_add_epi8(NW, NW), NNW), t), _mm_set1_epi8(32)));
            lo = _mm_or_si128(lo, _mm_and_si128(_mm_cmplt_epi8(NNE, t), _mm_set1_epi8(64)));
            lo = _mm_or_si128(lo, _mm_and_si128(_mm_cmplt_epi8(NEE, t), _mm_set1_epi8((char)128)));
            __m128i hi = _mm_and_si128(_mm_cmplt_epi8(NNW, t), _mm_set1_epi8(1));
            hi = _mm_or_si128(hi, _mm_and_si128(_mm_cmplt_epi8(NWW, t), _mm_set1_epi8(2)));
            hi = _mm_or_si128(hi, _mm_and_si128(_mm_cmplt_epi8(tN, z), _mm_set1_epi8(4)));
            hi = _mm_or_si128(hi, _mm_and_si128(_mm_cmplt_epi8(tNW, z), _mm_set1_epi8(8)));
            hi = _mm_or_si128(hi, _mm_and_si128(_mm_cmpgt_epi8(tN, z), _mm_set1_epi8(16)));
            hi = _mm_or_si128(hi, _mm_and_si128(_mm_cmpgt_epi8(tNW, z), _mm_set1_epi8(32)));
            bc_store_cells(cells + cell * i, cell, _mm_add_epi16(tN0, tNE0), _mm_add_epi16(tN0, tNW0),
                           _mm_add_epi16(_mm_add_epi16(_mm_slli_epi16(_mm_unpacklo_epi8(NE, z), 3), q0), two),
                           _mm_add_epi16(_mm_add_epi16(BC_ABS16(tNW0), BC_ABS16(tN0)), BC_ABS16(tNE0)),
                           _mm_unpacklo_epi8(lo8, z), _mm_unpacklo_epi8(hi8, z), _mm_unpacklo_epi8(z, ne),
                           _mm_unpacklo_epi8(lo, hi));
            bc_store_cells(cells + cell * (i + 8), cell, _mm_add_epi16(tN1, tNE1), _mm_add_epi16(tN1, tNW1),
                           _mm_add_epi16(_mm_add_epi16(_mm_slli_epi16(_mm_unpackhi_epi8(NE, z), 3), q1), two),
                           _mm_add_epi16(_mm_add_epi16(BC_ABS16(tNW1), BC_ABS16(tN1)), BC_ABS16(tNE1)),
                           _mm_unpackhi_epi8(lo8, z), _mm_unpackhi_epi8(hi8, z), _mm_unpackhi_epi8(z, ne),
                           _mm_unpackhi_epi8(lo, hi));
        }
    #endif
        for (; i < n; i++) {
            int N = r1[i], NW = r1[i - 1], NWW = r1[i - 2], NE = r1[i + 1], NEE = r1[i + 2], NN = r2[i], NNW = r2[i - 1],
                NNE = r2[i + 1], tNW = T1[i - 1], tN = T1[i], tNE = T1[i + 1];
            int q = 8 * N - (((tNW + tN + tNE) * 7) >> 5), t = (q + 7) >> 3;
            int16_t *at = cells + cell * i;
            at[0] = (int16_t)(tN + tNE);
            at[1] = (int16_t)(tN + tNW);
            at[2] = (int16_t)(8 * NE + q + 2);
            at[3] = (int16_t)((tNW < 0 ? -tNW : tNW) + (tN < 0 ? -tN : tN) + (tNE < 0 ? -tNE : tNE));
            at[4] = (int16_t)(8 * (N < NE ? N : NE));
            at[5] = (int16_t)(8 * (N > NE ? N : NE));
            at[6] = (int16_t)((N == NE) << 10);
            at[7] = (int16_t)((N < t) | (NW < t) << 1 | (2 * N - NN < t) << 2 | (2 * NE - NEE < t) << 3
                                | (N + NW - NNW < t) << 4 | (2 * NW - NNW < t) << 5 | (NNE < t) << 6 | (NEE < t) << 7
                                | (NNW < t) << 8 | (NWW < t) << 9 | (tN < 0) << 10 | (tNW < 0) << 11 | (tN > 0) << 12
                                | (tNW > 0) << 13);
        }
    }
    """
    void bc_row_contexts(int w, const uint8_t *r1, const uint8_t *r2, const int16_t *T1, int16_t *cells,
                         ptrdiff_t cell) noexcept nogil


cdef enum:
    BC_CONTEXTS = 1 << 14       # contexts of the bias cancellation (a correction each, int16)
    BC_NONE = BC_CONTEXTS       # the context "learned" before a strip's first pixel (a spare slot)
    BC_FRACTION = 7             # K holds the correction in 1/2^BC_FRACTION of an eighth of a level
    BC_RATE = 6                 # K moves 1/2^BC_RATE of the way to each error it learns
    BC_CELL = 16                # a pixel's cell: BC_CELL int16, bc_row_contexts' 8 ...
    BC_CELL_WORDS = 8           # ... then, from this one, oc_nib_row's two words (_ordered_contexts.pxd)
    BC_CELL_TN_NE = 0           # T_N + T_NE
    BC_CELL_TN_NW = 1           # T_N + T_NW
    BC_CELL_P3 = 2              # 8 NE + p3 + 2
    BC_CELL_ABS = 3             # |T_NW| + |T_N| + |T_NE|
    BC_CELL_LO = 4              # 8 min(N, NE)
    BC_CELL_HI = 5              # 8 max(N, NE)
    BC_CELL_NE = 6              # (N == NE) << 10
    BC_CELL_CONTEXT = 7         # the context

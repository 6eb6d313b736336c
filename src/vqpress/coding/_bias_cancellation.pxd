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
# N == NE (round 16, ``gray20ins``).

from libc.stddef cimport ptrdiff_t
from libc.stdint cimport int16_t, uint8_t, uint16_t

cdef extern from *:
    """
    #if !defined(BC_NO_SIMD) && !defined(BC_SSE2) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
    #include <emmintrin.h>
    #define BC_SSE2 1
    #define BC_ABS16(v) _mm_max_epi16((v), _mm_sub_epi16(_mm_setzero_si128(), (v)))
    #endif

    /* The context (0 .. 2^14 - 1) of each pixel i = 0 .. w - 1 of a row, from the row above r1
       (r1[-2] .. r1[w + 1] read), the one above it r2 (r2[-1] .. r2[w]) and the prediction
       errors T1 of the row above (T1[-1] .. T1[w]; 0 outside the strip's pixels):
       t = (8 N - ((7 (T_NW + T_N + T_NE)) >> 5) + 7) >> 3 (>> rounding towards minus
       infinity) and the bits [N < t], [NW < t], [2N - NN < t], [2NE - NEE < t],
       [N + NW - NNW < t], [2NW - NNW < t], [NNE < t], [NEE < t], [NNW < t], [NWW < t],
       [T_N < 0], [T_NW < 0], [T_N > 0], [T_NW > 0] (bit 0 .. 13). Every value fits 16 bits
       (T in -120 .. 120, the neighbours 0 .. 15). With them, what level 13's prediction takes from
       the rows above (_cm_ordered5.pyx's loop adds W and T_W): in sums[j * stride + i] for j =
       0 .. 5, T_N + T_NE, T_N + T_NW, 8 NE + p3 + 2 (p3 = 8 N - ((7 (T_NW + T_N + T_NE)) >> 5)),
       |T_NW| + |T_N| + |T_NE|, 8 min(N, NE) and 8 max(N, NE); and for its eq13 (j = 6,
       oc_eq13_nibbles), (N == NE) << 10. */
    static void bc_row_contexts(int w, const uint8_t *r1, const uint8_t *r2, const int16_t *T1, uint16_t *out,
                                int16_t *sums, ptrdiff_t stride) {
        ptrdiff_t i = 0, n = w;
        int16_t *s1 = sums, *s2 = sums + stride, *k1 = sums + 2 * stride, *a3 = sums + 3 * stride,
                *lo = sums + 4 * stride, *hi = sums + 5 * stride, *ne = sums + 6 * stride;
    #ifdef BC_SSE2
        const __m128i z = _mm_setzero_si128(), seven = _mm_set1_epi16(7);
        /* 16 pixels a step: t in 16-bit lanes, then every compare in 8-bit lanes (each value
           compared fits a signed byte: the neighbours 0 .. 15, the gradients -15 .. 30, t -10 .. 25,
           T -120 .. 120), bits 0..7 and 8..13 of the contexts gathered in two bytes */
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
            _mm_storeu_si128((__m128i *)(s1 + i), _mm_add_epi16(tN0, tNE0));
            _mm_storeu_si128((__m128i *)(s1 + i + 8), _mm_add_epi16(tN1, tNE1));
            _mm_storeu_si128((__m128i *)(s2 + i), _mm_add_epi16(tN0, tNW0));
            _mm_storeu_si128((__m128i *)(s2 + i + 8), _mm_add_epi16(tN1, tNW1));
            {
                __m128i NE0 = _mm_unpacklo_epi8(NE, z), NE1 = _mm_unpackhi_epi8(NE, z), two = _mm_set1_epi16(2);
                __m128i lo8 = _mm_slli_epi16(_mm_min_epu8(N, NE), 3), hi8 = _mm_slli_epi16(_mm_max_epu8(N, NE), 3);
                _mm_storeu_si128((__m128i *)(k1 + i), _mm_add_epi16(_mm_add_epi16(_mm_slli_epi16(NE0, 3), q0), two));
                _mm_storeu_si128((__m128i *)(k1 + i + 8), _mm_add_epi16(_mm_add_epi16(_mm_slli_epi16(NE1, 3), q1), two));
                _mm_storeu_si128((__m128i *)(lo + i), _mm_unpacklo_epi8(lo8, z));
                _mm_storeu_si128((__m128i *)(lo + i + 8), _mm_unpackhi_epi8(lo8, z));
                _mm_storeu_si128((__m128i *)(hi + i), _mm_unpacklo_epi8(hi8, z));
                _mm_storeu_si128((__m128i *)(hi + i + 8), _mm_unpackhi_epi8(hi8, z));
                hi8 = _mm_and_si128(_mm_cmpeq_epi8(N, NE), _mm_set1_epi8(4));  /* (N == NE) << 10: 4 in the high byte */
                _mm_storeu_si128((__m128i *)(ne + i), _mm_unpacklo_epi8(z, hi8));
                _mm_storeu_si128((__m128i *)(ne + i + 8), _mm_unpackhi_epi8(z, hi8));
            }
            _mm_storeu_si128((__m128i *)(a3 + i), _mm_add_epi16(_mm_add_epi16(BC_ABS16(tNW0), BC_ABS16(tN0)), BC_ABS16(tNE0)));
            _mm_storeu_si128((__m128i *)(a3 + i + 8), _mm_add_epi16(_mm_add_epi16(BC_ABS16(tNW1), BC_ABS16(tN1)), BC_ABS16(tNE1)));
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
            _mm_storeu_si128((__m128i *)(out + i), _mm_unpacklo_epi8(lo, hi));
            _mm_storeu_si128((__m128i *)(out + i + 8), _mm_unpackhi_epi8(lo, hi));
        }
    #endif
        for (; i < n; i++) {
            int N = r1[i], NW = r1[i - 1], NWW = r1[i - 2], NE = r1[i + 1], NEE = r1[i + 2], NN = r2[i], NNW = r2[i - 1],
                NNE = r2[i + 1], tNW = T1[i - 1], tN = T1[i], tNE = T1[i + 1];
            int q = 8 * N - (((tNW + tN + tNE) * 7) >> 5), t = (q + 7) >> 3;
            s1[i] = (int16_t)(tN + tNE);
            s2[i] = (int16_t)(tN + tNW);
            k1[i] = (int16_t)(8 * NE + q + 2);
            lo[i] = (int16_t)(8 * (N < NE ? N : NE));
            hi[i] = (int16_t)(8 * (N > NE ? N : NE));
            ne[i] = (int16_t)((N == NE) << 10);
            a3[i] = (int16_t)((tNW < 0 ? -tNW : tNW) + (tN < 0 ? -tN : tN) + (tNE < 0 ? -tNE : tNE));
            out[i] = (uint16_t)((N < t) | (NW < t) << 1 | (2 * N - NN < t) << 2 | (2 * NE - NEE < t) << 3
                                | (N + NW - NNW < t) << 4 | (2 * NW - NNW < t) << 5 | (NNE < t) << 6 | (NEE < t) << 7
                                | (NNW < t) << 8 | (NWW < t) << 9 | (tN < 0) << 10 | (tNW < 0) << 11 | (tN > 0) << 12
                                | (tNW > 0) << 13);
        }
    }
    """
    void bc_row_contexts(int w, const uint8_t *r1, const uint8_t *r2, const int16_t *T1, uint16_t *out, int16_t *sums,
                         ptrdiff_t stride) noexcept nogil


cdef enum:
    BC_CONTEXTS = 1 << 14       # contexts of the bias cancellation (a correction each, int16)
    BC_NONE = BC_CONTEXTS       # the context "learned" before a strip's first pixel (a spare slot)
    BC_FRACTION = 7             # K holds the correction in 1/2^BC_FRACTION of an eighth of a level
    BC_RATE = 6                 # K moves 1/2^BC_RATE of the way to each error it learns

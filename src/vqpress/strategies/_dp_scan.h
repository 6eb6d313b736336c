/* The inner scan of the divide-and-conquer DP layer (see _dp_layers.pyx).
 *
 * For one row `mid`, the first least value of
 *     base[i] - (s_mid - s[i])^2 / (w_mid - w[i])        for i in [lo, hi]
 * The division dominates, so candidates are evaluated in blocks by a loop the compiler
 * vectorises (on x86-64 Linux also built for AVX2 and picked at run time), then each
 * block's least value is found by a second vectorisable loop and compared with the best so
 * far. A block's minimum replaces the best only when strictly smaller, and is then located
 * at its first occurrence, so the result is the first overall minimum: what one running
 * minimum over the candidates in order gives. Every candidate is the same IEEE expression
 * at any vector width (no fused multiply-add: the build turns contraction off).
 */
#ifndef VQPRESS_DP_SCAN_H
#define VQPRESS_DP_SCAN_H

#include <math.h>
#include <stddef.h>

#define VQ_DP_BLOCK 256

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#  define VQ_DP_CLONES __attribute__((target_clones("avx2", "default")))
#else
#  define VQ_DP_CLONES
#endif

VQ_DP_CLONES
static double vq_dp_block(const double *restrict base, const double *restrict w,
                          const double *restrict s, double w_mid, double s_mid,
                          Py_ssize_t len, double *restrict out)
{
    Py_ssize_t i;
    double m0 = INFINITY, m1 = INFINITY, m2 = INFINITY, m3 = INFINITY;
    for (i = 0; i < len; i++) {
        double ds = s_mid - s[i];
        out[i] = base[i] - ds * ds / (w_mid - w[i]);
    }
    for (i = 0; i + 4 <= len; i += 4) {
        m0 = out[i] < m0 ? out[i] : m0;
        m1 = out[i + 1] < m1 ? out[i + 1] : m1;
        m2 = out[i + 2] < m2 ? out[i + 2] : m2;
        m3 = out[i + 3] < m3 ? out[i + 3] : m3;
    }
    for (; i < len; i++)
        m0 = out[i] < m0 ? out[i] : m0;
    m0 = m1 < m0 ? m1 : m0;
    m2 = m3 < m2 ? m3 : m2;
    return m2 < m0 ? m2 : m0;
}

static double vq_dp_scan(const double *base, const double *w, const double *s, Py_ssize_t mid,
                         Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t *arg)
{
    double buf[VQ_DP_BLOCK];
    double best = INFINITY, least;
    Py_ssize_t best_i = lo, start, len, i;
    const double w_mid = w[mid], s_mid = s[mid];
    for (start = lo; start <= hi; start += VQ_DP_BLOCK) {
        len = hi - start + 1 < VQ_DP_BLOCK ? hi - start + 1 : VQ_DP_BLOCK;
        least = vq_dp_block(base + start, w + start, s + start, w_mid, s_mid, len, buf);
        if (least < best) {
            for (i = 0; buf[i] != least; i++)
                ;
            best = buf[i];  /* (equal to least; the element's own zero sign) */
            best_i = start + i;
        }
    }
    *arg = best_i;
    return best;
}

#endif

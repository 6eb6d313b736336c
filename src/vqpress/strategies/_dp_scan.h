/* The inner loops of the DP layers (see _dp_layers.pyx).
 *
 * vq_dp_scan: the divide-and-conquer layer's scan of one row.
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
#include <stdint.h>

#define VQ_DP_BLOCK 256
/* Rows with fewer candidates than this are scanned directly (no block set-up). */
#define VQ_DP_SHORT 32

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
    if (hi - lo < VQ_DP_SHORT) {  /* most rows, deep in the recursion: one running minimum */
        for (i = lo; i <= hi; i++) {
            double ds = s_mid - s[i];
            double v = base[i] - ds * ds / (w_mid - w[i]);
            if (v < best) {
                best = v;
                best_i = i;
            }
        }
        *arg = best_i;
        return best;
    }
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

/* The dense layer's loops, by splits rather than by rows, so the inner loop runs over the
 * rows j (contiguous, vectorised, no search for a minimum's index):
 * vq_dense_costs: the costs of the segments starting at i,
 *     out[j] = (q[j] - q[i]) - (s[j] - s[i])^2 / (w[j] - w[i])     for j > i;
 * vq_dense_update: split i offered to rows lo..hi, each keeping the first least
 *     costs[i, j] + prev[i]: taken when strictly less, and the splits come in increasing
 *     order, so each row ends with the first split of its least value. */
VQ_DP_CLONES
static void vq_dense_costs(const double *restrict w, const double *restrict s, const double *restrict q,
                           Py_ssize_t i, Py_ssize_t n1, double *restrict out)
{
    Py_ssize_t j;
    const double wi = w[i], si = s[i], qi = q[i];
    for (j = i + 1; j < n1; j++) {
        double ds = s[j] - si;
        out[j] = (q[j] - qi) - ds * ds / (w[j] - wi);
    }
}

VQ_DP_CLONES
static void vq_dense_update(const double *restrict costs_i, double prev_i, int64_t i, Py_ssize_t lo,
                            Py_ssize_t hi, double *restrict cost, int64_t *restrict best)
{
    Py_ssize_t j;
    for (j = lo; j <= hi; j++) {
        double v = costs_i[j] + prev_i;
        int better = v < cost[j];
        cost[j] = better ? v : cost[j];
        best[j] = better ? i : best[j];
    }
}

#endif

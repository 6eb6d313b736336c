# cython: boundscheck=False, wraparound=False, cdivision=True, language_level=3
"""Code lengths of level 6's neighbour symbol under other contexts, with level 6's own
adaptive tables and counters (docs/FORMAT.md "Level 6"): a measuring tool for
``bench_neighbour_contexts.py`` (compiled on first use by pyximport), not part of vqpress.

Every function takes one row per table (or counter) kind of ``keys``: the dense index of the
table each pixel uses, pixels in coding order, and returns the ideal code length in bits
(the range coder's own overhead left out).
"""

import numpy as np

from libc.math cimport exp, log, log2
from libc.stdint cimport int64_t

cdef int RATE[33]
for _i, _r in enumerate([1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3] + [4] * 20 + [5]):
    RATE[_i] = _r


cdef inline void _fresh(int[:, ::1] t, long key, int m, int K, const int *init, int u0) noexcept nogil:
    """A table of m symbols at its start: level 3's (all alike), or ``init``'s lanes."""
    cdef int l
    for l in range(1, 5):
        t[key, l - 1] = (init[l - 1] if init != NULL else l * K // m) if l < m else K
    t[key, 4] = u0


cdef inline void _learn(int[:, ::1] t, long key, int K, int s) noexcept nogil:
    """Level 3's learning: lanes 1..4 move 1 / 2^RATE[count] of the way to their target."""
    cdef int l, v, r, u = t[key, 4]
    t[key, 4] = u + (u < 32)
    r = RATE[u]
    for l in range(1, 5):
        v = t[key, l - 1]
        t[key, l - 1] = v + (((K if l > s else 0) - v) >> r)


cdef inline double _freq(int[:, ::1] t, long key, int m, int s) noexcept nogil:
    """f(s) / 2^15 of one table."""
    cdef int lo = 0 if s == 0 else t[key, s - 1] + s
    cdef int hi = 32768 if s == m - 1 else t[key, s] + s + 1
    return (hi - lo) / 32768.0


cdef inline double _freq211(int[:, ::1] a, int[:, ::1] b, int[:, ::1] d, long ka, long kb, long kd, int m,
                            int s) noexcept nogil:
    """f(s) / 2^15 of level 6's integer average of tables a, b, d (weighted 2:1:1)."""
    cdef int lo = 0, hi = 32768
    if s > 0:
        lo = ((a[ka, s - 1] + ((b[kb, s - 1] + d[kd, s - 1]) >> 1)) >> 1) + s
    if s < m - 1:
        hi = ((a[ka, s] + ((b[kb, s] + d[kd, s]) >> 1)) >> 1) + s + 1
    return (hi - lo) / 32768.0


def tables(long[:, ::1] keys, long[::1] s, long[::1] m, double[::1] weights, double[::1] confidence=None,
           int[:, :, ::1] init=None, int u0=0):
    """The neighbour symbol s (of m = k + 1) coded with the linear average of the tables of
    ``keys`` (T <= 4 rows), weighted by ``weights`` (times ``confidence[count]`` of each
    table if given). Three tables weighted 2:1:1 use level 6's integer average exactly.
    ``init`` (T x N x 4): the lanes a table starts with when pixel i makes it (then its count
    starts at u0)."""
    cdef int T = keys.shape[0], N = keys.shape[1]
    cdef int i, j, sym, mm, K
    cdef double total = 0.0, pr, wsum, f
    cdef bint exact = T == 3 and weights[0] == 2 and weights[1] == 1 and weights[2] == 1 and confidence is None
    tabs = [np.zeros((int(np.max(keys[j])) + 1, 5), np.int32) - 1 for j in range(T)]
    cdef int[:, ::1] t0 = tabs[0], t1 = tabs[1 % T], t2 = tabs[2 % T], t3 = tabs[3 % T]
    cdef int[:, ::1] t
    for i in range(N):
        sym = s[i]; mm = m[i]; K = 32768 - mm
        pr = 0.0
        wsum = 0.0
        for j in range(T):
            t = t0 if j == 0 else (t1 if j == 1 else (t2 if j == 2 else t3))
            if t[keys[j, i], 4] < 0:
                _fresh(t, keys[j, i], mm, K, &init[j, i, 0] if init is not None else NULL, u0)
        if exact:
            pr = _freq211(t0, t1, t2, keys[0, i], keys[1, i], keys[2, i], mm, sym)
        else:
            for j in range(T):
                t = t0 if j == 0 else (t1 if j == 1 else (t2 if j == 2 else t3))
                f = weights[j] * (confidence[t[keys[j, i], 4]] if confidence is not None else 1.0)
                pr += f * _freq(t, keys[j, i], mm, sym)
                wsum += f
            pr /= wsum
        total -= log2(pr)
        for j in range(T):
            t = t0 if j == 0 else (t1 if j == 1 else (t2 if j == 2 else t3))
            _learn(t, keys[j, i], K, sym)
    return total


def geometric(long[:, ::1] keys, long[::1] s, long[::1] m, long[::1] weight_set, int n_sets, double rate):
    """As tables(), the tables mixed geometrically (P(s) ~ prod f_j(s)^w_j) with weights
    learned by gradient (``rate``) per weight set: a bound, far too slow for the kernel."""
    cdef int T = keys.shape[0], N = keys.shape[1]
    cdef int i, j, u, sym, mm, K
    cdef double total = 0.0, z, top, g
    cdef double lf[4][5]
    cdef double pm[5]
    tabs = [np.zeros((int(np.max(keys[j])) + 1, 5), np.int32) - 1 for j in range(T)]
    cdef int[:, ::1] t0 = tabs[0], t1 = tabs[1 % T], t2 = tabs[2 % T], t3 = tabs[3 % T]
    cdef int[:, ::1] t
    w_ = np.full((n_sets, T), 1.3 / T)
    cdef double[:, ::1] w = w_
    for i in range(N):
        sym = s[i]; mm = m[i]; K = 32768 - mm
        for j in range(T):
            t = t0 if j == 0 else (t1 if j == 1 else (t2 if j == 2 else t3))
            if t[keys[j, i], 4] < 0:
                _fresh(t, keys[j, i], mm, K, NULL, 0)
            for u in range(mm):
                lf[j][u] = log(_freq(t, keys[j, i], mm, u))
        top = -1e300
        for u in range(mm):
            pm[u] = 0.0
            for j in range(T):
                pm[u] += w[weight_set[i], j] * lf[j][u]
            top = pm[u] if pm[u] > top else top
        z = 0.0
        for u in range(mm):
            pm[u] = exp(pm[u] - top)
            z += pm[u]
        for u in range(mm):
            pm[u] = max(pm[u] / z, 1e-5)
        total -= log2(pm[sym])
        for j in range(T):
            g = lf[j][sym]
            for u in range(mm):
                g -= pm[u] * lf[j][u]
            w[weight_set[i], j] += rate * g
            t = t0 if j == 0 else (t1 if j == 1 else (t2 if j == 2 else t3))
            _learn(t, keys[j, i], K, sym)
    return total


def refined(long[:, ::1] keys, long[::1] s, long[::1] m, long[::1] actx, int nctx, double rate, double mixw):
    """Level 6's 2:1:1 average of three tables, then P(s == 0) refined by an adaptive
    probability map (33 buckets of stretch(P0), interpolated; learning ``rate``) per context
    ``actx``, blended with weight ``mixw``; the other symbols rescaled."""
    cdef int N = keys.shape[1], i, j, sym, mm, K, b
    cdef double total = 0.0, p0, st, fr, a, pf, pr
    tabs = [np.zeros((int(np.max(keys[j])) + 1, 5), np.int32) - 1 for j in range(3)]
    cdef int[:, ::1] t0 = tabs[0], t1 = tabs[1], t2 = tabs[2]
    cdef int[:, ::1] t
    A_ = np.empty((nctx, 33))
    for b in range(33):
        A_[:, b] = 1.0 / (1.0 + exp(-((b - 16) / 2.0)))
    cdef double[:, ::1] A = A_
    for i in range(N):
        sym = s[i]; mm = m[i]; K = 32768 - mm
        for j in range(3):
            t = t0 if j == 0 else (t1 if j == 1 else t2)
            if t[keys[j, i], 4] < 0:
                _fresh(t, keys[j, i], mm, K, NULL, 0)
        pr = _freq211(t0, t1, t2, keys[0, i], keys[1, i], keys[2, i], mm, sym)
        p0 = _freq211(t0, t1, t2, keys[0, i], keys[1, i], keys[2, i], mm, 0)
        st = log(p0 / (1 - p0)) * 2.0 + 16
        if st < 0: st = 0
        if st > 31.999: st = 31.999
        b = <int>st; fr = st - b
        a = A[actx[i], b] * (1 - fr) + A[actx[i], b + 1] * fr
        pf = (1 - mixw) * p0 + mixw * a
        if pf < 1e-4: pf = 1e-4
        if pf > 1 - 1e-4: pf = 1 - 1e-4
        if sym == 0:
            pr = pf
        else:
            pr = pr * (1 - pf) / (1 - p0)
        total -= log2(pr)
        A[actx[i], b] += rate * (1 - fr) * ((sym == 0) - A[actx[i], b])
        A[actx[i], b + 1] += rate * fr * ((sym == 0) - A[actx[i], b + 1])
        for j in range(3):
            t = t0 if j == 0 else (t1 if j == 1 else t2)
            _learn(t, keys[j, i], K, sym)
    return total


def counters(long[:, ::1] keys, long[::1] bit, double[::1] weights):
    """The bit x == W (pattern 0) of level 2's counters (rate 1 / (n + 1.5), n up to 127),
    their 12-bit probabilities averaged (weighted)."""
    cdef int T = keys.shape[0], N = keys.shape[1], i, j, b, p12
    cdef double total = 0.0, pr, wsum = 0.0
    cdef int64_t p, n
    state = [np.zeros(int(np.max(keys[j])) + 1, np.int64) + ((1 << 21) << 10) for j in range(T)]
    cdef long[::1] c0 = state[0], c1 = state[1 % T], c2 = state[2 % T], c3 = state[3 % T]
    cdef long[::1] c
    for j in range(T):
        wsum += weights[j]
    for i in range(N):
        b = bit[i]
        pr = 0.0
        for j in range(T):
            c = c0 if j == 0 else (c1 if j == 1 else (c2 if j == 2 else c3))
            pr += weights[j] * (c[keys[j, i]] >> 20)
        p12 = <int>(pr / wsum)
        p12 = 1 if p12 < 1 else (4095 if p12 > 4095 else p12)
        total -= log2((p12 if b else 4096 - p12) / 4096.0)
        for j in range(T):
            c = c0 if j == 0 else (c1 if j == 1 else (c2 if j == 2 else c3))
            p = c[keys[j, i]] >> 10
            n = c[keys[j, i]] & 1023
            p += ((((<int64_t>b) << 22) - p) * (131072 // (2 * n + 3))) >> 16
            c[keys[j, i]] = (p << 10) | (n + (n < 127))
    return total

"""Greedy variance-minimising box splits (Wu's criterion).

Start with one box holding every point; repeatedly cut the box whose best axis-aligned cut
removes the most weighted squared error, until there are ``k`` boxes or no cut removes any.
The points are sorted along every axis once; a box is a range of those sorted lists, and a
cut partitions the ranges of the other axes stably, so each cut costs time in proportion to
the box's size. The best cuts of the two boxes a cut makes are searched as two tasks on the
thread pool (the boxes are independent: the same results on any number of threads).

References
----------
.. [1] X. Wu, "Efficient statistical computations for optimal color quantization",
   Graphics Gems II, pp. 126-133, 1991.
"""

import numpy as np

from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc

from vqpress._threadpool cimport parallel_for
from vqpress.colour._common cimport radix_sort

cdef enum:
    _PAR_CUT = 256  # boxes of at least this many points search the new boxes' cuts in parallel


cdef struct _Split:
    const double *X
    const double *w
    Py_ssize_t m, d
    int64_t *P            # (d, m): row ax lists the points sorted along axis ax, box by box
    int64_t *starts
    int64_t *ends
    double *gains
    int64_t *axes
    int64_t *nleft
    int64_t pair[2]       # the two boxes whose cuts a parallel search finds
    int failed


cdef void _best_cut(_Split *sp, Py_ssize_t j) noexcept nogil:
    """Best variance-reducing axis-aligned cut of box j: writes its gain, axis (-1 when no
    cut reduces the squared error) and the number of points left of it, always between two
    distinct coordinates. The running sums are scalars (in registers), added in the order a
    loop over the channels would add them."""
    cdef const double *X = sp.X
    cdef const double *w = sp.w
    cdef Py_ssize_t d = sp.d, m = sp.m, s = sp.starts[j], e = sp.ends[j], t, ax
    cdef const int64_t *P
    cdef int64_t i, i2
    cdef double W = 0.0, S0 = 0.0, S1 = 0.0, S2 = 0.0, S3 = 0.0, base, wi
    cdef double WL, L0, L1, L2, L3, WR, l2, r0, r1, r2, r3, rr, gain
    cdef double best_gain = 0.0
    cdef int64_t best_axis = -1, best_n = 0
    P = sp.P
    for t in range(s, e):
        i = P[t]
        W += w[i]
        S0 += w[i] * X[i * d]
        S1 += w[i] * X[i * d + 1]
        S2 += w[i] * X[i * d + 2]
        if d > 3:
            S3 += w[i] * X[i * d + 3]
    base = S0 * S0 + S1 * S1 + S2 * S2
    if d > 3:
        base += S3 * S3
    base /= W
    for ax in range(d):
        P = sp.P + ax * m
        WL = 0.0
        L0 = 0.0
        L1 = 0.0
        L2 = 0.0
        L3 = 0.0
        i = P[s]
        for t in range(s, e - 1):
            wi = w[i]
            WL += wi
            L0 += wi * X[i * d]
            L1 += wi * X[i * d + 1]
            L2 += wi * X[i * d + 2]
            if d > 3:
                L3 += wi * X[i * d + 3]
            i2 = P[t + 1]
            if X[i2 * d + ax] == X[i * d + ax]:
                i = i2
                continue  # only cut between distinct values along the axis
            i = i2
            WR = W - WL
            if WR <= 0.0:
                continue
            l2 = L0 * L0 + L1 * L1 + L2 * L2
            r0 = S0 - L0
            r1 = S1 - L1
            r2 = S2 - L2
            rr = r0 * r0 + r1 * r1 + r2 * r2
            if d > 3:
                l2 += L3 * L3
                r3 = S3 - L3
                rr += r3 * r3
            gain = l2 / WL + rr / WR - base
            if gain > best_gain:
                best_gain = gain
                best_axis = ax
                best_n = t + 1 - s
    sp.gains[j] = best_gain
    sp.axes[j] = best_axis
    sp.nleft[j] = best_n


cdef void _cut_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef _Split *sp = <_Split *>ctx
    _best_cut(sp, sp.pair[chunk])


cdef void _axis_task(void *ctx, Py_ssize_t ax, int worker) noexcept nogil:
    """Row ``ax`` of P: the points in stable ascending order along axis ``ax``. A radix sort
    of the bit patterns mapped so that their unsigned order is the numeric order (negative
    numbers: all bits flipped; others: the sign bit set; -0.0 taken as 0.0)."""
    cdef _Split *sp = <_Split *>ctx
    cdef Py_ssize_t i, m = sp.m
    cdef uint64_t sign = (<uint64_t>1) << 63, v
    cdef uint64_t *key = <uint64_t *>malloc(max(m, 1) * sizeof(uint64_t))
    cdef uint64_t *srt = <uint64_t *>malloc(max(m, 1) * sizeof(uint64_t))
    cdef const uint64_t *bits = <const uint64_t *>sp.X
    if key == NULL or srt == NULL:
        sp.failed = 1
    else:
        for i in range(m):
            v = bits[i * sp.d + ax]
            if v == sign:  # -0.0
                v = 0
            key[i] = ~v if v & sign else v | sign
        if radix_sort(key, m, 64, srt, sp.P + ax * m):
            sp.failed = 1
    free(key)
    free(srt)


def variance_split(const double[:, ::1] X, const double[::1] w, Py_ssize_t k):
    """Split the weighted points into up to ``k`` boxes by greedy variance-minimising cuts.

    Parameters
    ----------
    X : (m, d) float64, IN
        Points, d = 3 or 4, m >= 1.
    w : (m,) float64, IN
        Positive weights.
    k : int
        Most boxes, >= 1.

    Returns
    -------
    labels : (m,) int64
        The box of every point (boxes numbered in the order they were made).
    nbox : int
        The number of boxes: ``k``, or fewer when no cut removes any error.
    """
    cdef Py_ssize_t m = X.shape[0], d = X.shape[1]
    cdef _Split sp
    P_arr = np.empty((d, m), dtype=np.int64)
    starts_arr = np.zeros(k, dtype=np.int64)
    ends_arr = np.zeros(k, dtype=np.int64)
    gains_arr = np.zeros(k)
    axes_arr = np.zeros(k, dtype=np.int64)
    nleft_arr = np.zeros(k, dtype=np.int64)
    left_arr = np.zeros(m, dtype=np.uint8)
    tmp_arr = np.empty(m, dtype=np.int64)
    labels_arr = np.empty(m, dtype=np.int64)
    cdef int64_t[:, ::1] P = P_arr
    cdef int64_t[::1] starts = starts_arr, ends = ends_arr, axes = axes_arr, nleft = nleft_arr
    cdef int64_t[::1] tmp = tmp_arr, labels = labels_arr
    cdef double[::1] gains = gains_arr
    cdef unsigned char[::1] left = left_arr
    cdef Py_ssize_t nbox = 1, b, j, s, e, ax, ax2, mid, t, q, r
    cdef double bg
    sp.X = &X[0, 0]
    sp.w = &w[0]
    sp.m = m
    sp.d = d
    sp.P = &P[0, 0]
    sp.starts = &starts[0]
    sp.ends = &ends[0]
    sp.gains = &gains[0]
    sp.axes = &axes[0]
    sp.nleft = &nleft[0]
    sp.failed = 0
    with nogil:
        parallel_for(_axis_task, &sp, d, 0)
    if sp.failed:
        raise MemoryError()
    with nogil:
        ends[0] = m
        _best_cut(&sp, 0)
        while nbox < k:
            b = -1
            bg = 0.0
            for j in range(nbox):
                if axes[j] >= 0 and gains[j] > bg:
                    bg = gains[j]
                    b = j
            if b < 0:
                break
            s = starts[b]
            e = ends[b]
            ax = axes[b]
            mid = s + nleft[b]
            for t in range(s, e):
                left[P[ax, t]] = t < mid
            for ax2 in range(d):
                if ax2 == ax:
                    continue
                q = s
                r = 0
                for t in range(s, e):
                    if left[P[ax2, t]]:
                        P[ax2, q] = P[ax2, t]
                        q += 1
                    else:
                        tmp[r] = P[ax2, t]
                        r += 1
                for t in range(r):
                    P[ax2, q + t] = tmp[t]
            ends[b] = mid
            starts[nbox] = mid
            ends[nbox] = e
            sp.pair[0] = b
            sp.pair[1] = nbox
            if e - s >= _PAR_CUT:
                parallel_for(_cut_task, &sp, 2, 0)
            else:
                _best_cut(&sp, b)
                _best_cut(&sp, nbox)
            nbox += 1
        for j in range(nbox):
            for t in range(starts[j], ends[j]):
                labels[P[0, t]] = j
    return labels_arr, nbox

"""Points laid out by cluster and by margin, for the bounded Lloyd kernel (``_lloyd_bounded``).

Near convergence most of a Lloyd iteration's time goes into confirming, point by point,
that the points deep inside their clusters stay where they are. After its first pass the
bounded kernel knows each point's margin: how far the centres must move before the point
could change cluster. Sorting the points by cluster, and within a cluster by margin (in
``LEVELS`` coarse levels: one counting sort), makes the points that cannot change yet a
contiguous tail of their cluster's range; an iteration then looks only at each cluster's
head (:func:`heads`), which grows as the centres move away from where they were when the
margins were measured.
"""

import numpy as np

from libc.math cimport INFINITY
from libc.stdint cimport int64_t, uint32_t


cdef inline float _margin(Py_ssize_t i, const uint32_t[::1] lab, const float[:, ::1] QF, const uint32_t[:, ::1] QN,
                          const unsigned char[:, ::1] inring) noexcept nogil:
    """Point i's margin (-inf if it has none): see :func:`margin_layout`."""
    if inring[lab[i], QN[i, 1]]:
        return min(QF[i, 0], QF[i, 1])
    return -INFINITY


cdef inline Py_ssize_t _level(float v, float top) noexcept nogil:
    """Margin level of a margin ``v`` in a cluster whose largest finite margin is ``top``."""
    if v >= top:  # the largest finite margin, or an infinite one
        return LEVELS - 1
    if v > 0.0:
        return min(<Py_ssize_t>(v * (LEVELS / <double>top)), <Py_ssize_t>(LEVELS - 1))
    return 0  # also for NaN


def margin_layout(const uint32_t[::1] lab, const float[:, ::1] QF, const uint32_t[:, ::1] QN,
                  const unsigned char[:, ::1] inring, Py_ssize_t k):
    """Order of the points by cluster, then by margin level, then by index, and the points'
    quick-check arrays in that order.

    Parameters
    ----------
    lab : (m,) uint32, IN
        Each point's cluster.
    QF : (m, 3) float32, IN
        Quick-check margins: against the ring (column 0), the nearest runner-up (1), all
        centres (2).
    QN : (m, 2) uint32, IN
        Time slot of the bounds (column 0) and the nearest runner-up (1).
    inring : (k, k) uint8, IN
        ``inring[a, c]``: centre c is in the ring of centre a.
    k : int
        Number of clusters.

    Returns
    -------
    order : (m,) int64
        The layout: position -> point.
    bstart : (k * LEVELS + 1,) int64
        Start of every (cluster, level) bucket in the layout.
    edge : (k * LEVELS,) float32
        A lower bound on the margins in the bucket and all later buckets of its cluster
        (-inf for level 0).
    sufq2 : (k * LEVELS,) float32
        The smallest ``QF[i, 2]`` in the bucket and all later buckets of its cluster.
    lab, QF, QN
        The inputs, in layout order.

    A point's margin is the smaller of ``QF[i, 0]`` and ``QF[i, 1]`` if its nearest
    runner-up is in the ring of its centre, else none (-inf).
    """
    cdef Py_ssize_t m = lab.shape[0], nb = k * LEVELS, i, a, b, lev, c, p
    cdef float v, low, low2
    top_arr = np.zeros(k, dtype=np.float32)
    cnt_arr = np.zeros(nb, dtype=np.int64)
    bstart_arr = np.empty(nb + 1, dtype=np.int64)
    edge_arr = np.full(nb, np.inf, dtype=np.float32)
    sufq2_arr = np.full(nb, np.inf, dtype=np.float32)
    order_arr = np.empty(m, dtype=np.int64)
    labp_arr = np.empty(m, dtype=np.uint32)
    QFp_arr = np.empty((m, 3), dtype=np.float32)
    QNp_arr = np.empty((m, 2), dtype=np.uint32)
    cdef float[::1] top = top_arr, edge = edge_arr, sufq2 = sufq2_arr
    cdef int64_t[::1] cnt = cnt_arr, bstart = bstart_arr, order = order_arr
    cdef uint32_t[::1] labp = labp_arr
    cdef float[:, ::1] QFp = QFp_arr
    cdef uint32_t[:, ::1] QNp = QNp_arr
    cdef int64_t pos = 0
    with nogil:
        for i in range(m):
            v = _margin(i, lab, QF, QN, inring)
            a = lab[i]
            if v > top[a] and v < INFINITY:
                top[a] = v
        for i in range(m):
            v = _margin(i, lab, QF, QN, inring)
            a = lab[i]
            b = a * LEVELS + _level(v, top[a])
            cnt[b] += 1
            if v < edge[b]:
                edge[b] = v
            if QF[i, 2] < sufq2[b]:
                sufq2[b] = QF[i, 2]
        for b in range(nb):
            bstart[b] = pos
            c = cnt[b]
            cnt[b] = pos
            pos += c
        bstart[nb] = m
        for a in range(k):
            low = INFINITY
            low2 = INFINITY
            for lev in range(LEVELS - 1, -1, -1):
                b = a * LEVELS + lev
                low = min(low, edge[b])
                low2 = min(low2, sufq2[b])
                edge[b] = low
                sufq2[b] = low2
            edge[a * LEVELS] = -INFINITY
        for i in range(m):
            a = lab[i]
            b = a * LEVELS + _level(_margin(i, lab, QF, QN, inring), top[a])
            p = cnt[b]
            cnt[b] = p + 1
            order[p] = i
            labp[p] = a
            for c in range(3):
                QFp[p, c] = QF[i, c]
            QNp[p, 0] = QN[i, 0]
            QNp[p, 1] = QN[i, 1]
    return order_arr, bstart_arr, edge_arr, sufq2_arr, labp_arr, QFp_arr, QNp_arr


cdef Py_ssize_t heads(const int64_t *bstart, const float *edge, const float *sufq2, int64_t *lev, Py_ssize_t k,
                      const double *TH0, const unsigned char *farsafe, const double *D0, double G0,
                      Py_ssize_t chunk_points, Py_ssize_t max_chunks, int64_t *clo, int64_t *chi, int64_t *tq,
                      int64_t *toff) noexcept nogil:
    """The points an iteration must look at: the head of every cluster's range, cut into
    chunks (tasks for the thread pool).

    The points not looked at were summarised at time slot 0, so they are cleared by the
    bounded kernel's tables of slot 0: ``TH0`` (a centre's and its ring's displacement),
    ``D0`` (each centre's) and ``G0`` (the largest). Cluster a's head grows (``lev[a]``
    IN/OUT, its first level still skipped, only rises) until the first skipped level's
    ``edge`` exceeds ``TH0[a]`` and, unless ``farsafe[a]`` (its far centres are known to be
    far), its ``sufq2`` exceeds ``D0[a] + G0``. Writes the heads as ranges ``clo, chi`` (OUT,
    at most k + max_chunks), cut into chunks of about ``chunk_points`` points (at most
    ``max_chunks``): chunk c is the ranges ``tq[c]`` to ``tq[c + 1] - 1`` and starts at
    point ``toff[c]`` of the heads (OUT). Returns the number of chunks (0 when no point is
    looked at)."""
    cdef Py_ssize_t a, b, total = 0, nq = 0, t = 0, nchunks, share, room
    cdef int64_t lo, hi, e
    tq[0] = 0
    toff[0] = 0
    for a in range(k):
        b = a * LEVELS
        while lev[a] < LEVELS and (edge[b + lev[a]] <= TH0[a]
                                   or (not farsafe[a] and sufq2[b + lev[a]] <= D0[a] + G0)):
            lev[a] += 1
        total += bstart[b + lev[a]] - bstart[b]
    if total == 0:
        return 0
    nchunks = min(max(total // chunk_points, <Py_ssize_t>1), max_chunks)
    share = (total + nchunks - 1) // nchunks
    room = share
    for a in range(k):
        lo = bstart[a * LEVELS]
        hi = bstart[a * LEVELS + lev[a]]
        while lo < hi:
            e = min(hi, lo + room)
            clo[nq] = lo
            chi[nq] = e
            nq += 1
            room -= e - lo
            lo = e
            if room == 0:
                t += 1
                tq[t] = nq
                toff[t] = t * share
                room = share
    if room != share:  # the last chunk is not full
        t += 1
        tq[t] = nq
        toff[t] = total
    return t


def head_chunks(const int64_t[::1] bstart, const float[::1] edge, const float[::1] sufq2, int64_t[::1] lev,
                const double[::1] TH0, const unsigned char[::1] farsafe, const double[::1] D0, double G0,
                Py_ssize_t chunk_points, Py_ssize_t max_chunks):
    """:func:`heads` from Python (for the tests): ``lev`` IN/OUT; returns the ranges of every
    chunk, a list of lists of ``(lo, hi)``, and each chunk's first point in the heads."""
    cdef Py_ssize_t k = lev.shape[0]
    clo = np.empty(k + max_chunks + 1, dtype=np.int64)
    chi = np.empty(k + max_chunks + 1, dtype=np.int64)
    tq = np.empty(max_chunks + 2, dtype=np.int64)
    toff = np.empty(max_chunks + 2, dtype=np.int64)
    cdef int64_t[::1] clov = clo, chiv = chi, tqv = tq, toffv = toff
    n = heads(&bstart[0], &edge[0], &sufq2[0], &lev[0], k, &TH0[0], &farsafe[0], &D0[0], G0, chunk_points,
              max_chunks, &clov[0], &chiv[0], &tqv[0], &toffv[0])
    chunks = [[(int(clo[q]), int(chi[q])) for q in range(tq[c], tq[c + 1])] for c in range(n)]
    return chunks, [int(toff[c]) for c in range(n + 1)]

"""Exact nearest-centre search (Orchard's), and each centre's neighbours by distance.

Starting from a guessed centre ``g`` at distance ``dg`` from a point, only the centres within
``2 dg`` of ``g`` can be nearer (triangle inequality). With the other centres listed by
their distance from ``g`` (:func:`centre_order`), a search measures them in that order and
stops at the first one farther than ``dg`` plus the best distance found; with a good guess
(the nearest centre of the point's cell in a coarse grid, or the label of a previous fit),
a few distances per point suffice. Ties go to the lowest index. Every decision is taken on
exact float64 distances (``_common.sqdist``); the stopping test keeps a relative safety
margin far above rounding.

References
----------
.. [1] M. T. Orchard, "A fast nearest-neighbor search algorithm", ICASSP 1991.
"""

import numpy as np

from libc.math cimport INFINITY, sqrt
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset

from vqpress._threadpool cimport parallel_for
from vqpress.colour._common cimport EPS, sqdist

#: Above this many centres no k x k table is built: the search measures every centre.
MAX_ORDERED = 4096

cdef enum:
    _ORDER_ROWS = 16     # centre-order rows per task
    _POINTS = 4096       # points per task of an assignment


# -- centre order ---------------------------------------------------------------------------

cdef struct _OrderCtx:
    const double *C
    Py_ssize_t k, d, rows
    int64_t *order
    double *sdist
    int failed


cdef int _order_rows(const double *C, Py_ssize_t k, Py_ssize_t d, Py_ssize_t lo, Py_ssize_t hi, int64_t *order,
                     double *sdist) noexcept nogil:
    """Rows lo..hi-1 of :func:`centre_order`; returns -1 when out of memory."""
    cdef Py_ssize_t L = min(k - 1, <Py_ssize_t>ORDER_DEPTH)
    cdef int64_t *bi = <int64_t *>malloc((L + 1) * sizeof(int64_t))
    cdef double *bd = <double *>malloc((L + 1) * sizeof(double))
    cdef char *inb = <char *>malloc(k)
    cdef Py_ssize_t a, c, n, p, t
    cdef double v
    if bi == NULL or bd == NULL or inb == NULL:
        free(bi)
        free(bd)
        free(inb)
        return -1
    memset(inb, 0, k)
    for a in range(lo, hi):
        n = 0
        for c in range(k):
            if c == a:
                continue
            v = sqdist(C + a * d, C + c * d, d)  # squared: roots only for the L kept
            if n < L:
                p = n
                n += 1
            elif v < bd[L - 1]:
                p = L - 1
            else:
                continue
            while p > 0 and bd[p - 1] > v:  # ties keep index order: c arrives in order
                bd[p] = bd[p - 1]
                bi[p] = bi[p - 1]
                p -= 1
            bd[p] = v
            bi[p] = c
        order[a * k] = a
        sdist[a * k] = 0.0
        for t in range(L):
            order[a * k + t + 1] = bi[t]
            sdist[a * k + t + 1] = sqrt(bd[t])
            inb[bi[t]] = 1
        t = L + 1
        for c in range(k):
            if c != a and not inb[c]:
                order[a * k + t] = c
                sdist[a * k + t] = sdist[a * k + L]
                t += 1
        for t in range(L):
            inb[bi[t]] = 0
    free(bi)
    free(bd)
    free(inb)
    return 0


cdef void _order_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef _OrderCtx *c = <_OrderCtx *>ctx
    cdef Py_ssize_t lo = chunk * c.rows
    if _order_rows(c.C, c.k, c.d, lo, min(lo + c.rows, c.k), c.order, c.sdist):
        c.failed = 1


cdef int centre_order(const double *C, Py_ssize_t k, Py_ssize_t d, int64_t *order, double *sdist,
                      bint parallel) noexcept nogil:
    """For each centre ``a`` (rows of the (k, k) tables ``order``, ``sdist``, OUT): the other
    centres by distance, and those distances.

    ``order[a, 0] == a``; ``order[a, 1:L + 1]`` are the ``L = min(k - 1, ORDER_DEPTH)`` nearest
    other centres in ascending distance (ties by index), ``sdist[a, t]`` their distances. The
    remaining centres follow in index order, with ``sdist[a, t]`` set to ``sdist[a, L]``, a
    lower bound on their distances: a scan of ``order[a]`` that stops at the first
    ``sdist[a, t]`` above some radius has seen every centre within it. ``C`` (k, d) IN.
    With ``parallel``, the rows are shared out on the thread pool. Returns -1 when out of
    memory."""
    cdef _OrderCtx ctx
    if not parallel:
        return _order_rows(C, k, d, 0, k, order, sdist)
    ctx.C = C
    ctx.k = k
    ctx.d = d
    ctx.rows = _ORDER_ROWS
    ctx.order = order
    ctx.sdist = sdist
    ctx.failed = 0
    parallel_for(_order_task, &ctx, (k + _ORDER_ROWS - 1) // _ORDER_ROWS, 0)
    return -ctx.failed


def order_centres(const double[:, ::1] C, bint parallel=False):
    """:func:`centre_order` of the centres ``C`` (k, d) float64: returns ``(order, sdist)``,
    (k, k) int64 and float64."""
    k, d = C.shape[0], C.shape[1]
    order_arr = np.empty((k, k), dtype=np.int64)
    sdist_arr = np.empty((k, k))
    cdef int64_t[:, ::1] order = order_arr
    cdef double[:, ::1] sdist = sdist_arr
    cdef int status = 0
    if k:
        with nogil:
            status = centre_order(&C[0, 0], k, C.shape[1], &order[0, 0], &sdist[0, 0], parallel)
    if status:
        raise MemoryError()
    return order_arr, sdist_arr


# -- assignment -----------------------------------------------------------------------------

cdef struct _AssignCtx:
    const double *X
    const double *C
    const int64_t *guess
    const int64_t *order
    const double *sdist
    int64_t *labels
    double *dist2
    Py_ssize_t n, k, d


cdef inline void _orchard(_AssignCtx *a, Py_ssize_t i) noexcept nogil:
    """Exact nearest centre of point i (lowest index on ties), from its guess."""
    cdef Py_ssize_t k = a.k, d = a.d, t
    cdef const double *x = a.X + i * d
    cdef int64_t g = a.guess[i], best = g, c
    cdef double dg2 = sqdist(x, a.C + g * d, d)
    cdef double dg = sqrt(dg2), best2 = dg2, D, bd, dc2
    cdef const int64_t *order = a.order + g * k
    cdef const double *sdist = a.sdist + g * k
    for t in range(1, k):
        D = sdist[t]
        bd = sqrt(best2)
        if D - dg > bd + EPS * (D + dg + bd):
            break  # every remaining centre c has |x - c| >= D - dg > the best distance
        c = order[t]
        dc2 = sqdist(x, a.C + c * d, d)
        if dc2 < best2 or (dc2 == best2 and c < best):
            best = c
            best2 = dc2
    a.labels[i] = best
    a.dist2[i] = best2


cdef inline void _brute(_AssignCtx *a, Py_ssize_t i) noexcept nogil:
    """Exact nearest centre of point i by measuring every centre (first minimum)."""
    cdef Py_ssize_t c, d = a.d
    cdef const double *x = a.X + i * d
    cdef int64_t best = 0
    cdef double best2 = sqdist(x, a.C, d), v
    for c in range(1, a.k):
        v = sqdist(x, a.C + c * d, d)
        if v < best2:
            best2 = v
            best = c
    a.labels[i] = best
    a.dist2[i] = best2


cdef void _assign_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef _AssignCtx *a = <_AssignCtx *>ctx
    cdef Py_ssize_t i, hi = min((chunk + 1) * <Py_ssize_t>_POINTS, a.n)
    if a.order == NULL:
        for i in range(chunk * _POINTS, hi):
            _brute(a, i)
    else:
        for i in range(chunk * _POINTS, hi):
            _orchard(a, i)


def assign(const double[:, ::1] X, const double[:, ::1] C, const int64_t[::1] guess, int64_t[::1] labels,
           double[::1] dist2):
    """Exact nearest centre of every point, lowest index on ties, on the thread pool.

    Parameters
    ----------
    X : (n, d) float64, IN
        Points.
    C : (k, d) float64, IN
        Centres, k >= 1.
    guess : (n,) int64, IN
        A likely nearest centre per point, each in 0..k-1 (only the speed depends on it).
    labels : (n,) int64, OUT
        The nearest centre of every point.
    dist2 : (n,) float64, OUT
        The squared distance to it (``_common.sqdist``).
    """
    cdef _AssignCtx a
    cdef Py_ssize_t k = C.shape[0]
    cdef int64_t[:, ::1] order
    cdef double[:, ::1] sdist
    a.n = X.shape[0]
    a.k = k
    a.d = X.shape[1]
    if a.n == 0:
        return
    a.X = &X[0, 0]
    a.C = &C[0, 0]
    a.guess = &guess[0]
    a.labels = &labels[0]
    a.dist2 = &dist2[0]
    a.order = NULL
    a.sdist = NULL
    if k <= MAX_ORDERED:
        order, sdist = order_centres(C, k >= 128)
        a.order = &order[0, 0]
        a.sdist = &sdist[0, 0]
    with nogil:
        parallel_for(_assign_task, &a, (a.n + _POINTS - 1) // _POINTS, 0)

"""The bounded Lloyd kernel's tables of the centres (``_lloyd_bounded``), after each step.

A point's bounds are stated at a time slot; what a pass needs to check them is how far each
centre has moved since every slot (net displacement, ``D``), the largest of those moves in
each centre's ring (``ZR``) and in all (``G``), and the exact distances between the centres
(``CD``) with each centre's gap to its nearest other one and its distance to the nearest
centre outside its ring (``far``). Only the rows of centres that moved are measured again.
From ``_PAR_TABLES`` centres on the rows are shared out on the thread pool, each task a
short and a long row of the triangle of distances so that the tasks weigh the same.
"""

from libc.math cimport INFINITY, sqrt
from libc.stdint cimport int64_t

from vqpress._threadpool cimport parallel_for
from vqpress.colour._common cimport sqdist
from vqpress.colour._point_bounds cimport BoundedState


cdef enum:
    _ROWS = 16           # centres per task of the tables


cdef void _distances_after(BoundedState *s, Py_ssize_t a) noexcept nogil:
    """``CD[a, c]`` and ``CD[c, a]`` for the centres c after a (the same number: the two
    differences are exact negatives), where a or c moved."""
    cdef Py_ssize_t c, k = s.k, d = s.d
    cdef bint moved = s.delta[a] > 0.0
    cdef double v
    for c in range(a + 1, k):
        if moved or s.delta[c] > 0.0:
            v = sqrt(sqdist(s.C + a * d, s.C + c * d, d))
            s.CD[a * k + c] = v
            s.CD[c * k + a] = v


cdef void _shifts_of(BoundedState *s, Py_ssize_t j) noexcept nogil:
    """Net displacement of centre j since every slot."""
    cdef Py_ssize_t t, c, k = s.k, d = s.d
    cdef double sq, u
    for t in range(s.nslot):
        sq = 0.0
        for c in range(d):
            u = s.C[j * d + c] - s.hist[(t * k + j) * d + c]
            sq += u * u
        s.D[t * k + j] = sqrt(sq)


cdef void _neighbourhood(BoundedState *s, Py_ssize_t a) noexcept nogil:
    """Centre a's gap to its nearest other centre and distance to the nearest centre
    outside its ring; the largest displacement in its ring since every slot."""
    cdef Py_ssize_t t, q, k = s.k
    cdef const int64_t *of = s.ofix + a * k
    cdef double g = INFINITY, f = INFINITY, v, mx
    for t in range(1, k):
        v = s.CD[a * k + of[t]]
        if v < g:
            g = v
        if t > s.nring[a] and v < f:
            f = v
    s.gap[a] = g
    s.far[a] = f
    for t in range(s.nslot):
        mx = 0.0
        for q in range(1, s.nring[a] + 1):
            v = s.D[t * k + of[q]]
            if v > mx:
                mx = v
        s.ZR[t * k + a] = mx
        s.TH[t * k + a] = s.D[t * k + a] + mx


cdef void _moved_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    """Distances and displacements of a block of centres (each task takes a short and a
    long row of the triangle of distances, so that the tasks weigh the same)."""
    cdef BoundedState *s = <BoundedState *>ctx
    cdef Py_ssize_t p, k = s.k
    for p in range(chunk * _ROWS, min((chunk + 1) * <Py_ssize_t>_ROWS, (k + 1) // 2)):
        _distances_after(s, p)
        _shifts_of(s, p)
        if k - 1 - p != p:
            _distances_after(s, k - 1 - p)
            _shifts_of(s, k - 1 - p)


cdef void _ring_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef BoundedState *s = <BoundedState *>ctx
    cdef Py_ssize_t a
    for a in range(chunk * _ROWS, min((chunk + 1) * <Py_ssize_t>_ROWS, s.k)):
        _neighbourhood(s, a)


cdef void centre_tables(BoundedState *s, bint parallel, int nw) noexcept nogil:
    """After a step (or at the start, with every ``delta > 0``): the exact centre distances
    ``CD``, each centre's ``gap`` and ``far``, and per slot the net displacements ``D``,
    their largest in each ring ``ZR``, ``TH = D + ZR`` and the largest of all ``G``."""
    cdef Py_ssize_t a, t, j, k = s.k
    cdef double g
    if parallel:
        parallel_for(_moved_task, s, ((k + 1) // 2 + _ROWS - 1) // _ROWS, nw)
        parallel_for(_ring_task, s, (k + _ROWS - 1) // _ROWS, nw)
    else:
        for a in range(k):
            _distances_after(s, a)
            _shifts_of(s, a)
        for a in range(k):
            _neighbourhood(s, a)
    for t in range(s.nslot):
        g = 0.0
        for j in range(k):
            if s.D[t * k + j] > g:
                g = s.D[t * k + j]
        s.G[t] = g

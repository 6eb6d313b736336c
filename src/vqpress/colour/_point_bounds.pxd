# The bounded Lloyd kernel's state (``_lloyd_bounded``) and what it does for one point: the
# exact search around its centre, the bounds a search leaves, and the three margins that
# clear the point in a pass's quick check. The centre tables it reads (CD, D, ZR, TH, G, gap,
# far) are ``_centre_tables``'s.

from libc.math cimport INFINITY, sqrt
from libc.stdint cimport int64_t, uint32_t

from vqpress.colour._common cimport down_f32, sqdist


cdef enum:
    TRACK = 3            # runner-up centres with bounds of their own, per point


cdef struct BoundedState:
    # the points, in the caller's order (IN)
    const double *X
    const double *w
    Py_ssize_t m, d, k
    # the centres and their tables (IN during a pass)
    const double *C
    const int64_t *order
    const double *sdist
    double slack
    double *CD
    double *gap
    double *far
    unsigned char *farsafe
    const unsigned char *inring
    const int64_t *ofix
    const int64_t *nring
    const double *hist
    double *D
    double *ZR
    double *TH
    double *G
    Py_ssize_t slot, nslot
    double tol
    const double *delta
    # per point: bounds (caller's order), quick-check summary and labels (layout order)
    double *PD
    float *QF
    uint32_t *QN
    uint32_t *labp
    const int64_t *perm
    # the first pass: labels in the caller's order, farthest member per worker
    uint32_t *lab
    double *radw
    # a pass's chunks, scratch and recorded moves
    const int64_t *clo
    const int64_t *chi
    const int64_t *tq
    const int64_t *toff
    int64_t *cand
    Py_ssize_t cand_size
    int64_t *mv_i
    uint32_t *mv_a
    int64_t *mv_n


cdef inline Py_ssize_t bounds_search(BoundedState *s, const double *x, int64_t a, double rb, int64_t *bi, double *bd,
                                     double *rest_out) noexcept nogil:
    """Exact nearest centre of point x and its runner-ups, searching around centre a.

    Only centres within ``2 |x - a|`` of ``a`` can be nearer than ``a`` (Orchard); the
    centres within ``rb >= 2 |x - a|`` of ``a`` are measured, in the order of ``s.order``
    (listed by distance from ``a`` at an earlier time, since when no two centres came more
    than ``s.slack`` closer; ``s.CD`` holds the exact current distances). Fills ``bi, bd``
    with the ``cnt <= TRACK + 1`` nearest centres (squared distances, sorted by distance
    then index), writes a lower bound on the distance to every other centre to
    ``rest_out`` and returns ``cnt``."""
    cdef Py_ssize_t k = s.k, d = s.d, t, p, cnt = 1, n = TRACK + 1
    cdef const int64_t *order = s.order + a * k
    cdef const double *sdist = s.sdist + a * k
    cdef const double *CDa = s.CD + a * k
    cdef double u2 = sqdist(x, s.C + a * d, d), u = sqrt(u2), rest = INFINITY, rest2 = INFINITY, D, cd, v
    cdef int64_t c
    bi[0] = a
    bd[0] = u2
    for t in range(1, k):
        D = sdist[t] - s.slack
        if D > rb:
            if D - u < rest:
                rest = D - u
            break
        c = order[t]
        cd = CDa[c]
        if cd > rb:
            if cd - u < rest:
                rest = cd - u
            continue
        v = sqdist(x, s.C + c * d, d)
        if cnt < n:
            p = cnt
            cnt += 1
        elif v < bd[n - 1] or (v == bd[n - 1] and c < bi[n - 1]):
            p = n - 1
            if bd[n - 1] < rest2:
                rest2 = bd[n - 1]
        else:
            if v < rest2:
                rest2 = v
            continue
        while p > 0 and (bd[p - 1] > v or (bd[p - 1] == v and bi[p - 1] > c)):
            bd[p] = bd[p - 1]
            bi[p] = bi[p - 1]
            p -= 1
        bd[p] = v
        bi[p] = c
    v = sqrt(rest2)
    if v < rest:
        rest = v
    rest_out[0] = rest
    return cnt


cdef inline void bounds_summarise(BoundedState *s, Py_ssize_t i, int64_t a, const double *pd) noexcept nogil:
    """The three margins that clear point i (layout position) in the quick check, from its
    bounds ``pd``: ``QF[i, 1]`` the margin between the nearest runner-up ``QN[i, 1]`` and
    the own centre ``a``, ``QF[i, 0]`` the margin to every other centre of a's ring,
    ``QF[i, 2]`` the margin to all centres but that runner-up; all at slot ``QN[i, 0]``."""
    cdef Py_ssize_t j, sj = 0, k = s.k
    cdef const double *Dst = s.D + s.QN[2 * i] * k
    cdef double best = INFINITY, v, other = pd[1], every = pd[1], u
    for j in range(TRACK):
        v = pd[2 + j] - Dst[<int64_t>pd[5 + j]]
        if v < best:
            best = v
            sj = j
    for j in range(TRACK):
        if j != sj:
            v = pd[2 + j]
            if v < every:
                every = v
            if s.inring[a * k + <int64_t>pd[5 + j]] and v < other:
                other = v
    u = pd[0] + s.tol
    s.QN[2 * i + 1] = <uint32_t>pd[5 + sj]
    s.QF[3 * i] = down_f32(other - u)
    s.QF[3 * i + 1] = down_f32(pd[2 + sj] - u)
    s.QF[3 * i + 2] = down_f32(every - u)


cdef inline int64_t bounds_store(BoundedState *s, Py_ssize_t i, Py_ssize_t cnt, double rest, const int64_t *bi,
                                 const double *bd, double *pd) noexcept nogil:
    """Record a search's result as point i's bounds ``pd``, stated at the current slot;
    returns the nearest centre."""
    cdef Py_ssize_t j, k = s.k
    cdef const double *Ds = s.D + s.slot * k
    cdef int64_t b = bi[0], c
    pd[0] = sqrt(bd[0]) + Ds[b]
    pd[1] = rest - s.G[s.slot]
    for j in range(TRACK):
        if j + 1 < cnt:
            c = bi[j + 1]
            pd[2 + j] = sqrt(bd[j + 1]) - Ds[c]
            pd[5 + j] = c
        else:
            pd[2 + j] = INFINITY
            pd[5 + j] = b
    s.QN[2 * i] = <uint32_t>s.slot
    return b

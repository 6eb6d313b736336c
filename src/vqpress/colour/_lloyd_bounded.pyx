"""Lloyd assignment passes with distance bounds per point (the bounded kernel).

Why it is fast. Near convergence a Lloyd iteration moves a few hundred colours out of a
hundred thousand, yet a plain iteration measures every colour against every centre. Here
each point keeps bounds that prove its centre is still its nearest, and a pass only works
on the points whose proof ran out. The bounds were measured at some time; they are loosened
by how far the centres have moved since (net displacement, not the length of the path, so
centres that hesitate back and forth do not wear the bounds out). A point keeps:

* ``U``, an upper bound on its distance to its own centre ``a``;
* lower bounds on its distances to its three nearest other centres ("runner-ups"), each
  loosened by the displacement of that very centre (Elkan's bounds, kept only for the few
  centres that matter, as in Drake and Hamerly's adaptive bounds);
* one lower bound on its distance to every other centre ("the rest"), loosened by the
  largest displacement among the centres near ``a`` (its "ring", Newling and Fleuret's
  net-shift bounds made local); a centre outside the ring is at least ``far[a] - u`` away,
  ``far[a]`` being the exact current distance from ``a`` to the nearest of them.

Time is counted in slots (a new one every ``SLOT`` passes); per slot and centre, tables of
net displacements since the slot are refreshed each pass. A point's bounds are summarised
in three float32 margins, checked against those tables in a couple of look-ups: the margin
against the nearest runner-up, against the rest of the ring, and against all centres (only
needed when the ones outside the ring are not known to be far). Most points are cleared
that way; the others are measured again (own centre and runner-ups: four distances, their
memory requested a few points ahead) and only when the rest bound fails does a search over
the centres around ``a`` run. Every decision that changes a label is taken on exact float64
distances; bounds only skip work, with a relative safety margin far above rounding. After
the first pass the points are laid out by cluster and margin (``_margin_layout``), so that
a pass skips, without reading them, the points whose margin still exceeds how far their
centre and its ring moved since; the rest is cut into chunks for the thread pool.

A pass records its label changes per chunk and applies them to the cluster sums in the
order of the layout afterwards: the sums, and so every step, are the same on any number of
threads.

The kernel's state and what it does for one point (search, bounds, margins) are
``_point_bounds.pxd``'s; the centre tables a pass checks the margins against are
``_centre_tables``'s; the layout is ``_margin_layout``'s.

References
----------
.. [1] C. Elkan, "Using the triangle inequality to accelerate k-means", ICML 2003.
.. [2] J. Drake and G. Hamerly, "Accelerated k-means with adaptive distance bounds",
   NIPS Workshop on Optimization for Machine Learning, 2012.
.. [3] J. Newling and F. Fleuret, "Fast k-means with accurate bounds", ICML 2016.
"""

import numpy as np

from libc.math cimport INFINITY, sqrt
from libc.stdint cimport int64_t, uint32_t
from libc.string cimport memset

from vqpress._threadpool cimport parallel_for, planned_workers
from vqpress.colour._centre_tables cimport centre_tables
from vqpress.colour._common cimport EPS, box_of, down_f32, sqdist
from vqpress.colour._lloyd_step cimport ClusterSums, LloydStep, add_sums
from vqpress.colour._margin_layout cimport heads
from vqpress.colour._nearest cimport centre_order
from vqpress.colour._point_bounds cimport (
    TRACK, BoundedState, bounds_search, bounds_store, bounds_summarise)

from vqpress.colour._margin_layout import margin_layout

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define VQ_PREFETCH(p) __builtin_prefetch((p), 0, 3)
    #else
    #define VQ_PREFETCH(p) ((void)(p))
    #endif
    """
    void VQ_PREFETCH(const void *p) noexcept nogil

cdef enum:
    _RING_MAX = 32       # most centres in the ring of a centre
    SLOT = 2             # passes per time slot
    _AHEAD = 8           # points whose memory is requested ahead of their turn
    _PAR_TABLES = 128    # from this many centres on, the k x k tables are built on the pool
    _PAR_SLOTS = 4096    # and from this many (centre, slot) pairs
    _CHUNK = 1024        # points per task of a pass, about
    _MAX_CHUNKS = 64
    _FIRST = 2048        # points per task of the first pass

cdef double _RING_COVER = 1.25  # a ring holds the centres within this many cluster diameters
cdef double _REORDER = 0.5      # re-sort the neighbours once a centre moved this fraction of the mean gap
cdef double _RESEARCH = 1.0     # a search measures the centres within 2 u + _RESEARCH * gap of the centre


# -- the first pass -------------------------------------------------------------------------

cdef void _first_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    """Exact nearest centre and bounds of a block of points (caller's order, before the
    layout), from a search around their guess. What ``bounds_store`` and ``bounds_summarise``
    do, at slot 0 where no centre has moved yet: the nearest runner-up is the first one,
    and no displacement is added or taken off."""
    cdef BoundedState *s = <BoundedState *>ctx
    cdef Py_ssize_t i, j, d = s.d, k = s.k, cnt
    cdef int64_t bi[TRACK + 1]
    cdef double bd[TRACK + 1]
    cdef double *rad = s.radw + worker * k
    cdef double *pd
    cdef const double *x
    cdef int64_t a, b, c
    cdef double rb, rest, u, other, every, v
    for i in range(chunk * _FIRST, min((chunk + 1) * <Py_ssize_t>_FIRST, s.m)):
        x = s.X + i * d
        a = s.lab[i]
        rb = 2.0 * sqrt(sqdist(x, s.C + a * d, d)) + _RESEARCH * s.gap[a]
        cnt = bounds_search(s, x, a, rb, bi, bd, &rest)
        b = bi[0]
        u = sqrt(bd[0])
        pd = s.PD + i * 8
        pd[0] = u
        pd[1] = rest
        other = rest  # as in _summarise: the ring's centres other than the first runner-up
        every = rest  # and all of them
        for j in range(TRACK):
            if j + 1 < cnt:
                c = bi[j + 1]
                v = sqrt(bd[j + 1])
                pd[2 + j] = v
                pd[5 + j] = c
                if j > 0:
                    every = min(every, v)
                    if s.inring[b * k + c]:
                        other = min(other, v)
            else:
                pd[2 + j] = INFINITY
                pd[5 + j] = b
        s.QN[2 * i] = 0
        s.QN[2 * i + 1] = <uint32_t>pd[5]
        s.lab[i] = <uint32_t>b
        if u > rad[b]:
            rad[b] = u
        s.QF[3 * i] = down_f32(other - (u + s.tol))
        s.QF[3 * i + 1] = down_f32(pd[2] - (u + s.tol))
        s.QF[3 * i + 2] = down_f32(every - (u + s.tol))


# -- a pass ---------------------------------------------------------------------------------

cdef void _pass_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    """One chunk of a pass: clear each point of its ranges from its summary, or measure it
    again; record the label changes (the point's layout position) from ``mv_i[toff]``."""
    cdef BoundedState *s = <BoundedState *>ctx
    cdef Py_ssize_t k = s.k, d = s.d, q, nc = 0, j, cnt, nmv = 0
    cdef int64_t *cand = s.cand + worker * s.cand_size
    cdef int64_t *mv = s.mv_i + s.toff[chunk]
    cdef uint32_t *mva = s.mv_a + s.toff[chunk]
    cdef int64_t bi[TRACK + 1]
    cdef double bd[TRACK + 1]
    cdef Py_ssize_t i, i2, r
    cdef int64_t a, b, c
    cdef uint32_t st
    cdef double da, u2, u, rest, v, rg, b2
    cdef double *pd
    cdef const double *x
    cdef const double *Dst
    cdef const double *Ds = s.D + s.slot * k
    # first the quick check of every point, in order; then the points whose summary ran
    # out, their rows of PD and X requested from memory a few points ahead (they are scattered)
    for q in range(s.tq[chunk], s.tq[chunk + 1]):
        for i in range(s.clo[q], s.chi[q]):
            a = s.labp[i]
            st = s.QN[2 * i]
            Dst = s.D + st * k
            da = Dst[a]
            if (s.QF[3 * i] > s.TH[st * k + a] and s.QF[3 * i + 1] > da + Dst[s.QN[2 * i + 1]]
                    and (s.farsafe[a] or s.QF[3 * i + 2] > da + s.G[st])):
                continue
            cand[nc] = i
            nc += 1
    for q in range(nc):
        if q + _AHEAD < nc:
            i2 = s.perm[cand[q + _AHEAD]]
            VQ_PREFETCH(s.PD + i2 * 8)
            VQ_PREFETCH(s.X + i2 * d)
        i = cand[q]
        r = s.perm[i]  # the point's row of X, w and PD
        x = s.X + r * d
        pd = s.PD + r * 8
        a = s.labp[i]
        st = s.QN[2 * i]
        # the summary ran out: measure the own centre and the runner-ups again
        u2 = sqdist(x, s.C + a * d, d)
        u = sqrt(u2)
        rest = pd[1] - s.ZR[st * k + a]  # centres of a's ring
        v = s.far[a] - u  # centres outside the ring, two ways
        rg = pd[1] - s.G[st]
        if rg > v:
            v = rg
        if v < rest:
            rest = v
        if u < rest - s.tol:
            b = a
            b2 = u2
            for j in range(TRACK):
                c = <int64_t>pd[5 + j]
                v = sqdist(x, s.C + c * d, d)
                pd[2 + j] = sqrt(v) - Ds[c]
                if v < b2 or (v == b2 and c < b):
                    b = c
                    b2 = v
            if b != a:  # a becomes a runner-up; the rest set is unchanged
                for j in range(TRACK):
                    if pd[5 + j] == b:
                        pd[5 + j] = a
                        pd[2 + j] = u - Ds[a]
            pd[0] = sqrt(b2) + Ds[b]
            pd[1] = rest - s.G[s.slot]
            s.QN[2 * i] = <uint32_t>s.slot
        else:
            cnt = bounds_search(s, x, a, 2.0 * u + _RESEARCH * s.gap[a], bi, bd, &rest)
            b = bounds_store(s, i, cnt, rest, bi, bd, pd)
        bounds_summarise(s, i, b, pd)
        if b != a:
            s.labp[i] = <uint32_t>b
            mv[nmv] = i
            mva[nmv] = <uint32_t>a
            nmv += 1
    s.mv_n[chunk] = nmv


cdef class BoundedLloyd:
    """Lloyd assignment passes with bounds per point, for the points ``X``, weights ``w``.

    Parameters
    ----------
    X : (m, d) float64, IN
    w : (m,) float64, IN
    C : (k, d) float64, IN
        The centres of the first pass (made on construction).
    labels : (m,) int64, IN
        A guess of each point's nearest centre.
    max_iter : int
        Most passes that will be asked for (sizes the per-slot tables).

    Attributes
    ----------
    sums : ClusterSums
        The sums of the current partition (from scratch after construction, then updated
        move by move).
    """

    cdef readonly ClusterSums sums
    cdef BoundedState s
    cdef object _keep
    cdef object X_arr, w_arr
    cdef Py_ssize_t npass, max_slots
    cdef int nw
    cdef bint par
    cdef object perm_arr, labp_arr, lab_arr
    cdef int64_t[::1] bstart, lev, clo, chi, tq, toff, mv_n
    cdef float[::1] edge, sufq2
    cdef double[:, ::1] Cord
    cdef double[:, :, ::1] hist
    cdef unsigned char[::1] farsafe
    cdef double[::1] rad
    cdef double[:, ::1] dS
    cdef double[::1] dW, dQ2
    cdef int64_t[::1] dn
    cdef object order_arr, sdist_arr

    def __init__(self, const double[:, ::1] X, const double[::1] w, const double[:, ::1] C, const int64_t[::1] labels,
                 Py_ssize_t max_iter):
        cdef Py_ssize_t m = X.shape[0], d = X.shape[1], k = C.shape[0], i, a, q, c, nslots
        cdef double span = 0.0, lim
        cdef BoundedState *s = &self.s
        self.X_arr = np.asarray(X)
        self.w_arr = np.asarray(w)
        self.par = k >= _PAR_TABLES
        self.nw = max(1, planned_workers(_MAX_CHUNKS))
        nslots = max_iter // SLOT + 2
        self.max_slots = nslots
        self.npass = 0
        lab_arr = np.asarray(labels).astype(np.uint32)
        self.lab_arr = lab_arr
        cdef uint32_t[::1] lab = lab_arr
        # each centre's neighbours by distance, and its ring (within _RING_COVER cluster
        # diameters of the guessed clusters, at most _RING_MAX)
        self.order_arr = np.empty((k, k), dtype=np.int64)
        self.sdist_arr = np.empty((k, k))
        cdef int64_t[:, ::1] order = self.order_arr
        cdef double[:, ::1] sdist = self.sdist_arr
        with nogil:
            i = centre_order(&C[0, 0], k, d, &order[0, 0], &sdist[0, 0], self.par)
        if i:
            raise MemoryError()
        radsq_arr = np.zeros(k)
        nring_arr = np.empty(k, dtype=np.int64)
        cdef double[::1] radsq = radsq_arr
        cdef int64_t[::1] nring = nring_arr
        cdef double v
        for i in range(m):
            v = sqdist(&X[i, 0], &C[lab[i], 0], d)
            if v > radsq[lab[i]]:
                radsq[lab[i]] = v
        for a in range(k):
            lim = 2.0 * _RING_COVER * sqrt(radsq[a])
            q = min(4, k - 1)
            while q < min(<Py_ssize_t>_RING_MAX, k - 1) and sdist[a, q + 1] <= lim:
                q += 1
            nring[a] = q
        ofix_arr = self.order_arr.copy()
        cdef int64_t[:, ::1] ofix = ofix_arr
        inring_arr = np.zeros((k, k), dtype=np.uint8)
        cdef unsigned char[:, ::1] inring = inring_arr
        for a in range(k):
            for q in range(1, nring[a] + 1):
                inring[a, ofix[a, q]] = 1
        self.Cord = np.array(C)
        CD_arr = np.zeros((k, k))
        gap_arr = np.empty(k)
        far_arr = np.empty(k)
        ones = np.ones(k)
        self.hist = np.empty((nslots, k, d))
        self.hist[0, :, :] = C
        D_arr = np.empty((nslots, k))
        ZR_arr = np.empty((nslots, k))
        TH_arr = np.empty((nslots, k))
        G_arr = np.empty(nslots)
        box_arr = np.empty((2, d))
        cdef double[:, ::1] box = box_arr
        box_of(&X[0, 0], m, d, &box[0, 0], &box[1, 0])
        for c in range(d):
            span += (box[1, c] - box[0, c]) ** 2
        # per point, one cache line: U, rest bound, the runner-ups' bounds and their ids (as
        # floats: exact), all stated at the time slot QN[i, 0]; and the quick-check summary
        PD_arr = np.empty((m, 8))
        QF_arr = np.empty((m, 3), dtype=np.float32)
        QN_arr = np.zeros((m, 2), dtype=np.uint32)
        radw_arr = np.zeros((self.nw, k))
        self.farsafe = np.zeros(k, dtype=np.uint8)
        cdef double[::1] CDv = CD_arr.reshape(-1), gapv = gap_arr, farv = far_arr, onesv = ones, Dv = D_arr.reshape(-1)
        cdef double[::1] ZRv = ZR_arr.reshape(-1), THv = TH_arr.reshape(-1), Gv = G_arr, PDv = PD_arr.reshape(-1)
        cdef double[::1] radwv = radw_arr.reshape(-1)
        cdef float[::1] QFv = QF_arr.reshape(-1)
        cdef uint32_t[::1] QNv = QN_arr.reshape(-1)
        s.X = &X[0, 0]
        s.w = &w[0]
        s.m = m
        s.d = d
        s.k = k
        s.C = &C[0, 0]
        s.order = &order[0, 0]
        s.sdist = &sdist[0, 0]
        s.slack = 0.0
        s.CD = &CDv[0]
        s.gap = &gapv[0]
        s.far = &farv[0]
        s.farsafe = &self.farsafe[0]
        s.inring = &inring[0, 0]
        s.ofix = &ofix[0, 0]
        s.nring = &nring[0]
        s.hist = &self.hist[0, 0, 0]
        s.D = &Dv[0]
        s.ZR = &ZRv[0]
        s.TH = &THv[0]
        s.G = &Gv[0]
        s.slot = 0
        s.nslot = 1
        s.tol = EPS * (sqrt(span) + 1.0)
        s.delta = &onesv[0]
        s.PD = &PDv[0]
        s.QF = &QFv[0]
        s.QN = &QNv[0]
        s.lab = &lab[0]
        s.radw = &radwv[0]
        with nogil:
            centre_tables(s, self.par, self.nw)
            parallel_for(_first_task, s, (m + _FIRST - 1) // _FIRST, self.nw)
        self.rad = radw_arr.max(axis=0)
        self.sums = ClusterSums(k, d)
        with nogil:
            add_sums(self.sums, &X[0, 0], &w[0], &lab[0], m)
        # from here on the points are in the layout's order (the cluster sums are still
        # recomputed in the caller's order, so they do not depend on it)
        perm, bstart, edge, sufq2, labp, QF_arr, QN_arr = margin_layout(lab_arr, QF_arr, QN_arr, inring_arr, k)
        self.perm_arr = perm
        self.labp_arr = labp
        self.bstart = bstart
        self.edge = edge
        self.sufq2 = sufq2
        self.lev = np.zeros(k, dtype=np.int64)
        self.clo = np.empty(k + _MAX_CHUNKS + 1, dtype=np.int64)
        self.chi = np.empty(k + _MAX_CHUNKS + 1, dtype=np.int64)
        self.tq = np.empty(_MAX_CHUNKS + 2, dtype=np.int64)
        self.toff = np.empty(_MAX_CHUNKS + 2, dtype=np.int64)
        self.mv_n = np.zeros(_MAX_CHUNKS + 1, dtype=np.int64)
        # a chunk has at most max(2 _CHUNK, m / _MAX_CHUNKS + 1) points (see heads)
        s.cand_size = max(2 * <Py_ssize_t>_CHUNK, m // _MAX_CHUNKS + 1)
        cand_arr = np.empty(self.nw * s.cand_size, dtype=np.int64)
        mv_arr = np.empty(m, dtype=np.int64)
        mva_arr = np.empty(m, dtype=np.uint32)
        cdef uint32_t[::1] mvav = mva_arr
        self.dS = np.zeros((k, d))
        self.dW = np.zeros(k)
        self.dQ2 = np.zeros(k)
        self.dn = np.zeros(k, dtype=np.int64)
        cdef float[::1] QFp = QF_arr.reshape(-1)
        cdef uint32_t[::1] QNp = QN_arr.reshape(-1)
        cdef uint32_t[::1] labpv = labp
        cdef int64_t[::1] permv = perm, candv = cand_arr, mvv = mv_arr
        s.QF = &QFp[0]
        s.QN = &QNp[0]
        s.labp = &labpv[0]
        s.perm = &permv[0]
        s.cand = &candv[0]
        s.mv_i = &mvv[0]
        s.mv_a = &mvav[0]
        s.clo = &self.clo[0]
        s.chi = &self.chi[0]
        s.tq = &self.tq[0]
        s.toff = &self.toff[0]
        s.mv_n = &self.mv_n[0]
        self._keep = (X, w, C, ofix_arr, inring_arr, CD_arr, gap_arr, far_arr, ones, D_arr, ZR_arr, TH_arr, G_arr,
                      PD_arr, QF_arr, QN_arr, radw_arr, cand_arr, mv_arr, mva_arr, radsq_arr, nring_arr)

    def objective_base(self):
        """The sum of ``w |x|^2`` over all points, from the cluster sums."""
        return self.sums.objective_base()

    def assign(self, const double[:, ::1] C, LloydStep step):
        """One pass after a step: every point to its exact nearest centre of ``C`` (k, d) IN.

        ``step`` IN/OUT: its ``delta`` (how far each centre moved in the step) is read, its
        ``grown`` flags the clusters whose membership changed. Updates :attr:`sums` and
        returns the number of labels changed."""
        cdef BoundedState *s = &self.s
        cdef Py_ssize_t k = s.k, d = s.d, a, c, nchunks, changed
        cdef double mo, sq, tt, gsum
        cdef unsigned char[::1] grown = step.grown
        cdef double[::1] delta = step.delta
        if C.shape[0] != k or C.shape[1] != d:
            raise ValueError(f"C must have shape ({k}, {d}); got {C.shape[0], C.shape[1]}")
        self.npass += 1
        if self.npass % SLOT == 0:
            if s.slot + 1 >= self.max_slots:
                raise ValueError("more passes than the kernel was made for (max_iter)")
            s.slot += 1
            self.hist[s.slot, :, :] = C
        s.nslot = s.slot + 1
        s.C = &C[0, 0]
        s.delta = &delta[0]
        with nogil:
            # the tables grow with the slots: on the pool once they are large
            centre_tables(s, self.par or k * s.nslot >= _PAR_SLOTS, self.nw)
            for a in range(k):  # rad[a] + D[0, a] bounds the distance from a to its farthest member
                s.farsafe[a] = s.far[a] > 2.0 * (self.rad[a] + s.D[a]) * (1.0 + EPS) + s.tol
            mo = 0.0
            gsum = 0.0
            for a in range(k):
                sq = 0.0
                for c in range(d):
                    tt = C[a, c] - self.Cord[a, c]
                    sq += tt * tt
                mo = max(mo, sqrt(sq))
                gsum += s.gap[a]
            if mo > _REORDER * (gsum / k):
                centre_order(&C[0, 0], k, d, <int64_t *>s.order, <double *>s.sdist, self.par)
                for a in range(k):
                    for c in range(d):
                        self.Cord[a, c] = C[a, c]
                mo = 0.0
            s.slack = 2.0 * mo
            nchunks = heads(&self.bstart[0], &self.edge[0], &self.sufq2[0], &self.lev[0], k, s.TH, s.farsafe, s.D,
                            s.G[0], _CHUNK, _MAX_CHUNKS, s.clo, s.chi, s.tq, s.toff)
            if nchunks > 0:
                parallel_for(_pass_task, s, nchunks, self.nw)
            changed = self._apply(nchunks, grown)
        return changed

    cdef Py_ssize_t _apply(self, Py_ssize_t nchunks, unsigned char[::1] grown) noexcept nogil:
        """Apply a pass's recorded label changes to the cluster sums, in the order of the
        layout; flag the clusters that changed in ``grown`` (OUT). Returns the number of
        changes."""
        cdef BoundedState *s = &self.s
        cdef Py_ssize_t k = s.k, d = s.d, t, q, i, r, c, j, changed = 0, idx
        cdef int64_t a, b
        cdef double wr, qq, v, x
        memset(&grown[0], 0, k)
        memset(&self.dS[0, 0], 0, k * d * sizeof(double))
        memset(&self.dW[0], 0, k * sizeof(double))
        memset(&self.dQ2[0], 0, k * sizeof(double))
        memset(&self.dn[0], 0, k * sizeof(int64_t))
        for t in range(nchunks):
            for q in range(s.mv_n[t]):
                idx = s.toff[t] + q
                i = s.mv_i[idx]
                a = s.mv_a[idx]
                b = s.labp[i]
                r = s.perm[i]
                grown[a] = 1
                grown[b] = 1
                self.dn[a] -= 1
                self.dn[b] += 1
                wr = s.w[r]
                self.dW[a] -= wr
                self.dW[b] += wr
                qq = 0.0
                for c in range(d):
                    x = s.X[r * d + c]
                    v = wr * x
                    self.dS[a, c] -= v
                    self.dS[b, c] += v
                    qq += x * x
                self.dQ2[a] -= wr * qq
                self.dQ2[b] += wr * qq
                v = s.PD[r * 8] - s.D[s.slot * k + b] + s.D[b]  # distance to b's starting point, at most
                if v > self.rad[b]:
                    self.rad[b] = v
                changed += 1
        for j in range(k):
            if grown[j]:
                self.sums.W[j] += self.dW[j]
                self.sums.Q2[j] += self.dQ2[j]
                self.sums.n[j] += self.dn[j]
                for c in range(d):
                    self.sums.S[j, c] += self.dS[j, c]
        return changed

    def recompute_sums(self):
        """Sums of the current partition from scratch, the points added in the caller's order."""
        cdef BoundedState *s = &self.s
        cdef uint32_t[::1] lab = self.lab_arr
        cdef const double[:, ::1] X = self.X_arr
        cdef const double[::1] w = self.w_arr
        cdef Py_ssize_t i
        with nogil:
            for i in range(s.m):
                lab[s.perm[i]] = s.labp[i]
            self.sums.clear()
            add_sums(self.sums, &X[0, 0], &w[0], &lab[0], s.m)

    def labels_out(self, int64_t[::1] labels):
        """Write the labels, in the caller's order of the points, to ``labels`` (m,) OUT."""
        cdef BoundedState *s = &self.s
        cdef Py_ssize_t i
        for i in range(s.m):
            labels[s.perm[i]] = s.labp[i]

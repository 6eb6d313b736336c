"""Lloyd assignment passes on a tree of the points (the filtering algorithm).

This kernel and the bounded one (``_lloyd_bounded``) find the same nearest centres at
different costs. The bounded kernel keeps distance bounds per point, so a pass costs little
once the centres barely move, but much while they move far. This one keeps no state per
point, so a pass costs about the same all along: less than the bounded kernel's early
passes, more than its late ones. Lloyd on many colours therefore starts here and hands over
to the bounded kernel once few labels change (``vqpress.colour.lloyd``).

The points are put in a binary tree once (``_point_tree.PointTree``): sorted along a
Morton (Z-order) curve and split where the next bit of that order changes; every node holds
the bounding box of its points and their weighted sums.

A pass walks the tree from the root with the list of centres that may be nearest to some
point of the node. A centre ``z`` is dropped from a node's list when every point of the box
is strictly nearer to the centre ``z*`` nearest the box's middle: the box corner farthest in
the direction ``z - z*`` decides it (Kanungo et al.). A node left with one centre is assigned
whole, through its sums, without visiting its points; at a leaf with several, each point is
measured against the few left. Pruning keeps a relative safety margin far above rounding,
and every label is decided on exact distances, so labels are the exact nearest centres
(lowest index on ties).

Threads: this thread walks the top of the tree down to nodes of at most 1/``TASKS`` of the
points and lists them, with their candidates, as tasks; the thread pool walks the tasks,
each into sums of its own, which are then added in task order. The task list depends on the
number of points only, so a pass gives the same sums, to the bit, on any number of threads.

References
----------
.. [1] T. Kanungo, D. M. Mount, N. S. Netanyahu, C. D. Piatko, R. Silverman and A. Y. Wu,
   "An efficient k-means clustering algorithm: analysis and implementation",
   IEEE Trans. PAMI 24(7), 2002.
"""

import numpy as np

from libc.math cimport INFINITY, fabs
from libc.stdint cimport int64_t
from libc.string cimport memset

from vqpress._threadpool cimport parallel_for, planned_workers
from vqpress.colour._common cimport EPS, sqdist
from vqpress.colour._lloyd_step cimport ClusterSums, LloydStep
from vqpress.colour._point_tree cimport LEAF, PointTree


cdef enum:
    TASKS = 32         # the top walk stops at nodes of at most 1/TASKS of the points
    _MAX_WORKERS = 16  # most threads of a walk (each holds candidate lists of k per tree level)


cdef struct _Walk:
    # the tree (IN)
    const double *Xs
    const double *ws
    const int64_t *start
    const int64_t *end
    const int64_t *left
    const double *lo
    const double *hi
    const double *bn2
    const double *NS
    const double *NW
    Py_ssize_t d, k, depth2
    # the centres (IN) and their squared norms
    const double *C
    const double *cn
    # the labels, in tree order (IN/OUT)
    int64_t *labels
    # per worker: candidate lists, stack, slot of each centre in the task's list, grown flags
    int64_t *buf
    int64_t *st_node
    int64_t *st_off
    int64_t *st_cnt
    int64_t *slot_of
    unsigned char *grown
    # the task list: node, number of candidates, candidates (k each), sums (k rows of
    # d + 2 each: W, n, S), label changes
    Py_ssize_t ntask, cap, stop
    int64_t *tnode
    int64_t *tcnt
    int64_t *tcand
    double *tacc
    int64_t *tchanged


cdef inline Py_ssize_t _relabel(int64_t *labels, Py_ssize_t q, int64_t b, unsigned char *grown) noexcept nogil:
    """Give point q the label b; flag both clusters if that changes it. Returns 1 if so."""
    cdef int64_t a = labels[q]
    if a == b:
        return 0
    labels[q] = b
    grown[a] = 1
    grown[b] = 1
    return 1


cdef Py_ssize_t _walk(_Walk *wk, int worker, int64_t root, Py_ssize_t ncand, bint listing, double *acc,
                      const int64_t *slot_of) noexcept nogil:
    """Assign the points under node ``root`` to their exact nearest centres (lowest index on
    ties), given the ``ncand`` centres at the start of the worker's candidate buffer
    (ascending) that may be nearest to some of them. Adds the clusters' weights, counts and
    sums to ``acc`` (rows of d + 2; the row of centre z is ``slot_of[z]``, or z itself when
    ``slot_of`` is NULL), flags the clusters whose membership changed and returns the number
    of labels changed. With ``listing``, nodes of at most ``stop`` points that still have
    several candidates are appended to the task list instead (while it has room)."""
    cdef Py_ssize_t d = wk.d, k = wk.k, r = d + 2, sp = 1, changed = 0, zo, zc, base, nz, q, c, p, t
    cdef int64_t *buf = wk.buf + worker * wk.depth2 * k
    cdef int64_t *st_node = wk.st_node + worker * wk.depth2
    cdef int64_t *st_off = wk.st_off + worker * wk.depth2
    cdef int64_t *st_cnt = wk.st_cnt + worker * wk.depth2
    cdef unsigned char *grown = wk.grown + worker * k
    cdef const double *C = wk.C
    cdef const double *cn = wk.cn
    cdef const double *lo
    cdef const double *hi
    cdef const double *x
    cdef double *row
    cdef int64_t nd, zs, z, b
    cdef double best, s, tt, mx, mag, df, t1, t2, bd, v, wq
    cdef double mid[8]
    cdef bint keep
    st_node[0] = root
    st_off[0] = 0
    st_cnt[0] = ncand
    while sp > 0:
        sp -= 1
        nd = st_node[sp]
        zo = st_off[sp]
        zc = st_cnt[sp]
        base = zo + zc
        lo = wk.lo + nd * d
        hi = wk.hi + nd * d
        # the candidate nearest to the box's middle ...
        zs = buf[zo]
        if zc > 1:
            for c in range(d):
                mid[c] = 0.5 * (lo[c] + hi[c])
            best = INFINITY
            for q in range(zo, zo + zc):
                z = buf[q]
                s = 0.0
                for c in range(d):
                    tt = mid[c] - C[z * d + c]
                    s += tt * tt
                if s < best:
                    best = s
                    zs = z
        # ... and the others that are not farther than it from every point of the box
        nz = 0
        for q in range(zo, zo + zc):
            z = buf[q]
            keep = True
            if z != zs:
                # min over the box of |p - z|^2 - |p - zs|^2, at the corner farthest along
                # z - zs (the larger of the two products picks that corner's coordinate)
                mx = 0.0
                mag = 0.0
                for c in range(d):
                    df = C[z * d + c] - C[zs * d + c]
                    t1 = hi[c] * df
                    t2 = lo[c] * df
                    tt = t2 if t2 > t1 else t1
                    mx += tt
                    mag += fabs(tt)
                # (written so that a NaN from overflowing coordinates keeps the centre)
                keep = not (cn[z] - cn[zs] - 2.0 * mx > EPS * (cn[z] + cn[zs] + 2.0 * mag + wk.bn2[nd]))
            buf[base + nz] = z  # written either way, kept by counting it
            nz += keep
        if nz == 1:  # the whole node is nearest to zs
            row = acc + (zs if slot_of == NULL else slot_of[zs]) * r
            row[0] += wk.NW[nd]
            row[1] += wk.end[nd] - wk.start[nd]
            for c in range(d):
                row[2 + c] += wk.NS[nd * d + c]
            for q in range(wk.start[nd], wk.end[nd]):
                changed += _relabel(wk.labels, q, zs, grown)
        elif listing and wk.end[nd] - wk.start[nd] <= wk.stop and wk.ntask < wk.cap:
            t = wk.ntask
            wk.tnode[t] = nd
            wk.tcnt[t] = nz
            for q in range(nz):
                wk.tcand[t * k + q] = buf[base + q]
            wk.ntask = t + 1
        elif wk.left[nd] < 0:
            for q in range(wk.start[nd], wk.end[nd]):
                x = wk.Xs + q * d
                b = buf[base]
                bd = sqdist(x, C + b * d, d)
                for p in range(base + 1, base + nz):  # ascending indices: strict < keeps the lowest
                    z = buf[p]
                    v = sqdist(x, C + z * d, d)
                    if v < bd:
                        bd = v
                        b = z
                changed += _relabel(wk.labels, q, b, grown)
                row = acc + (b if slot_of == NULL else slot_of[b]) * r
                wq = wk.ws[q]
                row[0] += wq
                row[1] += 1.0
                for c in range(d):
                    row[2 + c] += wq * x[c]
        else:
            st_node[sp] = wk.left[nd] + 1
            st_off[sp] = base
            st_cnt[sp] = nz
            st_node[sp + 1] = wk.left[nd]
            st_off[sp + 1] = base
            st_cnt[sp + 1] = nz
            sp += 2
    return changed


cdef void _task(void *ctx, Py_ssize_t t, int worker) noexcept nogil:
    """Walk listed task t into its own sums."""
    cdef _Walk *wk = <_Walk *>ctx
    cdef Py_ssize_t k = wk.k, r = wk.d + 2, nc = wk.tcnt[t], q
    cdef int64_t *buf = wk.buf + worker * wk.depth2 * k
    cdef int64_t *slot_of = wk.slot_of + worker * k
    cdef const int64_t *cand = wk.tcand + t * k
    cdef double *acc = wk.tacc + t * k * r
    memset(acc, 0, nc * r * sizeof(double))
    for q in range(nc):
        buf[q] = cand[q]
        slot_of[cand[q]] = q
    wk.tchanged[t] = _walk(wk, worker, wk.tnode[t], nc, False, acc, slot_of)


cdef class TreeLloyd:
    """Lloyd assignment passes on a :class:`PointTree`, for ``k`` centres.

    Parameters
    ----------
    tree : PointTree, IN
    labels : (m,) int64, IN
        A guess of each point's nearest centre, in the caller's order of the points (the
        first :meth:`assign` replaces it).
    k : int
        Number of centres.

    Attributes
    ----------
    sums : ClusterSums
        The sums of the current partition, in the walk's order of additions after a pass
        (:meth:`recompute_sums` puts them in tree order).
    """

    cdef readonly PointTree tree
    cdef readonly ClusterSums sums
    cdef double _Q
    cdef readonly object labels_arr
    cdef int64_t[::1] lab
    cdef Py_ssize_t k, nworkers
    cdef object _keep  # the scratch arrays the walk's pointers point into
    cdef _Walk wk
    cdef double[::1] cn, acc0
    cdef unsigned char[::1] scratch

    def __init__(self, PointTree tree, const int64_t[::1] labels, Py_ssize_t k):
        cdef Py_ssize_t m = tree.m, d = tree.d, q, c, cap, depth2 = tree.maxdepth + 2
        self.tree = tree
        self.k = k
        self.sums = ClusterSums(k, d)
        self.labels_arr = np.asarray(labels)[tree.perm_arr]
        self.lab = self.labels_arr
        cdef double Q = 0.0
        for q in range(m):
            for c in range(d):
                Q += tree.ws[q] * tree.Xs[q, c] * tree.Xs[q, c]
        self._Q = Q
        stop = max(m // TASKS, <Py_ssize_t>LEAF)
        cap = 4 * (m // stop + 1)
        nw = max(1, planned_workers(min(cap, <Py_ssize_t>_MAX_WORKERS)))
        self.nworkers = nw
        arrays = dict(
            buf=np.empty(nw * depth2 * k, dtype=np.int64),
            st_node=np.empty(nw * depth2, dtype=np.int64),
            st_off=np.empty(nw * depth2, dtype=np.int64),
            st_cnt=np.empty(nw * depth2, dtype=np.int64),
            slot_of=np.zeros(nw * k, dtype=np.int64),
            grown=np.zeros(nw * k, dtype=np.uint8),
            tnode=np.empty(cap, dtype=np.int64),
            tcnt=np.empty(cap, dtype=np.int64),
            tcand=np.empty(cap * k, dtype=np.int64),
            tacc=np.empty(cap * k * (d + 2)),
            tchanged=np.empty(cap, dtype=np.int64),
        )
        self._keep = arrays
        self.cn = np.empty(k)
        self.acc0 = np.empty(k * (d + 2))
        self.scratch = np.zeros(k, dtype=np.uint8)
        cdef int64_t[::1] buf = arrays["buf"], st_node = arrays["st_node"], st_off = arrays["st_off"]
        cdef int64_t[::1] st_cnt = arrays["st_cnt"], slot_of = arrays["slot_of"], tnode = arrays["tnode"]
        cdef int64_t[::1] tcnt = arrays["tcnt"], tcand = arrays["tcand"], tchanged = arrays["tchanged"]
        cdef unsigned char[::1] grown = arrays["grown"]
        cdef double[::1] tacc = arrays["tacc"]
        self.wk.Xs = &tree.Xs[0, 0]
        self.wk.ws = &tree.ws[0]
        self.wk.start = &tree.start[0]
        self.wk.end = &tree.end[0]
        self.wk.left = &tree.left[0]
        self.wk.lo = &tree.lo[0, 0]
        self.wk.hi = &tree.hi[0, 0]
        self.wk.bn2 = &tree.bn2[0]
        self.wk.NS = &tree.NS[0, 0]
        self.wk.NW = &tree.NW[0]
        self.wk.d = d
        self.wk.k = k
        self.wk.depth2 = depth2
        self.wk.cn = &self.cn[0]
        self.wk.labels = &self.lab[0]
        self.wk.buf = &buf[0]
        self.wk.st_node = &st_node[0]
        self.wk.st_off = &st_off[0]
        self.wk.st_cnt = &st_cnt[0]
        self.wk.slot_of = &slot_of[0]
        self.wk.grown = &grown[0]
        self.wk.cap = cap
        self.wk.stop = stop
        self.wk.tnode = &tnode[0]
        self.wk.tcnt = &tcnt[0]
        self.wk.tcand = &tcand[0]
        self.wk.tacc = &tacc[0]
        self.wk.tchanged = &tchanged[0]

    def assign(self, const double[:, ::1] C, LloydStep step=None):
        """One pass: every point to its exact nearest centre of ``C`` (k, d) IN.

        Rewrites :attr:`sums` for the new partition, flags in ``step.grown`` (OUT, if a step
        is given) the clusters whose membership changed, and returns the number of labels
        changed."""
        cdef _Walk *wk = &self.wk
        cdef Py_ssize_t k = self.k, d = wk.d, r = d + 2, j, c, t, q, wi
        cdef Py_ssize_t changed
        cdef unsigned char[::1] grown = self.scratch if step is None else step.grown
        cdef int64_t *buf = wk.buf
        cdef int64_t z
        cdef double *src
        cdef double *dst
        cdef double s
        with nogil:
            wk.C = &C[0, 0]
            for j in range(k):
                s = 0.0
                for c in range(d):
                    s += C[j, c] * C[j, c]
                self.cn[j] = s
                buf[j] = j
            memset(wk.grown, 0, self.nworkers * k)
            memset(&self.acc0[0], 0, k * r * sizeof(double))
            wk.ntask = 0
            changed = _walk(wk, 0, 0, k, True, &self.acc0[0], NULL)
            if wk.ntask > 0:
                parallel_for(_task, wk, wk.ntask, self.nworkers)
                for t in range(wk.ntask):  # the tasks' sums, in task order
                    changed += wk.tchanged[t]
                    for q in range(wk.tcnt[t]):
                        z = wk.tcand[t * k + q]
                        src = wk.tacc + (t * k + q) * r
                        dst = &self.acc0[z * r]
                        for c in range(r):
                            dst[c] += src[c]
            for j in range(k):
                self.sums.W[j] = self.acc0[j * r]
                self.sums.n[j] = <int64_t>self.acc0[j * r + 1]
                for c in range(d):
                    self.sums.S[j, c] = self.acc0[j * r + 2 + c]
                s = 0
                for wi in range(self.nworkers):
                    if wk.grown[wi * k + j]:
                        s = 1
                grown[j] = <unsigned char>s
        return changed

    def objective_base(self):
        """The sum of ``w |x|^2`` over all points (fixed)."""
        return self._Q

    def recompute_sums(self):
        """Sums of the current partition from scratch, the points added in tree order."""
        self.sums.recompute(self.tree.Xs_arr, self.tree.ws_arr, self.labels_arr)

    def labels_out(self, int64_t[::1] labels):
        """Write the labels, in the caller's order of the points, to ``labels`` (m,) OUT."""
        cdef Py_ssize_t q
        cdef const int64_t[::1] perm = self.tree.perm
        for q in range(self.tree.m):
            labels[perm[q]] = self.lab[q]

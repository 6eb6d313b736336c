"""The Lloyd step shared by the two Lloyd kernels (``_lloyd_tree`` and ``_lloyd_bounded``).

A Lloyd iteration is an assignment pass (each kernel's own way of finding every point's
nearest centre, keeping the clusters' sums in a :class:`ClusterSums`) followed by this
step: every centre moves to the weighted mean of its cluster, or past it. Both kernels use
the same step and the same sums, which is what lets one hand its iterations over to the
other mid-way (``vqpress.colour.lloyd``) without changing a single step.

Centres that keep moving the same way take longer steps, up to ``beta`` plain ones (an
adaptive over-relaxation after Salakhutdinov and Roweis [1]_); the long steps stop for good
the first time the objective rises (a long step overshot), and a plain step always follows
an iteration with no change, so the iterations end at an exact Lloyd fixed point.

References
----------
.. [1] R. Salakhutdinov and S. Roweis, "Adaptive overrelaxed bound optimization methods",
   ICML 2003.
"""

import numpy as np

from libc.math cimport INFINITY, sqrt
from libc.stdint cimport int64_t, uint32_t

from vqpress.colour._common cimport sqdist


cdef class ClusterSums:
    """Per cluster of a partition: the weighted sums of the points ``S`` (k, d), their
    total weight ``W`` (k,), the weighted sum of ``|x|^2`` ``Q2`` (k,) and the number of
    points ``n`` (k,) int64. Kernels fill them (``recompute`` adds the points in their
    order; a kernel's pass may also update them move by move)."""

    def __init__(self, Py_ssize_t k, Py_ssize_t d):
        self.k = k
        self.d = d
        self.S_arr = np.zeros((k, d))
        self.W_arr = np.zeros(k)
        self.Q2_arr = np.zeros(k)
        self.n_arr = np.zeros(k, dtype=np.int64)
        self.S = self.S_arr
        self.W = self.W_arr
        self.Q2 = self.Q2_arr
        self.n = self.n_arr

    cdef void clear(self) noexcept nogil:
        cdef Py_ssize_t j, c
        for j in range(self.k):
            self.W[j] = 0.0
            self.Q2[j] = 0.0
            self.n[j] = 0
            for c in range(self.d):
                self.S[j, c] = 0.0

    def recompute(self, const double[:, ::1] X, const double[::1] w, const int64_t[::1] labels):
        """Sums of the partition ``labels`` (m,) IN of the points ``X`` (m, d) IN with
        weights ``w`` (m,) IN, added in point order."""
        with nogil:
            self.clear()
            add_sums(self, &X[0, 0], &w[0], &labels[0], X.shape[0])

    def first_empty(self):
        """The lowest index of a cluster without points, or -1."""
        cdef Py_ssize_t j
        for j in range(self.k):
            if self.n[j] == 0:
                return j
        return -1

    def objective_base(self):
        """The sum of ``w |x|^2`` over all points (from ``Q2``, added in cluster order)."""
        cdef double q = 0.0
        cdef Py_ssize_t j
        for j in range(self.k):
            q += self.Q2[j]
        return q


cdef void add_sums(ClusterSums sums, const double *X, const double *w, const label_t *labels,
                   Py_ssize_t m) noexcept nogil:
    """Add the points ``X[:m]`` with weights ``w`` to the sums of their clusters ``labels``."""
    cdef Py_ssize_t i, c, d = sums.d
    cdef label_t a
    cdef double q, wi, x
    for i in range(m):
        a = labels[i]
        wi = w[i]
        sums.W[a] += wi
        sums.n[a] += 1
        q = 0.0
        for c in range(d):
            x = X[i * d + c]
            sums.S[a, c] += wi * x
            q += x * x
        sums.Q2[a] += wi * q


cdef class LloydStep:
    """The state a Lloyd step carries from one iteration to the next.

    ``bet`` (k,): each centre's last step, in plain steps; ``last`` (k, d): that step;
    ``grown`` (k,) uint8: the cluster's membership changed in the last pass (kernels set
    it); ``delta`` (k,): how far each centre moved in the last step; ``relax``: long steps
    are still allowed; ``objective``: the objective after the last pass.
    """

    def __init__(self, Py_ssize_t k, Py_ssize_t d, double beta=1.0):
        self.beta = beta
        self.relax = beta > 1.0
        self.objective = INFINITY
        self.bet_arr = np.ones(k)
        self.last_arr = np.zeros((k, d))
        self.grown_arr = np.zeros(k, dtype=np.uint8)
        self.delta_arr = np.zeros(k)
        self.bet = self.bet_arr
        self.last = self.last_arr
        self.grown = self.grown_arr
        self.delta = self.delta_arr

    cpdef Py_ssize_t move(self, double[:, ::1] C, ClusterSums sums):
        """Move every centre to the weighted mean of its cluster, or past it.

        ``C`` (k, d) IN/OUT; ``sums`` IN (no cluster empty). A centre whose cluster grew or
        shrank (``grown``) and whose step keeps the direction of its last one takes 1.5
        times as many plain steps as last time, up to ``beta``, while ``relax`` holds.
        Writes ``delta``, ``last`` and ``bet``; returns how many centres moved."""
        cdef Py_ssize_t k = C.shape[0], d = C.shape[1], j, c, moved = 0
        cdef double dot, nn, ll, t, s, wj
        with nogil:
            for j in range(k):
                wj = sums.W[j]
                if self.relax and self.grown[j]:
                    dot = 0.0
                    nn = 0.0
                    ll = 0.0
                    for c in range(d):
                        t = sums.S[j, c] / wj - C[j, c]
                        dot += t * self.last[j, c]
                        nn += t * t
                        ll += self.last[j, c] * self.last[j, c]
                    if dot > 0.5 * sqrt(nn * ll):
                        self.bet[j] = min(self.bet[j] * 1.5, self.beta)
                    else:
                        self.bet[j] = 1.0
                else:
                    self.bet[j] = 1.0
                s = 0.0
                for c in range(d):
                    t = self.bet[j] * (sums.S[j, c] / wj - C[j, c])
                    self.last[j, c] = t
                    C[j, c] += t
                    s += t * t
                s = sqrt(s)
                self.delta[j] = s
                if s > 0.0:
                    moved += 1
        return moved

    cpdef bint record(self, double Q, ClusterSums sums, const double[:, ::1] C):
        """Record the objective after a pass, ``Q + sum_j C_j . (W_j C_j - 2 S_j)`` (``Q``
        IN the sum of ``w |x|^2`` over all points; ``sums`` IN of the new partition; ``C``
        IN the centres it was assigned to); long steps stop for good the first time it
        rises. Returns ``relax``."""
        cdef Py_ssize_t k = C.shape[0], d = C.shape[1], j, c
        cdef double obj = Q
        for j in range(k):
            for c in range(d):
                obj += C[j, c] * (sums.W[j] * C[j, c] - 2.0 * sums.S[j, c])
        if obj > self.objective:
            self.relax = False
        self.objective = obj
        return self.relax

    def clear_grown(self):
        """Forget which clusters changed (before a pass)."""
        self.grown_arr[:] = 0


def weighted_sse(const double[:, ::1] X, const double[::1] w, const double[:, ::1] C, const int64_t[::1] labels):
    """``sum_i w_i |X_i - C[labels_i]|^2``, added in point order (all arguments IN)."""
    cdef Py_ssize_t i, d = X.shape[1]
    cdef double s = 0.0
    with nogil:
        for i in range(X.shape[0]):
            s += w[i] * sqdist(&X[i, 0], &C[labels[i], 0], d)
    return s

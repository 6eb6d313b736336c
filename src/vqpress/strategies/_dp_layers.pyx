"""One layer of the optimal-partition dynamic programme (see :mod:`vqpress.strategies.optimal`).

A layer turns ``prev[i]`` (least squared error of the first ``i`` distinct values in
``m - 1`` clusters) into ``cost[j]`` (the first ``j`` values in ``m`` clusters) and
``best[j]`` (where the last of those clusters starts), for ``j`` in ``[j_lo, j_hi]``. Python
runs the loop over the layers and the backtracking; each function here fills one layer.

Two rules, each computing its candidates with the same floating-point expression, in the
same order, as the numpy reference in ``tests/scalar_reference.py`` (so the partitions agree
to the bit):

- :func:`dense_layer` (small histograms): the minimum over every split ``i < j`` of
  ``table[j, i] + prev[i]``, with the segment costs ``table`` from :func:`dense_table`.
- :func:`divide_and_conquer_layer` (large ones): the best split never decreases with ``j``,
  so the middle row of a range of rows bounds the splits of the rows on either side
  (``O(n log n)`` a layer). The top of the recursion is walked breadth first, each row's
  candidates cut into pieces that the shared thread pool scans side by side; the subtrees
  below are then handed to the pool whole, each walked depth first on one thread.

Every row keeps the first (smallest) split of least cost. The candidates of a row are
evaluated in vectorised blocks (``_dp_scan.h``), each block's least value found by a second
vectorised loop and located at its first occurrence only when it beats the best so far: the
same split one running minimum over the candidates in order gives.
"""

import numpy as np

from libc.math cimport INFINITY
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, realloc

from vqpress._threadpool cimport parallel_for, planned_workers

cdef extern from "_dp_scan.h" nogil:
    double vq_dp_scan(const double *base, const double *w, const double *s, Py_ssize_t mid,
                      Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t *arg)
    void vq_dense_costs(const double *w, const double *s, const double *q, Py_ssize_t i, Py_ssize_t n1,
                        double *out)
    void vq_dense_update(const double *costs_i, double prev_i, int64_t i, Py_ssize_t lo, Py_ssize_t hi,
                         double *cost, int64_t *best)

cdef enum:
    # Candidates per piece when one row is scanned by several threads.
    PIECE = 16384
    # Layers of fewer rows than this run on the calling thread alone.
    PARALLEL_MIN_ROWS = 4096
    # Depth-first walks keep at most two open sub-problems per level of the recursion.
    STACK = 128


cdef struct Sums:
    const double *w     # running weight
    const double *s     # running weighted value
    const double *q     # running weighted square
    const double *base  # prev[i] - q[i]: the candidate's part that does not depend on the row
    double *cost        # OUT
    int64_t *best       # OUT


cdef struct Rows:
    # A sub-problem: rows [lo, hi] whose best splits lie in [opt_lo, opt_hi].
    Py_ssize_t lo
    Py_ssize_t hi
    Py_ssize_t opt_lo
    Py_ssize_t opt_hi


cdef struct Piece:
    Py_ssize_t row     # index of its sub-problem
    Py_ssize_t first   # candidates [first, last]
    Py_ssize_t last
    double value       # OUT: the piece's least value
    Py_ssize_t arg     # OUT: its first split of that value


cdef struct Job:
    Sums *sums
    Rows *rows
    Piece *pieces


cdef inline double _scan(const Sums *t, Py_ssize_t mid, Py_ssize_t lo, Py_ssize_t hi,
                         Py_ssize_t *arg) noexcept nogil:
    """Least ``base[i] - (s[mid] - s[i])**2 / (w[mid] - w[i])`` over ``i`` in ``[lo, hi]``,
    and (OUT ``arg``) the first ``i`` reaching it; ``lo`` with ``inf`` for an empty range."""
    return vq_dp_scan(t.base, t.w, t.s, mid, lo, hi, arg)


cdef void _walk(const Sums *t, Rows top) noexcept nogil:
    """Solve every row of one sub-problem, depth first (middle row, then the two halves)."""
    cdef Rows stack[STACK]
    cdef Rows r
    cdef Py_ssize_t size = 1, mid, arg
    cdef double value
    stack[0] = top
    while size > 0:
        size -= 1
        r = stack[size]
        mid = (r.lo + r.hi) >> 1
        value = _scan(t, mid, r.opt_lo, min(r.opt_hi, mid - 1), &arg)
        t.cost[mid] = value + t.q[mid]
        t.best[mid] = arg
        if mid < r.hi:
            stack[size].lo, stack[size].hi, stack[size].opt_lo, stack[size].opt_hi = mid + 1, r.hi, arg, r.opt_hi
            size += 1
        if mid > r.lo:
            stack[size].lo, stack[size].hi, stack[size].opt_lo, stack[size].opt_hi = r.lo, mid - 1, r.opt_lo, arg
            size += 1


cdef void _walk_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef Job *job = <Job *>ctx
    _walk(job.sums, job.rows[chunk])


cdef void _piece_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef Job *job = <Job *>ctx
    cdef Piece *p = &job.pieces[chunk]
    cdef Rows *r = &job.rows[p.row]
    p.value = _scan(job.sums, (r.lo + r.hi) >> 1, p.first, p.last, &p.arg)


cdef int _divide_and_conquer(Sums *t, Rows root, Py_ssize_t n_rows) noexcept nogil:
    """All rows of ``root``; on the pool when the layer is large. Returns -1 if out of memory."""
    cdef int workers = planned_workers(n_rows // 256 + 1) if n_rows >= PARALLEL_MIN_ROWS else 1
    if workers <= 1:
        _walk(t, root)
        return 0
    # Breadth first until there are enough sub-problems to share out (a few per thread).
    cdef Py_ssize_t target = 8 * workers, n_open = 1, n_next, n_pieces, cap_pieces = 64
    cdef Py_ssize_t k, p, mid, first, last, arg
    cdef double value
    cdef Rows *rows = <Rows *>malloc(4 * target * sizeof(Rows))
    cdef Rows *next_rows = <Rows *>malloc(4 * target * sizeof(Rows))
    cdef Piece *pieces = <Piece *>malloc(cap_pieces * sizeof(Piece))
    cdef Piece *grown
    cdef Rows *swap
    cdef Rows r
    cdef Job job
    if rows == NULL or next_rows == NULL or pieces == NULL:
        free(rows)
        free(next_rows)
        free(pieces)
        return -1
    job.sums = t
    rows[0] = root
    while 0 < n_open < target:
        n_pieces = 0
        for k in range(n_open):
            mid = (rows[k].lo + rows[k].hi) >> 1
            first = rows[k].opt_lo
            last = min(rows[k].opt_hi, mid - 1)
            while True:  # at least one piece per row, even an empty one
                if n_pieces == cap_pieces:
                    cap_pieces *= 2
                    grown = <Piece *>realloc(pieces, cap_pieces * sizeof(Piece))
                    if grown == NULL:
                        free(rows)
                        free(next_rows)
                        free(pieces)
                        return -1
                    pieces = grown
                pieces[n_pieces].row = k
                pieces[n_pieces].first = first
                pieces[n_pieces].last = min(last, first + PIECE - 1)
                n_pieces += 1
                first += PIECE
                if first > last:
                    break
        job.rows = rows
        job.pieces = pieces
        parallel_for(_piece_task, &job, n_pieces, workers)
        # Merge each row's pieces in order (first least value), then split the row.
        n_next = 0
        p = 0
        for k in range(n_open):
            r = rows[k]
            mid = (r.lo + r.hi) >> 1
            value = pieces[p].value
            arg = pieces[p].arg
            p += 1
            while p < n_pieces and pieces[p].row == k:
                if pieces[p].value < value:
                    value = pieces[p].value
                    arg = pieces[p].arg
                p += 1
            t.cost[mid] = value + t.q[mid]
            t.best[mid] = arg
            if mid > r.lo:
                next_rows[n_next].lo, next_rows[n_next].hi = r.lo, mid - 1
                next_rows[n_next].opt_lo, next_rows[n_next].opt_hi = r.opt_lo, arg
                n_next += 1
            if mid < r.hi:
                next_rows[n_next].lo, next_rows[n_next].hi = mid + 1, r.hi
                next_rows[n_next].opt_lo, next_rows[n_next].opt_hi = arg, r.opt_hi
                n_next += 1
        swap = rows
        rows = next_rows
        next_rows = swap
        n_open = n_next
    job.rows = rows
    parallel_for(_walk_task, &job, n_open, workers)
    free(rows)
    free(next_rows)
    free(pieces)
    return 0


def divide_and_conquer_layer(const double[:, ::1] prefix, const double[::1] prev, Py_ssize_t m,
                             Py_ssize_t j_lo, Py_ssize_t j_hi):
    """One layer by divide and conquer on the monotone best split.

    Parameters
    ----------
    prefix : (3, n + 1) float64, IN
        Running weight, weighted value and weighted square of the shifted values.
    prev : (n + 1,) float64, IN
        The previous layer's costs (finite for ``i`` in ``[m - 1, j_hi - 1]``).
    m : int
        Clusters of this layer (at least 2).
    j_lo, j_hi : int
        Rows to fill, ``m <= j_lo <= j_hi <= n``.

    Returns
    -------
    cost : (n + 1,) float64
        ``cost[j]`` for ``j`` in ``[j_lo, j_hi]``, ``inf`` elsewhere.
    best : (n + 1,) int64
        The first split of least cost of each row, 0 elsewhere.
    """
    cdef Py_ssize_t n1 = prefix.shape[1], i
    if prev.shape[0] != n1 or not (2 <= m <= j_lo <= j_hi < n1):
        raise ValueError("divide_and_conquer_layer: inconsistent sizes")
    cost_arr = np.full(n1, np.inf)
    best_arr = np.zeros(n1, dtype=np.int64)
    base_arr = np.empty(n1)
    cdef double[::1] cost = cost_arr, base = base_arr
    cdef int64_t[::1] best = best_arr
    cdef Sums t
    cdef Rows root
    cdef int status
    t.w, t.s, t.q = &prefix[0, 0], &prefix[1, 0], &prefix[2, 0]
    t.base, t.cost, t.best = &base[0], &cost[0], &best[0]
    root.lo, root.hi, root.opt_lo, root.opt_hi = j_lo, j_hi, m - 1, j_hi - 1
    with nogil:
        for i in range(m - 1, j_hi):
            base[i] = prev[i] - t.q[i]
        status = _divide_and_conquer(&t, root, j_hi - j_lo + 1)
    if status:
        raise MemoryError()
    return cost_arr, best_arr


def dense_table(const double[:, ::1] prefix):
    """Cost of every segment of the values, for :func:`dense_layer`.

    Parameters
    ----------
    prefix : (3, n + 1) float64, IN
        As in :func:`divide_and_conquer_layer`.

    Returns
    -------
    table : (n + 1, n + 1) float64
        ``table[i, j]`` for ``i < j``: the weighted squared error of values ``i..j-1`` around
        their mean, ``(Q[j] - Q[i]) - (S[j] - S[i])**2 / (W[j] - W[i])``. Entries ``j <= i``
        are not written (the layers never read them).
    """
    cdef Py_ssize_t n1 = prefix.shape[1], i
    table_arr = np.empty((n1, n1))
    cdef double[:, ::1] table = table_arr
    cdef const double *w = &prefix[0, 0]
    cdef const double *s = &prefix[1, 0]
    cdef const double *q = &prefix[2, 0]
    with nogil:
        for i in range(n1):
            vq_dense_costs(w, s, q, i, n1, &table[i, 0])
    return table_arr


def dense_layer(const double[:, ::1] table, const double[::1] prev, Py_ssize_t m, Py_ssize_t j_lo,
                Py_ssize_t j_hi):
    """One layer by a full scan of every split: row ``j`` takes the first least
    ``table[i, j] + prev[i]`` over ``i`` in ``[m - 1, j - 1]``.

    The splits are offered in increasing order to every row they may end (a loop over the
    rows, vectorised); a row takes a split only when strictly better, so it keeps the first
    split of its least value, as a scan of its splits in order would.

    Parameters
    ----------
    table : (n + 1, n + 1) float64, IN
        From :func:`dense_table`.
    prev, m, j_lo, j_hi
        As in :func:`divide_and_conquer_layer`.

    Returns
    -------
    cost, best
        As in :func:`divide_and_conquer_layer`; ``cost[j]`` is the sum that won.
    """
    cdef Py_ssize_t n1 = table.shape[0], i
    if table.shape[1] != n1 or prev.shape[0] != n1 or not (2 <= m <= j_lo <= j_hi < n1):
        raise ValueError("dense_layer: inconsistent sizes")
    cost_arr = np.full(n1, np.inf)
    best_arr = np.zeros(n1, dtype=np.int64)
    cdef double[::1] cost = cost_arr
    cdef int64_t[::1] best = best_arr
    with nogil:
        for i in range(j_lo, j_hi + 1):
            best[i] = m - 1
        for i in range(m - 1, j_hi):
            vq_dense_update(&table[i, 0], prev[i], i, max(i + 1, j_lo), j_hi, &cost[0], &best[0])
    return cost_arr, best_arr

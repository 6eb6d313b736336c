"""The sweeps of ``symbol_order.refine_order``, compiled: swap neighbouring positions of a
palette's symbol order while that lowers its arrangement cost (the neighbour counts times
the distance of the two symbols in the order).

A swap of the symbols ``a`` and ``b`` at positions ``i`` and ``i + 1`` changes the cost by
``2 * (left(a) - left(b)) - deg(a) + deg(b)``, where ``left(x)`` is x's links to the symbols
at positions before ``i`` and ``deg(x)`` all its links (a's links to the right of ``i + 1``
shrink by one place and those to the left of ``i`` grow by one, b's the other way round). The
sweeps keep, for every symbol, ``before(x)``: its links to the symbols placed before it in
the current order. Then ``left(a) = before(a)`` and ``left(b) = before(b) - adj[a, b]``, and
a swap changes only two of them (``before(b)`` loses ``adj[a, b]``, ``before(a)`` gains
``adj[b, a]``): a sweep is O(n) after one O(n^2) pass that sets them up (at 256 symbols
about 20 us, where a sweep that added a row of counts per position took 16-25 us, and the
benchmarks' palettes take 10-38 sweeps).

The counts are whole numbers held in float64 (far below 2^53), so every sum is exact and
the swaps are those of any other exact way of computing the change (the numpy reference in
tests/test_coding_cm.py).
"""

import numpy as np

from libc.stdint cimport int64_t


cdef double _row_sum(const double *row, Py_ssize_t n) noexcept nogil:
    """The sum of n whole numbers (exact in any order: eight running sums, not one chain of
    additions that each wait for the last)."""
    cdef double s[8]
    cdef Py_ssize_t x, k
    for k in range(8):
        s[k] = 0.0
    for x in range(0, n - 7, 8):
        for k in range(8):
            s[k] += row[x + k]
    for x in range(n - n % 8, n):
        s[0] += row[x]
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))


def refine_swaps(const double[:, ::1] adj not None, int64_t[::1] order not None, int sweeps):
    """Refine ``order`` (a permutation of 0..n-1, changed in place) by at most ``sweeps``
    sweeps of adjacent swaps; return the number of sweeps that swapped something.

    ``adj`` (n, n) IN: whole-number neighbour counts; ``order`` (n,) IN/OUT; ``sweeps`` IN.
    """
    cdef Py_ssize_t n = order.shape[0], i, x, a, b
    cdef int s, done = 0
    cdef bint improved
    cdef double ab
    if adj.shape[0] != n or adj.shape[1] != n:
        raise ValueError(f"adj is {adj.shape[0]} x {adj.shape[1]}; the order has {n} symbols")
    deg_ = np.zeros(n, dtype=np.float64)
    before_ = np.zeros(n, dtype=np.float64)
    left_ = np.zeros(n, dtype=np.float64)
    cdef double[::1] deg = deg_, before = before_, left = left_
    cdef const double *row
    if sweeps <= 0 or n < 2:
        return 0
    with nogil:
        # before(x): x's links to the symbols ahead of it (left holds the links to positions
        # < i); deg(x): all its links (whole numbers: the sum in any order)
        for i in range(n):
            a = order[i]
            before[a] = left[a]
            row = &adj[a, 0]
            for x in range(n):
                left[x] += row[x]
            deg[a] = _row_sum(row, n)
        for s in range(sweeps):
            improved = False
            for i in range(n - 1):
                a = order[i]
                b = order[i + 1]
                ab = adj[a, b]
                if 2 * (before[a] - (before[b] - ab)) - deg[a] + deg[b] < 0:
                    order[i] = b
                    order[i + 1] = a
                    before[b] -= ab
                    before[a] += adj[b, a]
                    improved = True
            if not improved:
                break
            done += 1
    return done

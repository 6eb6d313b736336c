"""Compiled divide-and-conquer layer of the optimal (1-D k-means) DP, for large histograms.

Imported only when numba is installed and a histogram is large enough to need it; the
numpy version in :mod:`vqpress.strategies.optimal` is the reference and the fallback.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def divide_and_conquer_layer(w, s, q, prev, m, j_lo, j_hi, cost, best):  # pragma: no cover - compiled
    """Fill ``cost[j]``/``best[j]`` for ``j`` in ``[j_lo, j_hi]``: one layer of the DP.

    ``w, s, q`` are running sums of weight, weighted value and weighted square; ``prev`` the
    previous layer. Rows are solved middle-first with an explicit stack; each row scans its
    candidate splits in increasing order and keeps the first minimum (as the numpy path).
    """
    stack = np.empty((128, 4), dtype=np.int64)
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = j_lo, j_hi, m - 1, j_hi - 1
    top = 1
    while top > 0:
        top -= 1
        row_lo, row_hi, opt_lo, opt_hi = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        mid = (row_lo + row_hi) >> 1
        last = min(opt_hi, mid - 1)
        w_mid, s_mid = w[mid], s[mid]
        best_value = np.inf
        best_i = opt_lo
        for i in range(opt_lo, last + 1):
            ds = s_mid - s[i]
            value = prev[i] - q[i] - ds * ds / (w_mid - w[i])
            if value < best_value:
                best_value = value
                best_i = i
        cost[mid] = best_value + q[mid]
        best[mid] = best_i
        if mid < row_hi:
            stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = mid + 1, row_hi, best_i, opt_hi
            top += 1
        if mid > row_lo:
            stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = row_lo, mid - 1, opt_lo, best_i
            top += 1

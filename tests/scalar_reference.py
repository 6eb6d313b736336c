"""numpy references of the compiled scalar kernels; the tests check the kernels against them.

- :func:`dense_layers` and :func:`divide_and_conquer_layer`: the two layer rules of the
  optimal-partition DP (``vqpress.strategies._dp_layers``), computing every candidate with
  the same floating-point expression, so the partitions agree to the bit. Drive them with
  ``vqpress.strategies.optimal._partition(values, counts, k, LAYERS)``.
"""

from __future__ import annotations

import numpy as np


def dense_layers(prefix):
    """DP layers by full tables over (last split i, end j); ``O(n^2)`` each.

    The segment costs do not depend on the layer, so the ``(n+1) x (n+1)`` cost table is
    built once and each layer is one addition and one ``argmin``.
    """
    # table[j, i]: cost of values i..j-1, rows by end j so each row's minimum over the
    # split i is a contiguous scan.
    w, s, q = (row[:, None] - row[None, :] for row in prefix)
    with np.errstate(divide="ignore", invalid="ignore"):
        s *= s
        s /= w
        q -= s
    q[np.tri(q.shape[0], dtype=bool).T] = np.inf  # i >= j: no values, not a cluster
    table = q

    def layer(prefix, prev, m, j_lo, j_hi):
        n = prefix.shape[1] - 1
        block = table[j_lo : j_hi + 1, m - 1 : j_hi] + prev[m - 1 : j_hi]
        arg = np.argmin(block, axis=1)
        cost = np.full(n + 1, np.inf)
        best = np.zeros(n + 1, dtype=np.int64)
        cost[j_lo : j_hi + 1] = block.ravel()[arg + np.arange(0, block.size, block.shape[1])]
        best[j_lo : j_hi + 1] = arg + (m - 1)
        return cost, best

    return layer


def divide_and_conquer_layers(prefix):
    """The layer rule :func:`divide_and_conquer_layer` (for ``_partition``)."""
    return divide_and_conquer_layer


def divide_and_conquer_layer(prefix, prev, m, j_lo, j_hi):
    """One DP layer by divide and conquer on the monotone best split; ``O(n log n)``.

    Each pass of the loop solves the middle row of every open sub-problem at once: the rows
    are laid end to end in one flat array of candidates, and per-row minima come from
    ``reduceat``.
    """
    n = prefix.shape[1] - 1
    cost = np.full(n + 1, np.inf)
    best = np.zeros(n + 1, dtype=np.int64)
    w_all, s_all, q_all = prefix
    base = prev - q_all  # the row's own Q[j] is added back after the minimum
    # Open sub-problems: rows j in [row_lo, row_hi], best split known to be in [opt_lo, opt_hi].
    row_lo = np.array([j_lo])
    row_hi = np.array([j_hi])
    opt_lo = np.array([m - 1])
    opt_hi = np.array([j_hi - 1])
    while row_lo.size:
        mid = (row_lo + row_hi) >> 1
        top = np.minimum(opt_hi, mid - 1)
        width = top - opt_lo + 1
        offsets = np.zeros(width.size, dtype=np.int64)
        np.cumsum(width[:-1], out=offsets[1:])
        total = int(offsets[-1] + width[-1])
        # Candidates of all rows end to end, and the row of each.
        seg = np.repeat(np.arange(width.size), width)
        cand = np.arange(total)
        cand += (opt_lo - offsets).take(seg)
        # base[cand] - (S[mid] - S[cand])**2 / (W[mid] - W[cand]): the DP value less Q[mid].
        dw = w_all.take(mid).take(seg)
        dw -= w_all.take(cand)
        ds = s_all.take(mid).take(seg)
        ds -= s_all.take(cand)
        ds *= ds
        ds /= dw
        values = base.take(cand)
        values -= ds
        row_min = np.minimum.reduceat(values, offsets)
        hits = np.flatnonzero(values == row_min.take(seg))
        # First hit of each row: the smallest best split, which keeps ties deterministic.
        hit_row = seg.take(hits)
        first = hits[np.concatenate(([True], hit_row[1:] != hit_row[:-1]))]
        arg = cand.take(first)
        cost[mid] = row_min + q_all.take(mid)
        best[mid] = arg
        left = mid > row_lo
        right = mid < row_hi
        row_lo, row_hi, opt_lo, opt_hi = (
            np.concatenate((row_lo[left], mid[right] + 1)),
            np.concatenate((mid[left] - 1, row_hi[right])),
            np.concatenate((opt_lo[left], arg[right])),
            np.concatenate((arg[left], opt_hi[right])),
        )
    return cost, best

"""An order of a palette's indices in which neighbouring indices are colours that meet.

The "cm" coding (``vqpress.coding.cm``) asks whether a pixel's symbol lies above or below
its left neighbour's, and splits the alphabet into halves, quarters ... of consecutive
symbols. Both work best when symbols that often sit side by side in the picture have
nearby numbers. Gray levels already do (their order is their value); a k-means palette
does not. This module finds such an order from the picture itself: the symbols are the
nodes of a graph whose edge weights count how often two symbols are neighbours
(left-right, up-down and diagonal), and the order is that of the graph's Fiedler vector
(the eigenvector of the second-smallest eigenvalue of its normalised Laplacian), the
classic spectral relaxation of the minimum linear arrangement problem: it places heavily
connected symbols close together. A few sweeps of swaps of neighbouring positions then
lower the arrangement's cost further (the spectral order is a continuous optimum rounded to
positions).

The order is chosen by the encoder and stored in the stream, so the decoder never
computes it, and any order decodes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["adjacency", "spectral_order", "refine_order", "arrangement_cost"]


def adjacency(codes: np.ndarray, n: int) -> np.ndarray:
    """Symmetric (n, n) float64 counts of symbol pairs that are 8-neighbours in ``codes``.

    Parameters
    ----------
    codes : numpy.ndarray, shape (H, W), integer
        Symbols, each < ``n``.
    n : int
        Alphabet size.

    Returns
    -------
    numpy.ndarray, shape (n, n), float64
        ``A[a, b]``: the number of neighbour pairs (right, down, down-right, down-left) that
        hold ``a`` and ``b``; the diagonal (equal neighbours) is zero.
    """
    if codes.dtype == np.uint8 and codes.ndim == 2:
        from vqpress.coding import _cm  # compiled: one pass, no temporaries

        a = _cm.pair_counts(np.ascontiguousarray(codes), n)
    else:
        c = codes.astype(np.int64)
        a = np.zeros(n * n, dtype=np.int64)
        for u, v in ((c[:, 1:], c[:, :-1]), (c[1:, :], c[:-1, :]), (c[1:, 1:], c[:-1, :-1]),
                     (c[1:, :-1], c[:-1, 1:])):
            a += np.bincount((u * n + v).ravel(), minlength=n * n)
    m = a.reshape(n, n).astype(np.float64)
    m += m.T
    np.fill_diagonal(m, 0.0)
    return m


def arrangement_cost(order: np.ndarray, adj: np.ndarray) -> float:
    """Sum over neighbour pairs of the distance of their symbols' positions in ``order``."""
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))
    return float((adj * np.abs(pos[:, None] - pos[None, :])).sum() / 2)


def spectral_order(codes: np.ndarray, n: int, adj: np.ndarray | None = None) -> np.ndarray:
    """Order of the ``n`` symbols of ``codes`` that keeps frequent neighbours close.

    Parameters
    ----------
    codes : numpy.ndarray, shape (H, W), integer
    n : int
    adj : numpy.ndarray, shape (n, n), optional
        ``adjacency(codes, n)``, if already at hand.

    Returns
    -------
    numpy.ndarray, shape (n,), int64
        A permutation: ``order[i]`` is the symbol placed at position ``i``. Symbols that
        never meet another keep their relative order at the end.

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.array([[2, 0, 1, 3]])     # 2 meets 0, 0 meets 1, 1 meets 3
    >>> order = spectral_order(codes, 4)
    >>> order.tolist() in ([2, 0, 1, 3], [3, 1, 0, 2])
    True
    """
    adj = adjacency(codes, n) if adj is None else adj
    deg = adj.sum(axis=1)
    linked = np.flatnonzero(deg > 0)
    if len(linked) < 3:
        return np.concatenate([linked, np.flatnonzero(deg == 0)])
    sub = adj[np.ix_(linked, linked)]
    d = deg[linked]
    inv_sqrt = 1.0 / np.sqrt(d)
    lap = np.eye(len(linked)) - inv_sqrt[:, None] * sub * inv_sqrt[None, :]
    _, vecs = np.linalg.eigh(lap)
    fiedler = vecs[:, 1] * inv_sqrt
    # the eigenvector's sign is arbitrary: make the most frequent-degree end come first
    if fiedler[np.argmax(d)] > 0:
        fiedler = -fiedler
    ranked = linked[np.argsort(fiedler, kind="stable")]
    return np.concatenate([ranked, np.flatnonzero(deg == 0)])


def refine_order(order: np.ndarray, adj: np.ndarray, sweeps: int = 10) -> np.ndarray:
    """Swap neighbouring positions of ``order`` while that lowers its arrangement cost.

    Parameters
    ----------
    order : numpy.ndarray, shape (n,)
        A permutation of the symbols.
    adj : numpy.ndarray, shape (n, n)
        Symmetric neighbour counts (:func:`adjacency`).
    sweeps : int, default 10
        At most this many passes over the positions (each O(n^2)).

    Returns
    -------
    numpy.ndarray, shape (n,)
        A permutation whose :func:`arrangement_cost` is at most that of ``order``.
    """
    order = np.array(order, dtype=np.int64)
    n = len(order)
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    for _ in range(sweeps):
        improved = False
        for i in range(n - 1):
            a, b = order[i], order[i + 1]
            # a moves one place right, b one place left: a's links to the left of i grow by
            # one, those to the right of i + 1 shrink by one; b's the other way round
            left, right = pos < i, pos > i + 1
            change = (adj[a, left].sum() - adj[a, right].sum()) - (adj[b, left].sum() - adj[b, right].sum())
            if change < 0:
                order[i], order[i + 1] = b, a
                pos[a], pos[b] = i + 1, i
                improved = True
        if not improved:
            break
    return order

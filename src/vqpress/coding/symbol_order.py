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
connected symbols close together. Only that one vector is needed: from 128 symbols on, a few
dozen Lanczos iterations find it several times faster than a full eigendecomposition (the
same order on the benchmarks' photographs; their convergence tests take the largest
eigenpair of a small tridiagonal matrix from a compiled bisection, ``_tridiagonal.pyx``; the
counts and the normalised matrix are compiled too, ``_pair_counts.pyx``). Sweeps
of swaps of neighbouring positions (compiled, ``_order_swaps.pyx``) then lower the
arrangement's cost further (the spectral order is a continuous optimum rounded to
positions), from a vector found roughly, since the swaps make up for that.

The order is chosen by the encoder and stored in the stream, so the decoder never
computes it, and any order decodes.
"""

from __future__ import annotations

import math

import numpy as np

from vqpress.errors import VQError

__all__ = ["adjacency", "spectral_order", "refine_order", "arrangement_cost", "mean_step"]


def adjacency(codes: np.ndarray, n: int) -> np.ndarray:
    """Symmetric (n, n) float64 counts of symbol pairs that are 8-neighbours in ``codes``.

    Parameters
    ----------
    codes : numpy.ndarray, shape (H, W), integer
        Symbols, each < ``n`` (a VQError otherwise).
    n : int
        Alphabet size, at most 256 for a uint8 map.

    Returns
    -------
    numpy.ndarray, shape (n, n), float64
        ``A[a, b]``: the number of neighbour pairs (right, down, down-right, down-left) that
        hold ``a`` and ``b``; the diagonal (equal neighbours) is zero.
    """
    if codes.size and int(codes.max()) >= n:
        raise VQError(f"codes hold the value {int(codes.max())}; allowed are 0..{n - 1}")
    if codes.dtype == np.uint8 and codes.ndim == 2:
        from vqpress.coding._pair_counts import BAND_PIXELS, pair_counts  # compiled: one pass, symmetrised

        if codes.shape[1] <= BAND_PIXELS:
            return pair_counts(np.ascontiguousarray(codes), n)
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


def mean_step(order: np.ndarray, adj: np.ndarray) -> float:
    """Mean distance, in positions of ``order``, between the symbols of unequal neighbours.

    Parameters
    ----------
    order : numpy.ndarray, shape (n,)
        A permutation of the symbols.
    adj : numpy.ndarray, shape (n, n)
        Symmetric neighbour counts (:func:`adjacency`, zero diagonal).

    Returns
    -------
    float
        ``arrangement_cost(order, adj)`` per unequal neighbour pair: 1.0 when every symbol
        meets only the symbols next to it in ``order`` (a ramp); 0.0 if no two different
        symbols meet.

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.array([[0, 1, 2, 1, 0]])
    >>> mean_step(np.arange(3), adjacency(codes, 3))
    1.0
    >>> mean_step(np.array([1, 0, 2]), adjacency(codes, 3))
    1.5
    """
    pairs = adj.sum() / 2
    return arrangement_cost(order, adj) / float(pairs) if pairs > 0 else 0.0


def spectral_order(codes: np.ndarray, n: int, adj: np.ndarray | None = None, *,
                   tol: float | None = None) -> np.ndarray:
    """Order of the ``n`` symbols of ``codes`` that keeps frequent neighbours close.

    Parameters
    ----------
    codes : numpy.ndarray, shape (H, W), integer
    n : int
    adj : numpy.ndarray, shape (n, n), optional
        ``adjacency(codes, n)``, if already at hand.
    tol : float, optional
        Where Lanczos iterations find the vector (from ``_LANCZOS_MIN`` linked symbols on),
        they stop at this residual: by default ``_LANCZOS_TOL``, the full decomposition's
        order; a rough start for :func:`refine_order` needs only :data:`ROUGH_TOL`.

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
    sub = adj if len(linked) == n else adj[linked][:, linked]  # (no copy when all meet)
    d = deg[linked]
    inv_sqrt = 1.0 / np.sqrt(d)
    from vqpress.coding._pair_counts import scaled_by_degree  # compiled: one pass, numpy's bits

    walk = scaled_by_degree(np.ascontiguousarray(sub), inv_sqrt)  # D^-1/2 A D^-1/2 = I - Laplacian
    tol = _LANCZOS_TOL if tol is None else tol
    vec = _second_vector(walk, np.sqrt(d), tol) if len(linked) >= _LANCZOS_MIN else None
    if vec is None:
        _, vecs = np.linalg.eigh(np.eye(len(linked)) - walk)
        vec = vecs[:, 1]
    fiedler = vec * inv_sqrt
    # the eigenvector's sign is arbitrary: make the most frequent-degree end come first
    if fiedler[np.argmax(d)] > 0:
        fiedler = -fiedler
    ranked = linked[np.argsort(fiedler, kind="stable")]
    return np.concatenate([ranked, np.flatnonzero(deg == 0)])


#: From this many linked symbols on, the Fiedler vector comes from Lanczos iterations (about
#: 50 products of the matrix with a vector, 13 us each with the reorthogonalisation, and a
#: convergence test every 8 steps, as much as one step: 0.7-1.0 ms at 256 symbols) instead of
#: the full eigendecomposition (5-8 ms at 256 symbols, 0.3 ms at 64, where it is the faster one).
_LANCZOS_MIN = 128
#: Lanczos stops when its vector's residual ``|M y - theta y|`` is below this: its order
#: then equals that of the full decomposition on the photographs of the benchmarks (the
#: vector's entries agree to 1e-8).
_LANCZOS_TOL = 1e-9
#: The residual a start for :func:`refine_order` needs: the swaps after it find as small an
#: arrangement (mostly smaller) from the rougher vector, and Lanczos stops after about half
#: the steps (at 256 colours on the benchmarks' photographs: 0.5-0.8 ms less, about what the
#: swaps then take; BENCHMARKS.md, issue 16's "Main after round 11").
ROUGH_TOL = 1e-2
_LANCZOS_MAX_STEPS = 120
#: Lanczos tests its convergence every this many steps (from 24 on).
_LANCZOS_TEST_EVERY = 8


def _second_vector(walk: np.ndarray, top: np.ndarray, tol: float = 1e-9) -> np.ndarray | None:
    """The eigenvector of the second-largest eigenvalue of the symmetric ``walk``, whose
    largest eigenvector is ``top`` (unnormalised), by Lanczos iterations with full
    reorthogonalisation in the space orthogonal to ``top``, until the residual is below
    ``tol``; None if they do not converge
    within ``_LANCZOS_MAX_STEPS`` steps (the caller then decomposes ``walk`` fully).

    The start vector is fixed (the iterations are deterministic), with no special relation
    to the matrix, so that it has a part along every eigenvector but in contrived cases. A
    convergence test takes the tridiagonal matrix's top eigenpair from
    ``_tridiagonal.top_eigenpair`` (13 us at 50 steps, where ``numpy.linalg.eigh`` took 0.13 ms).
    """
    from vqpress.coding._tridiagonal import top_eigenpair  # compiled: bisection, no LAPACK

    n = len(top)
    steps = min(n - 1, _LANCZOS_MAX_STEPS)
    basis = np.empty((steps + 2, n))  # row 0: top; rows 1..: the Lanczos vectors
    basis[0] = top / np.linalg.norm(top)
    q = np.cos(np.arange(n) * 2.399963229728653 + 0.5)  # golden-angle steps
    q -= basis[0] * (basis[0] @ q)
    basis[1] = q / np.linalg.norm(q)
    alpha = np.empty(steps)
    beta = np.empty(steps)
    z = np.empty(n)
    # (ndarray.dot: the BLAS calls of the @ operator, the same bits, in half its time on these
    # small operands: 0.8 us where @ took 1.3; test_symbol_order checks the bits)
    for j in range(steps):
        done = basis[: j + 2]
        np.dot(walk, basis[j + 1], out=z)
        c = done.dot(z)
        alpha[j] = c[j + 1]  # (the new vector's own coefficient)
        z -= c.dot(done)  # against top and every earlier vector, twice (the usual
        z -= done.dot(z).dot(done)  # remedy for the rounding errors of one pass)
        b = beta[j] = math.sqrt(z.dot(z))
        k = j + 1
        if (k >= 24 and k % _LANCZOS_TEST_EVERY == 0) or k == steps or b < 1e-12:
            _, s = top_eigenpair(alpha[:k], beta[: k - 1])  # (a test costs one step)
            if abs(b * s[-1]) < tol:  # the residual of the Ritz vector
                return basis[1: k + 1].T @ s
            if b < 1e-12:
                return None
        np.divide(z, b, out=basis[j + 2])
    return None


def refine_order(order: np.ndarray, adj: np.ndarray, sweeps: int = 64) -> np.ndarray:
    """Swap neighbouring positions of ``order`` while that lowers its arrangement cost.

    Parameters
    ----------
    order : numpy.ndarray, shape (n,)
        A permutation of the symbols.
    adj : numpy.ndarray, shape (n, n)
        Symmetric neighbour counts (:func:`adjacency`).
    sweeps : int, default 64
        At most this many passes over the positions (each O(n), after one O(n^2) pass that
        sets them up: 30-35 us in all at 256 symbols); on the benchmarks' palettes the swaps
        stop by themselves after 1-12 sweeps at 16 and 64 colours, 10-38 at 256.

    Returns
    -------
    numpy.ndarray, shape (n,)
        A permutation whose :func:`arrangement_cost` is at most that of ``order``.
    """
    from vqpress.coding._order_swaps import refine_swaps  # compiled: O(n) sweeps

    order = np.array(order, dtype=np.int64)
    refine_swaps(np.ascontiguousarray(adj, dtype=np.float64), order, sweeps)
    return order

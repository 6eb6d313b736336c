"""Weighted Lloyd iterations to an exact fixed point: the loop, and which kernel runs it.

A Lloyd iteration is a step (every centre to the weighted mean of its cluster, or past it:
:class:`~vqpress.colour._lloyd_step.LloydStep`) and an assignment pass (every point to its
exact nearest centre). Two compiled kernels make the passes, at different costs:

- the tree kernel (:mod:`vqpress.colour._lloyd_tree`) walks a tree of the points and costs
  about the same in every pass: the better one while the centres move far;
- the bounded kernel (:mod:`vqpress.colour._lloyd_bounded`) keeps distance bounds per point
  and costs little once the centres barely move.

:func:`lloyd` decides which runs: from ``TREE_MIN_K`` centres on, the tree kernel first, to
the end on coresets with few points per centre (fewer than ``TREE_PER_CENTRE``), otherwise
until a pass changes fewer than ``1/HANDOVER`` of the labels; then (or from the start with
fewer centres) the bounded kernel. Both keep the same cluster sums and step state, so the
hand-over keeps every step. :func:`iterate` runs the loop and the convergence test for
either kernel; it stops at an exact fixed point (no centre moves and the sums were added
from scratch), an empty cluster, the iteration cap or the hand-over.
"""

from __future__ import annotations

import enum

import numpy as np

from ._lloyd_bounded import BoundedLloyd
from ._lloyd_step import LloydStep
from ._lloyd_tree import TreeLloyd
from ._point_tree import PointTree

__all__ = ["Status", "lloyd", "iterate", "tree_iterations", "bounded_iterations", "point_tree", "LLOYD_MAX_ITER",
           "TREE_MIN_K"]

#: Cap on Lloyd iterations (per restart). Lloyd on a finite set always reaches a fixed point;
#: the cap only guards against rounding-induced cycles.
LLOYD_MAX_ITER = 1000

#: From this many centres on, the iterations start on the tree kernel.
TREE_MIN_K = 64
#: With fewer points per centre than this, the tree kernel runs to the end.
TREE_PER_CENTRE = 100
#: The tree kernel hands over once a pass changes fewer than 1/HANDOVER of the labels.
HANDOVER = 300


class Status(enum.IntEnum):
    """How a run of Lloyd iterations ended."""

    #: Labels are the exact nearest centres and every centre the weighted mean of its points.
    CONVERGED = 0
    #: A cluster lost all its points (labels are nearest to the centres, which are unchanged
    #: since the pass).
    EMPTY_CLUSTER = 1
    #: The iteration cap was reached.
    MAX_ITER = 2
    #: A pass changed fewer labels than asked: the next kernel takes over from here.
    HANDOVER = 3


def point_tree(X: np.ndarray, w: np.ndarray) -> PointTree:
    """The tree of the points the tree kernel walks (built ahead, it can be passed to
    :func:`lloyd` with the same ``X`` and ``w``, for instance for restarts)."""
    return PointTree(X, w)


def iterate(kernel, step: LloydStep, C: np.ndarray, max_iter: int, *, min_changed: int = 0,
            fresh: bool = False, rewrites_sums: bool = False) -> tuple[int, Status, int]:
    """Lloyd iterations with ``kernel`` making the passes, from its current partition.

    Parameters
    ----------
    kernel : TreeLloyd or BoundedLloyd
        Has made its first pass (labels exact for ``C``, ``kernel.sums`` their sums).
    step : LloydStep
        The step state, carried over from iterations run before (or fresh).
    C : ndarray, shape (k, d), float64, C-contiguous
        The centres, updated in place.
    max_iter : int
        Most iterations.
    min_changed : int
        Stop with ``Status.HANDOVER`` after a pass that changed fewer labels than this.
    fresh : bool
        The kernel's sums were just added from scratch (in a fixed order of the points).
    rewrites_sums : bool
        The kernel rewrites the sums in each pass in an order that depends on the centres
        (the tree kernel): after a pass with no change they are added from scratch again.

    Returns
    -------
    n_iter : int
    status : Status
    j : int
        The empty cluster with ``Status.EMPTY_CLUSTER``, else -1.
    """
    sums = kernel.sums
    for it in range(max_iter):
        j = sums.first_empty()
        if j >= 0:
            return it, Status.EMPTY_CLUSTER, j
        if step.move(C, sums) == 0:
            if fresh:
                return it, Status.CONVERGED, -1
            # the same partition twice: its sums from scratch, then the step decides
            kernel.recompute_sums()
            fresh = True
            continue
        changed = kernel.assign(C, step)
        step.record(kernel.objective_base(), sums, C)
        if changed < min_changed:
            return it + 1, Status.HANDOVER, -1
        if changed or rewrites_sums:
            fresh = False
        if changed == 0 and not fresh:
            kernel.recompute_sums()
            fresh = True
    return max_iter, Status.MAX_ITER, -1


def tree_iterations(X: np.ndarray, w: np.ndarray, C: np.ndarray, labels: np.ndarray, step: LloydStep,
                    max_iter: int, *, min_changed: int = 0, tree: PointTree | None = None) -> tuple[int, Status, int]:
    """Lloyd iterations on the tree kernel, from the labels' guess: its first pass, then
    :func:`iterate` (arguments as :func:`lloyd`; ``step`` IN/OUT, ``min_changed`` the
    hand-over threshold). ``labels`` OUT: the exact nearest centres of ``C``."""
    walker = TreeLloyd(point_tree(X, w) if tree is None else tree, labels, C.shape[0])
    walker.assign(C)
    result = iterate(walker, step, C, max_iter, min_changed=min_changed, rewrites_sums=True)
    walker.labels_out(labels)
    return result


def bounded_iterations(X: np.ndarray, w: np.ndarray, C: np.ndarray, labels: np.ndarray, step: LloydStep,
                       max_iter: int) -> tuple[int, Status, int]:
    """Lloyd iterations on the bounded kernel, from the labels' guess (arguments as
    :func:`tree_iterations`)."""
    bounded = BoundedLloyd(X, w, C, labels, max_iter)
    result = iterate(bounded, step, C, max_iter, fresh=True)
    bounded.labels_out(labels)
    return result


def lloyd(X: np.ndarray, w: np.ndarray, C: np.ndarray, labels: np.ndarray, max_iter: int = LLOYD_MAX_ITER,
          beta: float = 1.0, tree: PointTree | None = None) -> tuple[int, Status, int]:
    """Weighted Lloyd iterations until an exact fixed point (or an empty cluster).

    Parameters
    ----------
    X : ndarray, shape (m, d), float64, C-contiguous
        Distinct points.
    w : ndarray, shape (m,), float64
        Positive weights.
    C : ndarray, shape (k, d), float64, C-contiguous
        Starting centres, updated in place.
    labels : ndarray, shape (m,), int64
        A guess of each point's nearest centre; on return the exact nearest centre of
        ``C`` (lowest index on ties).
    max_iter : int
        Most iterations.
    beta : float
        Longest step of a centre moving steadily, in plain Lloyd steps (1: plain Lloyd).
    tree : PointTree, optional
        :func:`point_tree` of ``X`` and ``w``, if already built.

    Returns
    -------
    n_iter, status, j
        As :func:`iterate` (never ``Status.HANDOVER``).
    """
    m, d = X.shape
    k = C.shape[0]
    step = LloydStep(k, d, float(beta))
    done = 0
    if k >= TREE_MIN_K:
        min_changed = 0 if m < TREE_PER_CENTRE * k else m // HANDOVER
        done, status, j = tree_iterations(X, w, C, labels, step, max_iter, min_changed=min_changed, tree=tree)
        if status != Status.HANDOVER:
            return done, status, j
    it, status, j = bounded_iterations(X, w, C, labels, step, max_iter - done)
    return done + it, status, j

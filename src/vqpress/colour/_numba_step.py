"""The Lloyd step shared by the two Lloyd kernels (:mod:`vqpress.colour._numba_lloyd` and
:mod:`vqpress.colour._numba_filter`), compiled with numba: cluster sums, the move of every
centre to (or past) its cluster's mean, and the state those moves carry from one iteration
to the next. Both kernels calling the same code is what lets one hand its iterations over
to the other mid-way without changing a single step.

Centres that keep moving the same way take longer steps, up to ``beta`` plain ones (an
adaptive over-relaxation after Salakhutdinov and Roweis, reference [4] of
:mod:`vqpress.colour._numba_lloyd`).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def cluster_sums(X, w, labels, k):
    """Per cluster: weighted sums of the points, total weight, weighted sum of |x|^2."""
    m, d = X.shape
    S = np.zeros((k, d))
    W = np.zeros(k)
    Q2 = np.zeros(k)
    for i in range(m):
        a = labels[i]
        W[a] += w[i]
        q = 0.0
        for c in range(d):
            S[a, c] += w[i] * X[i, c]
            q += X[i, c] * X[i, c]
        Q2[a] += w[i] * q
    return S, W, Q2


@numba.njit(cache=True, nogil=True)
def fresh_state(C, beta):
    """The step state of Lloyd iterations that have not started: ``bet`` (each cluster's
    step, in plain steps), ``last`` (its last step), ``grown`` (membership changed in the
    last pass) and ``state = [long steps allowed, objective after the last pass]``."""
    k, d = C.shape
    state = np.empty(2)
    state[0] = 1.0 if beta > 1.0 else 0.0
    state[1] = np.inf
    return np.ones(k), np.zeros((k, d)), np.zeros(k, dtype=np.bool_), state


@numba.njit(cache=True, nogil=True)
def lloyd_step(S, W, C, last, bet, delta, grown, relax, beta):
    """Move every centre to the weighted mean of its cluster (sums ``S``, weights ``W``), or
    past it: with ``relax``, a cluster flagged in ``grown`` whose step keeps the direction of
    its ``last`` one takes 1.5 times as many plain steps as last time, up to ``beta``
    (``bet`` holds the current multiples). Writes each centre's displacement in
    ``delta`` and returns how many moved."""
    k, d = C.shape
    moved = 0
    for j in range(k):
        if relax and grown[j]:
            dot = 0.0
            nn = 0.0
            ll = 0.0
            for c in range(d):
                t = S[j, c] / W[j] - C[j, c]
                dot += t * last[j, c]
                nn += t * t
                ll += last[j, c] * last[j, c]
            if dot > 0.5 * np.sqrt(nn * ll):
                bet[j] = min(bet[j] * 1.5, beta)
            else:
                bet[j] = 1.0
        else:
            bet[j] = 1.0
        s = 0.0
        for c in range(d):
            t = bet[j] * (S[j, c] / W[j] - C[j, c])
            last[j, c] = t
            C[j, c] += t
            s += t * t
        s = np.sqrt(s)
        delta[j] = s
        if s > 0.0:
            moved += 1
    return moved


@numba.njit(cache=True, nogil=True)
def after_pass(state, Q, S, W, C):
    """Record the objective after a pass, ``Q + sum_j C_j . (W_j C_j - 2 S_j)`` (``Q`` the
    sum of w |x|^2 over all points), in ``state``; returns whether long steps may go on.
    They stop for good the first time the objective rises (a long step overshot)."""
    k, d = C.shape
    obj = Q
    for j in range(k):
        for c in range(d):
            obj += C[j, c] * (W[j] * C[j, c] - 2.0 * S[j, c])
    if obj > state[1]:
        state[0] = 0.0
    state[1] = obj
    return state[0] != 0.0

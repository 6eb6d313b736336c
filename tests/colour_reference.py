"""Exact numpy references for the compiled colour kernels, and the test data they share.

Each reference does what its kernel does in the plainest numpy, with the same tie rules:
squared distances summed channel by channel, left to right (``sqdist``); the nearest centre
is the first minimum (lowest index); a Lloyd step moves a centre by ``mean - centre``; a
variance-split cut goes between distinct coordinates, the first best in (axis, position)
order. The tests check each kernel against its reference (``tests/test_colour_kernels.py``).
"""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------- test data


def photo_like(seed=0, shape=(96, 128), channels=3):
    """Smooth random colour field plus noise: many distinct colours, like a photograph."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    chans = []
    for c in range(channels):
        a, b, p = rng.uniform(1, 6, 3)
        chans.append(127 + 100 * np.sin(a * xx + p) * np.cos(b * yy) + rng.normal(0, 12, (h, w)))
    return np.clip(np.stack(chans, -1), 0, 255).astype(np.uint8)


def photo_histogram(seed=0, shape=(96, 128), channels=3):
    """Distinct colours (float64) and counts (float64) of :func:`photo_like`."""
    colours, counts = np.unique(photo_like(seed, shape, channels).reshape(-1, channels), axis=0,
                                return_counts=True)
    return np.ascontiguousarray(colours, dtype=np.float64), counts.astype(np.float64)


# --------------------------------------------------------------------------- nearest centre


def sqdist_table(points, centers):
    """(n, k) squared distances, summed channel by channel, left to right."""
    X = np.asarray(points, dtype=np.float64)
    C = np.asarray(centers, dtype=np.float64)
    d = np.zeros((X.shape[0], C.shape[0]))
    for c in range(X.shape[1]):
        d += (X[:, c, None] - C[None, :, c]) ** 2
    return d


def brute_nearest(points, centers):
    """Nearest centre of every point: the first minimum (lowest index on ties)."""
    return np.argmin(sqdist_table(points, centers), axis=1)


def centre_order_reference(C):
    """Every centre's distances to all centres, sorted (the first is itself, at 0)."""
    return np.sort(np.sqrt(sqdist_table(C, C)), axis=1)


# --------------------------------------------------------------------------- Lloyd


def weighted_means(X, w, labels, k):
    """Per-cluster weighted means (NaN for an empty cluster) and weights."""
    ws = np.bincount(labels, weights=w, minlength=k)
    sums = np.stack([np.bincount(labels, weights=w * X[:, c], minlength=k) for c in range(X.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / ws[:, None], ws


def lloyd_reference(X, w, C, labels, max_iter=1000):
    """Plain weighted Lloyd iterations (every step to the mean) from ``C``, in place.

    The first pass assigns ``labels``; then each iteration stops on an empty cluster
    (status 1, its index), at a fixed point (status 0: no centre moves) or at the cap
    (status 2). Returns ``(status, j)``.
    """
    k = C.shape[0]
    labels[:] = brute_nearest(X, C)
    for _ in range(max_iter):
        n = np.bincount(labels, minlength=k)
        if (n == 0).any():
            return 1, int(np.flatnonzero(n == 0)[0])
        means, _ = weighted_means(X, w, labels, k)
        step = means - C
        if not step.any():
            return 0, -1
        C += step
        labels[:] = brute_nearest(X, C)
    return 2, -1


def assert_fixed_point(X, w, C, labels, rtol=1e-12):
    """``labels`` are the exact nearest centres of ``C`` and every centre is the weighted
    mean of its points."""
    np.testing.assert_array_equal(labels, brute_nearest(X, C))
    means, ws = weighted_means(np.asarray(X, dtype=np.float64), np.asarray(w, dtype=np.float64), labels, C.shape[0])
    assert (ws > 0).all(), "every centre owns at least one point"
    np.testing.assert_allclose(C, means, rtol=rtol, atol=1e-9)


def weighted_sse_reference(X, w, C, labels):
    """``sum_i w_i |X_i - C[labels_i]|^2``, point by point, in point order."""
    total = 0.0
    for i in range(X.shape[0]):
        total += w[i] * sqdist_table(X[i:i + 1], C[labels[i]:labels[i] + 1])[0, 0]
    return total


# --------------------------------------------------------------------------- coresets, split, keys


def grid_keys(X, cells):
    """Cell of every point along every axis in a grid of ``cells`` per axis over the
    bounding box, (m, d) int64."""
    lo = X.min(axis=0)
    span = X.max(axis=0) - lo
    span[span == 0] = 1.0
    return np.minimum((X - lo) * (cells / span), cells - 1).astype(np.int64)


def pool_reference(X, w, key):
    """One bin per distinct key, in key order: (points, weights, bin_of)."""
    uniq, bin_of = np.unique(key, return_inverse=True)
    bin_of = bin_of.reshape(-1)
    means, W = weighted_means(X, w, bin_of, uniq.size)
    return means, W, bin_of


def grid_coreset_reference(X, w, bits):
    cells = 1 << bits
    idx = grid_keys(X, cells)
    key = np.zeros(X.shape[0], dtype=np.int64)
    for c in range(X.shape[1]):
        key = key * cells + idx[:, c]
    return pool_reference(X, w, key)


def refined_coreset_reference(X, w, bits, k):
    """Coarse bins of ``2**bits`` per axis; the bins holding more than 1/k of the
    within-bin squared error split into the 2**d sub-bins of the grid twice as fine."""
    cells = 1 << bits
    fine = grid_keys(X, 2 * cells)
    d = X.shape[1]
    base = np.zeros(X.shape[0], dtype=np.int64)
    fkey = np.zeros(X.shape[0], dtype=np.int64)
    for c in range(d):
        base = base * cells + fine[:, c] // 2
        fkey = fkey * (2 * cells) + fine[:, c]
    nb = cells**d
    W = np.bincount(base, weights=w, minlength=nb)
    Q = np.bincount(base, weights=w * (X * X).sum(1), minlength=nb)
    S2 = sum(np.bincount(base, weights=w * X[:, c], minlength=nb) ** 2 for c in range(d))
    with np.errstate(invalid="ignore", divide="ignore"):
        sse = np.where(W > 0, np.maximum(Q - S2 / np.where(W > 0, W, 1.0), 0.0), 0.0)
    heavy = sse > sse.sum() / k
    return pool_reference(X, w, np.where(heavy[base], nb + fkey, base))


def _best_split(X, w, idx):
    if idx.size < 2:
        return None
    Xb, wb = X[idx], w[idx]
    W = wb.sum()
    S = wb @ Xb
    base = S @ S / W
    best = None
    for ax in range(X.shape[1]):
        o = np.argsort(Xb[:, ax], kind="stable")
        v = Xb[o, ax]
        WL = np.cumsum(wb[o])[:-1]
        SL = np.cumsum(wb[o, None] * Xb[o], axis=0)[:-1]
        ok = (v[1:] != v[:-1]) & (W - WL > 0)
        if not ok.any():
            continue
        SR = S - SL
        with np.errstate(invalid="ignore", divide="ignore"):
            gain = (SL * SL).sum(1) / WL + (SR * SR).sum(1) / (W - WL) - base
        gain[~ok] = -np.inf
        t = int(np.argmax(gain))
        if gain[t] > 0 and (best is None or gain[t] > best[0]):
            best = (float(gain[t]), ax, t + 1)
    return best


def variance_split_reference(X, w, k):
    """Greedy variance-minimising box splits: (labels, nbox), boxes in order of making."""
    boxes = [np.arange(X.shape[0])]
    splits = [_best_split(X, w, boxes[0])]
    while len(boxes) < k:
        gains = [s[0] if s is not None else -1.0 for s in splits]
        b = int(np.argmax(gains))
        if gains[b] <= 0:
            break
        _, ax, nl = splits[b]
        idx = boxes[b][np.argsort(X[boxes[b], ax], kind="stable")]
        boxes[b], new = idx[:nl], idx[nl:]
        boxes.append(new)
        splits[b] = _best_split(X, w, boxes[b])
        splits.append(_best_split(X, w, new))
    labels = np.empty(X.shape[0], dtype=np.int64)
    for j, idx in enumerate(boxes):
        labels[idx] = j
    return labels, len(boxes)


def key_histogram_reference(keys):
    return np.unique(keys, return_counts=True)

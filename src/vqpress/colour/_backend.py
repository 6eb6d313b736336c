"""Back-end dispatch: compiled numba kernels when numba is installed, numpy otherwise.

numba is imported lazily, on the first call that needs a kernel, never at ``import vqpress``.
Set the environment variable ``VQPRESS_NO_NUMBA=1`` to force the numpy code paths (the
tests use it to check that both back ends agree).

All functions here take float64, C-contiguous arrays and integer labels (int64).
"""

from __future__ import annotations

import contextlib
import os
import threading
from types import ModuleType

import numpy as np

__all__ = ["kernels", "warm_up", "assign", "lloyd", "variance_split", "LLOYD_MAX_ITER"]

#: Cap on Lloyd iterations (per restart). Lloyd on a finite set always reaches a fixed point;
#: the cap only guards against rounding-induced cycles.
LLOYD_MAX_ITER = 1000

#: Lloyd kernels (compiled path): from this many centres on, the iterations start on the
#: tree kernel (``_numba_filter``) and hand over to the bounded one (``_numba_lloyd``) once
#: a pass changes fewer than 1/HANDOVER of the labels; with fewer than TREE_PER_CENTRE
#: points per centre, the tree kernel runs to the end.
TREE_MIN_K = 64
TREE_PER_CENTRE = 100
HANDOVER = 300

_CHUNK = 8192
_kernels: ModuleType | None | bool = False  # False: not tried yet
_HERE = os.path.dirname(os.path.abspath(__file__))
_KERNEL_MODULES = ("_numba_kernels", "_numba_bounds", "_numba_filter", "_numba_layout", "_numba_lloyd",
                   "_numba_order", "_numba_step", "_numba_tree")

#: The Lloyd kernel runs on numba's threads; numba's fallback threading layer
#: ("workqueue") aborts the process if two Python threads launch parallel kernels at once.
_PARALLEL = threading.Lock()
_local = threading.local()  # .alone: this thread runs the kernels on itself only


def _parallel_lock():
    """The lock to hold around a parallel kernel: :data:`_PARALLEL`, or none inside
    :func:`one_thread`."""
    return contextlib.nullcontext() if getattr(_local, "alone", False) else _PARALLEL


def threads_apart() -> bool:
    """Whether two Python threads may run the kernels at once, each on one thread (see
    :func:`one_thread`): numba has at least two threads and a threading layer that allows
    it (OpenMP or TBB, not "workqueue")."""
    if kernels() is None:
        return False
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel launched yet (kernels() launches the threads)
        return False
    return layer in ("omp", "tbb") and numba.get_num_threads() >= 2


@contextlib.contextmanager
def one_thread():
    """Run the kernels called in this block on the calling thread alone, leaving numba's
    other threads to another Python thread, and without taking :data:`_PARALLEL`. Only
    where :func:`threads_apart` is true."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    _local.alone = True
    try:
        yield
    finally:
        _local.alone = False
        numba.set_num_threads(before)


def kernels() -> ModuleType | None:
    """The compiled kernel module, or ``None`` when numba is unavailable or disabled."""
    global _kernels
    if os.environ.get("VQPRESS_NO_NUMBA", "") not in ("", "0"):
        return None
    if _kernels is False:
        _clear_stale_cache(os.path.join(_HERE, "__pycache__"))
        try:
            from . import _numba_kernels
        except ImportError:  # numba not installed (it is the optional "fast" extra)
            _kernels = None
        except RuntimeError:  # no writable on-disk cache (read-only install and home)
            _kernels = _import_with_temp_cache()
        else:
            _kernels = _numba_kernels
        if _kernels is not None:
            # Launch numba's threads now: a kernel loaded from the cache that reaches
            # parallel code through a serial one (the tree kernel's walk) would otherwise
            # crash the process on its first call.
            import numba

            numba.get_num_threads()
    return _kernels  # type: ignore[return-value]


def warm_up() -> None:
    """Compile the colour kernels now (or load them from numba's cache), so that the first
    real fit does not pay for it: about 40 s once per installation, 0.8 s per process.

    Runs a small k-means on a fixed random histogram large enough to take every compiled
    path of :func:`vqpress.colour.kmeans.kmeans_fit`; does nothing without numba.
    """
    if kernels() is None:
        return
    from .kmeans import kmeans_fit

    rng = np.random.default_rng(0)
    X = np.unique(rng.integers(0, 256, (6000, 3)), axis=0).astype(np.float64)
    w = np.ones(X.shape[0])
    kmeans_fit(X, w, 2)
    # both Lloyd kernels and the hand-over between them (k-means at 2 colours takes neither)
    import numba

    K = kernels()
    C = np.ascontiguousarray(X[:TREE_MIN_K])
    labels = np.zeros(X.shape[0], dtype=np.int64)
    state = K.fresh_state(C, 4.0)
    with _PARALLEL:
        K.filter_lloyd_on(K.build_tree(X, w), C, labels, 3, 4.0, numba.get_num_threads(), X.shape[0], *state)
        K.lloyd_resume(X, w, C, labels, 3, 4.0, numba.get_num_threads(), *state)


def _clear_stale_cache(cache_dir: str) -> None:
    """Delete numba's cached kernels in ``cache_dir`` if any kernel source changed since.

    numba checks a cached function against its own source file only, so a kernel calling a
    function of another file would go on running the old version of that function (and may
    crash when its arguments changed). A stamp of all the kernel sources, kept beside the
    cache, catches that; nothing happens when the directory is not writable.
    """
    import glob
    import hashlib

    digest = hashlib.sha256()
    for name in _KERNEL_MODULES:
        with open(os.path.join(_HERE, name + ".py"), "rb") as f:
            digest.update(f.read())
    stamp = os.path.join(cache_dir, "vqpress-kernels.stamp")
    try:
        with open(stamp) as f:
            if f.read() == digest.hexdigest():
                return
    except OSError:
        pass
    try:
        for path in glob.glob(os.path.join(cache_dir, "_numba_*.nb[ic]")):
            os.remove(path)
        os.makedirs(cache_dir, exist_ok=True)
        with open(stamp, "w") as f:
            f.write(digest.hexdigest())
    except OSError:
        pass


def _user_cache_path(root: str) -> str | None:
    """Where numba caches this directory's kernels when ``numba.config.CACHE_DIR`` is
    ``root``, or ``None`` if this numba does not say."""
    try:
        from numba.core.caching import UserProvidedCacheLocator

        return os.path.join(root, UserProvidedCacheLocator.get_suitable_cache_subpath(
            os.path.join(_HERE, "_numba_kernels.py")))
    except Exception:  # another numba: its layout is unknown, the cache is left alone
        return None


def _import_with_temp_cache() -> ModuleType | None:
    """Import the kernels with numba's cache in a temporary directory, or give up on numba."""
    import sys
    import tempfile

    import numba

    for name in _KERNEL_MODULES:
        sys.modules.pop(f"{__package__}.{name}", None)
    numba.config.CACHE_DIR = os.path.join(tempfile.gettempdir(), "vqpress-numba-cache")
    path = _user_cache_path(numba.config.CACHE_DIR)
    if path is not None:
        _clear_stale_cache(path)
    try:
        from . import _numba_kernels
    except Exception:  # still no usable cache: the numpy code paths are exact too
        return None
    return _numba_kernels


def axis_cells(X: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell of every row of X along every axis, in a grid of ``cells`` per axis over X's
    bounding box: (m, C) int64, the box's lower corner and its extent per axis (1 where the
    extent is 0)."""
    lo = X.min(axis=0)
    span = X.max(axis=0) - lo
    span[span == 0] = 1.0
    return np.minimum((X - lo) * (cells / span), cells - 1).astype(np.int64), lo, span


def grid_cells(X: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell of every row of X in a grid of ``cells`` per axis over X's bounding box.

    Returns the flat cell index (int64, row-major over the axes), the box's lower corner and
    its extent per axis (1 where the extent is 0).
    """
    idx, lo, span = axis_cells(X, cells)
    key = idx[:, 0]
    for c in range(1, X.shape[1]):
        key = key * cells + idx[:, c]
    return key, lo, span


def _sqdist_block(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Squared distances (n, k) summed channel by channel, left to right (exact formula)."""
    out = (X[:, 0, None] - C[None, :, 0]) ** 2
    for c in range(1, X.shape[1]):
        out += (X[:, c, None] - C[None, :, c]) ** 2
    return out


def assign(X: np.ndarray, C: np.ndarray, guess: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact nearest centre (lowest index on ties) and squared distance for every row of X.

    ``guess`` (optional, (n,) int64) is a likely nearest centre per row; it only changes the
    speed of the compiled path, never the answer.
    """
    n = X.shape[0]
    K = kernels()
    if K is not None:
        if guess is None:
            guess = grid_guess(X, C)
        labels = np.empty(n, dtype=np.int64)
        dist2 = np.empty(n)
        K.assign(X, C, np.ascontiguousarray(guess, dtype=np.int64), labels, dist2)
        return labels, dist2
    labels = np.empty(n, dtype=np.int64)
    dist2 = np.empty(n)
    for s in range(0, n, _CHUNK):
        d = _sqdist_block(X[s : s + _CHUNK], C)
        a = np.argmin(d, axis=1)  # first minimum: lowest index on ties
        labels[s : s + _CHUNK] = a
        dist2[s : s + _CHUNK] = d[np.arange(d.shape[0]), a]
    return labels, dist2


def grid_guess(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """A good starting guess for the exact search: the centre nearest to the middle of the
    point's cell in a coarse grid over the points' bounding box (at most 4096 cells).
    """
    n, d = X.shape
    cells = {1: 256, 2: 64, 3: 16}.get(d, 8)
    key, lo, span = grid_cells(X, cells)
    grid = np.indices((cells,) * d).reshape(d, -1).T
    mids = lo + (grid + 0.5) * (span / cells)
    best = np.empty(mids.shape[0], dtype=np.int64)
    K = kernels()
    if K is not None:  # exact search from centre 0 for the cell middles: cheap, O(cells * few)
        K.assign(np.ascontiguousarray(mids), C, np.zeros(mids.shape[0], dtype=np.int64), best, np.empty(mids.shape[0]))
        return best[key]
    for s in range(0, mids.shape[0], _CHUNK):
        best[s : s + _CHUNK] = np.argmin(_sqdist_block(mids[s : s + _CHUNK], C), axis=1)
    return best[key]


def weighted_sse(X: np.ndarray, w: np.ndarray, C: np.ndarray, labels: np.ndarray) -> float:
    """Weighted squared error ``sum w |x - C[label]|^2`` of a partition, as a float."""
    K = kernels()
    if K is not None:
        return float(K.weighted_sse(X, w, C, labels))
    return float((w * ((X - C[labels]) ** 2).sum(axis=1)).sum())


def weighted_means(X: np.ndarray, w: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster weighted sums divided by weights, and the weights, shape (k, d), (k,)."""
    ws = np.bincount(labels, weights=w, minlength=k)
    sums = np.stack([np.bincount(labels, weights=w * X[:, c], minlength=k) for c in range(X.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / ws[:, None], ws


def point_tree(X: np.ndarray, w: np.ndarray):
    """The tree of the points that :func:`lloyd` walks from ``TREE_MIN_K`` centres on, built
    ahead (for instance on another thread, while something else runs), or ``None`` without
    numba. Pass it to :func:`lloyd` with the same ``X`` and ``w``."""
    K = kernels()
    if K is None:
        return None
    with _parallel_lock():
        return K.build_tree(X, w)


def lloyd(X: np.ndarray, w: np.ndarray, C: np.ndarray, labels: np.ndarray, max_iter: int = LLOYD_MAX_ITER,
          beta: float = 1.0, tree=None):
    """Weighted Lloyd iterations until an exact fixed point; see ``_numba_lloyd.lloyd``.

    Updates ``C`` and ``labels`` in place; returns ``(n_iter, status, empty_index)``.
    ``beta > 1`` lengthens the steps of steadily moving centres (compiled path only; numpy
    runs plain Lloyd). The compiled path runs the tree kernel (``_numba_filter``) while the
    centres move far, the bounded kernel (``_numba_lloyd``) after: see ``TREE_MIN_K``;
    ``tree`` is that kernel's tree of the points if already built (:func:`point_tree`).
    """
    K = kernels()
    if K is not None:
        import numba

        nth = numba.get_num_threads()
        m, k = X.shape[0], C.shape[0]
        state = K.fresh_state(C, float(beta))
        done = 0
        with _parallel_lock():
            if k >= TREE_MIN_K:
                # the tree kernel first: to the end on few points per centre, otherwise
                # until few labels change, then the bounded kernel takes the same steps on
                min_changed = 0 if m < TREE_PER_CENTRE * k else m // HANDOVER
                if tree is None:
                    tree = K.build_tree(X, w)
                done, status, j = K.filter_lloyd_on(tree, C, labels, max_iter, float(beta), nth, min_changed, *state)
                if status != 3:
                    return done, status, j
            it, status, j = K.lloyd_resume(X, w, C, labels, max_iter - done, float(beta), nth, *state)
            return done + it, status, j
    k = C.shape[0]
    labels[:] = assign(X, C)[0]
    for it in range(max_iter):
        new, ws = weighted_means(X, w, labels, k)
        empty = np.flatnonzero(ws == 0)
        if empty.size:
            return it, 1, int(empty[0])
        C[:] = new
        lab = assign(X, C)[0]
        if np.array_equal(lab, labels):
            return it + 1, 0, -1
        labels[:] = lab
    return max_iter, 2, -1


def variance_split(X: np.ndarray, w: np.ndarray, k: int) -> tuple[np.ndarray, int]:
    """Box label of every point after greedy variance-minimising splits (Wu 1991)."""
    K = kernels()
    if K is not None:
        with _parallel_lock():  # it searches cuts on numba's threads
            return K.variance_split(X, w, k)
    boxes = [np.arange(X.shape[0])]
    splits = [_best_split_np(X, w, boxes[0])]
    while len(boxes) < k:
        gains = [s[0] if s is not None else -1.0 for s in splits]
        b = int(np.argmax(gains))
        if gains[b] <= 0:
            break
        _, ax, nl = splits[b]
        idx = boxes[b][np.argsort(X[boxes[b], ax], kind="stable")]
        boxes[b], new = idx[:nl], idx[nl:]
        boxes.append(new)
        splits[b] = _best_split_np(X, w, boxes[b])
        splits.append(_best_split_np(X, w, new))
    labels = np.empty(X.shape[0], dtype=np.int64)
    for j, idx in enumerate(boxes):
        labels[idx] = j
    return labels, len(boxes)


def _best_split_np(X, w, idx):
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

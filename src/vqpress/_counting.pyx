"""Counting kernels of the scalar histogram (see :mod:`vqpress.histogram`).

- :func:`count_patterns`: how often each bit pattern of 8- or 16-bit data occurs. The data
  is cut into chunks that the shared thread pool counts side by side; each thread keeps
  several sub-histograms of 32-bit counters, used in turn, so that a run of equal values
  (common in images) does not make every increment wait for the previous store to the same
  counter. Nothing is widened: the data is read in place.
- :func:`count_range`: counts of the integers ``lo .. lo + len(counts) - 1`` in wider
  integer data (one pass, in place).
- :func:`weigh_range`: total weight of each of those integers, summed in data order (the
  order of :func:`numpy.bincount`, so the sums agree to the bit).
"""

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free
from libc.string cimport memset

from vqpress._threadpool cimport parallel_for, planned_workers

ctypedef fused pattern_t:
    uint8_t
    uint16_t

ctypedef fused integer_t:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t

cdef enum:
    # Elements per chunk handed to a thread.
    CHUNK = 1 << 18
    # Sub-histograms per thread for 8-bit and for 16-bit patterns (measured: four tables of
    # 256 counters beat one on images; for 16-bit data one table of 65,536 beats two, whose
    # cache misses cost more than the stalls they avoid).
    SUBS_8 = 4
    SUBS_16 = 1
    # A thread's 32-bit counters are emptied into its 64-bit totals before they could wrap
    # (at 2**30 elements, well short of it: an enum constant is a C int, and 1 << 31 would
    # be negative, so every chunk flushed: 25% of the time of a 16-bit count).
    FLUSH_AT = 1 << 30


# The flush threshold in force (FLUSH_AT; tests lower it to run the flush on small data).
cdef Py_ssize_t _flush_at = FLUSH_AT


def _set_flush_at(Py_ssize_t n):
    """Flush the 32-bit counters once a thread has counted ``n`` elements since its last
    flush (at least one chunk's worth is counted between flushes); returns the previous
    threshold. For tests: the default, 2**30, is never reached by test-sized data."""
    global _flush_at
    previous = _flush_at
    _flush_at = max(n, 1)
    return previous


cdef struct Counting:
    const void *data
    Py_ssize_t n
    int wide            # 0: 8-bit patterns, 1: 16-bit
    Py_ssize_t bins     # 256 or 65536
    uint32_t *sub       # per worker: SUBS sub-histograms of `bins` counters
    int64_t *totals     # per worker: `bins` totals
    Py_ssize_t *pending # per worker: elements counted in `sub` since its last flush


cdef inline void _flush(Counting *c, int worker, int subs) noexcept nogil:
    cdef uint32_t *sub = c.sub + <Py_ssize_t>worker * subs * c.bins
    cdef int64_t *tot = c.totals + <Py_ssize_t>worker * c.bins
    cdef Py_ssize_t b, k
    for k in range(subs):
        for b in range(c.bins):
            tot[b] += sub[k * c.bins + b]
    memset(sub, 0, subs * c.bins * sizeof(uint32_t))
    c.pending[worker] = 0


cdef void _count_chunk(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef Counting *c = <Counting *>ctx
    cdef Py_ssize_t start = chunk * CHUNK
    cdef Py_ssize_t stop = min(start + CHUNK, c.n), i
    cdef int subs = SUBS_16 if c.wide else SUBS_8
    if c.pending[worker] + (stop - start) > _flush_at:
        _flush(c, worker, subs)
    c.pending[worker] += stop - start
    cdef uint32_t *h = c.sub + <Py_ssize_t>worker * subs * c.bins
    cdef const uint8_t *d8
    cdef const uint16_t *d16
    i = start
    if c.wide:
        d16 = <const uint16_t *>c.data
        for i in range(start, stop):
            h[d16[i]] += 1
    else:
        d8 = <const uint8_t *>c.data
        while i + 4 <= stop:
            h[d8[i]] += 1
            h[256 + d8[i + 1]] += 1
            h[512 + d8[i + 2]] += 1
            h[768 + d8[i + 3]] += 1
            i += 4
        while i < stop:
            h[d8[i]] += 1
            i += 1


def count_patterns(const pattern_t[::1] data, int64_t[::1] counts):
    """Add how often each bit pattern occurs in ``data`` to ``counts``.

    Parameters
    ----------
    data : (n,) uint8 or uint16, IN
        Any 8- or 16-bit data viewed as unsigned patterns (signed and float16 data too).
    counts : (256,) or (65536,) int64, IN/OUT
        ``counts[p]`` grows by the number of elements of pattern ``p``.
    """
    cdef Counting c
    cdef int subs, workers, w
    cdef Py_ssize_t n_chunks, b
    c.n = data.shape[0]
    c.wide = 0
    if pattern_t is uint16_t:
        c.wide = 1
    c.bins = 65536 if c.wide else 256
    if counts.shape[0] != c.bins:
        raise ValueError(f"count_patterns: counts must have {c.bins} entries")
    if c.n == 0:
        return
    subs = SUBS_16 if c.wide else SUBS_8
    c.data = &data[0]
    n_chunks = (c.n + CHUNK - 1) // CHUNK
    workers = planned_workers(n_chunks)
    c.sub = <uint32_t *>calloc(<size_t>workers * subs * c.bins, sizeof(uint32_t))
    c.totals = <int64_t *>calloc(<size_t>workers * c.bins, sizeof(int64_t))
    c.pending = <Py_ssize_t *>calloc(workers, sizeof(Py_ssize_t))
    try:
        if c.sub == NULL or c.totals == NULL or c.pending == NULL:
            raise MemoryError()
        with nogil:
            parallel_for(_count_chunk, &c, n_chunks, workers)
            for w in range(workers):
                _flush(&c, w, subs)
                for b in range(c.bins):
                    counts[b] += c.totals[<Py_ssize_t>w * c.bins + b]
    finally:
        free(c.sub)
        free(c.totals)
        free(c.pending)


def count_range(const integer_t[::1] data, integer_t lo, int64_t[::1] counts):
    """Add how often each integer ``lo + b`` occurs in ``data`` to ``counts[b]``.

    Parameters
    ----------
    data : (n,) integer, IN
        Every value in ``[lo, lo + len(counts))`` (the caller checked min and max).
    lo : same type as ``data``
    counts : (span,) int64, IN/OUT
    """
    cdef Py_ssize_t i, n = data.shape[0]
    with nogil:
        for i in range(n):
            counts[<Py_ssize_t>(data[i] - lo)] += 1


def weigh_range(const integer_t[::1] data, integer_t lo, const double[::1] weights, double[::1] sums):
    """Add the weight of each element of ``data`` to ``sums[value - lo]``, in data order.

    Parameters
    ----------
    data : (n,) integer, IN
        Every value in ``[lo, lo + len(sums))``.
    lo : same type as ``data``
    weights : (n,) float64, IN
    sums : (span,) float64, IN/OUT
    """
    cdef Py_ssize_t i, n = data.shape[0]
    if weights.shape[0] != n:
        raise ValueError("weigh_range: data and weights differ in length")
    with nogil:
        for i in range(n):
            sums[<Py_ssize_t>(data[i] - lo)] += weights[i]

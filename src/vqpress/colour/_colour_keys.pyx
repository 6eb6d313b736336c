"""The colour-key histogram: distinct packed colour keys and their counts, by radix sort.

``vqpress.colour.histogram.pack_keys`` packs each pixel into one unsigned integer whose
order is the lexicographic order of the colours; sorting the keys (12-bit digits, as many
passes as the largest key needs: two for 24-bit RGB) and counting the runs gives the
histogram. numpy's comparison sort of the same keys is several times slower.
"""

import numpy as np

from vqpress.colour._common cimport ukey, radix_sort, bits_of
from libc.stdint cimport int64_t, uint32_t, uint64_t


def key_histogram(const ukey[::1] keys):
    """Distinct values of a 1-D unsigned integer array, ascending, and how often each occurs.

    Parameters
    ----------
    keys : (n,) uint32 or uint64, IN

    Returns
    -------
    uniq : (m,) same dtype as ``keys``
    counts : (m,) int64
    """
    cdef Py_ssize_t n = keys.shape[0], i, j, m
    dtype = np.uint32 if ukey is uint32_t else np.uint64
    if n == 0:
        return np.zeros(0, dtype=dtype), np.zeros(0, dtype=np.int64)
    srt_arr = np.empty(n, dtype=dtype)
    cdef ukey[::1] srt = srt_arr
    cdef ukey top = 0
    cdef int status
    with nogil:
        for i in range(n):
            if keys[i] > top:
                top = keys[i]
        status = radix_sort(&keys[0], n, bits_of(top), &srt[0], NULL)
    if status:
        raise MemoryError()
    with nogil:
        m = 1
        for i in range(1, n):
            if srt[i] != srt[i - 1]:
                m += 1
    uniq_arr = np.empty(m, dtype=dtype)
    counts_arr = np.zeros(m, dtype=np.int64)
    cdef ukey[::1] uniq = uniq_arr
    cdef int64_t[::1] counts = counts_arr
    with nogil:
        j = 0
        uniq[0] = srt[0]
        for i in range(n):
            if srt[i] != uniq[j]:
                j += 1
                uniq[j] = srt[i]
            counts[j] += 1
    return uniq_arr, counts_arr

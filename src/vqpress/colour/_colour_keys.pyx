"""The colour-key histogram: distinct packed colour keys and their counts, by radix sort.

``vqpress.colour.histogram.pack_keys`` packs each pixel into one unsigned integer whose
order is the lexicographic order of the colours; sorting the keys (12-bit digits, least
significant first, as many as the largest key needs: two for 24-bit RGB) and counting the
runs gives the histogram. numpy's comparison sort of the same keys is several times slower.

The digits of every key are counted in the pass that reads the keys (or, for uint8 pixels,
packs them: :func:`pixel_key_histogram`), so each digit costs one scattering pass and
nothing else; a digit that every key shares costs nothing. Keys of at most 24 bits (RGB)
are sorted most significant digit first: one scatter of their low 12 bits into buckets of
the high 12, each bucket then counted in a cached table of 4,096 counters. Histograms of parts of an image
(sorted keys with counts) merge in one linear pass (:func:`merge_key_counts`).
"""

import numpy as np

from vqpress.colour._common cimport ukey, bits_of
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memset

cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <intrin.h>
    static __inline int VQ_CTZ64(unsigned __int64 x) { unsigned long i; _BitScanForward64(&i, x); return (int)i; }
    #else
    #define VQ_CTZ64(x) __builtin_ctzll(x)
    #endif
    """
    int ctz64 "VQ_CTZ64"(uint64_t x) noexcept nogil

cdef enum:
    DIGIT_BITS = 12
    BUCKETS = 1 << DIGIT_BITS
    MAX_DIGITS = 6      # 64-bit keys
    WORDS = BUCKETS >> 6  # 64-bit words of a bitmap of one digit's values


cdef void *_scratch(list keep, Py_ssize_t nbytes) except NULL:
    """A scratch buffer of ``nbytes`` held by ``keep`` (numpy memory: large buffers get huge
    pages where the system offers them, so filling one costs few page faults)."""
    buf = np.empty(max(nbytes, 1), dtype=np.uint8)
    keep.append(buf)
    cdef uint8_t[::1] view = buf
    return &view[0]


cdef ukey *_sort_counted(ukey *src, ukey *dst, Py_ssize_t n, int64_t *cnt, int digits) noexcept nogil:
    """Stable LSD radix sort of ``src[:n]`` whose digit counts are known.

    ``cnt`` (digits x BUCKETS, IN, overwritten): how many keys have each value of each
    12-bit digit. ``src`` and ``dst`` (n) are both overwritten; returns whichever of the two
    holds the sorted keys. A digit that all keys share is skipped.
    """
    cdef Py_ssize_t i, p, run
    cdef int d, b
    cdef int64_t *c
    cdef ukey k, dg
    cdef ukey *t
    for d in range(digits):
        c = cnt + <Py_ssize_t>d * BUCKETS
        p = 0
        for b in range(BUCKETS):
            if c[b] == n:
                p = -1
                break
            run = c[b]
            c[b] = p
            p += run
        if p < 0:
            continue
        for i in range(n):
            k = src[i]
            dg = (k >> (d * DIGIT_BITS)) & (BUCKETS - 1)
            dst[c[dg]] = k
            c[dg] += 1
        t = src
        src = dst
        dst = t
    return src


cdef _runs(const ukey *srt, Py_ssize_t n, dtype):
    """The distinct values of sorted ``srt[:n]`` (n >= 1) and the length of each run."""
    cdef Py_ssize_t i, j, m = 1
    with nogil:
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
    cdef Py_ssize_t n = keys.shape[0], i
    cdef int d, digits
    cdef ukey top = 0, k
    dtype = np.uint32 if ukey is uint32_t else np.uint64
    if n == 0:
        return np.zeros(0, dtype=dtype), np.zeros(0, dtype=np.int64)
    with nogil:
        for i in range(n):
            top |= keys[i]
    digits = (bits_of(top) + DIGIT_BITS - 1) // DIGIT_BITS
    if ukey is uint32_t and digits <= 2:
        return _key_histogram24(&keys[0], n)
    cdef list keep = []
    cdef ukey *a = <ukey *>_scratch(keep, n * sizeof(ukey))
    cdef ukey *b = <ukey *>_scratch(keep, n * sizeof(ukey))
    cdef int64_t *cnt = <int64_t *>_scratch(keep, MAX_DIGITS * BUCKETS * sizeof(int64_t))
    cdef ukey *srt
    with nogil:
        memset(cnt, 0, MAX_DIGITS * BUCKETS * sizeof(int64_t))
        for i in range(n):  # copy and count every digit in one pass
            k = keys[i]
            a[i] = k
            for d in range(digits):
                cnt[d * BUCKETS + ((k >> (d * DIGIT_BITS)) & (BUCKETS - 1))] += 1
        srt = _sort_counted(a, b, n, cnt, digits)
    return _runs(srt, n, dtype)


cdef _key_histogram24(const uint32_t *keys, Py_ssize_t n):
    """:func:`key_histogram` of ``n >= 1`` keys below 2**24 (by :func:`_histogram24`)."""
    cdef Py_ssize_t i, m
    cdef list keep = []
    cdef int64_t *cnt = <int64_t *>_scratch(keep, 2 * BUCKETS * sizeof(int64_t))
    cdef uint16_t *low = <uint16_t *>_scratch(keep, n * sizeof(uint16_t))
    cdef uint32_t *uniq = <uint32_t *>_scratch(keep, n * sizeof(uint32_t))
    cdef int64_t *counts = <int64_t *>_scratch(keep, n * sizeof(int64_t))  # m <= n of them written
    with nogil:
        memset(cnt, 0, 2 * BUCKETS * sizeof(int64_t))
        for i in range(n):
            cnt[keys[i] >> DIGIT_BITS] += 1
        m = _histogram24(keys, n, low, cnt, uniq, counts)
    return _copied(uniq, counts, m)


cdef _copied(const uint32_t *uniq, const int64_t *counts, Py_ssize_t m):
    """numpy copies of ``uniq[:m]`` and ``counts[:m]``."""
    uniq_arr = np.empty(m, dtype=np.uint32)
    counts_arr = np.empty(m, dtype=np.int64)
    if m:
        uniq_arr[:] = <const uint32_t[:m]>uniq
        counts_arr[:] = <const int64_t[:m]>counts
    return uniq_arr, counts_arr


cdef inline void _bucket_starts(int64_t *hi_cnt) noexcept nogil:
    """How many keys have each high digit (BUCKETS, IN) -> where each bucket starts (OUT)."""
    cdef int64_t p = 0, run
    cdef int h
    for h in range(BUCKETS):
        run = hi_cnt[h]
        hi_cnt[h] = p
        p += run


cdef Py_ssize_t _count_buckets(const uint16_t *low, const int64_t *ends, int64_t *tally,
                               uint32_t *out_keys, int64_t *out_counts) noexcept nogil:
    """The distinct keys and their counts, ascending, from the low digits scattered into
    their buckets of the high digit (bucket h holds ``low[ends[h - 1] : ends[h]]``).

    Each bucket's low digits are counted in ``tally`` (BUCKETS zeros, IN/OUT: left zero), a
    table that stays in the cache, and read back in order through a bitmap of the digits
    present. OUT: ``out_keys``, ``out_counts``. Returns how many there are.
    """
    cdef Py_ssize_t i, begin = 0, m = 0
    cdef int h, w, t, l
    cdef uint64_t present[WORDS]
    cdef uint64_t word
    memset(present, 0, sizeof(present))
    for h in range(BUCKETS):
        if ends[h] == begin:
            continue
        for i in range(begin, ends[h]):
            l = low[i]
            tally[l] += 1
            present[l >> 6] |= (<uint64_t>1) << (l & 63)
        begin = ends[h]
        for w in range(WORDS):
            word = present[w]
            while word:
                t = ctz64(word)
                l = (w << 6) | t
                out_keys[m] = (<uint32_t>h << DIGIT_BITS) | <uint32_t>l
                out_counts[m] = tally[l]
                m += 1
                tally[l] = 0
                word &= word - 1
            present[w] = 0
    return m


cdef Py_ssize_t _histogram24(const uint32_t *keys, Py_ssize_t n, uint16_t *low, int64_t *hi_cnt,
                             uint32_t *out_keys, int64_t *out_counts) noexcept nogil:
    """The histogram of ``n`` keys of at most 24 bits by one scattering pass: the keys' low
    12 bits are moved to their bucket of the high 12 bits (most significant digit first),
    then counted bucket by bucket (:func:`_count_buckets`).

    ``hi_cnt`` (2 x BUCKETS, IN): the first half how many keys have each high digit, the
    second zeros (scratch); both overwritten. ``low`` (n): scratch. OUT: ``out_keys``,
    ``out_counts`` (room for n): the distinct keys ascending and their counts. Returns how
    many distinct keys there are.
    """
    cdef Py_ssize_t i
    cdef uint32_t k
    _bucket_starts(hi_cnt)
    for i in range(n):
        k = keys[i]
        low[hi_cnt[k >> DIGIT_BITS]] = k & (BUCKETS - 1)
        hi_cnt[k >> DIGIT_BITS] += 1
    return _count_buckets(low, hi_cnt, hi_cnt + BUCKETS, out_keys, out_counts)


def pixel_key_histogram(const uint8_t[:, ::1] pixels):
    """The colour histogram of uint8 pixels as packed keys: ``key_histogram(pack_keys(pixels))``
    with each key packed where it is used (up to three channels, keys of at most 24 bits:
    one pass counts the high digits, a second scatters the low ones; four channels: one
    pass packs the keys and counts all their digits, then the radix sort).

    Parameters
    ----------
    pixels : (n, C) uint8, C = 1..4, IN

    Returns
    -------
    uniq : (m,) uint32
        The distinct keys ``(p[0] << 8 (C-1)) | ... | p[C-1]``, ascending.
    counts : (m,) int64
    """
    cdef Py_ssize_t n = pixels.shape[0], i, m
    cdef int C = pixels.shape[1], c, d, digits
    cdef uint32_t k
    cdef const uint8_t *p
    if C < 1 or C > 4:
        raise ValueError(f"pixel_key_histogram: 1 to 4 channels; got {C}")
    if n == 0:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64)
    digits = (8 * C + DIGIT_BITS - 1) // DIGIT_BITS
    cdef list keep = []
    cdef int64_t *cnt = <int64_t *>_scratch(keep, MAX_DIGITS * BUCKETS * sizeof(int64_t))
    cdef uint32_t *a
    cdef void *b
    cdef uint16_t *low
    cdef uint32_t *uniq
    cdef int64_t *counts
    cdef uint32_t *srt
    memset(cnt, 0, MAX_DIGITS * BUCKETS * sizeof(int64_t))
    p = &pixels[0, 0]
    if C <= 3:  # keys of at most 24 bits: counted by their high digit, one scatter
        # (the pixels are read twice rather than their keys stored: less memory to fill)
        low = <uint16_t *>_scratch(keep, n * sizeof(uint16_t))
        uniq = <uint32_t *>_scratch(keep, n * sizeof(uint32_t))   # m <= n of them written
        counts = <int64_t *>_scratch(keep, n * sizeof(int64_t))
        with nogil:
            if C == 3:
                for i in range(n):
                    cnt[((<uint32_t>p[3 * i] << 16) | (<uint32_t>p[3 * i + 1] << 8)) >> DIGIT_BITS] += 1
                _bucket_starts(cnt)
                for i in range(n):
                    k = (<uint32_t>p[3 * i] << 16) | (<uint32_t>p[3 * i + 1] << 8) | p[3 * i + 2]
                    low[cnt[k >> DIGIT_BITS]] = k & (BUCKETS - 1)
                    cnt[k >> DIGIT_BITS] += 1
            else:
                for i in range(n):
                    k = 0
                    for c in range(C):
                        k = (k << 8) | p[C * i + c]
                    cnt[k >> DIGIT_BITS] += 1
                _bucket_starts(cnt)
                for i in range(n):
                    k = 0
                    for c in range(C):
                        k = (k << 8) | p[C * i + c]
                    low[cnt[k >> DIGIT_BITS]] = k & (BUCKETS - 1)
                    cnt[k >> DIGIT_BITS] += 1
            m = _count_buckets(low, cnt, cnt + BUCKETS, uniq, counts)
        return _copied(uniq, counts, m)
    a = <uint32_t *>_scratch(keep, n * sizeof(uint32_t))
    b = _scratch(keep, n * sizeof(uint32_t))
    with nogil:
        for i in range(n):
            k = 0
            for c in range(C):
                k = (k << 8) | p[C * i + c]
            a[i] = k
            for d in range(digits):
                cnt[d * BUCKETS + ((k >> (d * DIGIT_BITS)) & (BUCKETS - 1))] += 1
        srt = _sort_counted(a, <uint32_t *>b, n, cnt, digits)
    return _runs(srt, n, np.uint32)


def merge_key_counts(const ukey[::1] keys_a, const int64_t[::1] counts_a,
                     const ukey[::1] keys_b, const int64_t[::1] counts_b):
    """The histogram of two parts from theirs: one linear merge of two sorted key lists.

    Parameters
    ----------
    keys_a, keys_b : (ma,), (mb,) uint32 or uint64, IN
        Strictly increasing keys (as :func:`key_histogram` returns them).
    counts_a, counts_b : (ma,), (mb,) int64, IN

    Returns
    -------
    keys : (m,) same dtype, strictly increasing
        Every key of either list once.
    counts : (m,) int64
        The sum of its counts in both.
    """
    cdef Py_ssize_t ma = keys_a.shape[0], mb = keys_b.shape[0], i = 0, j = 0, m = 0
    if counts_a.shape[0] != ma or counts_b.shape[0] != mb:
        raise ValueError("merge_key_counts: keys and counts differ in length")
    dtype = np.uint32 if ukey is uint32_t else np.uint64
    keys_arr = np.empty(ma + mb, dtype=dtype)
    counts_arr = np.empty(ma + mb, dtype=np.int64)
    cdef ukey[::1] keys = keys_arr
    cdef int64_t[::1] counts = counts_arr
    with nogil:
        while i < ma and j < mb:
            if keys_a[i] < keys_b[j]:
                keys[m] = keys_a[i]
                counts[m] = counts_a[i]
                i += 1
            elif keys_b[j] < keys_a[i]:
                keys[m] = keys_b[j]
                counts[m] = counts_b[j]
                j += 1
            else:
                keys[m] = keys_a[i]
                counts[m] = counts_a[i] + counts_b[j]
                i += 1
                j += 1
            m += 1
        while i < ma:
            keys[m] = keys_a[i]
            counts[m] = counts_a[i]
            i += 1
            m += 1
        while j < mb:
            keys[m] = keys_b[j]
            counts[m] = counts_b[j]
            j += 1
            m += 1
    return keys_arr[:m].copy(), counts_arr[:m].copy()

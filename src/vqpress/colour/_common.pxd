# Helpers shared by the colour kernels (inline, so each kernel module compiles its own copy).
#
# - sqdist: the squared distance of two rows, summed channel by channel, left to right. Every
#   kernel and every reference (tests/colour_reference.py) uses this formula, so they agree
#   to the bit; the build turns off fused multiply-adds (-ffp-contract=off) for the same reason.
# - radix_sort: a stable LSD radix sort of unsigned keys (32- or 64-bit), optionally with the
#   permutation; it skips the digits that every key shares.
# - box_of: the bounding box of a set of points.
# - down_f32: a float32 no larger than a double (margins stored in single precision must
#   never grow).
# - EPS: the relative safety margin of every bound and pruning test (rounding is ~1e-16).

from libc.math cimport sqrt, fabs
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

cdef extern from *:
    """
    static const double VQ_EPS = 1e-9;
    """
    const double EPS "VQ_EPS"

ctypedef fused ukey:
    uint32_t
    uint64_t


cdef inline double sqdist(const double *x, const double *c, Py_ssize_t d) noexcept nogil:
    cdef double s = 0.0, t
    cdef Py_ssize_t j
    for j in range(d):
        t = x[j] - c[j]
        s += t * t
    return s


cdef inline void box_of(const double *X, Py_ssize_t m, Py_ssize_t d, double *lo, double *hi) noexcept nogil:
    """The bounding box of the m points X (m, d), m >= 1: OUT ``lo``, ``hi`` (d,)."""
    cdef Py_ssize_t i, c
    for c in range(d):
        lo[c] = X[c]
        hi[c] = X[c]
    for i in range(1, m):
        for c in range(d):
            if X[i * d + c] < lo[c]:
                lo[c] = X[i * d + c]
            if X[i * d + c] > hi[c]:
                hi[c] = X[i * d + c]


cdef inline float down_f32(double v) noexcept nogil:
    """A float32 no larger than v: rounding v less 2**-22 of itself cannot land above v."""
    cdef float f = <float>v
    if f > v:
        f = <float>(v - fabs(v) * 2.384185791015625e-07)
    return f


cdef inline int bits_of(uint64_t v) noexcept nogil:
    """Bits needed to write v (0 for 0)."""
    cdef int b = 0
    while b < 64 and (v >> b) > 0:
        b += 1
    return b


cdef inline int radix_sort(const ukey *key, Py_ssize_t n, int nbits, ukey *out, int64_t *order) noexcept nogil:
    """Sort ``key[:n]`` (its low ``nbits`` bits) ascending, stably, into ``out``; with
    ``order`` not NULL also write there the permutation (``out[i] == key[order[i]]``).
    12-bit digits, least significant first. Returns 0, or -1 when out of memory."""
    cdef Py_ssize_t i, p
    cdef int shift, j
    cdef ukey dg
    cdef ukey *k1 = out
    cdef ukey *k2 = <ukey *>malloc(max(n, 1) * sizeof(ukey))
    cdef ukey *kt
    cdef int64_t *o1 = order
    cdef int64_t *o2 = NULL
    cdef int64_t *ot
    cdef int64_t *cnt = <int64_t *>malloc(4097 * sizeof(int64_t))
    cdef bint one
    if k2 == NULL or cnt == NULL:
        free(k2)
        free(cnt)
        return -1
    if order != NULL:
        o2 = <int64_t *>malloc(max(n, 1) * sizeof(int64_t))
        if o2 == NULL:
            free(k2)
            free(cnt)
            return -1
        for i in range(n):
            o1[i] = i
    if <const void *>k1 != <const void *>key:
        memcpy(k1, key, n * sizeof(ukey))
    for shift in range(0, nbits, 12):
        memset(cnt, 0, 4097 * sizeof(int64_t))
        for i in range(n):
            cnt[((k1[i] >> shift) & 4095) + 1] += 1
        one = False
        for j in range(1, 4097):
            if cnt[j] == n:  # one digit value for all: the pass would not move anything
                one = True
            cnt[j] += cnt[j - 1]
        if one:
            continue
        for i in range(n):
            dg = (k1[i] >> shift) & 4095
            p = cnt[dg]
            cnt[dg] = p + 1
            k2[p] = k1[i]
            if o1 != NULL:
                o2[p] = o1[i]
        kt = k1
        k1 = k2
        k2 = kt
        ot = o1
        o1 = o2
        o2 = ot
    if k1 != out:  # an odd number of passes: the result is in the scratch buffer
        memcpy(out, k1, n * sizeof(ukey))
        if order != NULL:
            memcpy(order, o1, n * sizeof(int64_t))
        free(k1)
        free(o1)
    else:
        free(k2)
        free(o2)
    free(cnt)
    return 0

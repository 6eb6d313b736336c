from libc.stdint cimport int64_t, uint64_t

cdef enum:
    LEAF = 16  # most points in a leaf (4 and 8 were slower)


cdef class PointTree:
    cdef readonly object Xs_arr, ws_arr, perm_arr, start_arr, end_arr, left_arr, lo_arr, hi_arr, bn2_arr, NS_arr, NW_arr
    cdef double[:, ::1] Xs, lo, hi, NS
    cdef double[::1] ws, bn2, NW
    cdef int64_t[::1] perm, start, end, left
    cdef readonly Py_ssize_t m, d, nn, maxdepth
    cdef _nodes(self, const uint64_t[::1] codes, int nb)

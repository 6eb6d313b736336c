from libc.stdint cimport int64_t, uint32_t

ctypedef fused label_t:
    int64_t
    uint32_t


cdef class ClusterSums:
    cdef readonly object S_arr, W_arr, Q2_arr, n_arr
    cdef double[:, ::1] S
    cdef double[::1] W
    cdef double[::1] Q2
    cdef int64_t[::1] n
    cdef Py_ssize_t k, d
    cdef void clear(self) noexcept nogil


cdef class LloydStep:
    cdef readonly double beta
    cdef readonly bint relax
    cdef readonly double objective
    cdef readonly object bet_arr, last_arr, grown_arr, delta_arr
    cdef double[::1] bet
    cdef double[:, ::1] last
    cdef unsigned char[::1] grown
    cdef double[::1] delta
    cpdef Py_ssize_t move(self, double[:, ::1] C, ClusterSums sums)
    cpdef bint record(self, double Q, ClusterSums sums, const double[:, ::1] C)


cdef void add_sums(ClusterSums sums, const double *X, const double *w, const label_t *labels, Py_ssize_t m) noexcept nogil

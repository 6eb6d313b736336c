from libc.stdint cimport int64_t

#: Neighbours sorted exactly per centre in a centre order; the others follow in index order.
cpdef enum:
    ORDER_DEPTH = 48

cdef int centre_order(const double *C, Py_ssize_t k, Py_ssize_t d, int64_t *order, double *sdist,
                      bint parallel) noexcept nogil

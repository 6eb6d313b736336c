from vqpress.colour._point_bounds cimport BoundedState

cdef void centre_tables(BoundedState *s, bint parallel, int nw) noexcept nogil

# Level 5 of the cm coding, gray levels as one symbol around a predicted value
# (``_cm_ordered5.pyx``): what ``_cm.pyx`` calls.

from libc.stdint cimport uint8_t


cdef int ordered5_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
cdef int ordered5_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n) noexcept nogil

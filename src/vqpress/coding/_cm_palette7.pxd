# Level 7 of the cm coding, the palette model of mixed symbol tables (``_cm_palette7.pyx``):
# what ``_cm.pyx`` calls.

from libc.stdint cimport uint8_t


cdef int palette7_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
cdef int palette7_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n) noexcept nogil

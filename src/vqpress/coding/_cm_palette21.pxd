# Level 21 of the cm coding, level 6 with its unpredicted pixel's high and low bits as one
# symbol (``_cm_palette21.pyx``): what ``_cm.pyx`` calls.

from libc.stdint cimport uint8_t

from vqpress.coding._row_sink cimport RowSink


cdef int palette21_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
cdef int palette21_decode(const uint8_t *stream, Py_ssize_t size, const RowSink *sink, int h, int w,
                         int n) noexcept nogil

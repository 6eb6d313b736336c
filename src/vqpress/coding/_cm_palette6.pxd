# Levels 6, 10 and 18 of the cm coding, the palette model of one neighbour symbol
# (``_cm_palette6.pyx``; level 10 codes the pixel no neighbour predicts with mixed tables,
# level 18 is level 10 with richer neighbour-symbol contexts): what ``_cm.pyx`` calls.

from libc.stdint cimport uint8_t

from vqpress.coding._row_sink cimport RowSink


cdef int palette6_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
cdef int palette6_decode(const uint8_t *stream, Py_ssize_t size, const RowSink *sink, int h, int w,
                        int n) noexcept nogil
cdef int palette10_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
cdef int palette10_decode(const uint8_t *stream, Py_ssize_t size, const RowSink *sink, int h, int w,
                         int n) noexcept nogil
cdef int palette18_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
cdef int palette18_decode(const uint8_t *stream, Py_ssize_t size, const RowSink *sink, int h, int w,
                         int n) noexcept nogil
